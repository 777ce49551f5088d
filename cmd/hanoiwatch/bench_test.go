package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
)

// churning serves pages rendered in advance by the fixture site, a different one on every
// request: the article's text stays, its page around it (counters, nonces, sidebars) does
// not. Rendering ahead keeps the server's own cost out of what the benchmarks compare.
func churning(b *testing.B, name string) *httptest.Server {
	b.Helper()
	site := fixture.New()
	site.Conditional = false
	var pages [][]byte
	for range 16 {
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, site.Path(name), nil))
		pages = append(pages, rec.Body.Bytes())
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[n.Add(1)%int64(len(pages))])
	}))
	b.Cleanup(srv.Close)
	return srv
}

// cpuPerOp reports the process's CPU time (user and system, every goroutine, the test
// server's included) per iteration, which is what a daemon pays; ns/op is the latency of
// one check at a time, which includes waiting for the disk. Call the result when done.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCheckUnchanged is fetch to verdict for an article whose page changed around it
// and whose text did not: the daemon's commonest check. Its ratio to BenchmarkBareGET is
// the price of watching over downloading (the daemon's target: at most 1.5×).
func BenchmarkCheckUnchanged(b *testing.B) {
	srv := churning(b, "vtv")
	dir := b.TempDir()
	cfg := filepath.Join(dir, "hw.yaml")
	yaml := fmt.Sprintf("discovery:\n  enabled: false\nsources:\n  - name: vtv\n    url: %s/article\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	a := &app{out: io.Discard, errOut: io.Discard, cfgPath: cfg, dbPath: filepath.Join(dir, "hw.db")}
	if err := a.load(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.close)
	w, err := a.newWatcher()
	if err != nil {
		b.Fatal(err)
	}
	srcs, err := a.sources()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for range 2 { // the first snapshot, then the regions it lies in
		if _, err := w.Check(ctx, srcs[0]); err != nil {
			b.Fatal(err)
		}
	}
	var bytes int64
	defer cpuPerOp(b)()
	for b.Loop() {
		rec, err := w.Check(ctx, srcs[0])
		if err != nil || rec.Check.Result != watcher.ResultUnchanged {
			b.Fatalf("check: %v, %+v", err, rec.Check)
		}
		bytes += int64(rec.Check.Bytes)
	}
	b.SetBytes(bytes / int64(b.N))
}

// BenchmarkBareGET downloads the same pages as BenchmarkCheckUnchanged and does nothing
// with them: the floor no watcher can go below.
func BenchmarkBareGET(b *testing.B) {
	srv := churning(b, "vtv")
	var bytes int64
	defer cpuPerOp(b)()
	for b.Loop() {
		res, err := http.Get(srv.URL + "/article")
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("GET: %v, HTTP %d", err, res.StatusCode)
		}
		bytes += int64(len(body))
	}
	b.SetBytes(bytes / int64(b.N))
}
