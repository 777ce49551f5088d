package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/schedule"
)

// hw runs the command line in-process, as the binary would, and returns stdout and stderr.
func hw(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// ran drops check's verdict on the sources (exit codes 2 and 3, for cron and CI): the run
// happened, and the tests read what it found. Any other error is kept.
func ran(err error) error {
	if _, ok := errors.AsType[*exitError](err); ok {
		return nil
	}
	return err
}

// events decodes JSON Lines; any other line on stdout fails the test.
func events(t *testing.T, stdout string) []watcher.Event {
	t.Helper()
	var evs []watcher.Event
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var e watcher.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("stdout line is not a JSON event: %q", sc.Text())
		}
		evs = append(evs, e)
	}
	return evs
}

// env is a fixture site, a config file watching it, and a database.
type env struct {
	site    *fixture.Site
	cfg, db string
	base    string
	t       *testing.T
}

func newEnv(t *testing.T, site *fixture.Site, extra string) *env {
	t.Helper()
	base, stop, err := fixture.Serve(site)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(extra)
	if !strings.Contains(extra, "discovery:") {
		// The seeded discovery jobs name real sites: a test never reaches beyond 127.0.0.1.
		b.WriteString("discovery:\n  enabled: false\n")
	}
	b.WriteString("sources:\n")
	for _, n := range site.Names() {
		fmt.Fprintf(&b, "  - name: %s\n    url: %s%s\n", n, base, site.Path(n))
	}
	cfg := filepath.Join(dir, "hw.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{site: site, cfg: cfg, db: filepath.Join(dir, "hw.db"), base: base, t: t}
}

func (e *env) check(names ...string) []watcher.Event {
	e.t.Helper()
	out, errOut, err := hw(e.t, append([]string{"check", "--json", "--config", e.cfg, "--db", e.db}, names...)...)
	if err := ran(err); err != nil {
		e.t.Fatalf("check: %v\n%s", err, errOut)
	}
	return events(e.t, out)
}

func byType(evs []watcher.Event) map[string][]string {
	m := map[string][]string{}
	for _, e := range evs {
		m[e.Type] = append(m[e.Type], e.Source.Name)
	}
	return m
}

func TestCheckPipeline(t *testing.T) {
	for _, conditional := range []bool{true, false} {
		t.Run(fmt.Sprintf("conditional=%v", conditional), func(t *testing.T) {
			site := fixture.New()
			site.Conditional = conditional
			testCheckPipeline(t, newEnv(t, site, ""))
		})
	}
}

func testCheckPipeline(t *testing.T, e *env) {
	first := e.check()
	if got := byType(first); len(got[watcher.ArticleNew]) != 5 || len(first) != 5 {
		t.Fatalf("first check: %v", got)
	}
	for _, ev := range first {
		if ev.ID == "" || ev.Snapshot == "" || ev.Source.URL == "" || ev.Time.IsZero() || ev.Figures == nil {
			t.Errorf("incomplete event %+v", ev)
		}
	}

	t.Run("boilerplate churn gives no event", func(t *testing.T) {
		if evs := e.check(); len(evs) != 0 {
			t.Fatalf("events on churn: %v", byType(evs))
		}
	})

	t.Run("one body edit gives one article.changed with the text", func(t *testing.T) {
		if err := e.site.Replace("vtv", "65 pays", "72 pays"); err != nil {
			t.Fatal(err)
		}
		evs := e.check()
		if len(evs) != 1 || evs[0].Type != watcher.ArticleChanged || evs[0].Source.Name != "vtv" {
			t.Fatalf("events: %+v", byType(evs))
		}
		d := evs[0].Diff
		if d == nil || !strings.Contains(strings.Join(d.Added, "\n"), "72 pays") || !strings.Contains(strings.Join(d.Removed, "\n"), "65 pays") {
			t.Fatalf("diff: %+v", d)
		}
		if !strings.Contains(d.Unified, "-") || evs[0].Previous == "" || evs[0].Previous == evs[0].Snapshot {
			t.Fatalf("event %+v", evs[0])
		}
		found := false
		for _, f := range evs[0].Figures {
			if f.Before != nil && f.After != nil && *f.Before == 65 && *f.After == 72 {
				found = true
			}
		}
		if !found {
			t.Fatalf("figures %+v lack 65 → 72", evs[0].Figures)
		}
	})

	t.Run("unchanged page adds no snapshot", func(t *testing.T) {
		out, _, err := hw(t, "snapshots", "vtv", "--config", e.cfg, "--db", e.db)
		if err != nil {
			t.Fatal(err)
		}
		before := strings.Count(out, "\n")
		e.check()
		out, _, _ = hw(t, "snapshots", "vtv", "--config", e.cfg, "--db", e.db)
		if n := strings.Count(out, "\n"); n != before || n != 3 { // header + 2 snapshots
			t.Fatalf("snapshot table went from %d to %d lines:\n%s", before, n, out)
		}
	})

	t.Run("removed article is gone, then restored", func(t *testing.T) {
		e.site.Remove("baochinhphu")
		if got := byType(e.check()); fmt.Sprint(got) != "map[article.gone:[baochinhphu]]" {
			t.Fatalf("events: %v", got)
		}
		if got := byType(e.check()); len(got) != 0 {
			t.Fatalf("gone twice: %v", got)
		}
		e.site.Restore("baochinhphu")
		if got := byType(e.check()); fmt.Sprint(got) != "map[article.restored:[baochinhphu]]" {
			t.Fatalf("events: %v", got)
		}
	})

	t.Run("a failing source does not stop the others", func(t *testing.T) {
		e.site.SetStatus("nhandan", 503)
		defer e.site.SetStatus("nhandan", 0)
		if err := e.site.Replace("baotintuc", "100\u00a0000 cas", "120\u00a0000 cas"); err != nil {
			t.Fatal(err)
		}
		got := byType(e.check())
		if fmt.Sprint(got[watcher.FetchFailed]) != "[nhandan]" || fmt.Sprint(got[watcher.ArticleChanged]) != "[baotintuc]" {
			t.Fatalf("events: %v", got)
		}
	})

	t.Run("diff and show", func(t *testing.T) {
		out, _, err := hw(t, "diff", "vtv", "--config", e.cfg, "--db", e.db)
		if err != nil || !strings.Contains(out, "-") || !strings.Contains(out, "72 pays") || !strings.Contains(out, "1 added, 1 removed") {
			t.Fatalf("diff: %v\n%s", err, out)
		}
		out, _, err = hw(t, "show", "vtv", "--config", e.cfg, "--db", e.db)
		if err != nil || !strings.Contains(out, "72 pays") || strings.Contains(out, "65 pays") {
			t.Fatalf("show: %v\n%s", err, out)
		}
	})
}

func TestCheckUnknownSource(t *testing.T) {
	e := newEnv(t, fixture.New(), "")
	_, _, err := hw(t, "check", "--config", e.cfg, "--db", e.db, "nosuch")
	if err == nil || !strings.Contains(err.Error(), "unknown source nosuch") {
		t.Fatalf("err = %v", err)
	}
}

// A read command on a name that is not watched says so; on a watched source never checked,
// it says that instead.
func TestReadUnknownSource(t *testing.T) {
	e := newEnv(t, fixture.New(), "")
	for _, args := range [][]string{{"diff", "nosuch"}, {"snapshots", "nosuch"}, {"show", "nosuch"}, {"figures", "nosuch"}} {
		_, _, err := hw(t, append(args, "--config", e.cfg, "--db", e.db)...)
		if err == nil || !strings.Contains(err.Error(), `unknown source "nosuch"`) {
			t.Errorf("%s: err = %v", strings.Join(args, " "), err)
		}
	}
	_, _, err := hw(t, "diff", "vtv", "--config", e.cfg, "--db", e.db)
	if err == nil || !strings.Contains(err.Error(), "vtv has no snapshots yet (has it been checked?") {
		t.Errorf("diff of a source never checked: err = %v", err)
	}
}

func TestCheckLockedDatabase(t *testing.T) {
	e := newEnv(t, fixture.New(), "")
	a := &app{out: &bytes.Buffer{}, errOut: &bytes.Buffer{}, dbPath: e.db, cfgPath: e.cfg}
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	defer a.close()
	_, _, err := hw(t, "check", "--config", e.cfg, "--db", e.db)
	if err == nil || !strings.Contains(err.Error(), "in use by another hanoiwatch process") {
		t.Fatalf("err = %v", err)
	}
}

func TestDemo(t *testing.T) {
	out, errOut, err := hw(t, "demo")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut)
	}
	for _, want := range []string{"article.changed", "article.gone", "-", "72 pays", "65 pays", "→"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// figure finds a change of the given values among an event's figures.
func figure(e watcher.Event, before, after float64) bool {
	for _, f := range e.Figures {
		if f.Before != nil && f.After != nil && *f.Before == before && *f.After == after {
			return true
		}
	}
	return false
}

func TestFigureChanges(t *testing.T) {
	t.Run("2 500 → 2 800 with a narrow no-break space", func(t *testing.T) {
		e := newEnv(t, fixture.New(), "")
		e.check()
		if err := e.site.Replace("vietnamplus", "2\u202f500 délégués", "2\u202f800 délégués"); err != nil {
			t.Fatal(err)
		}
		evs := e.check()
		if len(evs) != 1 || !figure(evs[0], 2500, 2800) {
			t.Fatalf("events %+v", evs)
		}
		if f := evs[0].Figures[0]; f.Key != "delegates" || !strings.Contains(f.SentenceAfter, "2\u202f800") {
			t.Fatalf("figure %+v", f)
		}
	})
	t.Run("Vietnamese page: 65 quốc gia → 72 quốc gia", func(t *testing.T) {
		e := newEnv(t, fixture.NewVietnamese(), "")
		e.check()
		if err := e.site.Replace("vtv", "65 quốc gia", "72 quốc gia"); err != nil {
			t.Fatal(err)
		}
		evs := e.check()
		if len(evs) != 1 || !figure(evs[0], 65, 72) || evs[0].Figures[0].Key != "signatories" {
			t.Fatalf("events %+v", evs)
		}
	})
	t.Run("a reworded sentence moves no figure", func(t *testing.T) {
		e := newEnv(t, fixture.New(), "")
		e.check()
		if err := e.site.Replace("vtv", "65 pays ont signé", "65 pays ont apposé leur signature sur"); err != nil {
			t.Fatal(err)
		}
		evs := e.check()
		if len(evs) != 1 || evs[0].Type != watcher.ArticleChanged || len(evs[0].Figures) != 0 {
			t.Fatalf("events %+v", evs)
		}
	})
}

func TestFiguresCommand(t *testing.T) {
	e := newEnv(t, fixture.New(), "")
	e.check()
	e.site.Replace("vtv", "65 pays", "72 pays")
	e.check()
	out, _, err := hw(t, "figures", "--config", e.cfg, "--db", e.db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var board struct {
		Rows []struct {
			Key      string
			Values   map[string][]float64
			Disagree bool
		}
	}
	if err := json.Unmarshal([]byte(out), &board); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, r := range board.Rows {
		if r.Key == "signatories" && (r.Disagree || fmt.Sprint(r.Values["vtv"]) != "[72]") {
			t.Fatalf("signatories %+v", r)
		}
	}
	out, _, err = hw(t, "figures", "vtv", "--config", e.cfg, "--db", e.db)
	if err != nil || !strings.Contains(out, "65 (") || !strings.Contains(out, "→ 72 (") {
		t.Fatalf("figures vtv: %v\n%s", err, out)
	}
}

// `check`'s exit codes, from the real binary: 0 when the run happened, 2 when every source
// failed, and with --strict 2 when any failed and 3 when changes were found; 1 when the run
// could not happen. The summary names the cause of a failure, not the URL.
func TestCheckExitCodes(t *testing.T) {
	bin := binary(t)
	e := newEnv(t, fixture.New(), "")
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String() + "/thoi-su/an-article-whose-url-is-long-enough-to-be-cut-off-in-the-summary-123456.htm"
	dead.Close() // nothing listens there now: connection refused
	cfg, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	mixed := filepath.Join(t.TempDir(), "mixed.yaml")
	if err := os.WriteFile(mixed, fmt.Appendf(cfg, "  - name: dead\n    url: %s\n", deadURL), 0o600); err != nil {
		t.Fatal(err)
	}
	code := func(args ...string) (int, string) {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"first run, strict: changes found", []string{"check", "--strict", "--config", e.cfg, "--db", e.db}, exitChanged},
		{"nothing changed, strict", []string{"check", "--strict", "--config", e.cfg, "--db", e.db}, 0},
		{"one source of several failed", []string{"check", "--config", mixed, "--db", e.db}, 0},
		{"one source of several failed, strict", []string{"check", "--strict", "--config", mixed, "--db", e.db}, exitFailed},
		{"every source failed", []string{"check", "--config", mixed, "--db", e.db, "dead"}, exitFailed},
		{"unknown source", []string{"check", "--config", mixed, "--db", e.db, "nosuch"}, 1},
		{"bad flag", []string{"check", "--no-such-flag", "--config", e.cfg, "--db", e.db}, 1},
	}
	for _, tt := range tests {
		got, out := code(tt.args...)
		if got != tt.want {
			t.Fatalf("%s: exit %d, want %d\n%s", tt.name, got, tt.want, out)
		}
		if slices.Contains(tt.args, mixed) && tt.want != 1 && !regexp.MustCompile(`(?m)^dead\s+failed\s+-\s+\S+\s+connection refused$`).MatchString(out) {
			t.Fatalf("%s: the summary does not give the cause:\n%s", tt.name, out)
		}
	}
}

func TestCause(t *testing.T) {
	tests := []struct{ msg, want string }{
		{`GET https://vtv.vn/a-long-article-123.htm: dial tcp: lookup vtv.vn on 127.0.0.53:53: no such host`, "no such host"},
		{`GET https://vtv.vn/a.htm: timed out after 30s`, "timed out after 30s"},
		{`GET https://vtv.vn/a.htm: connection refused`, "connection refused"},
		{`GET https://vtv.vn/a.htm: Get "https://vtv.vn/b.htm": too many redirects (more than 5)`, "too many redirects (more than 5)"},
		{`GET https://vtv.vn/a.htm: tls: failed to verify certificate: x509: certificate has expired or is not yet valid`, "TLS: certificate has expired or is not yet valid"},
		{"HTTP 404 Not Found", "HTTP 404 Not Found"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := cause(tt.msg); got != tt.want {
			t.Errorf("cause(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}

// TestFiguresOutliveRetention: a figure's history is recorded when each value appears,
// so the values of the snapshots retention dropped stay in it, credited to the snapshot
// where they appeared.
func TestFiguresOutliveRetention(t *testing.T) {
	e := newEnv(t, fixture.New(), "storage:\n  retention:\n    max_snapshots: 2\n")
	e.check()
	var ids []string
	for _, step := range [][2]string{{"65 pays", "72 pays"}, {"72 pays", "75 pays"}} {
		if err := e.site.Replace("vtv", step[0], step[1]); err != nil {
			t.Fatal(err)
		}
		for _, ev := range e.check() {
			if ev.Type == watcher.ArticleChanged {
				ids = append(ids, ev.Snapshot)
			}
		}
	}
	out, _, err := hw(t, "snapshots", "vtv", "--config", e.cfg, "--db", e.db)
	if err != nil || len(ids) != 2 || strings.Contains(out, ids[0]) {
		t.Fatalf("retention kept the middle snapshot: %v %v\n%s", err, ids, out)
	}
	out, _, err = hw(t, "figures", "vtv", "--config", e.cfg, "--db", e.db)
	if err != nil || !strings.Contains(out, "65 (") || !strings.Contains(out, "→ 72 ("+short(ids[0])+")") || !strings.Contains(out, "→ 75 (") {
		t.Fatalf("figures vtv after retention: %v\n%s", err, out)
	}
}

// An adaptive schedule plans a young article's next check Min after its first, and
// `sources` shows that plan.
func TestAdaptiveNextCheck(t *testing.T) {
	e := newEnv(t, fixture.New(), "defaults:\n  schedule: \"adaptive min=10m max=1d\"\n")
	e.check("vtv")
	out, errOut, err := hw(t, "sources", "--json", "--config", e.cfg, "--db", e.db)
	if err != nil {
		t.Fatalf("sources: %v\n%s", err, errOut)
	}
	type view struct {
		Name      string    `json:"name"`
		LastCheck time.Time `json:"last_check"`
		NextCheck time.Time `json:"next_check"`
	}
	var vs []view
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(vs, func(v view) bool { return v.Name == "vtv" && !v.LastCheck.IsZero() }) {
		t.Fatalf("vtv not listed as checked:\n%s", out)
	}
	// The plan follows the text's life through the config's parser: unchanged for 8 hours,
	// the next check is an hour after the last.
	t0 := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
	st := watcher.State{LastCheck: t0.Add(8 * time.Hour), LastChange: t0}
	if got := schedule.Planned(config.ParseSchedule, "adaptive min=10m max=1d", watcher.Source{Name: "vtv"}, st); !got.Equal(t0.Add(9 * time.Hour)) {
		t.Errorf("planned after 8 hours unchanged: %s, want %s", got, t0.Add(9*time.Hour))
	}
	for _, v := range vs {
		if v.Name == "vtv" && v.NextCheck.Sub(v.LastCheck) != 10*time.Minute {
			t.Errorf("vtv: last check %s, next %s; want 10 minutes later", v.LastCheck, v.NextCheck)
		}
		if v.Name != "vtv" && !v.NextCheck.IsZero() {
			t.Errorf("%s, never checked: next %s, want due", v.Name, v.NextCheck)
		}
	}
}
