// Package render loads the pages of sources that write their article with JavaScript in
// headless Chromium, driven through the DevTools protocol by chromedp, and hands the
// pipeline the rendered DOM as the page's body.
//
// One browser process serves the whole daemon, started on the first rendered check; each
// check opens a tab of its own and closes it when done, and at most Options.MaxTabs tabs
// are open at once. The document itself is never fetched by the browser: the plain fetcher
// gets it first, through the same per-host limits, delay, robots.txt, body cap and
// conditional request as any other source, and the browser is handed that response. So a
// rendered source costs the site one request for its page, as a plain one does, and a
// failure, a refusal or a 304 ends the check before any tab is opened.
package render

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdpfetch "github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"hanoiwatch/watcher"
)

// Wait conditions a source may name; any other value is a CSS selector to wait for.
const (
	WaitLoad        = "load"        // the page's load event (the default)
	WaitNetworkIdle = "networkidle" // no request in flight for 500 ms after the load event
)

// Names are the executables Find looks for on PATH, in order.
var Names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the Chromium executable to run: path when it is set (a file, or a name
// looked up on PATH), else the first of Names found on PATH. The error says what to install.
func Find(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("browser.path %q: not an executable file (install Debian's chromium package: apt-get install chromium)", path)
		}
		return p, nil
	}
	for _, n := range Names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found on PATH (looked for %s): install Debian's chromium package (apt-get install chromium), or set browser.path",
		strings.Join(Names, ", "))
}

// Options configure a Browser.
type Options struct {
	Path      string        // Chromium executable; "" looks on PATH (see Find)
	MaxTabs   int           // tabs open at once; 0 for 4
	Timeout   time.Duration // time budget of one page, from opening its tab to its DOM; 0 for 30 s
	UserAgent string        // sent by the browser for the page's scripts, styles and data
	PerHost   int           // pages of one host rendered at once; 0 for 2
	Delay     time.Duration // how long a host's turn is kept after its page is done
	Log       *slog.Logger  // nil: no log
}

// Browser is the one Chromium process of a daemon, started on first use, and the tabs
// open in it. It is safe for concurrent use; the daemon keeps one for its whole life
// (a reloaded configuration keeps the browser) and closes it last.
type Browser struct {
	opt  Options
	exe  string
	tabs chan struct{} // a token per open tab

	mu     sync.Mutex
	cur    *instance // the process new tabs open in; nil before the first and after Close
	closed bool

	hostsMu sync.Mutex
	hosts   map[string]chan struct{} // a token per page of the host being rendered
}

// errNoTab is a browser that did not open a tab: it is replaced.
var errNoTab = errors.New("the browser did not open a tab")

// ErrClosed is returned for a rendered source after Close.
var ErrClosed = errors.New("render: browser closed")

// New returns a Browser on the Chromium that Find finds; its process starts on the first
// rendered page.
func New(opt Options) (*Browser, error) {
	exe, err := Find(opt.Path)
	if err != nil {
		return nil, err
	}
	if opt.MaxTabs <= 0 {
		opt.MaxTabs = 4
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.PerHost <= 0 {
		opt.PerHost = 2
	}
	return &Browser{opt: opt, exe: exe, tabs: make(chan struct{}, opt.MaxTabs), hosts: map[string]chan struct{}{}}, nil
}

// Fetcher fetches the sources that ask for it (Source.Render == watcher.RenderBrowser)
// with Browser, and the others, and every document, with Plain.
type Fetcher struct {
	Plain   watcher.Fetcher
	Browser *Browser
}

// Fetch gets the source's page: rendered in a tab when the source asks for it, else as the
// plain fetcher does. A rendered page is the plain fetcher's answer with its body replaced
// by the DOM once the wait condition holds, serialised as UTF-8 HTML.
func (f Fetcher) Fetch(ctx context.Context, src watcher.Source, v watcher.Validators) (*watcher.Page, error) {
	if src.Render != watcher.RenderBrowser {
		return f.Plain.Fetch(ctx, src, v)
	}
	p, err := f.Plain.Fetch(ctx, src, v)
	if err != nil || p.Status < 200 || p.Status > 299 || !isHTML(p.ContentType) {
		// A failure, a refusal, a 304, a PDF: nothing to render, and the pipeline
		// judges these answers as for any source.
		return p, err
	}
	r, err := f.Browser.render(ctx, p, src)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", p.URL, err)
	}
	p.Served, p.Body, p.Shoot, p.Release = p.Body, r.dom, r.shoot, r.release
	p.ContentType = "text/html; charset=utf-8"
	if r.dynamic {
		// The article came (at least in part) from requests the page's scripts made: a
		// 304 for the document would say nothing about them, so no validators are kept
		// and the next check gets the document in full.
		p.ETag, p.LastModified = "", ""
	}
	p.Duration += r.took
	return p, nil
}

