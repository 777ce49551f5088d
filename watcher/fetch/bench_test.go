package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fetch"
)

// BenchmarkFetch is one fetch of a 100 KB article page from a loopback server, robots.txt
// honoured as the configuration's default does: the fetcher's share of every check.
// cpu-ns/op is the process's CPU time per fetch, the server's included.
func BenchmarkFetch(b *testing.B) {
	page := "<html><body>" + strings.Repeat("<p>Công ước Hà Nội về chống tội phạm mạng.</p>\n", 2000) + "</body></html>"
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page) })
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	f, err := fetch.New(fetch.Options{Robots: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	defer cpuPerOp(b)()
	for b.Loop() {
		p, err := f.Fetch(ctx, watcher.Source{Name: "s", URL: fmt.Sprintf("%s/a%d", srv.URL, i%50)}, watcher.Validators{})
		if err != nil || p.Status != http.StatusOK {
			b.Fatalf("fetch: %v", err)
		}
		i++
	}
	b.SetBytes(int64(len(page)))
}

// cpuPerOp reports the process's CPU time per iteration; call the result when done.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
