package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// TestScreenshotRoute: the API serves a rendered snapshot's image by (abbreviated) id, and
// 404 for a snapshot without one; the source page shows the images of the two snapshots it
// compares that have one.
func TestScreenshotRoute(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	img := []byte("\xff\xd8\xff\xe0 a JPEG")
	var ids []string
	for i, text := range []string{"65 States", "72 States"} {
		id := watcher.SnapshotID(text)
		ids = append(ids, id)
		r := watcher.Record{Source: "spa", Check: watcher.Check{Time: at, Result: watcher.ResultChanged, Snapshot: id},
			State: watcher.State{Snapshot: id}, Snapshot: &watcher.Snapshot{ID: id, Time: at.Add(time.Duration(i) * time.Hour), Size: len(text)}, Text: text}
		if i == 0 {
			r.Screenshot = img
		}
		if err := st.Record(r); err != nil {
			t.Fatal(err)
		}
	}
	h := server(st, &daemon{sources: []watcher.Source{{Name: "spa", URL: "http://127.0.0.1/spa", Render: watcher.RenderBrowser, Screenshot: true}}}, "", nil)
	h.Screenshots = st
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/api/sources/spa/snapshots/" + ids[0][:6] + "/screenshot", http.StatusOK},
		{"/api/sources/spa/snapshots/" + ids[1] + "/screenshot", http.StatusNotFound},
		{"/api/sources/spa/snapshots/latest/screenshot", http.StatusNotFound}, // the latest is ids[1]
		{"/api/sources/spa/snapshots/ffffffff/screenshot", http.StatusNotFound},
		{"/api/sources/nobody/snapshots/" + ids[0] + "/screenshot", http.StatusNotFound},
	} {
		res, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Fatalf("%s: %d %s", tt.path, res.StatusCode, body)
		}
		if tt.status == http.StatusOK && (!bytes.Equal(body, img) || res.Header.Get("Content-Type") != "image/jpeg") {
			t.Fatalf("%s: %q, %s", tt.path, body, res.Header.Get("Content-Type"))
		}
	}

	res, err := http.Get(srv.URL + "/sources/spa")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	before := `<img src="/api/sources/spa/snapshots/` + ids[0] + `/screenshot"`
	if res.StatusCode != 200 || !bytes.Contains(page, []byte(before)) || !bytes.Contains(page, []byte("Before · <code>")) ||
		bytes.Contains(page, []byte(ids[1]+"/screenshot")) {
		t.Fatalf("source page %d: no screenshot of %s (or one of %s)\n%s", res.StatusCode, ids[0], ids[1], page)
	}
}
