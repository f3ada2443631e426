package ingest

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
)

// textFile is a text input read in passes (the schema scan, then the records): the open file,
// its base name for Record.Where, its size, and the bytes read in the current pass, for
// Progress. CSV, GeoJSON and GeoJSONL embed it.
type textFile struct {
	file *os.File
	name string
	size int64
	read atomic.Int64
	enc  encoding
}

func (t *textFile) open(path string, enc encoding) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	size, err := fileSize(file)
	if err != nil {
		file.Close()
		return err
	}
	t.file, t.name, t.size, t.enc = file, filepath.Base(path), size, enc
	return nil
}

// rewind starts a pass from the beginning of the file, decoded to UTF-8.
func (t *textFile) rewind() (*bufio.Reader, error) {
	if _, err := t.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	t.read.Store(0)
	return textReader(t.file, t.enc, &t.read), nil
}

func (t *textFile) progress() (int64, int64) { return t.read.Load(), t.size }

func (t *textFile) close() error { return t.file.Close() }
