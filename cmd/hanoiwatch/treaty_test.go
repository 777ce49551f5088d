package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/article"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/treaty"
)

// depositary serves one status document at a time on 127.0.0.1, as the Treaty Collection
// serves XVIII-16.en.xml; tests switch it between checks.
type depositary struct {
	mu   sync.Mutex
	body []byte
	ct   string
}

func (d *depositary) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	w.Header().Set("Content-Type", d.ct)
	w.Write(d.body)
}

// serve switches to a fixture of watcher/treaty/testdata.
func (d *depositary) serve(t *testing.T, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "watcher", "treaty", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	ct := "text/xml; charset=ISO-8859-1" // as the site declares it, whatever the bytes are
	if strings.HasSuffix(name, ".html") {
		ct = "text/html; charset=utf-8"
	}
	d.mu.Lock()
	d.body, d.ct = b, ct
	d.mu.Unlock()
}

// treatyEnv is a depositary, a config watching it (and the given news sources) and a database.
type treatyEnv struct {
	t       *testing.T
	dep     *depositary
	cfg, db string
}

// newTreatyEnv writes a config: head (defaults, ...), then the treaty source "un" at the
// depositary's URL, then the news sources given as YAML list items.
func newTreatyEnv(t *testing.T, head, news string) *treatyEnv {
	t.Helper()
	dep := &depositary{}
	srv := httptest.NewServer(dep)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hw.yaml")
	yaml := fmt.Sprintf("%ssources:\n  - name: un\n    kind: treaty-status\n    url: %s/doc/Publication/MTDSG/Volume%%20II/Chapter%%20XVIII/XVIII-16.en.xml\n%s",
		head, srv.URL, news)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return &treatyEnv{t: t, dep: dep, cfg: cfg, db: filepath.Join(dir, "hw.db")}
}

// check runs `check --json` and returns the events and the summary on stderr.
func (e *treatyEnv) check(names ...string) ([]watcher.Event, string) {
	e.t.Helper()
	out, errOut, err := hw(e.t, append([]string{"check", "--json", "--config", e.cfg, "--db", e.db}, names...)...)
	if err := ran(err); err != nil {
		e.t.Fatalf("check: %v\n%s", err, errOut)
	}
	return events(e.t, out), errOut
}

func (e *treatyEnv) treaty() report.Treaty {
	e.t.Helper()
	out, errOut, err := hw(e.t, "treaty", "--json", "--config", e.cfg, "--db", e.db)
	if err != nil {
		e.t.Fatalf("treaty: %v\n%s", err, errOut)
	}
	var rs []report.Treaty
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 1 {
		e.t.Fatalf("treaty --json: %v\n%s", err, out)
	}
	return rs[0]
}

// brief is an event as the tests compare it: type and detail.
func brief(evs []watcher.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type+" "+string(e.Detail))
	}
	return out
}

