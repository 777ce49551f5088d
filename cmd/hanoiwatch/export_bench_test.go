package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hanoiwatch/watcher/store"
)

// BenchmarkExportWARC runs `hanoiwatch export --format warc` over 10 000 captures of
// 60 KB pages and reports the export process's peak RSS (peak-RSS-MiB): issue 19 asks
// that it stream within 64 MiB.
func BenchmarkExportWARC(b *testing.B) {
	const sources, each = 8, 1250
	bin := binary(b)
	db := filepath.Join(b.TempDir(), "hw.db")
	s, err := store.Open(db, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range sources { // checks of several sources share commits, as in the daemon
		wg.Go(func() { fillCaptures(b, s, fmt.Sprintf("src%d", i), each, 60<<10) })
	}
	wg.Wait()
	s.Close()
	fi, _ := os.Stat(db)
	b.Logf("%d captures, database %d MB", sources*each, fi.Size()>>20)
	out := filepath.Join(b.TempDir(), "x.warc.gz")
	// The export's own peak is read by GNU time, which forks it: a child this process
	// started itself would inherit this process's peak RSS in its rusage (Go starts
	// children with vfork, and the kernel carries the parent's high-water mark over exec).
	gnuTime, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		b.Skip("no GNU time at /usr/bin/time (apt-get install time): the export's peak RSS cannot be read")
	}
	peak := 0
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		cmd := exec.Command(gnuTime, "-f", "peak-rss-kb %M", bin, "export", "--db", db, "--format", "warc", "--out", out)
		msg, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("export: %v\n%s", err, msg)
		}
		_, after, ok := strings.Cut(string(msg), "peak-rss-kb ")
		kb, err := strconv.Atoi(strings.TrimSpace(after))
		if !ok || err != nil {
			b.Fatalf("no peak RSS in %q", msg)
		}
		peak = max(peak, kb)
		wi, _ := os.Stat(out)
		b.Logf("export: %s, peak RSS %d KiB, WARC %d MB", time.Since(start).Round(time.Millisecond), kb, wi.Size()>>20)
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
}
