package watcher_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// The state machine of one source, check by check, with a scripted fetcher, a small
// extractor and a store in memory: new, unchanged, changed, gone and restored, failures
// counted against fail_after, the backoff, suspect texts, blocked answers, redirects.

// answer is what the scripted fetcher gives for one check: a page, or an error.
type answer struct {
	status     int
	body       string
	url        string // final URL, "" for the source's own
	retryAfter time.Duration
	err        error
}

// script is a Fetcher that gives the answer set before each check.
type script struct {
	a    answer
	seen []watcher.Validators
}

func (s *script) Fetch(_ context.Context, src watcher.Source, v watcher.Validators) (*watcher.Page, error) {
	s.seen = append(s.seen, v)
	if s.a.err != nil {
		return nil, s.a.err
	}
	u := s.a.url
	if u == "" {
		u = src.URL
	}
	return &watcher.Page{URL: u, Status: s.a.status, ContentType: "text/html; charset=utf-8", Body: []byte(s.a.body),
		RetryAfter: s.a.retryAfter, ETag: `"` + fmt.Sprint(len(s.a.body)) + `"`}, nil
}

// html is a page: a title and paragraphs, as the small extractor reads them.
func html(title string, paras ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<html><head><title>%s</title></head><body>", title)
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>", p)
	}
	b.WriteString("</body></html>")
	return b.String()
}

var (
	titleRE = regexp.MustCompile(`<title>(.*?)</title>`)
	paraRE  = regexp.MustCompile(`<p>(.*?)</p>`)
)

// paragraphs extracts a page made by html: the title, then each paragraph, one per line,
// as the real extractor's text is.
type paragraphs struct{}

func (paragraphs) Extract(p *watcher.Page, _ watcher.Source) (watcher.Article, error) {
	var title string
	if m := titleRE.FindStringSubmatch(string(p.Body)); m != nil {
		title = m[1]
	}
	lines := []string{}
	if title != "" {
		lines = append(lines, title)
	}
	for _, m := range paraRE.FindAllStringSubmatch(string(p.Body), -1) {
		lines = append(lines, m[1])
	}
	if len(lines) == 0 {
		return watcher.Article{}, watcher.ErrNoText
	}
	return watcher.Article{Text: strings.Join(lines, "\n"), Title: title, Lang: "fr"}, nil
}

// memory is a Store in memory: states, texts and the records written.
type memory struct {
	mu      sync.Mutex
	states  map[string]watcher.State
	texts   map[string]string
	figures map[string]figures.Track
	records []watcher.Record
	fail    error // Record fails with it when set
}

func newMemory() *memory {
	return &memory{states: map[string]watcher.State{}, texts: map[string]string{}, figures: map[string]figures.Track{}}
}

func (m *memory) State(source string) (watcher.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.states[source], nil
}

func (m *memory) Text(source, snapshot string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.texts[source+"/"+snapshot]
	if !ok {
		return "", watcher.ErrNotFound
	}
	return t, nil
}

func (m *memory) Figures(source string) (figures.Track, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.figures[source], nil
}

func (m *memory) Record(r watcher.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.states[r.Source] = r.State
	if r.Snapshot != nil {
		m.texts[r.Source+"/"+r.Snapshot.ID] = r.Text
	}
	if r.Figures != nil {
		m.figures[r.Source] = *r.Figures
	}
	m.records = append(m.records, r)
	return nil
}

