package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// `check` from cron: robots.txt is read once for all the sources of a site, and the next
// run takes it from the database instead of asking again.
func TestCheckRobotsOnce(t *testing.T) {
	var robots atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robots.Add(1)
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
			return
		}
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body><article><h1>Công ước Hà Nội</h1><p>%s</p></article></body></html>",
			r.URL.Path, strings.Repeat("Bài báo về Công ước Hà Nội. ", 20))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hw.yaml")
	var b strings.Builder
	b.WriteString("discovery:\n  enabled: false\nsources:\n")
	for i := range 6 {
		fmt.Fprintf(&b, "  - name: a%d\n    url: %s/a%d.html\n", i, srv.URL, i)
	}
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "hw.db")
	for run := range 2 {
		if _, errOut, err := hw(t, "check", "--config", cfg, "--db", db); err != nil {
			t.Fatalf("check %d: %v\n%s", run, err, errOut)
		}
	}
	if n := robots.Load(); n != 1 {
		t.Errorf("robots.txt fetched %d times by two check runs of six sources, want 1", n)
	}
}