func TestTreatySource(t *testing.T) {
	// fail_after 3: the unreadable answers below are failed checks without a fetch.failed,
	// so that the good answer after them is an ordinary change (see TestTreatyFailureAlert).
	e := newTreatyEnv(t, "defaults:\n  fail_after: 3\n", "")
	steps := []struct {
		name    string
		serve   string
		want    []string // events, as brief gives them
		failed  bool     // the check fails
		sig, pa int      // what `treaty` says afterwards
	}{
		{"first reading: one treaty.counts", "status-2025-10-26.xml", []string{
			`treaty.counts {"signatories_before":null,"signatories_after":72,"parties_before":null,"parties_after":0,"ratifications_needed":40}`,
		}, false, 72, 0},
		{"the same document again: nothing", "status-2025-10-26.xml", nil, false, 72, 0},
		{"signatures in New York", "status-2025-12-15.xml", []string{
			`treaty.signed {"participant":"São Tomé and Príncipe","date":"2025-11-20"}`,
			`treaty.signed {"participant":"Bolivia (Plurinational State of)","date":"2025-12-05"}`,
			`treaty.counts {"signatories_before":72,"signatories_after":74,"parties_before":0,"parties_after":0,"ratifications_needed":40}`,
		}, false, 74, 0},
		{"maintenance page: a failed check, no change", "maintenance.html", nil, true, 74, 0},
		{"malformed XML: a failed check, no change", "malformed.xml", nil, true, 74, 0},
		{"next good state: compared with the last good one", "status-2026-03-16.xml", []string{
			`treaty.ratified {"participant":"Viet Nam","date":"2026-01-20","instrument":"ratification"}`,
			`treaty.ratified {"participant":"Côte d'Ivoire","date":"2026-02-10","instrument":"ratification"}`,
			`treaty.signed {"participant":"Bahrain","date":"2026-02-18"}`,
			`treaty.ratified {"participant":"Portugal","date":"2026-02-26","instrument":"approval"}`,
			`treaty.ratified {"participant":"Saint Vincent and the Grenadines","date":"2026-03-02","instrument":"accession"}`,
			`treaty.ratified {"participant":"Iran (Islamic Republic of)","date":"2026-03-09","instrument":"acceptance"}`,
			`treaty.counts {"signatories_before":74,"signatories_after":75,"parties_before":0,"parties_after":5,"ratifications_needed":35}`,
		}, false, 75, 5},
		{"the HTML status page of the same state: nothing", "status-2026-03-16.html", nil, false, 75, 5},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.dep.serve(t, s.serve)
			evs, summary := e.check()
			if got := brief(evs); !reflect.DeepEqual(got, s.want) {
				t.Fatalf("events:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(s.want, "\n     "))
			}
			if failed := strings.Contains(summary, " 1 failed"); failed != s.failed {
				t.Fatalf("failed check: %v, want %v\n%s", failed, s.failed, summary)
			}
			for _, ev := range evs {
				if ev.Source.Name != "un" || ev.Snapshot == "" || ev.Figures == nil || ev.Title == "" || ev.Time.IsZero() {
					t.Errorf("incomplete event %+v", ev)
				}
			}
			if r := e.treaty(); r.Signatories != s.sig || r.Parties != s.pa {
				t.Fatalf("treaty: %d signatories, %d parties; want %d, %d", r.Signatories, r.Parties, s.sig, s.pa)
			}
		})
	}

	t.Run("the fortieth instrument: entry into force 90 days later", func(t *testing.T) {
		e.dep.serve(t, "status-2026-10-01.xml")
		evs, _ := e.check()
		n := map[string]int{}
		for _, ev := range evs {
			n[ev.Type]++
		}
		if len(evs) != 39 || n[treaty.Signed] != 1 || n[treaty.Ratified] != 37 || n[treaty.CountsChanged] != 1 {
			t.Fatalf("events by type %v", n)
		}
		last := evs[len(evs)-1]
		want := `{"signatories_before":75,"signatories_after":76,"parties_before":5,"parties_after":42,"ratifications_needed":0,"entry_into_force":"2026-12-14"}`
		if last.Type != treaty.CountsChanged || string(last.Detail) != want || last.Diff == nil {
			t.Fatalf("last event %s %s (diff %v)", last.Type, last.Detail, last.Diff != nil)
		}
		r := e.treaty()
		if r.EntryIntoForce == nil || r.EntryIntoForce.String() != "2026-12-14" || r.Fortieth == nil ||
			r.Fortieth.Participant != "Tunisia" || r.Fortieth.Date.AddDays(90) != *r.EntryIntoForce || r.RatificationsNeeded != 0 {
			t.Fatalf("treaty: %+v", r)
		}
		if len(r.LatestInstruments) != 5 || r.LatestInstruments[0].Participant != "Angola" {
			t.Fatalf("latest instruments %+v", r.LatestInstruments)
		}
	})

	t.Run("treaty prints the status", func(t *testing.T) {
		out, _, err := hw(t, "treaty", "--config", e.cfg, "--db", e.db)
		for _, want := range []string{"signatories", "76", "parties", "42", "2026-12-14", "Tunisia", "latest signatures", "Angola"} {
			if err != nil || !strings.Contains(out, want) {
				t.Fatalf("lacks %q (%v):\n%s", want, err, out)
			}
		}
	})

	t.Run("show prints the canonical text", func(t *testing.T) {
		out, _, err := hw(t, "show", "un", "--config", e.cfg, "--db", e.db)
		if err != nil || !strings.Contains(out, "entry into force: 2026-12-14") || !strings.Contains(out, "Côte d'Ivoire | signature 2025-10-25 | ratification 2026-02-10") {
			t.Fatalf("show: %v\n%s", err, out)
		}
	})
}

// TestTreatyFailureAlert: with the default fail_after (1) an unreadable answer gives a
// fetch.failed at once, and the record changing meanwhile must still give its events when
// it answers again, compared with the last good reading.
func TestTreatyFailureAlert(t *testing.T) {
	e := newTreatyEnv(t, "", "")
	e.dep.serve(t, "status-2025-10-26.xml")
	e.check()
	for _, bad := range []string{"maintenance.html", "malformed.xml"} {
		e.dep.serve(t, bad)
		evs, _ := e.check()
		for _, ev := range evs {
			if ev.Type != watcher.FetchFailed || ev.Error == "" {
				t.Fatalf("%s: event %s %s", bad, ev.Type, ev.Detail)
			}
		}
		if r := e.treaty(); r.Signatories != 72 {
			t.Fatalf("%s changed the counts: %+v", bad, r)
		}
	}
	e.dep.serve(t, "status-2025-12-15.xml")
	evs, _ := e.check()
	got := map[string]int{}
	for _, ev := range evs {
		got[ev.Type]++
	}
	if got[treaty.Signed] != 2 || got[treaty.CountsChanged] != 1 {
		t.Fatalf("after recovery: %v", brief(evs))
	}
}

func TestTreatyCommandWithoutReading(t *testing.T) {
	e := newTreatyEnv(t, "", "")
	_, _, err := hw(t, "treaty", "--config", e.cfg, "--db", e.db)
	if err == nil || !strings.Contains(err.Error(), "hanoiwatch check un") {
		t.Fatalf("err = %v", err)
	}
}

