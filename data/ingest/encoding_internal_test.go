package ingest

import (
	"bytes"
	"io"
	"sync/atomic"
	"testing"
	"testing/iotest"
)

func TestLatin1Reader(t *testing.T) {
	in := []byte("S\xe9gou \xff\xc0-\x80 end")
	want := "Ségou ÿÀ-\u0080 end"
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"whole":        func(r io.Reader) io.Reader { return r },
		"one byte":     iotest.OneByteReader,
		"half reads":   iotest.HalfReader,
		"data and EOF": iotest.DataErrReader,
	} {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int64
			r := textReader(wrap(bytes.NewReader(in)), latin1Enc, &n)
			out, err := io.ReadAll(iotest.OneByteReader(r))
			if err != nil || string(out) != want {
				t.Errorf("got %q, %v; want %q", out, err, want)
			}
			if n.Load() != int64(len(in)) {
				t.Errorf("counted %d bytes, want %d", n.Load(), len(in))
			}
		})
	}
}

func TestLatin1ReaderTinyReads(t *testing.T) {
	r := &latin1Reader{r: bytes.NewReader([]byte("a\xe9\xe9b"))}
	out, err := io.ReadAll(iotest.OneByteReader(r))
	if err != nil || string(out) != "aééb" {
		t.Errorf("got %q, %v; want %q", out, err, "aééb")
	}
}
