package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/harmattan/harmattan/data"
)

// recordSeparator starts each text of an RFC 8142 GeoJSON text sequence.
const recordSeparator = 0x1E

// geojsonSeqFormat reads newline-delimited GeoJSON (one Feature per line; blank lines are
// skipped) and RFC 8142 GeoJSON text sequences (each Feature preceded by the RS byte 0x1E,
// which may span lines). A file that starts with RS is read as a sequence, any other as
// lines. A line or text that is not a valid Feature is an *Error; the next one is read on.
type geojsonSeqFormat struct {
	textFile
	cur *textSeq
}

func openGeoJSONSeq(path string, enc encoding) (*geojsonSeqFormat, error) {
	g := &geojsonSeqFormat{}
	if err := g.open(path, enc); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *geojsonSeqFormat) begin() error {
	br, err := g.rewind()
	if err != nil {
		return err
	}
	g.cur = &textSeq{r: br, line: 1}
	if b, err := br.Peek(1); err == nil && b[0] == recordSeparator {
		g.cur.rs = true
	}
	return nil
}

func (g *geojsonSeqFormat) scan(ctx context.Context) (Schema, error) {
	if err := g.begin(); err != nil {
		return Schema{}, err
	}
	var inf jsonInference
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return Schema{}, ctx.Err()
		}
		text, _, err := g.cur.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Schema{}, g.fatal(err)
		}
		if f, err := decodeFeatureHead(text); err == nil {
			inf.add(f)
		}
	}
	return inf.schema(), nil
}

func (g *geojsonSeqFormat) start() error { return g.begin() }

func (g *geojsonSeqFormat) next(ty *typing) (*data.Record, error) {
	text, line, err := g.cur.next()
	if err == io.EOF {
		return nil, err
	}
	if err != nil {
		return nil, g.fatal(err)
	}
	where := g.name + ":" + strconv.Itoa(line)
	f, err := decodeFeatureHead(text)
	if err != nil {
		return nil, &Error{Where: where, Err: err}
	}
	return featureRecord(f, where, ty)
}

func (g *geojsonSeqFormat) fatal(err error) error {
	return fmt.Errorf("%s: %w", g.name, err)
}

// textSeq splits a stream into JSON texts: lines, or RS-separated texts.
type textSeq struct {
	r    *bufio.Reader
	rs   bool
	line int // the line the reader is at (from 1)
	buf  []byte
}

// next returns the next non-blank text, without RS bytes and surrounding white space, and the
// line it starts on. The text is valid until the next call.
func (t *textSeq) next() ([]byte, int, error) {
	delim := byte('\n')
	if t.rs {
		delim = recordSeparator
	}
	for {
		start := t.line
		chunk, err := t.readUntil(delim)
		if len(chunk) == 0 && err != nil {
			return nil, 0, err
		}
		// The text starts on the line of its first non-blank byte.
		lead := 0
		for lead < len(chunk) && isSpaceOrRS(chunk[lead]) {
			if chunk[lead] == '\n' {
				start++
			}
			lead++
		}
		t.line += bytes.Count(chunk, []byte{'\n'})
		text := bytes.TrimRight(chunk[lead:], " \t\r\n\x1e")
		if len(text) > 0 {
			return text, start, nil
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

// readUntil reads through the next delim (or to the end of the input), however long.
func (t *textSeq) readUntil(delim byte) ([]byte, error) {
	b, err := t.r.ReadSlice(delim)
	if err != bufio.ErrBufferFull {
		if err == io.EOF && len(b) > 0 {
			err = nil
		}
		return b, err
	}
	t.buf = append(t.buf[:0], b...)
	for err == bufio.ErrBufferFull {
		b, err = t.r.ReadSlice(delim)
		t.buf = append(t.buf, b...)
	}
	if err == io.EOF && len(t.buf) > 0 {
		err = nil
	}
	return t.buf, err
}

func isSpaceOrRS(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == recordSeparator
}
