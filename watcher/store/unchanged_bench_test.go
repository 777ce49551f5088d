package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hanoiwatch/watcher"
)

// BenchmarkUnchangedCheck is the store's part of an unchanged check, the daemon's most
// frequent work: State of a source, then its quiet record (no snapshot, event or
// delivery), over 1 024 sources that each have a snapshot; checks=1 one check at a time,
// checks=16 sixteen at once, as a wave of the daemon's checks. The same benchmark runs on
// PostgreSQL in watcher/store/postgres. cpu-ns/op is the process's CPU time per check
// (getrusage), the records' flushes included.
func BenchmarkUnchangedCheck(b *testing.B) {
	for _, workers := range []int{1, 16} {
		b.Run(fmt.Sprintf("checks=%d", workers), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "hw.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			const sources = 1024
			t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
			for i := range sources {
				if err := s.Record(changed(fmt.Sprintf("source-%04d", i), fmt.Sprintf("Titre %d\n%s", i, benchText), t0)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := cpuTime()
			var wg sync.WaitGroup
			// Worker w checks the sources whose number is w modulo workers: one check of a
			// source at a time, as the scheduler runs them.
			for w := range workers {
				wg.Go(func() {
					for i := w; i < b.N; i += workers {
						name := fmt.Sprintf("source-%04d", i%sources)
						st, err := s.State(name)
						if err != nil {
							b.Error(err)
							return
						}
						at := t0.Add(time.Duration(i+1) * time.Second)
						st.LastCheck = at
						if err := s.Record(watcher.Record{Source: name, State: st,
							Check: watcher.Check{Time: at, Status: 200, Result: watcher.ResultUnchanged, Snapshot: st.Snapshot}}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if err := s.Flush(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// benchText is an article's worth of text, about 2 kB.
var benchText = func() string {
	t := ""
	for i := range 20 {
		t += fmt.Sprintf("Paragraphe %d : 72 pays ont signé la Convention des Nations unies contre la cybercriminalité à Hanoï.\n", i)
	}
	return t
}()
