package watcher_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fetch"
	"hanoiwatch/watcher/store"
)

// TestCapture runs the pipeline with the real fetcher and store against a site on
// 127.0.0.1 that redirects, compresses, edits and removes its article: the checks that
// make a snapshot and article.gone keep the response as served, the others nothing.
func TestCapture(t *testing.T) {
	var (
		mu      sync.Mutex
		article = "Soixante-cinq pays ont signé."
		status  = 200
		served  [][]byte // the bodies sent, before compression
		n       int
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusMovedPermanently) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n++
		body := []byte(fmt.Sprintf("<article>%s</article><p>Hanoi.</p><nav>%d readers</nav>", article, n))
		served = append(served, body)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Served", fmt.Sprint(n))
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(status)
		z := gzip.NewWriter(w)
		z.Write(body)
		z.Close()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	st, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := fetch.New(fetch.Options{UserAgent: "hanoiwatch-test/1", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
	w := &watcher.Watcher{Fetcher: f, Extractor: &pages{}, Store: st, Figures: figures.New(nil), Now: func() time.Time { return now }}
	src := watcher.Source{Name: "vtv", URL: srv.URL + "/a"}
	step := func(edit string, code int, wantResult string, wantCapture bool) watcher.Record {
		t.Helper()
		mu.Lock()
		if edit != "" {
			article = edit
		}
		status = code
		mu.Unlock()
		now = now.Add(time.Hour)
		rec, err := w.Check(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Check.Result != wantResult || (rec.Capture != nil) != wantCapture {
			t.Fatalf("result %s, capture %v; want %s, %v", rec.Check.Result, rec.Capture != nil, wantResult, wantCapture)
		}
		if !wantCapture {
			return rec
		}
		c := rec.Capture
		mu.Lock()
		last := served[len(served)-1]
		mu.Unlock()
		sum := sha256.Sum256(last)
		if c.Body != nil {
			t.Fatal("the record returned keeps the body the store has") // callers keep records
		}
		body, err := st.Body(c.SHA256)
		if err != nil || !bytes.Equal(body, last) || c.SHA256 != hex.EncodeToString(sum[:]) || c.Size != len(last) || !c.Time.Equal(now) {
			t.Fatalf("captured %q (%s, %d bytes; %v), served %q", body, c.SHA256, c.Size, err, last)
		}
		c.Body = body
		if len(c.Exchanges) != 2 || c.Exchanges[0].Status != 301 || c.Exchanges[0].Header.Get("Location") != "/b" ||
			c.Exchanges[0].URL != srv.URL+"/a" || c.Final().URL != srv.URL+"/b" || c.Final().Status != code {
			t.Fatalf("exchanges %+v", c.Exchanges)
		}
		fin := c.Final()
		if fin.Header.Get("Content-Encoding") != "gzip" || fin.Header.Get("X-Served") == "" || fin.Proto != "HTTP/1.1" ||
			fin.Request.Get("User-Agent") != "hanoiwatch-test/1" || fin.Request.Get("Accept-Encoding") != "gzip" || fin.Method != "GET" {
			t.Fatalf("final exchange %+v", fin)
		}
		for _, e := range rec.Events {
			if e.Capture == nil || e.Capture.SHA256 != c.SHA256 || e.Capture.Size != c.Size {
				t.Fatalf("event %s names capture %+v, want %s", e.Type, e.Capture, c.SHA256)
			}
		}
		return rec
	}
	first := step("", 200, watcher.ResultNew, true)
	if first.Capture.Event != watcher.ArticleNew || first.Capture.Snapshot != first.Snapshot.ID {
		t.Fatalf("first capture %+v", first.Capture)
	}
	step("", 200, watcher.ResultUnchanged, false) // the counter moved, not the article
	second := step("Soixante-douze pays ont signé.", 200, watcher.ResultChanged, true)
	gone := step("", 404, watcher.ResultGone, true)
	if gone.Capture.Event != watcher.ArticleGone || gone.Capture.Snapshot != second.Snapshot.ID {
		t.Fatalf("gone capture %+v", gone.Capture)
	}
	step("", 404, watcher.ResultGone, false) // still gone: reported once, captured once
	step("", 200, watcher.ResultUnchanged, false)
	back := step("Soixante-treize pays ont signé.", 200, watcher.ResultChanged, true)

	cs, err := st.Captures("vtv")
	if err != nil {
		t.Fatal(err)
	}
	want := []*watcher.Capture{first.Capture, second.Capture, gone.Capture, back.Capture}
	if len(cs) != len(want) {
		t.Fatalf("%d captures stored, want %d", len(cs), len(want))
	}
	for i, c := range cs {
		body, err := st.Body(c.SHA256)
		if err != nil || !bytes.Equal(body, want[i].Body) || c.Event != want[i].Event || c.Snapshot != want[i].Snapshot {
			t.Fatalf("capture %d: %+v (%v)", i, c, err)
		}
	}
}
