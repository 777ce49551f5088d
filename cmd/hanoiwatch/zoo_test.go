package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/store"
)

// TestZooCommands runs every read command on every source of the history zoo
// (fixture.Zoo): none may fail but with a message that names the problem, and none may
// print nothing.
func TestZooCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "zoo.db")
	st, err := store.Open(db, store.Options{Retention: store.Retention{MaxSnapshots: fixture.ZooSnapshots}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := fixture.Zoo(st, time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC))
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	cfg, names := zooConfig(t, dir, list)
	for _, r := range zooReads(t, cfg, db, names) {
		c, n, out, err := r.args, r.source, r.out, r.err
		switch {
		case n == "":
			if err != nil || out == "" {
				t.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
			}
		case err != nil && (n == "waiting" || n == "blocked"):
			// Never fetched: the message says so.
			if !strings.Contains(err.Error(), "no snapshots") {
				t.Errorf("%s: %v", strings.Join(c, " "), err)
			}
		case err != nil && c[0] == "diff":
			// One snapshot: nothing to compare.
			if !strings.Contains(err.Error(), "only one snapshot") {
				t.Errorf("%s: %v", strings.Join(c, " "), err)
			}
		case err != nil && c[0] == "figures" && n == "un":
			if !strings.Contains(err.Error(), "official record") {
				t.Errorf("%s: %v", strings.Join(c, " "), err)
			}
		case err != nil || out == "":
			t.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
}

// zooConfig writes a config that declares the zoo's configured sources of list, and the
// removed one, and returns its path and the names of the sources to read.
func zooConfig(t *testing.T, dir string, list []watcher.Source) (string, []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("discovery:\n  enabled: false\nstorage:\n  retention:\n    max_snapshots: 3\nsources:\n")
	names := []string{"removed"}
	for _, s := range append(list, fixture.ZooRemoved) {
		if s.Origin != "config" {
			names = append(names, s.Name)
			continue
		}
		fmt.Fprintf(&b, "  - name: %s\n    url: %s\n", s.Name, s.URL)
		if s.Kind != "" {
			fmt.Fprintf(&b, "    kind: %s\n", s.Kind)
		}
		if s.Name != "removed" {
			names = append(names, s.Name)
		}
	}
	cfg := filepath.Join(dir, "hw.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, names
}

// zooRead is one read command's answer: source is "" for the commands of the whole list.
type zooRead struct {
	args   []string
	source string
	out    string
	err    error
}

// zooReads runs every read command on the database, and every per-source one on each
// named source.
func zooReads(t *testing.T, cfg, db string, names []string) []zooRead {
	t.Helper()
	var out []zooRead
	run := func(source string, args ...string) {
		o, _, err := hw(t, append(args, "--config", cfg, "--db", db)...)
		out = append(out, zooRead{args, source, o, err})
	}
	for _, c := range [][]string{{"sources"}, {"sources", "--json"}, {"figures"}, {"figures", "--json"}, {"coverage"},
		{"coverage", "--json"}, {"treaty"}, {"treaty", "--json"}, {"outbox"}} {
		run("", c...)
	}
	for _, n := range names {
		for _, c := range [][]string{{"snapshots", n}, {"snapshots", n, "--json"}, {"show", n}, {"show", n, "--json"},
			{"diff", n}, {"diff", n, "--json"}, {"figures", n}, {"figures", n, "--json"}} {
			run(n, c...)
		}
	}
	return out
}
