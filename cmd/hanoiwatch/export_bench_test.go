package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher/store"
)

// BenchmarkExportWARC runs `hanoiwatch export --format warc` over 10 000 captures of
// 60 KB pages and reports the export process's peak RSS (peak-RSS-MiB, from its rusage):
// issue 19 asks that it stream within 64 MiB.
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
	peak := int64(0)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		cmd := exec.Command(bin, "export", "--db", db, "--format", "warc", "--out", out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("export: %v\n%s", err, msg)
		}
		peak = max(peak, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
		wi, _ := os.Stat(out)
		b.Logf("export: %s, WARC %d MB", time.Since(start).Round(time.Millisecond), wi.Size()>>20)
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
}
