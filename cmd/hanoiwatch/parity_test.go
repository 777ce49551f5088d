package main

import (
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/store"
)

// TestParity runs every read command on one database twice, without the daemon and while
// `hanoiwatch run` holds it (the commands then read through its API), and requires the
// same output, errors included.
func TestParity(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	bin := binary(t)
	site := fixture.New()
	addr := freePort(t)
	// A long period: the daemon finds nothing overdue, so the database does not change
	// between the two readings.
	extra := "defaults:\n  schedule: \"@every 1000h\"\nhttp:\n  listen: \"" + addr + "\"\n  token: t0k3n\n"
	e := newEnv(t, site, extra)
	e.check()
	if err := site.Replace("vtv", "65 pays", "72 pays"); err != nil {
		t.Fatal(err)
	}
	e.check()
	if _, _, err := hw(t, "remove", "nhandan", "--config", e.cfg, "--db", e.db); err != nil {
		t.Fatal(err)
	}
	cmds := [][]string{
		{"sources"}, {"sources", "--json"},
		{"snapshots", "vtv"}, {"snapshots", "vtv", "--json"}, {"snapshots", "nosuch"},
		{"show", "vtv"}, {"show", "vtv", "--json"}, {"show", "vtv", "zzzz"},
		{"diff", "vtv"}, {"diff", "vtv", "--json"}, {"diff", "nosuch"}, {"diff", "vietnamplus"},
		{"figures"}, {"figures", "--json"}, {"figures", "vtv"}, {"figures", "vtv", "--json"},
		{"coverage"}, {"coverage", "--json"},
		{"treaty"}, {"treaty", "--json"},
		{"outbox"}, {"outbox", "--json"},
	}
	type answer struct{ out, err string }
	read := func() []answer {
		var as []answer
		for _, c := range cmds {
			out, _, err := hw(t, append(c, "--config", e.cfg, "--db", e.db)...)
			a := answer{out: out}
			if err != nil {
				a.err = err.Error()
			}
			as = append(as, a)
		}
		return as
	}
	alone := read()

	cmd := exec.Command(bin, "run", "--config", e.cfg, "--db", e.db)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	eventually(t, "the daemon's API", 20*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	through := read()
	for i, c := range cmds {
		if alone[i] != through[i] {
			t.Errorf("hanoiwatch %s differs through the daemon:\nalone:   %q\n%s\nthrough: %q\n%s", strings.Join(c, " "),
				alone[i].err, alone[i].out, through[i].err, through[i].out)
		}
		if alone[i].out == "" && alone[i].err == "" && c[0] != "outbox" { // an empty outbox is no JSON line

			t.Errorf("hanoiwatch %s says nothing", strings.Join(c, " "))
		}
	}
	// The database was held: the answers did come through the daemon.
	if s, err := store.Open(e.db, store.Options{Timeout: 100 * time.Millisecond}); !errors.Is(err, store.ErrLocked) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("the daemon does not hold the database: %v", err)
	}
}
