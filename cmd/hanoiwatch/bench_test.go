package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher"
)

// churning serves the real pages of the corpus at /0, /1, ..., each with a view counter
// that changes on every request, as news pages' boilerplate does; the article text stays.
func churning(b *testing.B) (*httptest.Server, int) {
	b.Helper()
	files, _ := filepath.Glob("../../../shared/corpus/real/*.html")
	if len(files) == 0 {
		b.Skip("no corpus at ../shared/corpus/real")
	}
	var pages [][]byte
	for _, f := range files {
		page, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, page)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil || i < 0 || i >= len(pages) {
			http.NotFound(w, r)
			return
		}
		page := pages[i]
		at := bytes.Index(page, []byte("<body"))
		at += bytes.IndexByte(page[at:], '>') + 1
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page[:at])
		fmt.Fprintf(w, `<div class="views">%d views</div>`, n.Add(1))
		w.Write(page[at:])
	}))
	b.Cleanup(srv.Close)
	return srv, len(pages)
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
	srv, n := churning(b)
	dir := b.TempDir()
	cfg := filepath.Join(dir, "hw.yaml")
	yaml := "discovery:\n  enabled: false\nsources:\n"
	for i := range n {
		yaml += fmt.Sprintf("  - name: p%d\n    url: %s/%d\n", i, srv.URL, i)
	}
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
	var fast []watcher.Source // the pages whose article the fast path can find again
	for _, src := range srcs {
		w.Check(ctx, src) // the first snapshot, and the regions it lies in
		if st, err := a.store.State(src.Name); err == nil && st.Fingerprint != "" {
			fast = append(fast, src)
		}
	}
	b.Logf("%d of %d pages on the fast path", len(fast), len(srcs))
	if len(fast) == 0 {
		b.Fatal("no page on the fast path: nothing to measure")
	}
	var size int64
	i := 0
	defer cpuPerOp(b)()
	for b.Loop() {
		rec, err := w.Check(ctx, fast[i%len(fast)])
		if err != nil || rec.Check.Result != watcher.ResultUnchanged {
			b.Fatalf("check: %v, %+v", err, rec.Check)
		}
		size += int64(rec.Check.Bytes)
		i++
	}
	b.SetBytes(size / int64(b.N))
}

// BenchmarkBareGET downloads the same pages as BenchmarkCheckUnchanged and does nothing
// with them: the floor no watcher can go below.
func BenchmarkBareGET(b *testing.B) {
	srv, n := churning(b)
	var size int64
	i := 0
	defer cpuPerOp(b)()
	for b.Loop() {
		res, err := http.Get(fmt.Sprintf("%s/%d", srv.URL, i%n))
		i++
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("GET: %v, HTTP %d", err, res.StatusCode)
		}
		size += int64(len(body))
	}
	b.SetBytes(size / int64(b.N))
}
