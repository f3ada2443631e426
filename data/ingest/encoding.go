package ingest

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// encoding is how a text input's bytes become UTF-8.
type encoding int

const (
	utf8Enc   encoding = iota // UTF-8, checked; a leading byte order mark is dropped
	latin1Enc                 // ISO-8859-1, each byte one code point
)

// parseEncoding reads Options.Encoding: "" or "utf-8", or "latin-1" (also written "latin1",
// "iso-8859-1"), in any letter case.
func parseEncoding(name string) (encoding, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "utf-8", "utf8":
		return utf8Enc, nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		return latin1Enc, nil
	}
	return 0, fmt.Errorf("unknown encoding %q (want utf-8 or latin-1)", name)
}

// readBufferSize is the size of the buffered reader over an input file: reads from the file
// are this large, which keeps system calls and progress updates rare.
const readBufferSize = 256 << 10

// textReader returns a buffered reader of r's text as UTF-8 (not yet checked: callers check
// values where they can name the line and field), counting the bytes read from r in n.
func textReader(r io.Reader, enc encoding, n *atomic.Int64) *bufio.Reader {
	var src io.Reader = &countingReader{r: r, n: n}
	if enc == latin1Enc {
		src = &latin1Reader{r: src}
	}
	br := bufio.NewReaderSize(src, readBufferSize)
	if enc == utf8Enc {
		if b, err := br.Peek(3); err == nil && string(b) == "\xEF\xBB\xBF" {
			br.Discard(3)
		}
	}
	return br
}

// countingReader adds the bytes it reads to n, which Progress reads from any goroutine.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

// latin1Reader converts ISO-8859-1 to UTF-8: bytes 0x80 to 0xFF become two bytes each.
type latin1Reader struct {
	r       io.Reader
	buf     []byte
	pending byte // second byte of an encoded rune that did not fit in the last Read
	has     bool
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	if l.has {
		p[0] = l.pending
		l.has = false
		n = 1
		if len(p) == 1 {
			return 1, nil
		}
	}
	want := (len(p) - n) / 2
	if want == 0 {
		want = 1
	}
	if cap(l.buf) < want {
		l.buf = make([]byte, want)
	}
	k, err := l.r.Read(l.buf[:want])
	for _, b := range l.buf[:k] {
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		b0, b1 := 0xC0|b>>6, 0x80|b&0x3F
		p[n] = b0
		n++
		if n == len(p) {
			l.pending, l.has = b1, true
			continue
		}
		p[n] = b1
		n++
	}
	if n > 0 && err == io.EOF && l.has {
		err = nil
	}
	return n, err
}

// utf8Hint is added to invalid UTF-8 errors.
const utf8Hint = "invalid UTF-8 (is the file in another encoding? try --encoding latin-1)"