// Paragraphs of an article of ordinary length, and the same article edited.
var (
	paras = []string{
		"Soixante-cinq pays ont signé la Convention des Nations unies contre la cybercriminalité à Hanoi.",
		"La cérémonie de signature s'est tenue les 25 et 26 octobre 2025 au Centre national des congrès.",
		"Le secrétaire général a salué un instrument qui renforce la coopération entre les États.",
		"La Convention entrera en vigueur quatre-vingt-dix jours après le dépôt du quarantième instrument de ratification.",
		"Plusieurs organisations de la société civile ont exprimé leurs inquiétudes quant aux garanties des droits humains.",
		"Le Viet Nam a été le premier pays à signer le texte, suivi par de nombreuses délégations.",
	}
	edited = append([]string{"Soixante-douze pays ont signé la Convention des Nations unies contre la cybercriminalité à Hanoi."}, paras[1:]...)
	good   = html("La Convention de Hanoi signée", paras...)
	change = html("La Convention de Hanoi signée", edited...)
	// A challenge page served with a 200, as Cloudflare's is.
	moment = html("Just a moment...", "Checking if the site connection is secure.", "Enable JavaScript and cookies to continue.")
	// A page whose text collapsed: an error page served with 200.
	oops = html("Erreur", "Une erreur est survenue.")
	home = html("Accueil", "Les dernières nouvelles.", "Politique, société, monde.")
	// An application shell: the article is drawn by a script.
	shell = `<html><head><title>La Convention de Hanoi signée</title><meta name="description" content="Soixante-cinq pays.">` +
		`</head><body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript>` +
		`<script src="/static/js/main.js"></script></body></html>`
	// A news brief that mentions a captcha is no challenge.
	brief = html("Un réseau de fraude démantelé", "La police a démantelé un réseau qui contournait les captcha des banques en ligne.",
		"Les enquêteurs ont saisi des serveurs utilisés pour des attaques contre des services publics.",
		"Les suspects risquent dix ans de prison selon le code pénal, a précisé le parquet dans un communiqué.",
		"L'affaire illustre la coopération que la Convention de Hanoi doit faciliter entre les États.")
)

const srcURL = "http://127.0.0.1/thoi-su/convention-hanoi-123456.htm"

// step is one check: the answer it gets and what it must record.
type step struct {
	a        answer
	result   string
	events   []string             // event types, in order
	status   watcher.SourceStatus // the state's status after the check
	failures int                  // the state's failure count after the check
	snapshot string               // the state's snapshot: "" none, "=" unchanged, "+" a new one
	errMatch string               // a part of the check's error, "" for none
}

// run checks a source step by step, every step a minute after the one before.
func run(t *testing.T, w *watcher.Watcher, steps []step) *memory {
	t.Helper()
	st := newMemory()
	f := &script{}
	now := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
	w.Fetcher, w.Extractor, w.Store, w.Figures = f, paragraphs{}, st, figures.New(nil)
	w.Now = func() time.Time { return now }
	src := watcher.Source{Name: "vtv", URL: srcURL}
	prev := ""
	for i, s := range steps {
		f.a = s.a
		rec, err := w.Check(context.Background(), src)
		if err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		var types []string
		for _, e := range rec.Events {
			types = append(types, e.Type)
		}
		c, state := rec.Check, rec.State
		where := fmt.Sprintf("step %d (HTTP %d, %v): check %+v, events %v, state %s/%d", i+1, s.a.status, s.a.err, c, types, state.Status, state.Failures)
		if c.Result != s.result || !slices.Equal(types, s.events) || state.Status != s.status || state.Failures != s.failures {
			t.Fatalf("%s; want %s, events %v, state %s/%d", where, s.result, s.events, s.status, s.failures)
		}
		switch s.snapshot {
		case "":
			if state.Snapshot != "" {
				t.Fatalf("%s: snapshot %s, want none", where, state.Snapshot)
			}
		case "=":
			if state.Snapshot != prev || rec.Snapshot != nil {
				t.Fatalf("%s: snapshot %s (new %v), want %s kept", where, state.Snapshot, rec.Snapshot != nil, prev)
			}
		case "+":
			if state.Snapshot == prev || rec.Snapshot == nil || c.Snapshot != state.Snapshot {
				t.Fatalf("%s: snapshot %s after %s, want a new one", where, state.Snapshot, prev)
			}
		}
		if (s.errMatch == "") != (c.Error == "") || !strings.Contains(c.Error, s.errMatch) {
			t.Fatalf("%s: error %q, want one with %q", where, c.Error, s.errMatch)
		}
		wantResult := "" // a failing source keeps why it fails
		if state.Status == watcher.StatusFailing {
			wantResult = c.Result
		}
		if state.LastCheck != now || state.Result != wantResult {
			t.Fatalf("%s: last check %s (%s), want %s (%s)", where, state.LastCheck, state.Result, now, c.Result)
		}
		prev = state.Snapshot
		now = now.Add(time.Minute)
	}
	return st
}

