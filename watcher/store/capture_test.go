package store

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// captured is changed's record with the page it came from.
func captured(source, text string, body []byte, at time.Time) watcher.Record {
	r := changed(source, text, at)
	r.Capture = newCapture(source, r.Snapshot.ID, watcher.ArticleChanged, body, at)
	r.Events[0].Capture = &watcher.CaptureRef{SHA256: r.Capture.SHA256, Size: r.Capture.Size}
	return r
}

// goneRecord is the record of a check that found the article gone, with the page it got.
func goneRecord(source, last string, body []byte, at time.Time) watcher.Record {
	r := watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: watcher.ResultGone, Status: 404},
		State:  watcher.State{Snapshot: last, Status: "gone", LastCheck: at},
		Events: []watcher.Event{{ID: "gone" + last, Type: watcher.ArticleGone, Time: at, Source: watcher.EventSource{Name: source}}}}
	r.Capture = newCapture(source, last, watcher.ArticleGone, body, at)
	return r
}

func newCapture(source, snap, event string, body []byte, at time.Time) *watcher.Capture {
	sum := sha256.Sum256(body)
	return &watcher.Capture{Time: at, Source: source, URL: "https://example.org/" + source, Snapshot: snap, Event: event,
		Exchanges: []watcher.Exchange{
			{Time: at, Method: "GET", URL: "https://example.org/" + source, Request: http.Header{"User-Agent": {"hw"}},
				Proto: "HTTP/1.1", Status: 301, Header: http.Header{"Location": {"https://www.example.org/" + source}}},
			{Time: at, Method: "GET", URL: "https://www.example.org/" + source, Request: http.Header{"User-Agent": {"hw"}},
				Proto: "HTTP/1.1", Status: 200, Header: servedHeader(at)},
		},
		SHA256: hex.EncodeToString(sum[:]), Size: len(body), Body: body}
}

// servedHeader is the head of a news site's answer as CDNs send it: what a capture keeps
// besides the body.
func servedHeader(at time.Time) http.Header {
	return http.Header{
		"Content-Type": {"text/html; charset=utf-8"}, "Content-Encoding": {"gzip"}, "Content-Length": {"48213"},
		"Date": {at.UTC().Format(http.TimeFormat)}, "Last-Modified": {at.Add(-time.Hour).UTC().Format(http.TimeFormat)},
		"Server": {"nginx"}, "Cache-Control": {"public, max-age=60, s-maxage=300"}, "Vary": {"Accept-Encoding, User-Agent"},
		"Etag": {`W/"5f2a9c1e-bc4d"`}, "Age": {"42"}, "Accept-Ranges": {"bytes"}, "X-Cache": {"HIT from cdn-hcm-03"},
		"Via": {"1.1 varnish (Varnish/7.1)"}, "X-Served-By": {"cache-hkg17931-HKG"}, "Strict-Transport-Security": {"max-age=31536000"},
		"Set-Cookie":      {"__cf_bm=Kx9aQ2mXbT0rLw7sPz1d8uVn3yEo5cJ6.fHgZ4kRiMA-1761382800-1.0.1.1-q2Wv; path=/; expires=Sat, 25-Oct-25 09:30:00 GMT; domain=.example.org; HttpOnly; Secure; SameSite=None"},
		"X-Frame-Options": {"SAMEORIGIN"}, "Content-Security-Policy": {"upgrade-insecure-requests"},
	}
}

