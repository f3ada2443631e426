package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/data/sqlite"
)

// The crash tests kill the harmattan command with SIGKILL, 20 times each: in the middle of a
// large import, and in the middle of concurrent writes through the API. After every kill the
// GeoPackage must open, pass PRAGMA integrity_check and `harmattan check` (which also holds
// every R-tree against its table), and show each import and each write whole or not at all.
// Kills are timed by what the process is doing (its write-ahead log growing, a commit being
// written) or by a delay that differs per round; the tests assert nothing about timing, only
// that the kills landed often enough to prove something.

// crashRounds is how many times each test kills the command.
const crashRounds = 20

// crashProc is the test binary running as the harmattan command (see TestMain).
type crashProc struct {
	cmd  *exec.Cmd
	done chan error // Wait's result
	out  *syncBuffer
}

func crashStart(t *testing.T, args ...string) *crashProc {
	t.Helper()
	p := &crashProc{cmd: exec.Command(os.Args[0], args...), done: make(chan error, 1), out: &syncBuffer{}}
	p.cmd.Env = append(os.Environ(), "HARMATTAN_MAIN=1")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p
}

// kill sends SIGKILL and reports whether that is what ended the process; err is how it
// ended otherwise (nil: it had finished successfully before).
func (p *crashProc) kill() (killed bool, err error) {
	p.cmd.Process.Signal(syscall.SIGKILL)
	return crashKilled(<-p.done)
}

// crashKilled reads Wait's error: killed by SIGKILL, or the error of a process that ended
// otherwise.
func crashKilled(err error) (bool, error) {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, nil
		}
	}
	return false, err
}

// crashSize is the size of file, or -1 when there is none.
func crashSize(file string) int64 {
	fi, err := os.Stat(file)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// crashCopy copies the GeoPackage from to to, which must not be open.
func crashCopy(t *testing.T, from, to string) {
	t.Helper()
	for _, side := range []string{"-wal", "-shm"} {
		if err := os.Remove(to + side); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// crashCheck fails the test unless `harmattan check` finds nothing wrong with db and
// integrity_check says ok; it returns dbState.
func crashCheck(t *testing.T, db, when string) string {
	t.Helper()
	if out, errOut, err := harmattan("check", "--db", db); err != nil || !strings.Contains(out, "no problems found") {
		t.Fatalf("%s: harmattan check: %v\n%s%s", when, err, out, errOut)
	}
	state := dbState(t, db)
	if !strings.HasPrefix(state, "integrity ok;") {
		t.Fatalf("%s: PRAGMA integrity_check: %s", when, state)
	}
	return state
}

// crashOpen opens db as the server does.
func crashOpen(t *testing.T, db, when string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), db, sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("%s: the database does not open: %v", when, err)
	}
	return s
}

// crashImportN is how many features the killed import appends: enough that it takes about a
// second, with a write-ahead log of about 16 MB at its commit.
const crashImportN = 100000

// crashCSV writes rows first to first+n-1 of the import data.
func crashCSV(t *testing.T, file string, first, n int) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "n,label,day,lon,lat")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(w, "%d,crash row %d,2024-%02d-%02d,%.5f,%.5f\n", i, i, 1+i%12, 1+i%28,
			-12+float64(i%997)*0.016, 10+float64(i%1009)*0.015)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// crashLayer is what TestCrashImport compares after each kill.
type crashLayer struct {
	state    string // dbState and a checksum of layer big
	features int64
}

// crashImportState checks db and returns its state, reading it as the server would.
func crashImportState(t *testing.T, db, when string) crashLayer {
	t.Helper()
	state := crashCheck(t, db, when)
	sq, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var n, sum, maxID int64
	err = sq.QueryRow("SELECT count(*), coalesce(sum(n), 0), coalesce(max(fid), 0) FROM big").Scan(&n, &sum, &maxID)
	sq.Close()
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	ctx := context.Background()
	s := crashOpen(t, db, when)
	defer s.Close()
	all, err := s.Count(ctx, "big", data.Query{})
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	inBox, err := s.Count(ctx, "big", data.Query{BBox: &orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}})
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if all != n || inBox != n {
		t.Fatalf("%s: layer big has %d rows, the store counts %d and %d in its R-tree", when, n, all, inBox)
	}
	return crashLayer{state: fmt.Sprintf("%s; big: sum(n) %d, max(fid) %d", state, sum, maxID), features: n}
}

