package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/article"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/watchlist"
)

// daemon is a watch list in memory.
type daemon struct {
	sources []watcher.Source
	checked []string
}

func (d *daemon) Sources() ([]watcher.Source, error) { return d.sources, nil }
func (d *daemon) Next(watcher.Source, watcher.State) time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
}
func (d *daemon) Add(r watchlist.Request) (watcher.Source, error) {
	s, err := watchlist.Prepare(r, d.sources, func(f string) string { return f })
	if err == nil {
		d.sources = append(d.sources, s)
	}
	return s, err
}
func (d *daemon) CheckNow(name string) error {
	for _, s := range d.sources {
		if s.Name == name {
			d.checked = append(d.checked, name)
			return nil
		}
	}
	return fmt.Errorf("source %q: %w", name, watcher.ErrNotFound)
}
func (d *daemon) Remove(name string) error {
	kept := d.sources[:0]
	for _, s := range d.sources {
		if s.Name != name {
			kept = append(kept, s)
		}
	}
	d.sources = kept
	return nil
}

func setup(t *testing.T, token string) (*httptest.Server, *daemon, *Metrics) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	for i, text := range []string{"Titre\n65 pays ont signé.", "Titre\n72 pays ont signé."} {
		id := watcher.SnapshotID(text)
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		typ := watcher.ArticleNew
		if i > 0 {
			typ = watcher.ArticleChanged
		}
		err := st.Record(watcher.Record{Source: "vtv", Check: watcher.Check{Time: at, Result: "changed", Snapshot: id},
			State:    watcher.State{Snapshot: id, Status: "ok", LastCheck: at, LastChange: at},
			Snapshot: &watcher.Snapshot{ID: id, Time: at, Size: len(text)}, Text: text,
			Events: []watcher.Event{{ID: fmt.Sprint(i), Type: typ, Time: at, Source: watcher.EventSource{Name: "vtv"}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	d := &daemon{sources: []watcher.Source{{Name: "vtv", URL: "https://vtv.vn/a.htm"}, {Name: "nhandan", URL: "https://nhandan.vn/b.html"}}}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	srv := httptest.NewServer(server(st, d, token, reg).Handler())
	t.Cleanup(srv.Close)
	return srv, d, m
}

// server is the API and dashboard on st, with d as the daemon, as `hanoiwatch run` wires
// them.
func server(st *store.Store, d *daemon, token string, reg prometheus.Gatherer) *Server {
	return &Server{Reports: &report.Service{Store: st, List: d, Extractor: article.Figures(), Discovered: st}, Changes: d,
		Outbox: st, Requeuer: st, Token: token, Gatherer: reg}
}

func get(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func TestReadRoutes(t *testing.T) {
	srv, _, _ := setup(t, "")
	var sources []report.SourceView
	if code := get(t, srv.URL+"/api/sources", &sources); code != 200 || len(sources) != 2 {
		t.Fatalf("sources: %d %+v", code, sources)
	}
	if sources[0].Snapshots != 2 || sources[0].Status != "ok" || sources[1].Status != "new" || sources[0].NextCheck.IsZero() {
		t.Fatalf("source views %+v", sources)
	}
	// Paging: the cursor of the next page is in a header.
	resp, err := http.Get(srv.URL + "/api/sources?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	var page []report.SourceView
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if len(page) != 1 || page[0].Name != "vtv" || resp.Header.Get(NextHeader) != "vtv" {
		t.Fatalf("first page %+v, next %q", page, resp.Header.Get(NextHeader))
	}
	resp, err = http.Get(srv.URL + "/api/sources?limit=1&after=vtv")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if len(page) != 1 || page[0].Name != "nhandan" || resp.Header.Get(NextHeader) != "" {
		t.Fatalf("last page %+v, next %q", page, resp.Header.Get(NextHeader))
	}
	var one report.SourceView
	if code := get(t, srv.URL+"/api/sources/vtv", &one); code != 200 || len(one.Checks) != 2 {
		t.Fatalf("source: %d %+v", code, one)
	}
	var snaps []watcher.Snapshot
	if code := get(t, srv.URL+"/api/sources/vtv/snapshots", &snaps); code != 200 || len(snaps) != 2 {
		t.Fatalf("snapshots: %d %+v", code, snaps)
	}
	var text report.SnapshotText
	if code := get(t, srv.URL+"/api/sources/vtv/snapshots/"+snaps[0].ID[:6], &text); code != 200 || !strings.Contains(text.Text, "65 pays") {
		t.Fatalf("snapshot text: %d %+v", code, text)
	}
	var d report.DiffView
	if code := get(t, srv.URL+"/api/sources/vtv/diff", &d); code != 200 || d.From != snaps[0].ID || d.Diff.Added[0] != "72 pays ont signé." {
		t.Fatalf("diff: %d %+v", code, d)
	}
	var evs report.EventPage
	if code := get(t, srv.URL+"/api/events?type=article.changed", &evs); code != 200 || len(evs.Events) != 1 {
		t.Fatalf("events by type: %d %+v", code, evs)
	}
	if code := get(t, srv.URL+"/api/events?since=2025-10-26T00:00:00Z", &evs); code != 200 || len(evs.Events) != 1 {
		t.Fatalf("events since: %d %+v", code, evs)
	}
	// Paging: one event a page, newest first, the cursor leading to the older one.
	var p1, p2 report.EventPage
	if code := get(t, srv.URL+"/api/events?limit=1", &p1); code != 200 || len(p1.Events) != 1 || p1.Events[0].Type != watcher.ArticleChanged || p1.Next == "" {
		t.Fatalf("page 1: %d %+v", code, p1)
	}
	if code := get(t, srv.URL+"/api/events?limit=1&after="+url.QueryEscape(p1.Next), &p2); code != 200 || len(p2.Events) != 1 || p2.Events[0].Type != watcher.ArticleNew || p2.Next != "" {
		t.Fatalf("page 2: %d %+v", code, p2)
	}
	var e map[string]string
	for url, want := range map[string]int{
		"/api/sources/nosuch":             404,
		"/api/sources/vtv/snapshots/zzz":  404,
		"/api/sources/nhandan/diff":       404,
		"/api/events?since=yesterday":     400,
		"/api/sources/vtv/diff?from=nope": 404,
	} {
		if code := get(t, srv.URL+url, &e); code != want || e["error"] == "" {
			t.Errorf("GET %s: %d %v, want %d with an error", url, code, e, want)
		}
	}
	if code := get(t, srv.URL+"/healthz", nil); code != 200 {
		t.Errorf("healthz %d", code)
	}
	if code := get(t, srv.URL+"/readyz", nil); code != 200 {
		t.Errorf("readyz %d", code)
	}
}

func do(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMutatingRoutesNeedTheToken(t *testing.T) {
	t.Run("no token configured", func(t *testing.T) {
		srv, d, _ := setup(t, "")
		if code, body := do(t, "POST", srv.URL+"/api/sources/vtv/check", "anything", ""); code != 401 || !strings.Contains(body, "no API token") {
			t.Fatalf("%d %s", code, body)
		}
		if len(d.checked) != 0 {
			t.Fatal("checked without a token")
		}
	})
	srv, d, _ := setup(t, "s3cret")
	for _, tok := range []string{"", "wrong"} {
		if code, _ := do(t, "DELETE", srv.URL+"/api/sources/vtv", tok, ""); code != 401 {
			t.Fatalf("token %q: %d", tok, code)
		}
	}
	if code, _ := do(t, "POST", srv.URL+"/api/sources/vtv/check", "s3cret", ""); code != 202 || len(d.checked) != 1 {
		t.Fatalf("check now: %d", code)
	}
	if code, body := do(t, "POST", srv.URL+"/api/sources", "s3cret", `{"name":"bad","url":"ftp://x"}`); code != 400 {
		t.Fatalf("bad url: %d %s", code, body)
	}
	if code, body := do(t, "POST", srv.URL+"/api/sources", "s3cret", `{"name":"vtv","url":"https://x.vn/a"}`); code != 409 {
		t.Fatalf("duplicate: %d %s", code, body)
	}
	if code, body := do(t, "POST", srv.URL+"/api/sources", "s3cret", `{"name":"vnexpress","url":"https://vnexpress.net/a.html"}`); code != 201 || len(d.sources) != 3 {
		t.Fatalf("add: %d %s", code, body)
	}
	if code, _ := do(t, "DELETE", srv.URL+"/api/sources/nhandan", "s3cret", ""); code != 200 || len(d.sources) != 2 {
		t.Fatalf("remove: %d", code)
	}
}

func TestMetrics(t *testing.T) {
	srv, _, m := setup(t, "")
	src := watcher.Source{Name: "vtv"}
	m.SetState("vtv", "")
	m.Observe(src, watcher.Record{Check: watcher.Check{Result: "changed", Bytes: 1000, Duration: time.Second, Time: time.Unix(1761400000, 0)},
		State: watcher.State{Status: "ok"}, Events: []watcher.Event{{Type: watcher.ArticleChanged}}}, 2*time.Millisecond)
	_, body := do(t, "GET", srv.URL+"/metrics", "", "")
	for _, want := range []string{
		`hanoiwatch_checks_total{result="changed"} 1`,
		`hanoiwatch_events_total{type="article.changed"} 1`,
		`hanoiwatch_fetched_bytes_total 1000`,
		`hanoiwatch_sources{state="ok"} 1`,
		`hanoiwatch_sources{state="new"} 0`,
		`hanoiwatch_last_success_timestamp_seconds{source="vtv"} 1.7614e+09`,
		`hanoiwatch_check_duration_seconds_count 1`,
		`hanoiwatch_scheduler_lag_seconds_count 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
