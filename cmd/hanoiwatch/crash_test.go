package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
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
}
