package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/store"
)

// binary builds the hanoiwatch binary once per test run.
var binary = func() func(t testing.TB) string {
	var path string
	var err error
	return func(t testing.TB) string {
		t.Helper()
		if path == "" && err == nil {
			dir, _ := os.MkdirTemp("", "hanoiwatch-bin-")
			path = filepath.Join(dir, "hanoiwatch")
			out, e := exec.Command("go", "build", "-o", path, ".").CombinedOutput()
			if e != nil {
				err = fmt.Errorf("go build: %v\n%s", e, out)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
}()

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func apiEvents(t *testing.T, addr string) []watcher.Event {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/events?limit=1000")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var page report.EventPage
	json.NewDecoder(resp.Body).Decode(&page)
	return page.Events
}

func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// syncBuffer collects a subprocess's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDaemon runs `hanoiwatch run` as a subprocess on a one-second schedule against the
// fixture site, watches changes arrive through the API, reloads its config with SIGHUP,
// stops it with SIGTERM while checks run, and reopens its database.
func TestDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := binary(t)
	site := fixture.New()
	site.Conditional = false // every check downloads and extracts: checks are under way when SIGTERM comes
	addr := freePort(t)
	extra := fmt.Sprintf("defaults:\n  schedule: \"@every 1s\"\nhttp:\n  listen: %q\n  token: t0k3n\nlog:\n  level: debug\n", addr)
	e := newEnv(t, site, extra)
	var logs syncBuffer
	cmd := exec.Command(bin, "run", "--config", e.cfg, "--db", e.db)
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	}()

	count := func(typ string) int {
		n := 0
		for _, ev := range apiEvents(t, addr) {
			if ev.Type == typ {
				n++
			}
		}
		return n
	}
	eventually(t, "five article.new", 20*time.Second, func() bool { return count(watcher.ArticleNew) == 5 })

	if err := site.Replace("vtv", "65 pays", "72 pays"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "article.changed", 10*time.Second, func() bool { return count(watcher.ArticleChanged) == 1 })

	// SIGHUP: a config with one source fewer stops checking it.
	cfg, _ := os.ReadFile(e.cfg)
	i := strings.Index(string(cfg), "  - name: baochinhphu")
	os.WriteFile(e.cfg, cfg[:i], 0o600)
	cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the reload", 10*time.Second, func() bool { return strings.Contains(logs.String(), "config reloaded") })
	before := site.Requests("baochinhphu")
	time.Sleep(2500 * time.Millisecond)
	if n := site.Requests("baochinhphu") - before; n > 1 { // one check may have been under way
		t.Fatalf("removed source fetched %d times after the reload", n)
	}
	// An invalid config on reload is logged and the running one kept.
	os.WriteFile(e.cfg, []byte("defaults:\n  schedule: every now and then\n"), 0o600)
	cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the rejected reload", 10*time.Second, func() bool { return strings.Contains(logs.String(), "config not reloaded") })
	n := site.Requests("vtv")
	eventually(t, "checks going on", 10*time.Second, func() bool { return site.Requests("vtv") > n+1 })

	// While the daemon holds the database, the read commands go through its API, and the
	// others say why they cannot run.
	os.WriteFile(e.cfg, cfg[:i], 0o600)
	out, err := exec.Command(bin, "snapshots", "vtv", "--config", e.cfg, "--db", e.db).CombinedOutput()
	if err != nil || strings.Count(string(out), "\n") != 3 {
		t.Fatalf("snapshots while the daemon runs: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "diff", "vtv", "--config", e.cfg, "--db", e.db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "+") || !strings.Contains(string(out), "72 pays") {
		t.Fatalf("diff while the daemon runs: %v\n%s", err, out)
	}
	// check NAME asks the daemon to check now, and prints what that check recorded.
	out, err = exec.Command(bin, "check", "vtv", "--config", e.cfg, "--db", e.db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "asked the running daemon") || !strings.Contains(string(out), "vtv") {
		t.Fatalf("check while the daemon runs: %v\n%s", err, out)
	}
	// add and remove send the change to the daemon, with the config's token; a URL
	// already watched is refused with the name it is watched under.
	out, err = exec.Command(bin, "add", e.base+site.Path("vtv"), "--name", "vtv-copy", "--config", e.cfg, "--db", e.db).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `already watched as "vtv"`) {
		t.Fatalf("add of a watched URL while the daemon runs: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "add", e.base+"/another-article.html", "--name", "vtv-copy", "--config", e.cfg, "--db", e.db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "through the running daemon") {
		t.Fatalf("add while the daemon runs: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "sources", "--config", e.cfg, "--db", e.db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "vtv-copy") {
		t.Fatalf("sources after an add through the daemon: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "remove", "vtv-copy", "--config", e.cfg, "--db", e.db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "removed vtv-copy") {
		t.Fatalf("remove while the daemon runs: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "remove", "no-such-source", "--config", e.cfg, "--db", e.db).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `unknown source "no-such-source"`) {
		t.Fatalf("remove of an unknown source through the daemon: %v\n%s", err, out)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("daemon exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not stop within 30 s of SIGTERM")
	}
	s, err := store.Open(e.db, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("reopen after SIGTERM: %v", err)
	}
	defer s.Close()
	snaps, _ := s.Snapshots("vtv")
	if len(snaps) != 2 {
		t.Fatalf("vtv has %d snapshots, want 2", len(snaps))
	}
	evs, _ := s.Events(time.Time{}, watcher.ArticleChanged)
	if len(evs) != 1 || evs[0].Snapshot != snaps[1].ID {
		t.Fatalf("stored changes %+v", evs)
	}
}
