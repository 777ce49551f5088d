package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/store"
)

// receiver is a webhook endpoint that counts the deliveries of each event id, and can be
// made to answer 503 so that deliveries stay pending across crashes.
type receiver struct {
	down atomic.Bool
	mu   sync.Mutex
	got  map[string]int
}

func (rx *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rx.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	id := r.Header.Get("webhook-id")
	rx.mu.Lock()
	rx.got[id]++
	rx.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rx *receiver) received(id string) int {
	rx.mu.Lock()
	defer rx.mu.Unlock()
	return rx.got[id]
}

// crashDaemon is one `hanoiwatch run` process.
type crashDaemon struct {
	cmd    *exec.Cmd
	log    bytes.Buffer
	exited chan error
}

func startDaemon(t *testing.T, bin string, e *env) *crashDaemon {
	t.Helper()
	d := &crashDaemon{cmd: exec.Command(bin, "run", "--config", e.cfg, "--db", e.db), exited: make(chan error, 1)}
	d.cmd.Stderr = &d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	return d
}

// kill ends the process with SIGKILL: no shutdown code runs, as in a power cut of the
// process (the file system keeps what was written).
func (d *crashDaemon) kill(t *testing.T) {
	t.Helper()
	d.cmd.Process.Kill()
	select {
	case <-d.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("a killed daemon did not exit")
	}
}

// stop ends the process with SIGTERM and waits for a clean exit.
func (d *crashDaemon) stop(t *testing.T) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.exited:
		if err != nil {
			t.Fatalf("daemon exited with %v\n%s", err, d.log.String())
		}
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		t.Fatalf("daemon did not stop within 30 s of SIGTERM\n%s", d.log.String())
	}
}

