package store

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRecordCapture is what a capture adds to the record of a change: the same
// changed record written with and without the capture of its page (the corpus's real
// pages, 220 KB on average, each made distinct). cpu-ns/op is the process's CPU time per
// record (getrusage); the difference between the two is the capture's cost.
func BenchmarkRecordCapture(b *testing.B) {
	files, _ := filepath.Glob("../../../shared/corpus/real/*.html")
	if len(files) == 0 {
		b.Skip("no corpus at ../shared/corpus/real")
	}
	var pages [][]byte
	for _, f := range files {
		p, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
	}
	for _, withCapture := range []bool{false, true} {
		name := "text"
		if withCapture {
			name = "text+capture"
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "hw.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			t0 := time.Now()
			start := cpuTime()
			for i := range b.N {
				page := append(pages[i%len(pages)][:len(pages[i%len(pages)]):len(pages[i%len(pages)])], fmt.Sprintf("<!-- %d -->", i)...)
				r := captured(fmt.Sprintf("s%d", i%len(pages)), fmt.Sprintf("text %d", i), page, t0.Add(time.Duration(i)*time.Second))
				if !withCapture {
					r.Capture, r.Events[0].Capture = nil, nil
				}
				if err := s.Record(r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