// crashRun is what an import did: how long it ran, when its WAL was first full, the most its
// WAL held and the database file's size at the end.
type crashRun struct {
	took, full time.Duration
	wal, size  int64
}

// crashKill says when a round of TestCrashImport kills the import: at a fraction of what the
// import did when it ran to the end (the calibrated run). The kinds are "time", a fraction of
// its time; "wal", of the most its WAL held (SQLite writes the whole transaction to the WAL at
// the commit, then rewrites the frames' checksums, which is when the commit takes effect);
// "full", of the time from its WAL being full to its end; and "checkpoint", of the growth of
// the database file, which the checkpoint makes as it copies the committed WAL into it.
type crashKill struct {
	kind string
	frac float64
}

func (k crashKill) String() string {
	switch k.kind {
	case "time":
		return fmt.Sprintf("at %.0f%% of its time", k.frac*100)
	case "wal":
		return fmt.Sprintf("with %.0f%% of its WAL written", k.frac*100)
	case "full":
		return fmt.Sprintf("%.0f%% from a full WAL to its end", k.frac*100)
	}
	return fmt.Sprintf("with its checkpoint %.0f%% done", k.frac*100)
}

// due reports whether the import is to be killed now: it has run for ran, its WAL holds wal
// and was first full at full (0: not yet), and the file has grown from size0 to size.
func (k crashKill) due(cal crashRun, ran, full time.Duration, wal, size0, size int64) bool {
	switch k.kind {
	case "time":
		return ran >= time.Duration(k.frac*float64(cal.took))
	case "wal":
		return wal >= int64(k.frac*float64(cal.wal))
	case "full":
		return full > 0 && ran-full >= time.Duration(k.frac*float64(cal.took-cal.full))
	}
	return size > size0 && size >= size0+int64(k.frac*float64(cal.size-size0))
}

