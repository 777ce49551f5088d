package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"hanoiwatch/watcher"
)

// A 301 to another article URL: article.moved once, the new URL in `sources`; with
// on_move: adopt the old URL is not asked again.
func TestArticleMoved(t *testing.T) {
	const (
		oldPath = "/thoi-su/cong-uoc-ha-noi-100251025161328459.htm"
		newPath = "/the-gioi/cong-uoc-ha-noi-duoc-ky-100251026090000000.htm"
	)
	var moved atomic.Bool
	var oldHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == oldPath || r.URL.Path == "/b"+oldPath:
			oldHits.Add(1)
			if moved.Load() {
				http.Redirect(w, r, strings.TrimSuffix(r.URL.Path, oldPath)+newPath, http.StatusMovedPermanently)
				return
			}
		case strings.HasSuffix(r.URL.Path, newPath):
		default:
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "<html><head><title>Công ước Hà Nội</title></head><body><article><h1>Công ước Hà Nội</h1><p>%s</p></article></body></html>",
			strings.Repeat("Sáu mươi lăm quốc gia đã ký Công ước Hà Nội. ", 12))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hw.yaml")
	yaml := fmt.Sprintf("discovery:\n  enabled: false\nsources:\n  - name: kept\n    url: %s%s\n  - name: adopted\n    url: %s/b%s\n    on_move: adopt\n",
		srv.URL, oldPath, srv.URL, oldPath)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "hw.db")
	check := func() map[string][]watcher.Event {
		t.Helper()
		out, errOut, err := hw(t, "check", "--json", "--config", cfg, "--db", db)
		if err != nil {
			t.Fatalf("check: %v\n%s", err, errOut)
		}
		by := map[string][]watcher.Event{}
		for _, e := range events(t, out) {
			by[e.Type] = append(by[e.Type], e)
		}
		return by
	}
	if evs := check(); len(evs[watcher.ArticleNew]) != 2 || len(evs[watcher.ArticleMoved]) != 0 {
		t.Fatalf("first check: %v", evs)
	}
	moved.Store(true)
	evs := check()
	if len(evs) != 1 || len(evs[watcher.ArticleMoved]) != 2 {
		t.Fatalf("after the move: %v, want two article.moved and nothing else", evs)
	}
	for _, e := range evs[watcher.ArticleMoved] {
		var d watcher.MoveDetail
		if err := json.Unmarshal(e.Detail, &d); err != nil || d.Status != 301 || !strings.HasSuffix(d.To, newPath) ||
			d.From != e.Source.URL || d.Adopted != (e.Source.Name == "adopted") {
			t.Errorf("%s: detail %s (%v)", e.Source.Name, e.Detail, err)
		}
	}
	before := oldHits.Load()
	if evs := check(); len(evs) != 0 {
		t.Errorf("third check: %v, want no event", evs)
	}
	if n := oldHits.Load() - before; n != 1 {
		t.Errorf("the old URLs were asked %d times in the third check, want 1 (the kept source's only)", n)
	}
	out, _, err := hw(t, "sources", "--config", cfg, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kept", "adopted"} {
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, name+" ") && !strings.Contains(line, "→ "+srv.URL) {
				t.Errorf("sources does not show where %s moved: %q", name, line)
			}
		}
	}
}
