package render

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fetch"
)

// site serves the test pages on 127.0.0.1. Its article is in a script or in JSON, never in
// the markup, so only a browser sees it.
type site struct {
	*httptest.Server
	mu     sync.Mutex
	count  string // the figure the JSON endpoint reports
	docs   atomic.Int32
	images atomic.Int32
}

const scripted = `<!DOCTYPE html><html lang="en"><head><title>Scripted</title></head><body>
<main id="main"></main>
<script>
var p = document.createElement("p");
p.textContent = "Written by a script: the Convention was signed by 72 States in Hanoi.";
document.getElementById("main").appendChild(p);
</script></body></html>`

const fetched = `<!DOCTYPE html><html lang="en"><head><title>Fetched</title></head><body>
<img src="/pixel.png" alt="">
<main id="main"></main>
<script>
fetch("/data.json").then(r => r.json()).then(d => {
  setTimeout(() => {
    var a = document.createElement("article");
    a.id = "story";
    a.innerHTML = "<h1>" + d.title + "</h1><p>" + d.body + "</p>";
    document.getElementById("main").appendChild(a);
  }, 50);
});
</script></body></html>`

func newSite(t *testing.T) *site {
	s := &site{count: "65"}
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s.docs.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("ETag", `"shell-1"`)
			if r.Header.Get("If-None-Match") == `"shell-1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("/scripted", page(scripted))
	mux.HandleFunc("/fetched", page(fetched))
	mux.HandleFunc("/hang", page(`<html><body><p>Hung.</p><script>for(;;){}</script></body></html>`))
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		n := s.count
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"title": "Hanoi Convention", "body": "The Convention has %s signatories."}`, n)
	})
	mux.HandleFunc("/pixel.png", func(w http.ResponseWriter, r *http.Request) {
		s.images.Add(1)
		w.WriteHeader(http.StatusNotFound)
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *site) setCount(n string) {
	s.mu.Lock()
	s.count = n
	s.mu.Unlock()
}

// newFetcher returns a Fetcher on the system's Chromium, or skips when there is none.
func newFetcher(t *testing.T, opt Options) Fetcher {
	t.Helper()
	if _, err := Find(""); err != nil {
		t.Skip(err)
	}
	b, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return Fetcher{Plain: plainFetcher(t), Browser: b}
}

// plainFetcher is the fetcher of documents, as the daemon's (loopback hosts have no delay).
func plainFetcher(tb testing.TB) watcher.Fetcher {
	plain, err := fetch.New(fetch.Options{UserAgent: "hanoiwatch-test", Timeout: 10 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return plain
}

func browserSource(name, url string) watcher.Source {
	return watcher.Source{Name: name, URL: url, Render: watcher.RenderBrowser}
}

func TestFind(t *testing.T) {
	if _, err := Find("/nonexistent/chromium"); err == nil || !strings.Contains(err.Error(), "apt-get install chromium") {
		t.Fatalf("Find(missing path) = %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	_, err := Find("")
	if err == nil || !strings.Contains(err.Error(), "no Chromium found on PATH") || !strings.Contains(err.Error(), "browser.path") {
		t.Fatalf("Find with an empty PATH = %v", err)
	}
}

func TestRender(t *testing.T) {
	s := newSite(t)
	f := newFetcher(t, Options{MaxTabs: 2, Timeout: 20 * time.Second})
	ctx := context.Background()

	// Without rendering, the article is not in the page.
	p, err := f.Fetch(ctx, watcher.Source{Name: "plain", URL: s.URL + "/scripted"}, watcher.Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(p.Body), "72 States in Hanoi.</p>") {
		t.Fatal("the plain fetch ran the script")
	}

	t.Run("script", func(t *testing.T) {
		docs := s.docs.Load()
		p, err := f.Fetch(ctx, browserSource("scripted", s.URL+"/scripted"), watcher.Validators{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(p.Body), "<p>Written by a script: the Convention was signed by 72 States in Hanoi.</p>") {
			t.Fatalf("rendered body:\n%s", p.Body)
		}
		if p.Status != 200 || p.ContentType != "text/html; charset=utf-8" || p.ETag != `"shell-1"` {
			t.Fatalf("page: status %d, type %q, etag %q", p.Status, p.ContentType, p.ETag)
		}
		if n := s.docs.Load() - docs; n != 1 {
			t.Fatalf("the document was requested %d times, want once (the browser is served the plain fetch's answer)", n)
		}
		// The script wrote the article without asking the network: the document's 304 holds.
		p, err = f.Fetch(ctx, browserSource("scripted", s.URL+"/scripted"), watcher.Validators{ETag: p.ETag})
		if err != nil || p.Status != http.StatusNotModified {
			t.Fatalf("conditional fetch: %v, %+v", err, p)
		}
	})

	t.Run("fetch", func(t *testing.T) {
		src := browserSource("fetched", s.URL+"/fetched")
		src.Wait = "#story"
		images := s.images.Load()
		p, err := f.Fetch(ctx, src, watcher.Validators{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(p.Body), "<p>The Convention has 65 signatories.</p>") {
			t.Fatalf("rendered body:\n%s", p.Body)
		}
		if p.ETag != "" {
			t.Fatalf("ETag %q kept for a page whose article came from a fetch()", p.ETag)
		}
		if n := s.images.Load() - images; n != 0 {
			t.Fatalf("%d image requests without a screenshot", n)
		}
		if p.Shoot != nil || p.Release != nil {
			t.Fatal("a screenshot nobody asked for, or a tab held for one")
		}
		s.setCount("72")
		src.Screenshot = true
		p, err = f.Fetch(ctx, src, watcher.Validators{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(p.Body), "<p>The Convention has 72 signatories.</p>") {
			t.Fatalf("rendered body after the data changed:\n%s", p.Body)
		}
		// The tab stays open (its token held) until the page is released.
		if n := len(f.Browser.tabs); n != 1 {
			t.Fatalf("%d tabs held before the release, want 1", n)
		}
		img, err := p.Shoot()
		p.Release()
		if err != nil || len(img) < 1000 || img[0] != 0xff || img[1] != 0xd8 {
			t.Fatalf("screenshot: %d bytes, not a JPEG (%v)", len(img), err)
		}
		if n := len(f.Browser.tabs); n != 0 {
			t.Fatalf("%d tabs held after the release", n)
		}
		if s.images.Load() == images {
			t.Fatal("the screenshot's page loaded no image")
		}
	})

	t.Run("networkidle", func(t *testing.T) {
		src := browserSource("fetched", s.URL+"/fetched")
		src.Wait = WaitNetworkIdle
		p, err := f.Fetch(ctx, src, watcher.Validators{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(p.Body), "signatories.</p>") {
			t.Fatalf("rendered body:\n%s", p.Body)
		}
	})

	t.Run("not found", func(t *testing.T) {
		p, err := f.Fetch(ctx, browserSource("missing", s.URL+"/missing"), watcher.Validators{})
		if err != nil || p.Status != http.StatusNotFound {
			t.Fatalf("404: %v %+v", err, p)
		}
	})
}

// TestRenderFailures: a page that never finishes, a selector that never matches and a tab
// that crashes fail their own fetch with a clear error, while a page in another tab renders
// (the budget leaves it room on a busy machine), and the next fetch works.
func TestRenderFailures(t *testing.T) {
	s := newSite(t)
	f := newFetcher(t, Options{MaxTabs: 3, Timeout: 6 * time.Second})
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make([]error, 3)
	bodies := make([][]byte, 3)
	srcs := []watcher.Source{browserSource("hang", s.URL+"/hang"), browserSource("scripted", s.URL+"/scripted"), browserSource("never", s.URL+"/scripted")}
	srcs[2].Wait = "#never"
	for i, src := range srcs {
		wg.Go(func() {
			p, err := f.Fetch(ctx, src, watcher.Validators{})
			errs[i] = err
			if p != nil {
				bodies[i] = p.Body
			}
		})
	}
	wg.Wait()
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "did not render within 6s (wait: load)") {
		t.Fatalf("hung page: %v", errs[0])
	}
	if errs[1] != nil || !strings.Contains(string(bodies[1]), "72 States") {
		t.Fatalf("the page beside the hung one: %v", errs[1])
	}
	if errs[2] == nil || !strings.Contains(errs[2].Error(), "(wait: #never)") {
		t.Fatalf("selector that never matches: %v", errs[2])
	}

	// A tab whose renderer dies while it waits for its selector.
	crashed := make(chan error, 1)
	src := browserSource("crashing", s.URL+"/scripted?crash")
	src.Wait = "#never"
	go func() {
		_, err := f.Fetch(ctx, src, watcher.Validators{})
		crashed <- err
	}()
	crashTab(t, f.Browser, "crash")
	if err := <-crashed; err == nil || !strings.Contains(err.Error(), "the tab crashed") {
		t.Fatalf("crashed tab: %v", err)
	}
	p, err := f.Fetch(ctx, browserSource("scripted", s.URL+"/scripted"), watcher.Validators{})
	if err != nil || !strings.Contains(string(p.Body), "72 States") {
		t.Fatalf("after the crash: %v", err)
	}
}

// TestBrowserRestart kills the browser process, then stops the next one: each time the next
// fetch starts a new browser. Close then stops it.
func TestBrowserRestart(t *testing.T) {
	s := newSite(t)
	f := newFetcher(t, Options{MaxTabs: 1, Timeout: 5 * time.Second})
	ctx := context.Background()
	if _, err := f.Fetch(ctx, browserSource("scripted", s.URL+"/scripted"), watcher.Validators{}); err != nil {
		t.Fatal(err)
	}
	b := f.Browser
	b.mu.Lock()
	first := b.cur
	b.mu.Unlock()
	proc := chromedp.FromContext(first.ctx).Browser.Process()
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for first.ctx.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	p, err := f.Fetch(ctx, browserSource("scripted", s.URL+"/scripted"), watcher.Validators{})
	if err != nil || !strings.Contains(string(p.Body), "72 States") {
		t.Fatalf("after the browser died: %v", err)
	}
	b.mu.Lock()
	second := b.cur
	b.mu.Unlock()
	if second == first {
		t.Fatal("the dead browser is still in use")
	}

	// A browser that stops answering (here: stopped by a signal) fails the check under way,
	// and the next one runs in a new browser.
	proc = chromedp.FromContext(second.ctx).Browser.Process()
	if err := proc.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	_, err = f.Fetch(ctx, browserSource("scripted", s.URL+"/scripted"), watcher.Validators{})
	if err == nil || !strings.Contains(err.Error(), "the browser did not open a tab within 5s") {
		t.Fatalf("hung browser: %v", err)
	}
	p, err = f.Fetch(ctx, browserSource("scripted", s.URL+"/scripted"), watcher.Validators{})
	if err != nil || !strings.Contains(string(p.Body), "72 States") {
		t.Fatalf("after the browser hung: %v", err)
	}
	b.mu.Lock()
	third := b.cur
	b.mu.Unlock()
	if third == second || second.ctx.Err() == nil {
		t.Fatal("the hung browser is still in use, or still running")
	}
	b.Close()
	if _, err := f.Fetch(ctx, browserSource("scripted", s.URL+"/scripted"), watcher.Validators{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if second.ctx.Err() == nil {
		t.Fatal("Close left the browser running")
	}
}

// crashTab crashes the renderer of the tab whose URL contains part, as a crashing page would
// (no page can do that on purpose), once that tab is open.
func crashTab(t *testing.T, b *Browser, part string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		in := b.cur
		b.mu.Unlock()
		if in != nil {
			targets, err := chromedp.Targets(in.ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ti := range targets {
				if ti.Type == "page" && strings.Contains(ti.URL, part) {
					tctx, cancel := chromedp.NewContext(in.ctx, chromedp.WithTargetID(ti.TargetID))
					defer cancel()
					// Page.crash does not answer: its renderer is gone.
					cctx, ccancel := context.WithTimeout(tctx, time.Second)
					defer ccancel()
					chromedp.Call(cctx, page.Crash, cdp.Empty{})
					return
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no tab at %s", part)
}

// TestHostTurns: at most PerHost pages of one host render at once, each keeping its turn for
// Delay after it is done; another host is not held up, and loopback hosts have no limit.
func TestHostTurns(t *testing.T) {
	b := &Browser{opt: Options{PerHost: 2, Delay: 300 * time.Millisecond}, hosts: map[string]chan struct{}{}}
	ctx := context.Background()
	var dones []func()
	for range 2 {
		done, err := b.host(ctx, "https://news.example.org/a")
		if err != nil {
			t.Fatal(err)
		}
		dones = append(dones, done)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := b.host(short, "https://news.example.org/b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third page of the host: %v, want it to wait", err)
	}
	// The third page's wait used up short: the others need no wait at all.
	none, cancelNone := context.WithCancel(ctx)
	cancelNone()
	other, cancelOther := context.WithTimeout(ctx, 5*time.Second)
	defer cancelOther()
	if done, err := b.host(other, "https://other.example.org/a"); err != nil {
		t.Fatalf("another host: %v", err)
	} else {
		done()
	}
	for range 5 {
		if _, err := b.host(none, "http://127.0.0.1:8080/a"); err != nil {
			t.Fatalf("loopback: %v", err)
		}
	}
	start := time.Now()
	dones[0]()
	done, err := b.host(ctx, "https://news.example.org/c")
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("the next page of the host came %v after one was done, want the delay (300ms)", waited)
	}
	done()
	dones[1]()
}
