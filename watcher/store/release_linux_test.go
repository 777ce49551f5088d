package store

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// mappedKB is the resident size of the process's mappings of path, from /proc/self/smaps.
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	kb, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasSuffix(line, path)
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			kb += n
		}
	}
	return kb
}

// The pages a store has read leave the process's memory with release, and read right after.
func TestRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	texts := map[string]string{}
	for i := range 200 {
		var b strings.Builder
		for b.Len() < 16<<10 { // words at random: gzip cannot fold them into nothing
			fmt.Fprintf(&b, "%x ", rng.Uint64())
		}
		src := fmt.Sprintf("s%03d", i)
		texts[src] = b.String()
		record(t, s, src, b.String(), t0)
	}
	read := func() {
		for src, want := range texts {
			snaps, err := s.Snapshots(src)
			if err != nil || len(snaps) != 1 {
				t.Fatalf("%s: %d snapshots (%v)", src, len(snaps), err)
			}
			if got, err := s.Text(src, snaps[0].ID); err != nil || got != want {
				t.Fatalf("%s: text read back differs (%v)", src, err)
			}
		}
	}
	read()
	before := mappedKB(t, path)
	if before < 1024 {
		t.Fatalf("%d KB of the file mapped after reading 200 snapshots: the test measures nothing", before)
	}
	if err := s.release(); err != nil {
		t.Fatal(err)
	}
	after := mappedKB(t, path)
	t.Logf("file pages mapped: %d KB before release, %d KB after", before, after)
	if after*4 > before {
		t.Errorf("release left %d of %d KB mapped", after, before)
	}
	read()
}

// Reading the states of many sources, as a second of cron turns does, and flushing their
// quiet records leave at most releaseReads states' pages mapped, not all of them.
func TestReleaseAfterReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	var srcs []string
	for i := range 300 {
		var b strings.Builder
		for b.Len() < 8<<10 { // texts between the states: each state on pages of its own
			fmt.Fprintf(&b, "%x ", rng.Uint64())
		}
		src := fmt.Sprintf("s%03d", i)
		srcs = append(srcs, src)
		r := changed(src, b.String(), t0)
		// A state holds where its article lies in the page: a few KB of regions.
		r.State.Regions = json.RawMessage(fmt.Sprintf("[%q]", strings.Repeat(fmt.Sprintf("div.article-%d > p ", i), 100)))
		if err := s.Record(r); err != nil {
			t.Fatal(err)
		}
	}
	// What reading every state maps without a release: the bound's yardstick.
	if err := s.release(); err != nil {
		t.Fatal(err)
	}
	if err := s.db.View(func(tx *bbolt.Tx) error {
		for _, src := range srcs {
			if _, err := readEntry(tx, src); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	all := mappedKB(t, path)
	if err := s.release(); err != nil {
		t.Fatal(err)
	}
	most := 0
	for _, src := range srcs {
		st, err := s.State(src)
		if err != nil || st.LastCheck.IsZero() {
			t.Fatalf("%s: %+v, %v", src, st, err)
		}
		most = max(most, mappedKB(t, path))
	}
	t.Logf("reading 300 states maps %d KB; with releases, at most %d KB at a time", all, most)
	if most*3 > all {
		t.Errorf("reading states left up to %d KB mapped, of %d KB without releases", most, all)
	}
	// Their quiet records, flushed: mapped while written, released after.
	for _, src := range srcs {
		r := watcher.Record{Source: src, Check: watcher.Check{Time: t0.Add(time.Minute), Result: watcher.ResultUnchanged},
			State: watcher.State{LastCheck: t0.Add(time.Minute)}}
		if err := s.Record(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if kb := mappedKB(t, path); kb*3 > all {
		t.Errorf("a flush of 300 records left %d KB mapped", kb)
	}
	for _, src := range srcs {
		if st, err := s.State(src); err != nil || !st.LastCheck.Equal(t0.Add(time.Minute)) {
			t.Fatalf("%s after the flush: %+v, %v", src, st, err)
		}
	}
}
