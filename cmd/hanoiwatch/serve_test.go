package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"hanoiwatch/watcher/fixture"
)

// demoDB builds a database the way `hanoiwatch demo` does (the fixture news site, a check,
// vtv's signatory count edited from 65 to 72, another check), then adds a copy of the vtv
// article on another site that never got the edit, as syndicated copies often don't: the
// figures board then has sources saying 65 and 72 signatories.
func demoDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "demo.db")
	if _, errOut, err := hw(t, "demo", "--db", db); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut)
	}
	site := fixture.New()
	base, stop, err := fixture.Serve(site)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, args := range [][]string{
		{"add", base + site.Path("vtv"), "--name", "vtv-syndicated"},
		{"check", "vtv-syndicated"},
	} {
		if _, errOut, err := hw(t, append(args, "--db", db)...); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, errOut)
		}
	}
	return db
}

// serveDB starts what `hanoiwatch serve --db db` serves, on 127.0.0.1 at a free port.
func serveDB(t *testing.T, db string) string {
	t.Helper()
	a := &app{out: io.Discard, errOut: io.Discard, dbPath: db}
	if err := a.loadReadOnly(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	h, err := a.serveHandler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestServeRefusesChanges(t *testing.T) {
	url := serveDB(t, demoDB(t))
	resp, err := http.Post(url+"/api/sources/vtv/check", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// No token is configured, so the API refuses before asking the read-only daemon.
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("check now: %d", resp.StatusCode)
	}
	resp, err = http.Get(url + "/sources/vtv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<del>65</del>") {
		t.Fatalf("source page: %d\n%s", resp.StatusCode, body)
	}
}

func TestServeMissingDatabase(t *testing.T) {
	a := &app{out: io.Discard, errOut: io.Discard, dbPath: filepath.Join(t.TempDir(), "none.db")}
	if err := a.loadReadOnly(); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("err = %v", err)
	}
}

// chromium finds Debian's chromium (CI installs it); without one the browser test skips.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary in PATH: install Debian's chromium (apt-get install -y chromium) to run the browser test")
	return ""
}

// artifacts is where the browser test saves its screenshots: $HANOIWATCH_ARTIFACTS, or a
// temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("HANOIWATCH_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDashboardInBrowser opens the dashboard of a demo database in headless Chromium: the
// vtv page must show 65 and 72 highlighted in the side-by-side diff, the figures page must
// flag the signatories disagreement, and the pages must run under their Content-Security-
// Policy without a violation.
func TestDashboardInBrowser(t *testing.T) {
	exe := chromium(t)
	base := serveDB(t, demoDB(t))
	dir := artifacts(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	defer cancelBrowser()

	// Console errors and CSP violations: the pages must work under their own policy.
	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, ev.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}

	// Every step runs in the one tab; a failing step ends the test.
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	strs := func(js string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	shot := func(name string, full bool) {
		t.Helper()
		capture := chromedp.CaptureScreenshot() // the viewport, as a phone shows it
		if full {
			capture = chromedp.FullScreenshot(100) // 100: PNG
		}
		png, err := chromedp.Run(ctx, capture)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", path)
	}
	scheme := func(s string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}}})
			return err
		})
	}

	do(chromedp.Navigate(base+"/sources/vtv"), chromedp.WaitVisible(chromedp.CSS(".sbs")))
	dels := strs(`[...document.querySelectorAll(".sbs .old del")].map(e => e.textContent)`)
	inss := strs(`[...document.querySelectorAll(".sbs .new ins")].map(e => e.textContent)`)
	moved := strs(`[...document.querySelectorAll(".figchanges li")].map(e => e.textContent.replace(/\s+/g, " "))`)
	shot("source-vtv.png", true)
	if !slices.Contains(dels, "65") || !slices.Contains(inss, "72") {
		t.Errorf("side-by-side diff: removed %q, added %q; want 65 removed and 72 added, highlighted", dels, inss)
	}
	if len(moved) == 0 || !strings.Contains(moved[0], "65 → 72") {
		t.Errorf("figure changes above the diff: %q", moved)
	}

	do(chromedp.Navigate(base+"/figures"), chromedp.WaitVisible(chromedp.CSS("#f-signatories")))
	flagged := strs(`[...document.querySelectorAll("#f-signatories.disagree .badge.warn")].map(e => e.textContent)`)
	odd := strs(`[...document.querySelectorAll("#f-signatories tr.odd")].map(e => e.textContent.replace(/\s+/g, " ").trim())`)
	lines := strs(`[...document.querySelectorAll("#f-signatories svg path.line")].map(e => e.getAttribute("d"))`)
	shot("figures.png", true)
	if len(flagged) == 0 || len(odd) != 1 || !strings.Contains(odd[0], "vtv-syndicated") || !strings.Contains(odd[0], "65") {
		t.Errorf("figures: signatories badges %q, odd rows %q; want the disagreement flagged and vtv-syndicated (65) marked", flagged, odd)
	}
	if len(lines) != 3 {
		t.Errorf("signatories chart: %d lines, want 3 (vietnamplus, vtv, vtv-syndicated)", len(lines))
	}

	// The pages as a phone in dark mode shows them.
	do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile), scheme("dark"),
		chromedp.Navigate(base+"/sources/vtv#side-by-side"), chromedp.WaitVisible(chromedp.CSS(".sbs")))
	shot("source-vtv-phone-dark.png", false)
	do(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("table.sources")))
	shot("sources-phone-dark.png", false)

	do(chromedp.EmulateViewport(1280, 900), scheme("light"), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("table.sources")))
	shot("sources.png", true)
	do(chromedp.Navigate(base+"/events"), chromedp.WaitVisible(chromedp.CSS("ol.events")))
	shot("events.png", true)

	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("browser console errors (CSP violations?):\n%s", strings.Join(problems, "\n"))
	}
}