var errNet = errors.New("GET " + srcURL + ": connection refused")

func TestStateMachine(t *testing.T) {
	ok := answer{status: 200, body: good}
	edit := answer{status: 200, body: change}
	down := answer{err: errNet}
	tests := []struct {
		name                   string
		suspectAfter, failAfer int
		steps                  []step
	}{
		{"new, unchanged, changed, changed back", 0, 0, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{ok, watcher.ResultUnchanged, nil, "ok", 0, "=", ""},
			{edit, watcher.ResultChanged, []string{watcher.ArticleChanged}, "ok", 0, "+", ""},
			{ok, watcher.ResultChanged, []string{watcher.ArticleChanged}, "ok", 0, "+", ""},
		}},
		{"304 keeps the snapshot; without one it is a failure", 0, 0, []step{
			{answer{status: 304}, watcher.ResultFailed, []string{watcher.FetchFailed}, "failing", 1, "", "HTTP 304 without a stored snapshot"},
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 304}, watcher.ResultNotModified, nil, "ok", 0, "=", ""},
		}},
		{"gone once, restored unchanged", 0, 0, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 404}, watcher.ResultGone, []string{watcher.ArticleGone}, "gone", 0, "=", ""},
			{answer{status: 410}, watcher.ResultGone, nil, "gone", 0, "=", ""},
			// A gone article that times out is still gone: no fetch.failed, no failure count.
			{down, watcher.ResultFailed, nil, "gone", 0, "=", "connection refused"},
			{ok, watcher.ResultUnchanged, []string{watcher.ArticleRestored}, "ok", 0, "=", ""},
		}},
		{"gone, restored changed", 0, 0, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 404}, watcher.ResultGone, []string{watcher.ArticleGone}, "gone", 0, "=", ""},
			{edit, watcher.ResultChanged, []string{watcher.ArticleRestored}, "ok", 0, "+", ""},
		}},
		{"404 before any snapshot is a failure, not a disappearance", 0, 0, []step{
			{answer{status: 404}, watcher.ResultFailed, []string{watcher.FetchFailed}, "failing", 1, "", "HTTP 404 Not Found"},
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
		}},
		{"fail_after 1: one alert per streak, restored after", 0, 1, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{down, watcher.ResultFailed, []string{watcher.FetchFailed}, "failing", 1, "=", "connection refused"},
			{answer{status: 500}, watcher.ResultFailed, nil, "failing", 2, "=", "HTTP 500 Internal Server Error"},
			{ok, watcher.ResultUnchanged, []string{watcher.ArticleRestored}, "ok", 0, "=", ""},
			{down, watcher.ResultFailed, []string{watcher.FetchFailed}, "failing", 1, "=", "connection refused"},
		}},
		{"fail_after 3: failures under it are silent, and so is the recovery", 0, 3, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{down, watcher.ResultFailed, nil, "failing", 1, "=", "connection refused"},
			{down, watcher.ResultFailed, nil, "failing", 2, "=", "connection refused"},
			{ok, watcher.ResultUnchanged, nil, "ok", 0, "=", ""},
			{down, watcher.ResultFailed, nil, "failing", 1, "=", "connection refused"},
			{down, watcher.ResultFailed, nil, "failing", 2, "=", "connection refused"},
			{down, watcher.ResultFailed, []string{watcher.FetchFailed}, "failing", 3, "=", "connection refused"},
			{down, watcher.ResultFailed, nil, "failing", 4, "=", "connection refused"},
			{edit, watcher.ResultChanged, []string{watcher.ArticleRestored}, "ok", 0, "+", ""},
		}},
		{"blocked: 401, 403, 429 and a 503 challenge; a plain 503 is an outage", 0, 1, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 403, body: moment}, watcher.ResultBlocked, []string{watcher.FetchFailed}, "failing", 1, "=", "blocked by the site (HTTP 403)"},
			{answer{status: 429}, watcher.ResultBlocked, nil, "failing", 2, "=", "blocked by the site (HTTP 429)"},
			{answer{status: 401}, watcher.ResultBlocked, nil, "failing", 3, "=", "blocked by the site (HTTP 401)"},
			{answer{status: 503, body: moment}, watcher.ResultBlocked, nil, "failing", 4, "=", "blocked by the site (HTTP 503)"},
			{answer{status: 503, body: html("Maintenance", "Back soon.")}, watcher.ResultFailed, nil, "failing", 5, "=", "HTTP 503 Service Unavailable"},
			{ok, watcher.ResultUnchanged, []string{watcher.ArticleRestored}, "ok", 0, "=", ""},
		}},
		{"suspect: a collapsed text counts only after suspect_after checks in a row", 3, 0, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 200, body: oops}, watcher.ResultSuspect, nil, "suspect", 0, "=", "suspect (1 of 3"},
			{answer{status: 200, body: oops}, watcher.ResultSuspect, nil, "suspect", 0, "=", "suspect (2 of 3"},
			{answer{status: 200, body: oops}, watcher.ResultChanged, []string{watcher.ArticleChanged}, "ok", 0, "+", ""},
		}},
		{"suspect: the article back in time is no change", 3, 0, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 200, body: oops}, watcher.ResultSuspect, nil, "suspect", 0, "=", "suspect (1 of 3"},
			{ok, watcher.ResultUnchanged, nil, "ok", 0, "=", ""},
			{answer{status: 200, body: oops}, watcher.ResultSuspect, nil, "suspect", 0, "=", "suspect (1 of 3"},
		}},
		{"a challenge served with a 200 is never the article, before a snapshot or after", 3, 1, []step{
			{answer{status: 200, body: moment}, watcher.ResultBlocked, []string{watcher.FetchFailed}, "failing", 1, "", `a bot challenge was recognised ("Just a moment...")`},
			{answer{status: 200, body: moment}, watcher.ResultBlocked, nil, "failing", 2, "", `a bot challenge was recognised ("Just a moment...")`},
			{answer{status: 200, body: moment}, watcher.ResultBlocked, nil, "failing", 3, "", `a bot challenge was recognised ("Just a moment...")`},
			{answer{status: 200, body: moment}, watcher.ResultBlocked, nil, "failing", 4, "", `a bot challenge was recognised ("Just a moment...")`},
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 200, body: moment}, watcher.ResultBlocked, []string{watcher.FetchFailed}, "failing", 1, "=", `a bot challenge was recognised ("Just a moment...")`},
			{answer{status: 200, body: moment}, watcher.ResultBlocked, nil, "failing", 2, "=", "not the article"},
			{answer{status: 200, body: moment}, watcher.ResultBlocked, nil, "failing", 3, "=", "not the article"},
			{answer{status: 200, body: moment}, watcher.ResultBlocked, nil, "failing", 4, "=", "not the article"},
			{ok, watcher.ResultUnchanged, []string{watcher.ArticleRestored}, "ok", 0, "=", ""},
		}},
		{"a very short page in a challenge's words is a challenge; a brief about captchas is news", 3, 1, []step{
			{answer{status: 200, body: html("vtv.vn", "Please verify you are a human.")}, watcher.ResultBlocked, []string{watcher.FetchFailed}, "failing", 1, "", `("verify you are a human")`},
			{answer{status: 200, body: brief}, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
		}},
		{"an application shell is reported, never stored", 3, 1, []step{
			{answer{status: 200, body: shell}, watcher.ResultNeedsScript, []string{watcher.FetchFailed}, "failing", 1, "", watcher.NeedsScriptHint},
			{answer{status: 200, body: shell}, watcher.ResultNeedsScript, nil, "failing", 2, "", "set render: browser"},
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 200, body: shell}, watcher.ResultNeedsScript, []string{watcher.FetchFailed}, "failing", 1, "=", watcher.NeedsScriptHint},
			{ok, watcher.ResultUnchanged, []string{watcher.ArticleRestored}, "ok", 0, "=", ""},
		}},
		{"a page of a title alone without scripts is an article", 3, 1, []step{
			{answer{status: 200, body: html("Communiqué")}, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
		}},
		{"an empty page before any snapshot is a failure", 0, 0, []step{
			{answer{status: 200, body: "<html><body></body></html>"}, watcher.ResultFailed, []string{watcher.FetchFailed}, "failing", 1, "", "no article text"},
		}},
		{"redirected to the home page: gone", 0, 0, []step{
			{ok, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
			{answer{status: 200, body: home, url: "http://127.0.0.1/"}, watcher.ResultGone, []string{watcher.ArticleGone}, "gone", 0, "=", "redirected to http://127.0.0.1/, not an article"},
			{answer{status: 200, body: home, url: "http://127.0.0.1/thoi-su"}, watcher.ResultGone, nil, "gone", 0, "=", "redirected to http://127.0.0.1/thoi-su, not an article"},
			{ok, watcher.ResultUnchanged, []string{watcher.ArticleRestored}, "ok", 0, "=", ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, &watcher.Watcher{SuspectAfter: tt.suspectAfter, FailAfter: tt.failAfer}, tt.steps)
		})
	}
}

