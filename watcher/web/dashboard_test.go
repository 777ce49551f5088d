package web

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/article"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/store"
)

// hostile is article text written to break out of the page: it must show as text.
const hostile = `<script>alert(1)</script> et <img src=x onerror=alert(1)> "quote" 'apostrophe'`

// dashEnv is a real bbolt store with three sources written as the pipeline writes them:
// vtv edited from 65 to 72 signatories, vietnamplus saying 72, and evil whose title and
// text are hostile HTML.
func dashEnv(t *testing.T, token string) (*httptest.Server, *daemon, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "hw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	x := article.Figures()
	record := func(source, url, title, text, prev string, at time.Time) string {
		t.Helper()
		id := watcher.SnapshotID(text)
		e := watcher.Event{Type: watcher.ArticleNew, Time: at, Source: watcher.EventSource{Name: source, URL: url},
			Snapshot: id, Title: title, Figures: []figures.Change{}}
		snap := &watcher.Snapshot{ID: id, Time: at, Size: len(text), Title: title, Lang: "fr"}
		if prev != "" {
			old, err := st.Text(source, prev)
			if err != nil {
				t.Fatal(err)
			}
			d := diff.Compute(old, text)
			e.Type, e.Previous, e.Diff = watcher.ArticleChanged, prev, &d
			e.Figures = figures.Compare(x.Extract(old, "fr"), x.Extract(text, "fr"))
			snap.Added, snap.Removed = d.Stats.Added, d.Stats.Removed
		}
		e.ID = fmt.Sprintf("%s-%d", source, at.Unix())
		err := st.Record(watcher.Record{Source: source, Check: watcher.Check{Time: at, Result: "changed", Snapshot: id},
			State:    watcher.State{Snapshot: id, Status: "ok", LastCheck: at, LastChange: at, Lang: "fr"},
			Snapshot: snap, Text: text, Events: []watcher.Event{e},
			Deliveries: []watcher.Delivery{{ID: e.ID + "@hook", Endpoint: "hook", Event: e, Created: at, NextAttempt: at, State: watcher.DeliveryPending}}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	v1 := record("vtv", "https://vtv.vn/a.htm", "Le Premier ministre", "Le Premier ministre\nCe jour-là, 65 pays ont signé la Convention.\nLa suite.", "", t0)
	record("vtv", "https://vtv.vn/a.htm", "Le Premier ministre", "Le Premier ministre\nCe jour-là, 72 pays ont signé la Convention.\nLa suite.\nUn paragraphe ajouté.", v1, t0.Add(24*time.Hour))
	record("vietnamplus", "https://www.vietnamplus.vn/b.vnp", "Hanoï", "Hanoï\nEn deux jours, 72 pays ont signé la Convention.", "", t0)
	record("evil", "https://evil.example/c", hostile, hostile+"\nCe jour-là, 65 pays ont signé la Convention.", "", t0.Add(time.Hour))
	d := &daemon{sources: []watcher.Source{
		{Name: "vtv", URL: "https://vtv.vn/a.htm"},
		{Name: "vietnamplus", URL: "https://www.vietnamplus.vn/b.vnp"},
		{Name: "evil", URL: "https://evil.example/c"},
		{Name: "nhandan", URL: "https://nhandan.vn/d.html"},
	}}
	srv := httptest.NewServer(server(st, d, token, nil).Handler())
	t.Cleanup(srv.Close)
	return srv, d, st
}

func fetch(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestDashboardPages(t *testing.T) {
	srv, _, _ := dashEnv(t, "")
	first := watcher.SnapshotID("Le Premier ministre\nCe jour-là, 65 pays ont signé la Convention.\nLa suite.")
	for _, tc := range []struct {
		path string
		code int
		want []string
		not  []string
	}{
		{"/", 200, []string{`href="/sources/vtv"`, "vietnamplus.vn", `<option value="vtv.vn">`, "4 of 4", `formaction="/sources/vtv/check"`}, nil},
		{"/sources", 200, []string{"nhandan"}, nil},
		{"/?site=vtv.vn", 200, []string{`href="/sources/vtv"`, "1 of 4", `<option value="vtv.vn" selected>`}, []string{`href="/sources/nhandan"`}},
		{"/?state=new", 200, []string{`href="/sources/nhandan"`}, []string{`href="/sources/vtv"`}},
		{"/sources/vtv", 200, []string{
			"<del>65</del>", "<ins>72</ins>", // side by side and inline
			`class="fig">pays <small>[signatories]</small>`,
			`class="new ins"><span class="no">4</span><ins>Un paragraphe ajouté.</ins>`, // a paragraph added whole
			`<input type="radio" name="from"`, "Compare A → B",
			`href="/sources/vtv/feed.atom"`,
		}, nil},
		{"/sources/vtv?from=" + first[:6] + "&to=" + first[:6], 200,
			[]string{"Only one snapshot picked"}, []string{`class="sbs"`}},
		{"/sources/vietnamplus", 200, []string{"nothing to compare", "En deux jours"}, nil},
		{"/sources/nhandan", 200, []string{"No snapshot yet"}, nil},
		{"/sources/nosuch", 404, []string{`unknown source &#34;nosuch&#34;`}, nil},
		{"/sources/vtv?to=ffff", 404, []string{`has no snapshot &#34;ffff&#34;`}, nil},
		{"/figures", 200, []string{`id="f-signatories"`, `class="figure disagree"`, `<tr class="odd">`, "<svg", `class="line c0"`, `href="#f-signatories"`}, nil},
		{"/events", 200, []string{"article.changed", `href="/sources/vtv?from=`}, nil},
		{"/events?type=article.changed", 200, []string{"vtv"}, []string{`<strong>vietnamplus</strong>`}},
		{"/events?source=vietnamplus", 200, []string{`<strong>vietnamplus</strong>`}, []string{`<strong>vtv</strong>`}},
		{"/coverage", 200, []string{"2025-W43", "vtv.vn", "vietnamplus.vn"}, nil},
		{"/outbox", 200, []string{"Pending (4)", "Dead (0)", "hook"}, nil},
		{"/static/app.css", 200, []string{"prefers-color-scheme"}, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			code, h, body := fetch(t, srv.URL+tc.path)
			if code != tc.code {
				t.Fatalf("status %d, want %d\n%s", code, tc.code, body)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("security headers: %v", h)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
			if t.Failed() {
				t.Log(body)
			}
		})
	}
}

// TestDashboardEscapes stores an article whose title and text are HTML that would run
// script, and checks that every page shows it as text.
func TestDashboardEscapes(t *testing.T) {
	srv, _, _ := dashEnv(t, "")
	for _, path := range []string{"/", "/sources/evil", "/events", "/figures"} {
		code, h, body := fetch(t, srv.URL+path)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		if csp := h.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for _, raw := range []string{"<script>alert", "<img src=x", "onerror=alert"} {
			if strings.Contains(strings.ReplaceAll(body, "&lt;img src=x onerror=alert", ""), raw) {
				t.Errorf("%s: the hostile text is in the page unescaped (%q)", path, raw)
			}
		}
		if path == "/sources/evil" || path == "/events" {
			for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;"} {
				if !strings.Contains(body, esc) {
					t.Errorf("%s: lacks %q: the text should show as text", path, esc)
				}
			}
		}
		// The only scripts are the page's own file.
		if n := strings.Count(body, "<script"); n != 1 || !strings.Contains(body, `<script src="/static/app.js" defer></script>`) {
			t.Errorf("%s: %d script tags", path, n)
		}
	}
	_, _, feed := fetch(t, srv.URL+"/sources/evil/feed.atom")
	if strings.Contains(feed, "<script>") || !strings.Contains(feed, "&lt;script&gt;") {
		t.Errorf("feed does not escape the text:\n%s", feed)
	}
}

func TestDashboardCheckNow(t *testing.T) {
	post := func(t *testing.T, srv *httptest.Server, path string, form url.Values, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location") + string(b)
	}
	t.Run("no token configured", func(t *testing.T) {
		srv, d, _ := dashEnv(t, "")
		if code, body := post(t, srv, "/sources/vtv/check", url.Values{"token": {""}}, nil); code != 401 || !strings.Contains(body, "no API token") {
			t.Fatalf("%d %s", code, body)
		}
		if len(d.checked) != 0 {
			t.Fatal("checked")
		}
	})
	srv, d, _ := dashEnv(t, "s3cret")
	for _, tc := range []struct {
		name   string
		path   string
		token  string
		header map[string]string
		code   int
	}{
		{"wrong token", "/sources/vtv/check", "guess", nil, 401},
		{"unknown source", "/sources/nosuch/check", "s3cret", nil, 404},
		{"cross-site post", "/sources/vtv/check", "s3cret", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"other origin", "/sources/vtv/check", "s3cret", map[string]string{"Origin": "https://evil.example"}, 403},
		{"same origin", "/sources/vtv/check", "s3cret", map[string]string{"Sec-Fetch-Site": "same-origin"}, 303},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(d.checked)
			code, body := post(t, srv, tc.path, url.Values{"token": {tc.token}}, tc.header)
			if code != tc.code {
				t.Fatalf("%d, want %d: %s", code, tc.code, body)
			}
			if checked := len(d.checked) > before; checked != (code == 303) {
				t.Fatalf("checked %v after %d", checked, code)
			}
			if code == 303 && !strings.HasPrefix(body, "/sources/vtv?checked=1") {
				t.Fatalf("redirect %s", body)
			}
		})
	}
	if _, _, body := fetch(t, srv.URL+"/sources/vtv?checked=1"); !strings.Contains(body, "A check of vtv was requested") {
		t.Error("no notice after the check")
	}
}

func TestDashboardRequeue(t *testing.T) {
	srv, _, st := dashEnv(t, "s3cret")
	pending, err := st.Deliveries(watcher.DeliveryPending)
	if err != nil || len(pending) == 0 {
		t.Fatal(pending, err)
	}
	d := pending[0]
	d.Attempts, d.LastError = 5, "HTTP 500 <b>boom</b>"
	if err := st.Dead(d); err != nil {
		t.Fatal(err)
	}
	_, _, body := fetch(t, srv.URL+"/outbox")
	if !strings.Contains(body, "Dead (1)") || !strings.Contains(body, `name="id" value="`+d.ID+`"`) || !strings.Contains(body, "&lt;b&gt;boom") {
		t.Fatalf("outbox page:\n%s", body)
	}
	resp, err := http.PostForm(srv.URL+"/outbox/requeue", url.Values{"token": {"s3cret"}, "id": {d.ID}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasSuffix(resp.Request.URL.String(), "/outbox?requeued=1") {
		t.Fatalf("requeue: %d %s", resp.StatusCode, resp.Request.URL)
	}
	if dead, _ := st.Deliveries(watcher.DeliveryDead); len(dead) != 0 {
		t.Fatalf("still dead: %v", dead)
	}
}

func TestDashboardJSONTwins(t *testing.T) {
	srv, _, _ := dashEnv(t, "")
	var fv report.Board
	if code := get(t, srv.URL+"/api/figures", &fv); code != 200 || len(fv.Rows) == 0 || len(fv.Series) != 3 {
		t.Fatalf("figures: %d %+v", code, fv)
	}
	found := false
	for _, r := range fv.Rows {
		if r.Key == "signatories" {
			found = r.Disagree
		}
	}
	if !found {
		t.Errorf("board: signatories not flagged: %+v", fv.Rows)
	}
	var dv report.DiffView
	if code := get(t, srv.URL+"/api/sources/vtv/diff", &dv); code != 200 || len(dv.Figures) != 1 || *dv.Figures[0].Before != 65 || *dv.Figures[0].After != 72 {
		t.Fatalf("diff figures: %d %+v", code, dv)
	}
	var series []figures.Series
	if code := get(t, srv.URL+"/api/sources/vtv/figures", &series); code != 200 || len(series) == 0 {
		t.Fatalf("source figures: %d %+v", code, series)
	}
	var cov report.Coverage
	if code := get(t, srv.URL+"/api/coverage", &cov); code != 200 || len(cov.Weeks) != 4 || cov.Weeks[3].Site != "vtv.vn" || cov.Weeks[3].Week != "2025-W43" {
		t.Fatalf("coverage: %d %+v", code, cov)
	}
	var out []watcher.Delivery
	if code := get(t, srv.URL+"/api/outbox?state=pending", &out); code != 200 || len(out) != 4 {
		t.Fatalf("outbox: %d %d", code, len(out))
	}
	var e map[string]string
	if code := get(t, srv.URL+"/api/outbox?state=lost", &e); code != 400 {
		t.Fatalf("outbox bad state: %d %v", code, e)
	}
	if code := get(t, srv.URL+"/api/sources/nosuch/figures", &e); code != 404 {
		t.Fatalf("unknown source figures: %d", code)
	}
}

func TestFeeds(t *testing.T) {
	srv, _, _ := dashEnv(t, "")
	type feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title   string `xml:"title"`
			ID      string `xml:"id"`
			Content string `xml:"content"`
			Links   []struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	for _, tc := range []struct {
		path    string
		entries int
	}{{"/feed.atom", 4}, {"/sources/vtv/feed.atom", 2}, {"/feed.atom?type=article.changed", 1}} {
		code, h, body := fetch(t, srv.URL+tc.path)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("%s: %d %s", tc.path, code, h.Get("Content-Type"))
		}
		var f feed
		if err := xml.Unmarshal([]byte(body), &f); err != nil {
			t.Fatalf("%s: %v\n%s", tc.path, err, body)
		}
		if len(f.Entries) != tc.entries {
			t.Fatalf("%s: %d entries, want %d", tc.path, len(f.Entries), tc.entries)
		}
	}
	_, _, body := fetch(t, srv.URL+"/sources/vtv/feed.atom")
	var f feed
	xml.Unmarshal([]byte(body), &f)
	first := f.Entries[0] // newest first
	if !strings.HasPrefix(first.Title, "vtv: changed") || !strings.Contains(first.Content, "65 → 72") ||
		!strings.Contains(first.Links[0].Href, "/sources/vtv?from=") || first.ID == "" {
		t.Errorf("entry %+v", first)
	}
	if code, _, _ := fetch(t, srv.URL+"/sources/nosuch/feed.atom"); code != 404 {
		t.Errorf("unknown source feed: %d", code)
	}
}

func TestHunkViews(t *testing.T) {
	seg := func(l *DiffLine) string {
		if l == nil {
			return "·"
		}
		var b strings.Builder
		for _, s := range l.Segs {
			if s.Op == "=" {
				b.WriteString(s.Text)
			} else {
				b.WriteString("[" + s.Op + s.Text + "]")
			}
		}
		return fmt.Sprintf("%d:%s", l.No, b.String())
	}
	for _, tc := range []struct {
		name, a, b string
		rows       []string // old | new
	}{
		{"word edit", "T\n65 pays ont signé.\nFin", "T\n72 pays ont signé.\nFin",
			[]string{"1:T | 1:T", "2:[-65] pays ont signé. | 2:[+72] pays ont signé.", "3:Fin | 3:Fin"}},
		{"paragraph added", "T\nA\nB", "T\nA\nX\nB",
			[]string{"1:T | 1:T", "2:A | 2:A", "· | 3:[+X]", "3:B | 4:B"}},
		{"paragraph removed", "T\nA\nX\nB", "T\nA\nB",
			[]string{"1:T | 1:T", "2:A | 2:A", "3:[-X] | ·", "4:B | 3:B"}},
		{"first line", "A\nB", "Z\nB", []string{"1:[-A] | 1:[+Z]", "2:B | 2:B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := hunkViews(tc.a, tc.b, diff.Compute(tc.a, tc.b))
			var got []string
			for _, h := range hs {
				for _, r := range h.Rows {
					got = append(got, seg(r.Old)+" | "+seg(r.New))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.rows, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.rows, "\n"))
			}
		})
	}
}

func TestNiceRange(t *testing.T) {
	for _, tc := range []struct{ lo, hi, wlo, whi, step float64 }{
		{65, 72, 64, 72, 2},
		{72, 72, 60, 80, 5},
		{0, 2500, 0, 3000, 1000},
		{0.5, 3.5, 0, 4, 1},
	} {
		lo, hi, step := niceRange(tc.lo, tc.hi)
		if lo > tc.lo || hi < tc.hi || step != tc.step || lo != tc.wlo || hi != tc.whi {
			t.Errorf("niceRange(%v, %v) = %v, %v, %v; want %v, %v, %v", tc.lo, tc.hi, lo, hi, step, tc.wlo, tc.whi, tc.step)
		}
	}
}

func TestDashboardCoverage(t *testing.T) {
	srv, _, st := dashEnv(t, "")
	at := time.Now().Add(-24 * time.Hour).UTC() // within the report's last 30 days
	u := "https://www.vietnamplus.vn/new.vnp"
	_, err := st.RecordCoverage([]watcher.Discovered{{
		Coverage: watcher.Coverage{URL: u, Source: "vnp-new", Found: at},
		Event:    watcher.Event{ID: "cf1", Type: watcher.CoverageFound, Time: at, Source: watcher.EventSource{Name: "vnp-new", URL: u}},
	}}, nil, func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	var cov report.Coverage
	if code := get(t, srv.URL+"/api/coverage", &cov); code != 200 {
		t.Fatalf("coverage: %d", code)
	}
	if len(cov.Recent) != 1 || cov.Recent[0].Source.Name != "vnp-new" || cov.Recent[0].Type != watcher.CoverageFound {
		t.Fatalf("coverage %+v", cov)
	}
	if _, _, body := fetch(t, srv.URL+"/coverage"); !strings.Contains(body, "vnp-new") || !strings.Contains(body, "vietnamplus.vn") {
		t.Fatalf("coverage page:\n%s", body)
	}
	if _, _, body := fetch(t, srv.URL+"/events?type=coverage.found"); !strings.Contains(body, `<option value="coverage.found" selected>`) || !strings.Contains(body, "vnp-new") {
		t.Fatalf("events page:\n%s", body)
	}
}

// A moved article's page says where it is now.
func TestDashboardMoved(t *testing.T) {
	srv, _, st := dashEnv(t, "")
	now := time.Date(2025, 10, 28, 9, 0, 0, 0, time.UTC)
	s, err := st.State("vietnamplus")
	if err != nil {
		t.Fatal(err)
	}
	s.MovedTo, s.LastCheck = "https://www.vietnamplus.vn/b-moved-100251028.vnp", now
	if err := st.Record(watcher.Record{Source: "vietnamplus", State: s,
		Check: watcher.Check{Time: now, Result: watcher.ResultUnchanged, URL: s.MovedTo}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Flush(); err != nil {
		t.Fatal(err)
	}
	code, _, body := fetch(t, srv.URL+"/sources/vietnamplus")
	if code != 200 || !strings.Contains(body, `Moved to <a href="https://www.vietnamplus.vn/b-moved-100251028.vnp"`) {
		t.Errorf("HTTP %d, the page does not say where the article moved:\n%s", code, body)
	}
}
