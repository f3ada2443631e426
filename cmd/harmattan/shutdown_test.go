package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveProcess runs `harmattan serve` as a process of its own (see TestMain) on db and returns
// it with its base URL and a reader of its logs so far.
func serveProcess(t *testing.T, db string, args ...string) (*exec.Cmd, string, func() string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, args...)...)
	cmd.Env = append(os.Environ(), "HARMATTAN_MAIN=1")
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := regexp.MustCompile(`url=(http://\S+)/`).FindStringSubmatch(logs.String()); m != nil {
			return cmd, m[1], logs.String
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the server did not start: %s", logs.String())
	return nil, "", nil
}

// bigLayer imports n synthetic points into a new GeoPackage: enough that downloading the layer
// takes more than the socket buffers hold, so a client that stops reading keeps it in flight.
func bigLayer(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "big.geojsonl")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%.4f,%.4f]},"properties":{"n":%d,"label":"synthetic row %d of a layer made for the shutdown test"}}`+"\n",
			-4+float64(i%1000)/1000, 14+float64(i/1000)/1000, i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	db := filepath.Join(dir, "big.gpkg")
	if _, stderr, err := harmattan("import", "--db", db, "--layer", "big", src); err != nil {
		t.Fatalf("import: %v %s", err, stderr)
	}
	return db
}

// awaitExit waits for the process to end and returns its exit code (-1 if killed).
func awaitExit(t *testing.T, cmd *exec.Cmd, logs func() string) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("the server did not exit within 2 minutes of SIGTERM: %s", logs())
	}
	return cmd.ProcessState.ExitCode()
}

// TestGracefulShutdown sends SIGTERM while a large download is in flight: the server stops
// accepting at once, finishes the download whole, closes the database (no WAL left, check
// clean) and exits 0. A client that never reads is cut off at --shutdown-timeout, and the
// server still exits 0 with the database closed.
func TestGracefulShutdown(t *testing.T) {
	db := bigLayer(t, 60000)

	t.Run("in flight finishes", func(t *testing.T) {
		cmd, url, logs := serveProcess(t, db, "--shutdown-timeout", "2m")
		res, err := http.Get(url + "/collections/big/download?f=geojson")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		head := make([]byte, 64<<10) // the response has started; most of it is still to come
		if _, err := io.ReadFull(res.Body, head); err != nil {
			t.Fatal(err)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(logs(), "shutting down") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		// The listener is closed: a new request cannot get in.
		addr := strings.TrimPrefix(url, "http://")
		if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
			c.Close()
			t.Errorf("a new connection was accepted after SIGTERM")
		}
		rest, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("the download in flight was cut: %v", err)
		}
		var fc struct{ Features []json.RawMessage }
		if err := json.Unmarshal(append(head, rest...), &fc); err != nil || len(fc.Features) != 60000 {
			t.Fatalf("the download in flight: %d features, %v", len(fc.Features), err)
		}
		if code := awaitExit(t, cmd, logs); code != 0 {
			t.Fatalf("exit status %d: %s", code, logs())
		}
		closedCleanly(t, db, logs())
	})

	t.Run("the drain is bounded", func(t *testing.T) {
		cmd, url, logs := serveProcess(t, db, "--shutdown-timeout", "1s")
		conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /collections/big/download?f=geojson HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, err := conn.Read(make([]byte, 1024)); err != nil { // in flight, and never read again
			t.Fatal(err)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if code := awaitExit(t, cmd, logs); code != 0 {
			t.Fatalf("exit status %d: %s", code, logs())
		}
		if !strings.Contains(logs(), "cut off") {
			t.Errorf("the stalled request was not reported cut off: %s", logs())
		}
		closedCleanly(t, db, logs())
	})
}

// closedCleanly checks the server's last words and that the GeoPackage was closed: SQLite
// removes the write-ahead log on a clean close, and check finds nothing wrong.
func closedCleanly(t *testing.T, db, logs string) {
	t.Helper()
	if !strings.Contains(logs, "database closed") {
		t.Errorf("no \"database closed\" in the logs: %s", logs)
	}
	if _, err := os.Stat(db + "-wal"); err == nil {
		t.Errorf("%s-wal is left behind: the database was not closed", db)
	}
	if out, code := checkCommand(t, db); code != 0 {
		t.Errorf("check after shutdown: exit %d: %s", code, out)
	}
}