// TestTreatyCrossCheck holds news figures against the record as of their articles' dates.
func TestTreatyCrossCheck(t *testing.T) {
	site := fixture.New()
	base, stop, err := fixture.Serve(site)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	// vtv says "65 pays ont signé", dated 25 October: right that day. The same article dated
	// a week later is stale; dated October (a month), it was right on one of its days. vietnamplus says 72 on the 26th (right) and, once edited, "40
	// signatures pour ratification" (the threshold named signatures).
	e := newTreatyEnv(t, "", fmt.Sprintf(`  - name: vtv
    url: %[1]s%[2]s
    reports: 2025-10-25
  - name: vtv-late
    url: %[1]s%[2]s
    reports: 2025-11-01
  - name: vtv-month
    url: %[1]s%[2]s
    reports: 2025-10
  - name: vietnamplus
    url: %[1]s%[3]s
    reports: 2025-10-26
`, base, site.Path("vtv"), site.Path("vietnamplus")))
	if err := site.Replace("vietnamplus", "40 ratifications", "40 signatures pour ratification"); err != nil {
		t.Fatal(err)
	}
	e.dep.serve(t, "status-2025-12-15.xml")
	e.check()

	out, _, err := hw(t, "figures", "--json", "--config", e.cfg, "--db", e.db)
	if err != nil {
		t.Fatal(err)
	}
	var board report.Board
	if err := json.Unmarshal([]byte(out), &board); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	by := map[string]report.BoardRow{}
	for _, r := range board.Rows {
		by[r.Key] = r
	}
	sig := by["signatories"]
	if sig.Official == nil || sig.Official.Value != 74 || sig.Official.Since.String() != "2025-12-05" || sig.Official.Source != "un" {
		t.Fatalf("official signatories %+v", sig.Official)
	}
	if r := by["ratifications"]; r.Official == nil || r.Official.Value != 0 {
		t.Fatalf("official ratifications %+v", r.Official)
	}
	if _, ok := sig.Values["un"]; ok {
		t.Fatal("the record's own numbers are on the news board")
	}
	checks := map[string]report.FigureCheck{}
	for _, r := range board.Rows {
		for _, c := range r.Checks {
			checks[fmt.Sprint(c.Source, " ", c.Value, " ", r.Key)] = c
		}
	}
	for _, tc := range []struct {
		name, key, verdict, official, since, right string
	}{
		{"65 on 25 October is right", "vtv 65 signatories", report.VerdictOK, "65", "2025-10-25", ""},
		{"65 a week later is stale", "vtv-late 65 signatories", report.VerdictStale, "72", "2025-10-26", "2025-10-25..2025-10-25"},
		{"65 dated October: right on one of its days", "vtv-month 65 signatories", report.VerdictOK, "72", "2025-10-26", ""},
		{"72 on the 26th is right", "vietnamplus 72 signatories", report.VerdictOK, "72", "2025-10-26", ""},
		{"40 signatures is the threshold misnamed", "vietnamplus 40 ratifications_needed", report.VerdictConfused, "40", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := checks[tc.key]
			if !ok {
				t.Fatalf("no check %q among %v", tc.key, keys(checks))
			}
			since, right := "", ""
			if c.OfficialSince != nil {
				since = c.OfficialSince.String()
			}
			if c.RightFrom != nil && c.RightUntil != nil {
				right = c.RightFrom.String() + ".." + c.RightUntil.String()
			}
			if c.Verdict != tc.verdict || c.Official == nil || fmt.Sprint(*c.Official) != tc.official || since != tc.since || right != tc.right {
				t.Fatalf("check %+v", c)
			}
		})
	}

	t.Run("the table says it", func(t *testing.T) {
		out, _, err := hw(t, "figures", "--config", e.cfg, "--db", e.db)
		for _, want := range []string{"OFFICIAL (un): 74 since 2025-12-05", "STALE: was the official count on 2025-10-25", "CONFUSED"} {
			if err != nil || !strings.Contains(out, want) {
				t.Fatalf("lacks %q (%v):\n%s", want, err, out)
			}
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRatificationsSubject(t *testing.T) {
	x := article.Figures()
	for _, tc := range []struct{ lang, text, key string }{
		{"fr", "À ce jour, 5 pays ont ratifié la Convention.", "ratifications"},
		{"fr", "La Convention compte 12 États parties.", "ratifications"},
		{"vi", "Đến nay, 5 quốc gia đã phê chuẩn Công ước.", "ratifications"},
		{"en", "So far 5 countries have ratified the Convention.", "ratifications"},
		{"fr", "Le texte entrera en vigueur après 40 ratifications.", "ratifications_needed"},
		{"fr", "Au total, 72 pays ont signé la Convention.", "signatories"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			var got []string
			for _, c := range x.Extract(tc.text, tc.lang) {
				if c.IsFigure() {
					got = append(got, c.Key)
				}
			}
			if len(got) != 1 || got[0] != tc.key {
				t.Fatalf("keys %v, want [%s]", got, tc.key)
			}
		})
	}
}
