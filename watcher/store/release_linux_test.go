package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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
