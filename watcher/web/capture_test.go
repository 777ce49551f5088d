package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// TestCaptureRoutes: the API lists a source's captures, serves a body as served under a
// sandbox policy that lets nothing in it run, and its WARC file.
func TestCaptureRoutes(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	page := []byte(`<html><script>alert(document.cookie)</script><img src="https://tracker.example/x.gif"><p>65 pays</p></html>`)
	sum := sha256.Sum256(page)
	sha := hex.EncodeToString(sum[:])
	text := "65 pays"
	id := watcher.SnapshotID(text)
	c := &watcher.Capture{Time: at, Source: "vtv", URL: "http://127.0.0.1/a", Snapshot: id, Event: watcher.ArticleNew,
		Exchanges: []watcher.Exchange{{Time: at, Method: "GET", URL: "http://127.0.0.1/a", Proto: "HTTP/1.1", Status: 200,
			Request: http.Header{"User-Agent": {"hw"}}, Header: http.Header{"Content-Type": {"text/html"}}}},
		SHA256: sha, Size: len(page), Body: page}
	if err := st.Record(watcher.Record{Source: "vtv", Check: watcher.Check{Time: at, Result: watcher.ResultNew, Snapshot: id},
		State: watcher.State{Snapshot: id}, Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)}, Text: text, Capture: c,
		Events: []watcher.Event{{ID: "e", Type: watcher.ArticleNew, Time: at, Source: watcher.EventSource{Name: "vtv"}, Snapshot: id,
			Capture: &watcher.CaptureRef{SHA256: sha, Size: len(page)}}}}); err != nil {
		t.Fatal(err)
	}
	copyURL := "https://web.archive.org/web/20251025093000/http://127.0.0.1/a"
	if err := st.Archived(watcher.ArchiveJob{Seq: 1}, watcher.Event{ID: "a", Type: watcher.ArticleArchived, Time: at.Add(time.Minute),
		Source: watcher.EventSource{Name: "vtv"}, Snapshot: id, Detail: json.RawMessage(`{"archive_url":"` + copyURL + `"}`)}, nil); err != nil {
		t.Fatal(err)
	}
	h := server(st, &daemon{sources: []watcher.Source{{Name: "vtv", URL: "http://127.0.0.1/a"}}}, "", nil)
	h.Captures = st
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	get := func(path string) *http.Response {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}

	var list []CaptureView
	if err := json.NewDecoder(get("/api/sources/vtv/captures").Body).Decode(&list); err != nil || len(list) != 1 ||
		list[0].SHA256 != sha || list[0].Snapshot != id || list[0].BodyURL != "/api/captures/"+sha {
		t.Fatalf("captures %+v (%v)", list, err)
	}

	res := get(list[0].BodyURL)
	body, _ := io.ReadAll(res.Body)
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !bytes.Equal(body, page) || !strings.HasPrefix(csp, "sandbox;") || strings.Contains(csp, "allow-scripts") ||
		!strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("body %d %q, headers %v", res.StatusCode, body, res.Header)
	}
	if d := get(list[0].BodyURL + "?download=1").Header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment") {
		t.Fatalf("download: Content-Disposition %q", d)
	}

	res = get(list[0].WARCURL)
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	warc, _ := io.ReadAll(zr)
	if res.StatusCode != 200 || !bytes.Contains(warc, []byte("WARC-Payload-Digest: sha256:"+sha)) || !bytes.Contains(warc, page) {
		t.Fatalf("warc %d: %s", res.StatusCode, warc)
	}

	// The source page and the events link each version to its capture, its WARC file and
	// its copy in the Wayback Machine.
	for _, path := range []string{"/sources/vtv", "/events"} {
		html, _ := io.ReadAll(get(path).Body)
		for _, want := range []string{`href="/api/captures/` + sha + `"`, `href="/api/captures/` + sha + `/warc"`, `href="` + copyURL + `"`} {
			if !strings.Contains(string(html), want) {
				t.Errorf("%s lacks %s", path, want)
			}
		}
	}

	for _, p := range []string{"/api/captures/" + strings.Repeat("0", 64), "/api/captures/nope", "/api/captures/nope/warc"} {
		if res := get(p); res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d", p, res.StatusCode)
		}
	}
}
