package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"hanoiwatch/watcher/fixture"
)

// TestDemoNoColourInPipes: demo's output into anything but a terminal has no ANSI colour
// codes, unless asked for.
func TestDemoNoColourInPipes(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		colour bool
	}{{nil, false}, {[]string{"--color", "never"}, false}, {[]string{"--color", "always"}, true}} {
		out, errOut, err := hw(t, append([]string{"demo"}, tt.args...)...)
		if err != nil {
			t.Fatalf("demo %v: %v\n%s", tt.args, err, errOut)
		}
		if got := strings.Contains(out, "\x1b["); got != tt.colour {
			t.Errorf("demo %v: colour codes %v, want %v", tt.args, got, tt.colour)
		}
	}
	if _, _, err := hw(t, "demo", "--color", "yes"); err == nil || !strings.Contains(err.Error(), `--color "yes": want auto, always or never`) {
		t.Errorf("demo --color yes: %v", err)
	}
}

// TestServeDemoDatabase: a database made by demo says so on every dashboard page and API
// answer, and shows the demo's own sources, on its local site, not the seeds' real URLs.
func TestServeDemoDatabase(t *testing.T) {
	url := serveDB(t, demoDB(t))
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d\n%s", path, resp.StatusCode, b)
		}
		return resp, string(b)
	}
	for _, page := range []string{"/", "/sources/vtv", "/figures", "/events"} {
		if _, body := get(page); !strings.Contains(body, `<p class="notice" role="note">A demo database, made by `) {
			t.Errorf("%s does not say the database is a demo one", page)
		}
	}
	resp, body := get("/api/sources")
	if n := resp.Header.Get("Hanoiwatch-Notice"); !strings.HasPrefix(n, "A demo database") {
		t.Errorf("/api/sources: Hanoiwatch-Notice %q", n)
	}
	var srcs []struct{ Name, URL, Origin string }
	if err := json.Unmarshal([]byte(body), &srcs); err != nil {
		t.Fatal(err)
	}
	demo := 0
	for _, s := range srcs {
		if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
			t.Errorf("source %s at %s: a demo database shows the URLs the demo fetched", s.Name, s.URL)
		}
		if s.Origin == originDemo {
			demo++
		}
	}
	if demo != len(fixture.New().Names()) {
		t.Errorf("%d sources of origin demo, want the demo's %d:\n%s", demo, len(fixture.New().Names()), body)
	}
}

// TestServeNoNotice: an ordinary database has no notice.
func TestServeNoNotice(t *testing.T) {
	e := newEnv(t, fixture.New(), "")
	e.check()
	url := serveDB(t, e.db)
	resp, err := http.Get(url + "/api/sources")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := resp.Header.Get("Hanoiwatch-Notice"); n != "" {
		t.Errorf("Hanoiwatch-Notice %q on an ordinary database", n)
	}
}