// The wait after the n-th failure in a row doubles from BackoffBase up to BackoffMax, is
// never shorter than the server's Retry-After, and ends with the first answer.
func TestBackoff(t *testing.T) {
	w := &watcher.Watcher{BackoffBase: time.Minute, BackoffMax: 10 * time.Minute}
	down := answer{err: errNet}
	steps := []step{{answer{status: 200, body: good}, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""}}
	for i := range 6 {
		evs := []string(nil)
		if i == 0 {
			evs = []string{watcher.FetchFailed}
		}
		steps = append(steps, step{down, watcher.ResultFailed, evs, "failing", i + 1, "=", "connection refused"})
	}
	st := run(t, w, steps)
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i, d := range want {
		r := st.records[i+1]
		if got := r.State.RetryAt.Sub(r.Check.Time); got != d {
			t.Errorf("after failure %d: retry in %s, want %s", i+1, got, d)
		}
	}

	// Retry-After wins when it is longer, and an answer clears the wait.
	steps = []step{
		{answer{status: 200, body: good}, watcher.ResultNew, []string{watcher.ArticleNew}, "ok", 0, "+", ""},
		{answer{status: 429, retryAfter: time.Hour}, watcher.ResultBlocked, []string{watcher.FetchFailed}, "failing", 1, "=", "HTTP 429"},
		{answer{status: 503, retryAfter: 30 * time.Second}, watcher.ResultFailed, nil, "failing", 2, "=", "HTTP 503"},
		{answer{status: 200, body: good}, watcher.ResultUnchanged, []string{watcher.ArticleRestored}, "ok", 0, "=", ""},
	}
	st = run(t, w, steps)
	for i, d := range []time.Duration{time.Hour, 2 * time.Minute} {
		r := st.records[i+1]
		if got := r.State.RetryAt.Sub(r.Check.Time); got != d {
			t.Errorf("after failure %d: retry in %s, want %s", i+1, got, d)
		}
	}
	if !st.records[3].State.RetryAt.IsZero() {
		t.Errorf("retry at %s after an answer", st.records[3].State.RetryAt)
	}
}