// stored counts the bodies and their references in the file.
func stored(t *testing.T, s *Store) (bodies, refs int) {
	t.Helper()
	err := s.db.View(func(tx *bbolt.Tx) error {
		bodies = tx.Bucket(bBodies).Stats().KeyN
		return tx.Bucket(bBodyRefs).ForEach(func(_, v []byte) error {
			refs += int(v[7]) // counts stay small here
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return bodies, refs
}

func TestCaptureRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	page := []byte("<html><body><p>65 pays ont signé.</p></body></html>")
	r := captured("vtv", "65 pays ont signé.", page, t0)
	if err := s.Record(r); err != nil {
		t.Fatal(err)
	}
	// Another site's identical page (a shared 404 page, say) is stored once.
	notFound := []byte("<html><title>404</title></html>")
	record(t, s, "nhandan", "Tin", t0)
	if err := s.Record(goneRecord("nhandan", watcher.SnapshotID("Tin"), notFound, t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	record(t, s, "vnp", "Tin khác", t0)
	if err := s.Record(goneRecord("vnp", watcher.SnapshotID("Tin khác"), notFound, t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path, Options{ReadOnly: true})
	cs, err := s.Captures("vtv")
	if err != nil || len(cs) != 1 {
		t.Fatalf("captures of vtv: %d, %v", len(cs), err)
	}
	c := cs[0]
	if c.SHA256 != r.Capture.SHA256 || c.Size != len(page) || c.Snapshot != r.Snapshot.ID || c.Event != watcher.ArticleChanged ||
		!c.Time.Equal(t0) || len(c.Exchanges) != 2 || c.Exchanges[0].Header.Get("Location") != "https://www.example.org/vtv" ||
		c.Final().Header.Get("Content-Encoding") != "gzip" || c.Final().Request.Get("User-Agent") != "hw" {
		t.Fatalf("capture read back as %+v", c)
	}
	body, err := s.Body(c.SHA256)
	if err != nil || !bytes.Equal(body, page) {
		t.Fatalf("body %q, %v", body, err)
	}
	if bodies, refs := stored(t, s); bodies != 2 || refs != 3 {
		t.Fatalf("%d bodies, %d references; want 2 and 3", bodies, refs)
	}
	for name, text := range map[string]string{"nhandan": "Tin", "vnp": "Tin khác"} {
		cs, _ := s.Captures(name)
		if len(cs) != 1 || cs[0].Event != watcher.ArticleGone || cs[0].Snapshot != watcher.SnapshotID(text) {
			t.Fatalf("captures of %s: %+v", name, cs)
		}
	}
	if _, err := s.Body(hex.EncodeToString(make([]byte, 32))); !errors.Is(err, watcher.ErrNotFound) {
		t.Fatalf("unknown body: %v", err)
	}
}

// TestCaptureUnchangedStoresNothing: a quiet check, even of a new page, adds no capture.
func TestCaptureUnchangedStoresNothing(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
	t0 := time.Now()
	if err := s.Record(captured("x", "text", []byte("page 1"), t0)); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := s.Record(quiet("x", t0.Add(time.Duration(i+1)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Captures("x"); len(cs) != 1 {
		t.Fatalf("%d captures after 1 change and 5 quiet checks", len(cs))
	}
}

// TestCaptureRetention: a capture goes with its snapshot, a body with its last capture.
func TestCaptureRetention(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{Retention: Retention{MaxSnapshots: 3}})
	t0 := time.Now().Add(-time.Hour)
	shared := []byte("the same page bytes") // v1 and v3 were served the same bytes
	pages := [][]byte{[]byte("page 0"), shared, []byte("page 2"), shared, []byte("page 4"), []byte("page 5")}
	for i, p := range pages {
		at := t0.Add(time.Duration(i) * time.Minute)
		if err := s.Record(captured("x", fmt.Sprintf("version %d", i), p, at)); err != nil {
			t.Fatal(err)
		}
		if i == 4 { // gone after version 4, then back as version 5
			if err := s.Record(goneRecord("x", watcher.SnapshotID("version 4"), []byte("not found"), at.Add(time.Second))); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Kept: versions 0, 4, 5 (first and latest always), and the gone page under version 4.
	cs, err := s.Captures("x")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		b, err := s.Body(c.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	if want := "[page 0 page 4 not found page 5]"; fmt.Sprint(got) != want {
		t.Fatalf("captures kept: %v, want %s", got, want)
	}
	if bodies, refs := stored(t, s); bodies != 4 || refs != 4 {
		t.Fatalf("%d bodies, %d references; want 4 and 4", bodies, refs)
	}
	// v3 was dropped after v1: the shared body went with the last capture that held it.
	sum := sha256.Sum256(shared)
	if _, err := s.Body(hex.EncodeToString(sum[:])); !errors.Is(err, watcher.ErrNotFound) {
		t.Fatalf("body of dropped captures: %v", err)
	}
}

// TestCaptureGrowth measures what captures add to the file against gzip -6 of each body
// (issue 19: at most 1.1 times), on the real pages of the corpus, each captured twice
// with an edit so that no body is stored once for two captures.
func TestCaptureGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 50 real pages twice")
	}
	files, _ := filepath.Glob("../../../shared/corpus/real/*.html")
	if len(files) == 0 {
		t.Skip("no corpus at ../shared/corpus/real")
	}
	var pages [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b, append(bytes.Clone(b), "<!-- edited -->"...))
	}
	used := func(capture bool) (int64, int64) {
		s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
		t0 := time.Now()
		gz := int64(0)
		for i, p := range pages {
			r := captured(fmt.Sprintf("s%d", i/2), fmt.Sprintf("text %d", i), p, t0.Add(time.Duration(i)*time.Second))
			if !capture {
				r.Capture, r.Events[0].Capture = nil, nil
			}
			if err := s.Record(r); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			w, _ := gzip.NewWriterLevel(&b, 6)
			w.Write(p)
			w.Close()
			gz += int64(b.Len())
		}
		var n int64
		err := s.db.View(func(tx *bbolt.Tx) error {
			st := s.db.Stats()
			n = tx.Size() - int64(st.FreePageN+st.PendingPageN)*int64(s.db.Info().PageSize)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, gz
	}
	without, _ := used(false)
	with, gz := used(true)
	ratio := float64(with-without) / float64(gz)
	t.Logf("%d captures: the file's pages in use grew by %d bytes; gzip -6 of the bodies is %d bytes: %.3f×", len(pages), with-without, gz, ratio)
	if ratio > 1.1 {
		t.Errorf("captures take %.3f× the gzip size of their bodies, more than 1.1×", ratio)
	}
}