// crashImportRun runs the import of big into db and kills it as k says, by cal (k nil: it runs
// to the end). It returns whether it was killed, and what it did until then.
func crashImportRun(t *testing.T, db, big string, k *crashKill, cal crashRun) (killed bool, run crashRun) {
	t.Helper()
	size0 := crashSize(db)
	p := crashStart(t, "import", "--db", db, "--layer", "big", "--append", big)
	start := time.Now()
	for {
		select {
		case err := <-p.done:
			if err != nil {
				t.Fatalf("the import failed: %v\n%s", err, p.out)
			}
			run.took, run.size = time.Since(start), crashSize(db)
			return false, run
		default:
		}
		ran, wal, size := time.Since(start), crashSize(db+"-wal"), crashSize(db)
		if wal > run.wal {
			run.wal = wal
			if k == nil || wal >= cal.wal {
				run.full = ran
			}
		}
		if k != nil && k.due(cal, ran, run.full, wal, size0, size) {
			killed, err := p.kill()
			if err != nil {
				t.Fatalf("the import failed: %v\n%s", err, p.out)
			}
			run.took, run.wal, run.size = ran, wal, size
			return killed, run
		}
		if ran > 2*time.Minute {
			p.kill()
			t.Fatalf("the import has run for %v", ran)
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// TestCrashImport kills a large import into a GeoPackage that has data, 20 times: early, while
// it inserts, while its commit is written, once the WAL is full and during its checkpoint.
// Each time the file must be sound and hold either none of the import or all of it.
func TestCrashImport(t *testing.T) {
	dir := t.TempDir()
	base, db := filepath.Join(dir, "base.gpkg"), filepath.Join(dir, "crash.gpkg")
	first, big := filepath.Join(dir, "first.csv"), filepath.Join(dir, "big.csv")
	crashCSV(t, first, 0, 1000)
	crashCSV(t, big, 1000, crashImportN)
	if _, _, err := harmattan("generate", "--db", base, "--count", "5000", "--seed", "3"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := harmattan("import", "--db", base, "--layer", "big", first); err != nil {
		t.Fatal(err)
	}
	crashCopy(t, base, db)
	nothing := crashImportState(t, db, "before")

	// One import to the end, watched: the kills are placed by what it did.
	_, cal := crashImportRun(t, db, big, nil, crashRun{})
	all := crashImportState(t, db, "after a whole import")
	if all.features != nothing.features+crashImportN {
		t.Fatalf("a whole import left %d features, want %d + %d", all.features, nothing.features, crashImportN)
	}
	t.Logf("a whole import takes %v; its WAL is full (%d KiB) at %v", cal.took.Round(time.Millisecond), cal.wal>>10, cal.full.Round(time.Millisecond))

	var kills []crashKill
	for _, kind := range []struct {
		name  string
		fracs []float64
	}{
		{"time", []float64{0.02, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}},
		{"wal", []float64{0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95}},
		{"full", []float64{0, 0.3}},
		{"checkpoint", []float64{0.05, 0.5, 0.9}},
	} {
		for _, f := range kind.fracs {
			kills = append(kills, crashKill{kind: kind.name, frac: f})
		}
	}
	if len(kills) != crashRounds {
		t.Fatalf("%d kills for %d rounds", len(kills), crashRounds)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(kills), func(i, j int) { kills[i], kills[j] = kills[j], kills[i] })
	crashCopy(t, base, db)
	outcomes := map[string]int{}
	for round, k := range kills {
		killed, run := crashImportRun(t, db, big, &k, cal)
		when := fmt.Sprintf("round %d, killed %v", round, k)
		got := crashImportState(t, db, when)
		outcome := ""
		switch {
		case got.state == nothing.state:
			outcome = "nothing"
		case got.state == all.state:
			outcome = "all"
			crashCopy(t, base, db) // start the next round from the same file
		default:
			t.Fatalf("%s: the import is neither absent nor whole (%d features; %d before, %d after a whole import):\nbefore: %s\nafter:  %s\nwhole:  %s",
				when, got.features, nothing.features, all.features, nothing.state, got.state, all.state)
		}
		if !killed {
			if outcome != "all" {
				t.Fatalf("%s: the import finished, but its features are not there", when)
			}
			outcome = "finished before the kill"
		}
		outcomes[outcome]++
		t.Logf("round %2d: killed %-36v after %4d ms, WAL %5d KiB, file %5d KiB: %s",
			round, k, run.took.Milliseconds(), run.wal>>10, run.size>>10, outcome)
	}
	t.Logf("outcomes: %v", outcomes)
	// The kills must have landed both before the commit and after it, or the test proves little.
	if outcomes["nothing"] < crashRounds/2 || outcomes["all"] < 1 {
		t.Fatalf("the kills landed too seldom inside the import: %v", outcomes)
	}
}

// crashToken may write to every collection of TestCrashWrites' server.
const crashToken = "crash-test-token-0123456789"

// crashWriters is how many clients write at once.
const crashWriters = 4

// crashGone is the state of a feature that is not in the database.
const crashGone = -1

// crashFeature is a feature of the incidents layer that TestCrashWrites writes. Its content is
// a function of its tag (its location property) and its version (its fatalities property):
// crashContent.
type crashFeature struct {
	tag string
	id  int64 // 0 while unknown
	// may lists the states the feature may be in: a version, or crashGone. An acknowledged write
	// leaves one; a write without an answer leaves the state before it and the one after.
	may []int
}

// present reports whether f is known to be in the database, with its id.
func (f *crashFeature) present() bool { return len(f.may) == 1 && f.may[0] != crashGone && f.id != 0 }

// crashContent is version v of the feature tagged tag: its properties as stored and read back
// (event_date a string, fatalities an int64) and its point.
func crashContent(tag string, v int) (map[string]any, orb.Point) {
	h := fnv.New64a()
	h.Write([]byte(tag))
	x := h.Sum64()
	props := map[string]any{
		"event_date":  fmt.Sprintf("2024-%02d-%02d", 1+v%12, 1+x%28),
		"event_type":  []string{"Battles", "Riots", "Protests"}[(int(x%3)+v)%3],
		"location":    tag,
		"fatalities":  int64(v),
		"description": fmt.Sprintf("version %d of %s: %s", v, tag, strings.Repeat("harmattan dust ", 5+int(x%60)+v%7)),
		"source":      "crash test",
		"source_url":  "https://example.org/crash/" + tag,
	}
	pt := orb.Point{-12 + float64(x%16000)/1000 + float64(v)*0.001, 10 + float64(x/16000%15000)/1000}
	return props, pt
}

// crashJSON is version v of tag as a GeoJSON feature.
func crashJSON(tag string, v int) json.RawMessage {
	props, pt := crashContent(tag, v)
	b, err := json.Marshal(map[string]any{"type": "Feature", "properties": props,
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{pt[0], pt[1]}}})
	if err != nil {
		panic(err)
	}
	return b
}

// crashWriter is one client writing to the server until it stops answering.
type crashWriter struct {
	client *http.Client
	items  string // URL of the incidents items
	prefix string // of its new features' tags
	rng    *rand.Rand
	own    []*crashFeature // the features that only this writer changes
	made   []*crashFeature // the features it created or tried to
	// group holds the features of a FeatureCollection whose POST was not answered.
	group             []*crashFeature
	acked, unanswered int
	err               error // a refused write
}

func (w *crashWriter) run() {
	for w.step() {
	}
}

// step makes one write and reports whether it was acknowledged.
func (w *crashWriter) step() bool {
	r := w.rng.IntN(100)
	var f *crashFeature
	for i := 0; r >= 50 && len(w.own) > 0 && i < 20 && f == nil; i++ { // a feature to change
		if c := w.own[w.rng.IntN(len(w.own))]; c.present() {
			f = c
		}
	}
	switch {
	case f != nil && r >= 80:
		return w.delete(f)
	case f != nil:
		return w.put(f)
	case r < 15:
		return w.post(20 + w.rng.IntN(180))
	}
	return w.post(1)
}

func (w *crashWriter) send(method, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+crashToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/geo+json")
	}
	return w.client.Do(req)
}

// answered reads res (nil when err is not): it reports whether the write was acknowledged with
// status, noting a write that was refused.
func (w *crashWriter) answered(res *http.Response, err error, status int) bool {
	if err != nil {
		w.unanswered++
		return false
	}
	if res.StatusCode != status {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		w.err = fmt.Errorf("%s %s: %s: %s", res.Request.Method, res.Request.URL, res.Status, body)
		return false
	}
	w.acked++
	return true
}

// post creates n features, as one Feature or as a FeatureCollection.
func (w *crashWriter) post(n int) bool {
	feats := make([]*crashFeature, n)
	var members []json.RawMessage
	for i := range feats {
		feats[i] = &crashFeature{tag: fmt.Sprintf("%s-%d", w.prefix, len(w.made)), may: []int{crashGone, 0}}
		w.made = append(w.made, feats[i])
		members = append(members, crashJSON(feats[i].tag, 0))
	}
	w.own = append(w.own, feats...)
	body := []byte(members[0])
	if n > 1 {
		body, _ = json.Marshal(map[string]any{"type": "FeatureCollection", "features": members})
	}
	res, err := w.send(http.MethodPost, w.items, body)
	if !w.answered(res, err, http.StatusCreated) {
		if n > 1 {
			w.group = feats
		}
		return false
	}
	defer res.Body.Close()
	for _, f := range feats {
		f.may = []int{0}
	}
	if n == 1 {
		id, err := strconv.ParseInt(path.Base(res.Header.Get("Location")), 10, 64)
		if err != nil {
			w.err = fmt.Errorf("POST answered 201 with Location %q", res.Header.Get("Location"))
			return false
		}
		feats[0].id = id
		io.Copy(io.Discard, res.Body)
		return true
	}
	// The ids are in the body, which the kill may cut short: the features are there all the same.
	var out struct {
		IDs []int64 `json:"ids"`
	}
	if json.NewDecoder(res.Body).Decode(&out) == nil && len(out.IDs) == n {
		for i, f := range feats {
			f.id = out.IDs[i]
		}
	}
	return true
}

// put replaces f with its next version.
func (w *crashWriter) put(f *crashFeature) bool {
	v := f.may[0]
	f.may = []int{v, v + 1}
	res, err := w.send(http.MethodPut, w.items+"/"+strconv.FormatInt(f.id, 10), crashJSON(f.tag, v+1))
	if !w.answered(res, err, http.StatusOK) {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	f.may = []int{v + 1}
	return true
}

// delete deletes f.
func (w *crashWriter) delete(f *crashFeature) bool {
	f.may = []int{f.may[0], crashGone}
	res, err := w.send(http.MethodDelete, w.items+"/"+strconv.FormatInt(f.id, 10), nil)
	if !w.answered(res, err, http.StatusNoContent) {
		return false
	}
	res.Body.Close()
	f.may = []int{crashGone}
	return true
}

// crashServe starts `harmattan serve` with writes allowed and returns it with its URL.
func crashServe(t *testing.T, db, tokens, when string) (*crashProc, string) {
	t.Helper()
	p := crashStart(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--token-file", tokens)
	deadline := time.Now().Add(time.Minute)
	for {
		if m := regexp.MustCompile(`url=(http://\S+)`).FindStringSubmatch(p.out.String()); m != nil {
			return p, m[1]
		}
		select {
		case err := <-p.done:
			t.Fatalf("%s: the server did not start: %v\n%s", when, err, p.out)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			t.Fatalf("%s: the server did not start in a minute:\n%s", when, p.out)
		}
	}
}

// crashRow is a feature of TestCrashWrites as read from the database.
type crashRow struct {
	id    int64
	props map[string]any
	point orb.Geometry
}

// crashRead returns the test's features in db by tag, and how many others there are.
func crashRead(t *testing.T, db, when string) (map[string]crashRow, int) {
	t.Helper()
	ctx := context.Background()
	s := crashOpen(t, db, when)
	defer s.Close()
	coll, err := s.Collection(ctx, "incidents")
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	rows, others := map[string]crashRow{}, 0
	err = s.Features(ctx, "incidents", data.Query{}, func(f *data.Feature) error {
		props := map[string]any{}
		for i, fl := range coll.Fields {
			if f.Properties[i] != nil {
				props[fl.Name] = f.Properties[i]
			}
		}
		tag, _ := props["location"].(string)
		if !strings.HasPrefix(tag, "crash-") {
			others++
			return nil
		}
		if _, dup := rows[tag]; dup {
			t.Errorf("%s: feature %s is there twice", when, tag)
		}
		rows[tag] = crashRow{id: f.ID, props: props, point: orb.Clone(f.Geometry)}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	return rows, others
}

// crashState is how a message names a state.
func crashState(v int) string {
	if v == crashGone {
		return "absent"
	}
	return fmt.Sprintf("version %d", v)
}

// TestCrashWrites kills a server while clients write to it (POST of single features and of
// FeatureCollections, PUT, DELETE), 20 times, restarting it on the same file each time. After
// each kill the file must be sound; every acknowledged write must be there; a write without an
// answer may or may not be, but whole: a feature is one version or another, never a mix, and
// a FeatureCollection is all there or not at all.
func TestCrashWrites(t *testing.T) {
	dir := t.TempDir()
	db, tokens := filepath.Join(dir, "crash.gpkg"), filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokens, []byte(crashToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := createSeeded(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	_, seeded := crashRead(t, db, "before")
	var feats []*crashFeature
	var acked, unanswered, applied, lost int
	for round := range crashRounds {
		when := fmt.Sprintf("round %d", round)
		srv, url := crashServe(t, db, tokens, when)
		// Each writer changes the features given to it and those it creates, one write at a time,
		// so that each has at most one write without an answer.
		tr := &http.Transport{MaxIdleConnsPerHost: crashWriters}
		writers := make([]*crashWriter, crashWriters)
		for i := range writers {
			writers[i] = &crashWriter{client: &http.Client{Transport: tr, Timeout: time.Minute},
				items: url + "collections/incidents/items", prefix: fmt.Sprintf("crash-%02d-%d", round, i),
				rng: rand.New(rand.NewPCG(uint64(round), uint64(i)))}
		}
		n := 0
		for _, f := range feats {
			if f.present() {
				writers[n%crashWriters].own = append(writers[n%crashWriters].own, f)
				n++
			}
		}
		var wg sync.WaitGroup
		for _, w := range writers {
			wg.Go(w.run)
		}
		// Kill it after a delay that differs from round to round; in odd rounds, at the moment the
		// WAL next changes, which is while a transaction is committed.
		delay := time.Duration(50+round*7%crashRounds*25) * time.Millisecond
		time.Sleep(delay)
		how := fmt.Sprintf("after %v", delay)
		if round%2 == 1 {
			wal := db + "-wal"
			fi0, err0 := os.Stat(wal)
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
				fi, err := os.Stat(wal)
				if (err == nil) != (err0 == nil) || err == nil && (fi.Size() != fi0.Size() || !fi.ModTime().Equal(fi0.ModTime())) {
					how += ", at a commit"
					break
				}
				time.Sleep(100 * time.Microsecond)
			}
		}
		killed, err := srv.kill()
		if !killed {
			t.Fatalf("%s: the server had stopped before the kill: %v\n%s", when, err, srv.out)
		}
		wg.Wait()
		tr.CloseIdleConnections()
		when += ", killed " + how

		crashCheck(t, db, when)
		rows, others := crashRead(t, db, when)
		if others != seeded {
			t.Errorf("%s: %d features the test did not write, want %d", when, others, seeded)
		}
		var roundAcked, roundUnanswered int
		for _, w := range writers {
			if w.err != nil {
				t.Errorf("%s: a write was refused: %v", when, w.err)
			}
			feats = append(feats, w.made...)
			roundAcked += w.acked
			roundUnanswered += w.unanswered
		}
		for _, f := range feats {
			row, ok := rows[f.tag]
			delete(rows, f.tag)
			got := crashGone
			if ok {
				v, _ := row.props["fatalities"].(int64) // the version
				got = int(v)
				props, pt := crashContent(f.tag, got)
				if !reflect.DeepEqual(row.props, props) || row.point != orb.Geometry(pt) {
					t.Errorf("%s: feature %s (%d) is not whole:\n got %v %v\nwant %v %v", when, f.tag, row.id, row.props, row.point, props, pt)
				}
				if f.id != 0 && row.id != f.id {
					t.Errorf("%s: feature %s has id %d, created as %d", when, f.tag, row.id, f.id)
				}
			}
			switch {
			case !slices.Contains(f.may, got) && len(f.may) == 1:
				t.Errorf("%s: an acknowledged write is lost: feature %s is %s, want %s", when, f.tag, crashState(got), crashState(f.may[0]))
			case !slices.Contains(f.may, got):
				t.Errorf("%s: feature %s is %s, want %s or %s", when, f.tag, crashState(got), crashState(f.may[0]), crashState(f.may[1]))
			case len(f.may) == 2 && got == f.may[1]:
				applied++
			case len(f.may) == 2:
				lost++
			}
			f.may, f.id = []int{got}, row.id
		}
		for tag, row := range rows {
			t.Errorf("%s: feature %s (%d) was never written", when, tag, row.id)
		}
		for _, w := range writers {
			there := 0
			for _, f := range w.group {
				if f.may[0] != crashGone {
					there++
				}
			}
			if there != 0 && there != len(w.group) {
				t.Errorf("%s: %d of the %d features of a FeatureCollection are there", when, there, len(w.group))
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		acked += roundAcked
		unanswered += roundUnanswered
		t.Logf("round %2d: killed %-28s %3d writes acknowledged, %d without an answer", round, how, roundAcked, roundUnanswered)
	}
	t.Logf("%d writes acknowledged, %d without an answer; of the features these touched, %d were found written, %d not", acked, unanswered, applied, lost)
	if acked < crashRounds || unanswered < crashRounds/2 {
		t.Fatalf("%d writes acknowledged and %d without an answer: the kills did not land among writes", acked, unanswered)
	}

	// The server starts once more and serves what was written.
	srv, url := crashServe(t, db, tokens, "at the end")
	defer srv.kill()
	checked := 0
	for _, f := range feats {
		if !f.present() || checked == 20 {
			continue
		}
		checked++
		res, err := http.Get(url + "collections/incidents/items/" + strconv.FormatInt(f.id, 10))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"location":"`+f.tag+`"`) {
			t.Errorf("feature %s (%d): %s %.300s", f.tag, f.id, res.Status, body)
		}
	}
}
