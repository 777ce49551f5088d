package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/store"
)

// zooServer serves the history zoo (fixture.Zoo): every kind of history a source can have.
func zooServer(t *testing.T) (*httptest.Server, []watcher.Source) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "zoo.db"), store.Options{Retention: store.Retention{MaxSnapshots: fixture.ZooSnapshots}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	list, err := fixture.Zoo(st, time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server(st, &daemon{sources: list}, "", nil).Handler())
	t.Cleanup(srv.Close)
	return srv, list
}

// TestZoo asks every page and every API route about every source of the zoo (and the
// removed one, whose history stays): none may fail, and none may leave out what exists.
func TestZoo(t *testing.T) {
	srv, list := zooServer(t)
	pages := []string{"/", "/sources", "/figures", "/events", "/events?type=article.gone", "/coverage", "/outbox", "/feed.atom",
		"/api/sources", "/api/figures", "/api/coverage", "/api/treaty", "/api/events", "/api/events?limit=3", "/api/outbox"}
	names := []string{"removed"}
	for _, s := range list {
		names = append(names, s.Name)
	}
	for _, n := range names {
		p := "/sources/" + url.PathEscape(n)
		pages = append(pages, p, p+"/feed.atom", "/api"+p+"/snapshots", "/api"+p+"/snapshots/latest", "/api"+p+"/diff",
			"/api"+p+"/figures", "/api"+p+"/timeline")
	}
	for _, p := range pages {
		code, _, body := fetch(t, srv.URL+p)
		// A source never fetched has no snapshot to show or diff, the blocked one
		// neither; the removed one is not in the watch list but its history answers.
		if code >= 500 || (code != 200 && !strings.Contains(p, "/api/sources/")) {
			t.Errorf("GET %s: %d\n%.400s", p, code, body)
		}
	}
	// No empty section where data exists.
	for _, tc := range []struct{ path, want string }{
		{"/sources/flaky", "fetch.failed"},
		{"/sources/flaky", "article.restored"},
		{"/sources/gone", "article.gone"},
		{"/sources/retained", `id="timeline"`},
		{"/sources/edited", "Figures in the latest text"},
		{"/api/sources/suspect", `"result":"suspect"`},
		{"/api/sources/blocked", `"result":"blocked"`},
		{"/sources/removed", "removed"},
		{"/figures", "signatories"},
		{"/figures", "Official (un)"},
		{"/coverage", "found"},
		{"/events", "article.changed"},
	} {
		if _, _, body := fetch(t, srv.URL+tc.path); !strings.Contains(body, tc.want) {
			t.Errorf("GET %s lacks %q", tc.path, tc.want)
		}
	}
	var tl []report.Moment
	if code := get(t, srv.URL+"/api/sources/flaky/timeline", &tl); code != 200 || len(tl) != 3 || tl[1].Snapshot != nil || tl[1].Events[0].Type != watcher.FetchFailed {
		t.Fatalf("flaky timeline: %d %+v", code, tl)
	}
	var snaps []watcher.Snapshot
	if code := get(t, srv.URL+"/api/sources/retained/snapshots", &snaps); code != 200 || len(snaps) != fixture.ZooSnapshots {
		t.Fatalf("retained snapshots: %d %d", code, len(snaps))
	}
}

// FuzzTimeline builds random histories of one source (each byte a check: new text,
// unchanged, failed, gone, restored, suspect) and renders its page and its API: none may
// fail, whatever the order.
func FuzzTimeline(f *testing.F) {
	f.Add([]byte{0, 2, 1, 0, 3, 4})
	f.Add([]byte{2, 2, 0, 3, 4, 0, 5, 0})
	f.Add([]byte{3, 4, 1})
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 40 {
			script = script[:40]
		}
		st, err := store.Open(filepath.Join(t.TempDir(), "f.db"), store.Options{Retention: store.Retention{MaxSnapshots: 3}})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		at := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
		var cur watcher.State
		for i, b := range script {
			at = at.Add(time.Minute)
			rec := watcher.Record{Source: "s", Check: watcher.Check{Time: at, Status: 200, Result: watcher.ResultUnchanged}}
			ev := watcher.Event{ID: fmt.Sprint(i), Time: at, Source: watcher.EventSource{Name: "s"}, Previous: cur.Snapshot}
			switch b % 6 {
			case 0:
				text := fmt.Sprintf("Titre\n%d pays ont signé.", 60+int(b)%7)
				id := watcher.SnapshotID(text)
				ev.Type, ev.Snapshot = watcher.ArticleChanged, id
				if cur.Snapshot == "" {
					ev.Type = watcher.ArticleNew
				}
				cur.Snapshot, cur.LastChange, cur.Status = id, at, "ok"
				rec.Snapshot, rec.Text, rec.Events = &watcher.Snapshot{ID: id, Time: at, Size: len(text)}, text, []watcher.Event{ev}
				rec.Check.Result, rec.Check.Snapshot = watcher.ResultChanged, id
			case 2:
				ev.Type, ev.Error = watcher.FetchFailed, "HTTP 500"
				cur.Status = "failing"
				rec.Check.Result, rec.Events = watcher.ResultFailed, []watcher.Event{ev}
			case 3:
				ev.Type = watcher.ArticleGone
				cur.Status = "gone"
				rec.Check.Result, rec.Events = watcher.ResultGone, []watcher.Event{ev}
			case 4:
				ev.Type, ev.Snapshot = watcher.ArticleRestored, cur.Snapshot
				cur.Status = "ok"
				rec.Events = []watcher.Event{ev}
			case 5:
				cur.Status = "suspect"
				rec.Check.Result = watcher.ResultSuspect
			}
			cur.LastCheck = at
			rec.State = cur
			if err := st.Record(rec); err != nil {
				t.Fatal(err)
			}
		}
		srv := httptest.NewServer(server(st, &daemon{sources: []watcher.Source{{Name: "s", URL: "https://news.example/s"}}}, "", nil).Handler())
		defer srv.Close()
		for _, p := range []string{"/sources/s", "/api/sources/s/timeline", "/api/sources/s/figures", "/sources/s/feed.atom", "/figures"} {
			resp, err := http.Get(srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s after %v: %d", p, script, resp.StatusCode)
			}
		}
	})
}
