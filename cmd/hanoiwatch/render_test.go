package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/render"
	"hanoiwatch/watcher/store"
)

// spaParagraphs is the article the script pages write: long enough to read as an article.
var spaParagraphs = []string{
	"The United Nations Convention against Cybercrime was opened for signature in Hanoi on 25 October 2025.",
	"By the end of the ceremony, %s States had signed the Convention, which needs 40 ratifications to enter into force.",
	"Delegates from more than 110 countries attended the two-day conference at the National Convention Center.",
	"The Secretary-General said the treaty gives States a common legal basis to cooperate against online crime.",
}

// spa serves two pages whose article only a browser can see: written by an inline script,
// and loaded with fetch() from a JSON endpoint. Signed is the count both report.
type spa struct {
	mu     sync.Mutex
	signed string
}

func (s *spa) count() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signed
}

func (s *spa) paragraphs() []string {
	ps := append([]string(nil), spaParagraphs...)
	ps[1] = fmt.Sprintf(ps[1], s.count())
	return ps
}

func (s *spa) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	shell := func(script string) string {
		return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Hanoi Convention signed</title></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav><main id="main"></main>
<script>` + script + `</script></body></html>`
	}
	const write = `function show(d) {
  var a = document.createElement("article");
  a.id = "story";
  var h = document.createElement("h1");
  h.textContent = d.title;
  a.appendChild(h);
  d.paragraphs.forEach(function (t) { var p = document.createElement("p"); p.textContent = t; a.appendChild(p); });
  document.getElementById("main").appendChild(a);
}
`
	switch r.URL.Path {
	case "/scripted":
		var quoted []string
		for _, p := range s.paragraphs() {
			quoted = append(quoted, fmt.Sprintf("%q", p))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, shell(write+`show({title: "Hanoi Convention signed", paragraphs: [`+strings.Join(quoted, ",")+`]});`))
	case "/fetched":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, shell(write+`fetch("/data.json").then(function (r) { return r.json(); }).then(show);`))
	case "/data.json":
		var quoted []string
		for _, p := range s.paragraphs() {
			quoted = append(quoted, fmt.Sprintf("%q", p))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"title": "Hanoi Convention signed", "paragraphs": [%s]}`, strings.Join(quoted, ","))
	default:
		http.NotFound(w, r)
	}
}

// TestRenderedSources runs `check` on pages whose article a script writes: without render
// the article is not seen; with render: browser it is, with its figures, and a change of the
// script's data is a change with its figure, and a screenshot of each version is stored.
func TestRenderedSources(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		t.Skip(err)
	}
	site := &spa{signed: "65"}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hw.yaml")
	db := filepath.Join(dir, "hw.db")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`discovery: {enabled: false}
browser: {max_tabs: 2, timeout: 20s}
sources:
  - name: plain
    url: %[1]s/scripted
  - name: scripted
    url: %[1]s/scripted
    render: browser
  - name: fetched
    url: %[1]s/fetched
    render: browser
    wait: "#story p"
    screenshot: true
`, srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func() map[string]watcher.Event {
		t.Helper()
		out, errOut, err := hw(t, "check", "--json", "--config", cfg, "--db", db)
		if err != nil {
			t.Fatalf("check: %v\n%s", err, errOut)
		}
		by := map[string]watcher.Event{}
		for _, e := range events(t, out) {
			by[e.Source.Name] = e
		}
		return by
	}

	evs := check()
	// Without a browser the page is an application shell, and the check says what to do.
	if e := evs["plain"]; e.Type != watcher.FetchFailed || !strings.Contains(e.Error, "set render: browser") {
		t.Fatalf("plain: %+v", e)
	}
	for _, name := range []string{"scripted", "fetched"} {
		if e := evs[name]; e.Type != watcher.ArticleNew {
			t.Fatalf("%s: %+v", name, e)
		}
		text, _, err := hw(t, "show", name, "--config", cfg, "--db", db)
		if err != nil || !strings.Contains(text, "65 States had signed the Convention") || strings.Contains(text, "Home") {
			t.Fatalf("show %s: %v\n%s", name, err, text)
		}
	}
	figs, _, err := hw(t, "figures", "fetched", "--config", cfg, "--db", db)
	if err != nil || !strings.Contains(figs, "65") {
		t.Fatalf("figures fetched: %v\n%s", err, figs)
	}

	site.mu.Lock()
	site.signed = "72"
	site.mu.Unlock()
	evs = check()
	for _, name := range []string{"scripted", "fetched"} {
		if e := evs[name]; e.Type != watcher.ArticleChanged || !figure(e, 65, 72) {
			t.Fatalf("%s after the data changed: %+v", name, e)
		}
	}

	s, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snaps, err := s.Snapshots("fetched")
	if err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots: %v %v", snaps, err)
	}
	for _, sn := range snaps {
		img, err := s.Screenshot("fetched", sn.ID)
		if err != nil || len(img) < 1000 || img[0] != 0xff || img[1] != 0xd8 {
			t.Fatalf("screenshot of %s: %d bytes, %v", sn.ID, len(img), err)
		}
	}
	// The evidence of a rendered version is the document as served, not the DOM.
	caps, err := s.Captures("fetched")
	if err != nil || len(caps) != 2 {
		t.Fatalf("captures: %v %v", caps, err)
	}
	served, err := s.Body(caps[1].SHA256)
	if err != nil || !strings.Contains(string(served), `fetch("/data.json")`) || strings.Contains(string(served), "States had signed") {
		t.Fatalf("captured body: %v\n%s", err, served)
	}
	if snaps, _ := s.Snapshots("scripted"); len(snaps) == 0 {
		t.Fatal("scripted has no snapshot")
	} else if _, err := s.Screenshot("scripted", snaps[0].ID); err == nil {
		t.Fatal("a screenshot nobody asked for")
	}
}

// TestConfigValidateBrowser: a configuration that renders pages is refused by `config
// validate` when there is no Chromium, with what to install.
func TestConfigValidateBrowser(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hw.yaml")
	if err := os.WriteFile(cfg, []byte("defaults:\n  render: browser\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	_, _, err := hw(t, "config", "validate", cfg)
	if err == nil || !strings.Contains(err.Error(), "apt-get install chromium") || !strings.Contains(err.Error(), cfg) {
		t.Fatalf("config validate without Chromium: %v", err)
	}
	_, errOut, err := hw(t, "check", "--config", cfg, "--db", filepath.Join(dir, "hw.db"))
	if err == nil || !strings.Contains(err.Error(), "no Chromium found on PATH") {
		t.Fatalf("check without Chromium: %v\n%s", err, errOut)
	}
}