// Validators are sent back while the article is ok, and forgotten when it is gone, so
// that an article coming back is fetched whole; a suspect check keeps the last good ones.
func TestValidators(t *testing.T) {
	st := newMemory()
	f := &script{}
	w := &watcher.Watcher{Fetcher: f, Extractor: paragraphs{}, Store: st, Figures: figures.New(nil)}
	src := watcher.Source{Name: "vtv", URL: srcURL}
	for _, a := range []answer{{status: 200, body: good}, {status: 200, body: oops}, {status: 404}, {status: 200, body: good}} {
		f.a = a
		if _, err := w.Check(context.Background(), src); err != nil {
			t.Fatal(err)
		}
	}
	etag := `"` + fmt.Sprint(len(good)) + `"`
	want := []watcher.Validators{{}, {ETag: etag}, {ETag: etag}, {}}
	if !slices.Equal(f.seen, want) {
		t.Fatalf("validators sent %v, want %v", f.seen, want)
	}
}

// A check that cannot be recorded is an error, and a check interrupted by its context
// records nothing.
func TestCheckErrors(t *testing.T) {
	st := newMemory()
	f := &script{a: answer{status: 200, body: good}}
	w := &watcher.Watcher{Fetcher: f, Extractor: paragraphs{}, Store: st, Figures: figures.New(nil)}
	src := watcher.Source{Name: "vtv", URL: srcURL}
	st.fail = errors.New("disk full")
	if _, err := w.Check(context.Background(), src); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("check with a failing store: %v", err)
	}
	st.fail = nil
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.a = answer{err: context.Canceled}
	if _, err := w.Check(ctx, src); !errors.Is(err, context.Canceled) || len(st.records) != 0 {
		t.Fatalf("interrupted check: %v, %d records", err, len(st.records))
	}
}