// isHTML reports whether a Content-Type is worth rendering; "" is sniffed as HTML, as the
// extractor does.
func isHTML(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// Close closes the browser and waits for its process to end. Later rendered fetches fail
// with ErrClosed; tabs still open are closed with it.
func (b *Browser) Close() error {
	b.mu.Lock()
	in := b.cur
	b.cur, b.closed = nil, true
	b.mu.Unlock()
	if in == nil {
		return nil
	}
	in.stop()
	return nil
}

// instance is one browser process. A browser found broken is replaced for new tabs at
// once, and stopped when its last tab is closed, so that the tabs of other sources still
// open in it are not cut short by one source's failure.
type instance struct {
	ctx    context.Context // the browser's chromedp context; tabs are its children
	cancel context.CancelFunc
	users  int  // tabs open; guarded by Fetcher.mu
	broken bool // guarded by Fetcher.mu
}

func (in *instance) stop() {
	in.cancel()
}

// acquire returns the browser to open a tab in, starting one if needed, and counts the tab.
func (b *Browser) acquire(ctx context.Context) (*instance, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if dead := b.cur; dead != nil && dead.ctx.Err() != nil {
		// The process died. Its last tab stops it (release); if none is open, here.
		dead.broken = true
		b.forget(dead)
		if dead.users == 0 {
			go dead.stop()
		}
	}
	if b.cur == nil {
		in, err := b.start(ctx)
		if err != nil {
			return nil, err
		}
		b.cur = in
	}
	b.cur.users++
	return b.cur, nil
}

// release uncounts a tab; broken marks its browser as to be replaced.
func (b *Browser) release(in *instance, broken bool) {
	b.mu.Lock()
	in.users--
	if broken && !in.broken {
		in.broken = true
		if b.opt.Log != nil {
			b.opt.Log.Warn("browser restarted: it died, or did not open or close a tab", "exe", b.exe)
		}
		b.forget(in)
	}
	last := in.broken && in.users == 0
	b.mu.Unlock()
	if last {
		in.stop() // waits for the process to end: not under the lock
	}
}

// forget takes a broken browser out of service: new tabs open in a new one.
func (b *Browser) forget(in *instance) {
	if b.cur == in {
		b.cur = nil
	}
}

// startTimeout bounds the start of a browser process.
const startTimeout = 30 * time.Second

// start launches a browser process and waits until it answers.
func (b *Browser) start(ctx context.Context) (*instance, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.exe),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900),
	)
	if b.opt.UserAgent != "" {
		opts = append(opts, chromedp.UserAgent(b.opt.UserAgent))
	}
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root inside its sandbox; containers often run as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	// The browser outlives the check that started it: its context is not ctx's child.
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp reports protocol trouble on the standard logger; the failing check reports
	// what matters, so these go to the debug log.
	quiet := func(format string, args ...any) {
		if b.opt.Log != nil {
			b.opt.Log.Debug("chromedp: " + fmt.Sprintf(format, args...))
		}
	}
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithErrorf(quiet), chromedp.WithLogf(quiet))
	cancel := func() { bcancel(); acancel() }
	sctx, scancel := context.WithTimeout(ctx, startTimeout)
	defer scancel()
	done := make(chan error, 1)
	// The first Run starts the process; it must not run under a timeout, which would stop
	// the browser with it, so the wait is bounded here instead.
	go func() { done <- chromedp.Do(bctx) }()
	select {
	case err := <-done:
		if err != nil {
			cancel()
			return nil, fmt.Errorf("start %s: %w", b.exe, err)
		}
	case <-sctx.Done():
		cancel()
		<-done
		return nil, fmt.Errorf("start %s: no answer within %s", b.exe, startTimeout)
	}
	return &instance{ctx: bctx, cancel: cancel}, nil
}

// rendered is what a tab produced.
type rendered struct {
	dom     []byte
	dynamic bool // the page's scripts made XHR, fetch, EventSource or WebSocket requests
	// shoot and release are the page's Shoot and Release: nil, or, for a source that keeps
	// screenshots, the screenshot of the tab left open and the closing of that tab.
	shoot   func() ([]byte, error)
	release func()
	// took is the time from opening the tab to the DOM: a check's
	// duration counts it, not the wait for a tab.
	took time.Duration
}

// screenshotQuality is the JPEG quality of screenshots. Body text stays legible at 50; a
// full page 1280 pixels wide and 8 900 high was 584 KB at 50, 737 KB at 70 (WebP at 50:
// 411 KB, but three times the encoding time).
const screenshotQuality = 50