// TestCrashSafety kills `hanoiwatch run` with SIGKILL at random moments, over and over,
// while an article changes and the webhook receiver goes up and down, then checks that
// nothing was lost or doubled: every change is in the store once, every stored event
// reached the receiver, the database opens cleanly.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times")
	}
	bin := binary(t)
	rx := &receiver{got: map[string]int{}}
	hook := httptest.NewServer(rx)
	defer hook.Close()
	site := fixture.New()
	site.Conditional = false // every check downloads and extracts: kills land mid-check
	extra := fmt.Sprintf(`defaults:
  schedule: "@every 1s"
http:
  listen: "off"
log:
  level: debug
notify:
  retry: {initial_delay: 100ms, max_delay: 500ms, max_attempts: 1000}
  endpoints:
    - name: rx
      url: %s/hook
      secret: crash-test-secret-0123456789
`, hook.URL)
	e := newEnv(t, site, extra)

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, seed>>32))
	const kills = 30
	value := 65 // the signatory count in vtv's lead: each edit makes it one more
	var d *crashDaemon
	defer func() {
		if d != nil && d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
		}
	}()
	start := time.Now()
	checked := 0 // rounds in which at least one check was recorded before the kill
	for round := range kills {
		// The page changes between some rounds, the receiver goes down in others.
		if round%3 == 1 {
			if err := site.Replace("vtv", fmt.Sprintf("%d pays", value), fmt.Sprintf("%d pays", value+1)); err != nil {
				t.Fatal(err)
			}
			value++
		}
		rx.down.Store(rnd.IntN(3) == 0)
		d = startDaemon(t, bin, e)
		wait := time.Duration(100+rnd.IntN(1400)) * time.Millisecond
		if round%5 == 4 {
			wait += 2 * time.Second // now and then long enough for checks and deliveries to complete
		}
		time.Sleep(wait)
		d.kill(t)
		if bytes.Contains(d.log.Bytes(), []byte("msg=checked")) {
			checked++
		}
	}
	t.Logf("%d kills in %s, %d of them after a check; the article went from 65 to %d",
		kills, time.Since(start).Round(time.Millisecond), checked, value)

	// Once more with the receiver up, until the outbox is empty (the daemon holds the
	// database while it runs, so it is stopped to look).
	rx.down.Store(false)
	var (
		s    *store.Store
		err  error
		left []watcher.Delivery
	)
	for attempt := 0; ; attempt++ {
		d = startDaemon(t, bin, e)
		time.Sleep(3 * time.Second)
		d.stop(t)
		if s, err = store.Open(e.db, store.Options{Timeout: time.Second}); err != nil {
			t.Fatalf("the database does not open cleanly: %v", err)
		}
		if left, err = s.Deliveries(""); err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			break
		}
		s.Close()
		if attempt == 5 {
			t.Fatalf("%d deliveries still in the outbox, e.g. %+v\n%s", len(left), left[0], d.log.String())
		}
	}
	defer s.Close()

	evs, err := s.Events(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	count := map[string]int{}
	for _, ev := range evs {
		if seen[ev.ID] {
			t.Errorf("event %s (%s %s) stored twice", ev.ID, ev.Type, ev.Source.Name)
		}
		seen[ev.ID] = true
		count[ev.Type]++
		if rx.received(ev.ID) == 0 {
			t.Errorf("event %s (%s %s) never reached the receiver", ev.ID, ev.Type, ev.Source.Name)
		}
	}
	if count[watcher.ArticleNew] != len(site.Names()) || count[watcher.FetchFailed] != 0 || count[watcher.ArticleGone] != 0 {
		t.Errorf("events by type %v: want one article.new per source, no failure", count)
	}

	// The edited article: its snapshots are distinct values, in the order they were set,
	// the last one the final value; one article.changed per snapshot after the first.
	snaps, err := s.Snapshots("vtv")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(\d+) pays ont signé`)
	last := 0
	var values []int
	for i, sn := range snaps {
		if i > 0 && sn.ID == snaps[i-1].ID {
			t.Errorf("snapshot %d repeats %s", i, sn.ID)
		}
		text, err := s.Text("vtv", sn.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := re.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("snapshot %s lacks the figure", sn.ID)
		}
		v, _ := strconv.Atoi(m[1])
		if v <= last {
			t.Errorf("snapshot %d has %d after %d", i, v, last)
		}
		last = v
		values = append(values, v)
	}
	t.Logf("vtv snapshots: %v; %d events (%v), %d distinct ids received", values, len(evs), count, len(rx.got))
	if last != value {
		t.Errorf("the last snapshot has %d, the page %d", last, value)
	}
	var changed []watcher.Event
	for _, ev := range evs {
		if ev.Type == watcher.ArticleChanged && ev.Source.Name == "vtv" {
			changed = append(changed, ev)
		}
	}
	if len(changed) != len(snaps)-1 {
		t.Fatalf("%d article.changed for %d snapshots", len(changed), len(snaps))
	}
	for i, ev := range changed {
		if ev.Previous != snaps[i].ID || ev.Snapshot != snaps[i+1].ID {
			t.Errorf("change %d goes %s → %s, the snapshots %s → %s", i, ev.Previous, ev.Snapshot, snaps[i].ID, snaps[i+1].ID)
		}
	}
	capturesIntact(t, s, evs)
}

// capturesIntact checks the captures against the events: every event that names a capture
// has it stored, its body matching the hash the event carries, and every snapshot of every
// source has the one page it was taken from (a capture is written with its snapshot, or
// neither is).
func capturesIntact(t *testing.T, s *store.Store, evs []watcher.Event) {
	t.Helper()
	byEvent := 0
	for _, ev := range evs {
		if ev.Capture == nil {
			continue
		}
		body, err := s.Body(ev.Capture.SHA256)
		if err != nil || len(body) != ev.Capture.Size {
			t.Errorf("event %s (%s %s): capture %s: %d bytes, %v", ev.ID, ev.Type, ev.Source.Name, ev.Capture.SHA256, len(body), err)
		}
		byEvent++
	}
	names, err := s.Names()
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, name := range names {
		snaps, err := s.Snapshots(name)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := s.Captures(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != len(snaps) {
			t.Errorf("%s: %d captures for %d snapshots", name, len(cs), len(snaps))
			continue
		}
		for i, c := range cs {
			if c.Snapshot != snaps[i].ID {
				t.Errorf("%s: capture %d is of snapshot %s, want %s", name, i, c.Snapshot, snaps[i].ID)
			}
		}
		stored += len(cs)
	}
	if byEvent != stored {
		t.Errorf("%d events name a capture, %d captures stored", byEvent, stored)
	}
	t.Logf("%d captures, all intact", stored)
}

// TestExportKilled kills `hanoiwatch export` with SIGKILL at random moments while it
// streams a WARC file: the database still opens, for reading and writing, with every
// capture intact.
func TestExportKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times")
	}
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "hw.db")
	s, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	fillCaptures(t, s, "vtv", n, 30<<10)
	s.Close()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, seed>>32))
	out := filepath.Join(t.TempDir(), "x.warc.gz")
	full := 0
	for range 12 {
		cmd := exec.Command(bin, "export", "--db", db, "--format", "warc", "--out", out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done: // finished before the kill
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			full++
		case <-time.After(time.Duration(20+rnd.IntN(300)) * time.Millisecond):
			cmd.Process.Kill()
			<-done
		}
	}
	t.Logf("12 exports, %d finished before their kill", full)
	s, err = store.Open(db, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("after the kills the database does not open: %v", err)
	}
	defer s.Close()
	got := 0
	if err := s.EachCapture(nil, func(c watcher.Capture) error { got++; return nil }); err != nil || got != n {
		t.Fatalf("after the kills: %d captures read back (%v), want %d", got, err, n)
	}
	evs, err := s.Events(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	capturesIntact(t, s, evs)
}

// fillCaptures records n changes of a source, each with a capture of a distinct body of
// about size bytes of page-like text.
func fillCaptures(t testing.TB, s *store.Store, source string, n, size int) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(uint64(len(source)), uint64(source[len(source)-1])))
	words := strings.Fields("la convention de Hanoï contre la cybercriminalité a été signée par soixante-cinq pays " +
		"lors de la cérémonie organisée au centre national des conventions <div class=menu> <a href=/x> </a> </div>")
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	for i := range n {
		var b strings.Builder
		for b.Len() < size {
			b.WriteString(words[rnd.IntN(len(words))])
			b.WriteByte(' ')
		}
		body := []byte(b.String())
		text := fmt.Sprintf("version %d", i)
		id := watcher.SnapshotID(text)
		at := t0.Add(time.Duration(i) * time.Minute)
		sum := sha256.Sum256(body)
		c := &watcher.Capture{Time: at, Source: source, URL: "http://127.0.0.1/a", Snapshot: id, Event: watcher.ArticleChanged,
			Exchanges: []watcher.Exchange{{Time: at, Method: "GET", URL: "http://127.0.0.1/a", Proto: "HTTP/1.1", Status: 200,
				Request: http.Header{"User-Agent": {"hanoiwatch/1"}}, Header: http.Header{"Content-Type": {"text/html"}}}},
			SHA256: hex.EncodeToString(sum[:]), Size: len(body), Body: body}
		if err := s.Record(watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
			State: watcher.State{Snapshot: id, LastCheck: at}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)}, Text: text,
			Capture: c, Events: []watcher.Event{{ID: source + id, Type: watcher.ArticleChanged, Time: at, Source: watcher.EventSource{Name: source},
				Snapshot: id, Capture: &watcher.CaptureRef{SHA256: c.SHA256, Size: c.Size}}}}); err != nil {
			t.Fatal(err)
		}
	}
}