// An Interpreter replaces a changed source's article events by its kind's own, and a
// failing Interpreter makes a failed check that stores nothing.
func TestInterpreter(t *testing.T) {
	st := newMemory()
	f := &script{a: answer{status: 200, body: good}}
	in := &interpreter{}
	w := &watcher.Watcher{Fetcher: f, Extractor: paragraphs{}, Store: st, Figures: figures.New(nil),
		Interpreters: map[watcher.Kind]watcher.Interpreter{"treaty-status": in}}
	src := watcher.Source{Name: "un", URL: srcURL, Kind: "treaty-status"}
	check := func() watcher.Record {
		t.Helper()
		rec, err := w.Check(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	if rec := check(); len(rec.Events) != 1 || rec.Events[0].Type != "treaty.read" || rec.Snapshot == nil {
		t.Fatalf("first check: %+v", rec)
	}
	f.a.body = change
	in.err = errors.New("unreadable record")
	rec := check()
	if rec.Check.Result != watcher.ResultFailed || rec.Snapshot != nil || len(rec.Events) != 1 || rec.Events[0].Type != watcher.FetchFailed ||
		rec.State.Snapshot != st.records[0].State.Snapshot {
		t.Fatalf("failing interpreter: %+v", rec)
	}
	in.err = nil
	if rec := check(); len(rec.Events) != 1 || rec.Events[0].Type != "treaty.read" || rec.Snapshot == nil {
		t.Fatalf("after the failure: %+v", rec)
	}
}

type interpreter struct{ err error }

func (i *interpreter) Interpret(_ watcher.Source, _, _ string, ev watcher.Event) ([]watcher.Event, error) {
	if i.err != nil {
		return nil, i.err
	}
	ev.Type = "treaty.read"
	return []watcher.Event{ev}, nil
}

// A page rendered in a browser has run its scripts: however little text it shows, the
// hint to render it does not apply.
func TestRenderedShell(t *testing.T) {
	w := &watcher.Watcher{Fetcher: &script{a: answer{status: 200, body: shell}}, Extractor: paragraphs{}, Store: newMemory(), Figures: figures.New(nil)}
	rec, err := w.Check(context.Background(), watcher.Source{Name: "spa", URL: srcURL, Render: watcher.RenderBrowser})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Check.Result == watcher.ResultNeedsScript {
		t.Fatalf("rendered page: %+v", rec.Check)
	}
}