// render loads p in a new tab, its document served from p, and returns the DOM once the
// source's wait condition holds. For a source that keeps screenshots, the tab stays open,
// and its host's turn and its tab token held, until the page is released: whether the
// version is new, and worth an image, is known only once it is extracted.
func (b *Browser) render(ctx context.Context, p *watcher.Page, src watcher.Source) (rendered, error) {
	// The host's turn first: waiting for it must not hold a tab other hosts could use.
	done, err := b.host(ctx, p.URL)
	if err != nil {
		return rendered{}, err
	}
	select {
	case b.tabs <- struct{}{}:
	case <-ctx.Done():
		done()
		return rendered{}, ctx.Err()
	}
	in, err := b.acquire(ctx)
	if err != nil {
		<-b.tabs
		done()
		return rendered{}, err
	}
	start := time.Now()
	tctx, cancelTab := chromedp.NewContext(in.ctx)
	r, err := b.load(ctx, tctx, p, src)
	r.took = time.Since(start)
	finish := func(err error) {
		// Closing the tab waits for the browser (chromedp gives it 5 s); a browser that
		// cannot close a tab in that time is stuck, and is replaced.
		closed := make(chan struct{})
		go func() { cancelTab(); close(closed) }()
		stuck := false
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			stuck = true
		}
		// A browser that died, that could not open a tab, or that cannot close one is
		// replaced.
		broken := stuck || (err != nil && (in.ctx.Err() != nil || errors.Is(err, errNoTab)))
		b.release(in, broken)
		<-b.tabs
		done()
	}
	if err != nil || !src.Screenshot {
		finish(err)
		return r, err
	}
	var shotErr error
	r.shoot = func() ([]byte, error) {
		sctx, cancel := context.WithTimeout(tctx, b.opt.Timeout)
		defer cancel()
		img, err := chromedp.Run(sctx, chromedp.FullScreenshot(screenshotQuality))
		if err != nil {
			shotErr = err
			return nil, fmt.Errorf("screenshot of %s: %w", p.URL, err)
		}
		return img, nil
	}
	r.release = sync.OnceFunc(func() { finish(shotErr) })
	return r, nil
}

// host waits for a turn of the page's host and returns its release. A page's own requests
// (its scripts, styles, data) go to its host from the browser, not through the plain
// fetcher's limits; so at most PerHost pages of one host render at once, and each keeps its
// turn for Delay after it is done, as a request does in watcher/fetch. Loopback hosts, the
// operator's own, have no limit there, nor here.
func (b *Browser) host(ctx context.Context, rawURL string) (func(), error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bad URL %q", rawURL)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()) {
		return func() {}, nil
	}
	return b.turn(ctx, u.Host)
}

// turn takes one of host's PerHost tokens; the release gives it back Delay later.
func (b *Browser) turn(ctx context.Context, host string) (func(), error) {
	b.hostsMu.Lock()
	ch := b.hosts[host]
	if ch == nil {
		ch = make(chan struct{}, b.opt.PerHost)
		b.hosts[host] = ch
	}
	b.hostsMu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return func() {
		if b.opt.Delay <= 0 {
			<-ch
			return
		}
		time.AfterFunc(b.opt.Delay, func() { <-ch })
	}, nil
}

// load runs one page in the tab tctx under the time budget.
func (b *Browser) load(ctx, tctx context.Context, p *watcher.Page, src watcher.Source) (rendered, error) {
	budget := b.opt.Timeout
	lctx, cancel := context.WithTimeout(tctx, budget)
	defer cancel()
	// The caller's cancellation (shutdown) ends the page too.
	stop := context.AfterFunc(ctx, cancel)
	defer stop()

	// Open the tab. chromedp runs a tab's message loop under the context that opens it, and
	// the tab outlives the budget when a screenshot is taken later: so it is opened under
	// tctx, and the budget bounds the wait. A browser that cannot open a tab within the
	// page's whole budget is hung. (The goroutine ends when the tab is closed, at the latest.)
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(tctx) }()
	select {
	case err := <-opened:
		if err != nil {
			return rendered{}, err
		}
	case <-lctx.Done():
		if ctx.Err() != nil {
			return rendered{}, ctx.Err()
		}
		return rendered{}, fmt.Errorf("%w within %s: the browser is restarted", errNoTab, b.opt.Timeout)
	}
	var (
		mu       sync.Mutex
		dynamic  bool
		crashed  = make(chan struct{})
		crashOne sync.Once
		idle     = map[cdp.LoaderID]bool{} // loaders whose main frame reached network idle
		idleSeen = make(chan struct{}, 1)
	)
	if err := chromedp.Listen(lctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			switch ev.Type {
			case network.ResourceTypeXHR, network.ResourceTypeFetch, network.ResourceTypeEventSource, network.ResourceTypeWebSocket:
				mu.Lock()
				dynamic = true
				mu.Unlock()
			}
		case *page.EventLifecycleEvent:
			if ev.Name == "networkIdle" {
				mu.Lock()
				idle[ev.LoaderID] = true
				mu.Unlock()
				select {
				case idleSeen <- struct{}{}:
				default:
				}
			}
		case *inspector.EventTargetCrashed:
			crashOne.Do(func() { close(crashed) })
		}
	}); err != nil {
		return rendered{}, err
	}
	paused := chromedp.Events(tctx, cdpfetch.RequestPaused) // answered as long as the tab lives
	patterns := []*cdpfetch.RequestPattern{{URLPattern: "*", ResourceType: network.ResourceTypeDocument}}
	if !src.Screenshot {
		// Nothing looks at the page: what only draws it is not fetched.
		for _, t := range []network.ResourceType{network.ResourceTypeImage, network.ResourceTypeFont, network.ResourceTypeMedia} {
			patterns = append(patterns, &cdpfetch.RequestPattern{URLPattern: "*", ResourceType: t})
		}
	}
	if _, err := chromedp.Call(lctx, cdpfetch.Enable, cdpfetch.EnableParams{Patterns: patterns}); err != nil {
		return rendered{}, b.describe(ctx, lctx, err, src)
	}
	go serve(tctx, paused, p)

	result := make(chan error, 1)
	var r rendered
	go func() {
		err := chromedp.Do(lctx, chromedp.Navigate(p.URL))
		if err == nil {
			err = wait(lctx, src.Wait, &mu, idle, idleSeen)
		}
		if err == nil {
			var dom string
			dom, err = chromedp.Run(lctx, chromedp.Evaluate[string](`"<!DOCTYPE html>\n" + document.documentElement.outerHTML`))
			r.dom = []byte(dom)
		}
		result <- err
	}()
	var err error
	select {
	case err = <-result:
	case <-crashed:
		cancel()
		<-result
		return rendered{}, errors.New("the tab crashed (the page's renderer process died)")
	}
	if err != nil {
		return rendered{}, b.describe(ctx, lctx, err, src)
	}
	mu.Lock()
	r.dynamic = dynamic
	mu.Unlock()
	return r, nil
}

// wait blocks until the wait condition holds; the load event has fired.
func wait(ctx context.Context, cond string, mu *sync.Mutex, idle map[cdp.LoaderID]bool, seen <-chan struct{}) error {
	switch cond {
	case "", WaitLoad:
		return nil
	case WaitNetworkIdle:
		tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return err
		}
		loader := tree.FrameTree.Frame.LoaderID
		for {
			mu.Lock()
			ok := idle[loader]
			mu.Unlock()
			if ok {
				return nil
			}
			select {
			case <-seen:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	default:
		return chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(cond)))
	}
}

// serve answers the tab's paused requests: the page's document from p, which the plain
// fetcher already got; images, fonts and media (when they are intercepted) refused; other
// documents (frames) let through.
func serve(ctx context.Context, paused iter.Seq2[cdpfetch.EventRequestPaused, error], p *watcher.Page) {
	served := false
	for ev, err := range paused {
		if err != nil {
			return
		}
		switch {
		case ev.ResourceType == network.ResourceTypeDocument && !served:
			// The tab's first document is the navigation to p.URL.
			served = true
			hdr := []*cdpfetch.HeaderEntry{{Name: "Content-Type", Value: p.ContentType}}
			if p.ContentType == "" {
				hdr[0].Value = "text/html"
			}
			chromedp.Call(ctx, cdpfetch.FulfillRequest, cdpfetch.FulfillRequestParams{
				RequestID: ev.RequestID, ResponseCode: http.StatusOK, ResponseHeaders: hdr, Body: p.Body})
		case ev.ResourceType == network.ResourceTypeDocument:
			chromedp.Call(ctx, cdpfetch.ContinueRequest, cdpfetch.ContinueRequestParams{RequestID: ev.RequestID})
		default:
			chromedp.Call(ctx, cdpfetch.FailRequest, cdpfetch.FailRequestParams{
				RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}
}

// describe says why a page failed: the budget, the browser, or the page.
func (b *Browser) describe(ctx, lctx context.Context, err error, src watcher.Source) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(lctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		cond := src.Wait
		if cond == "" {
			cond = WaitLoad
		}
		return fmt.Errorf("the page did not render within %s (wait: %s)", b.opt.Timeout, cond)
	}
	return err
}
