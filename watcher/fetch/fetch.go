// Package fetch gets pages with gocolly/colly for the whole process: the checks of watched
// articles and discovery's feeds and listings go through one Fetcher, so that a site gets
// one per-host budget (parallel requests and delay), one User-Agent, one body cap and one
// robots.txt policy, whoever asks. It also keeps fetches from being steered into the
// operator's own network (see guard.go), follows redirects within limits and records them,
// decompresses gzip in front of the cap, and sends conditional requests.
package fetch

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"

	"hanoiwatch/watcher"
)

// Options configure a Fetcher.
type Options struct {
	UserAgent    string
	Timeout      time.Duration // whole request, headers and body
	MaxBody      int64         // bytes; a larger body is an error, never read whole
	PerHost      int           // parallel requests per host
	Delay        time.Duration // pause after each request to a host
	MaxRedirects int           // redirects followed; 0 for the default (5), negative for none
	Robots       bool          // Fetch honours robots.txt (Source.Robots overrides it)
	// RobotsCache keeps robots.txt answers between processes, so that a `check` run from
	// cron does not ask every site again; nil keeps them in memory only.
	RobotsCache RobotsCache
	// AllowPrivate lets every fetch connect to private, loopback, link-local and reserved
	// addresses. Without it only a URL written with such an address (or "localhost") may,
	// and only to that host: see guard.go.
	AllowPrivate bool
	Resolver     Resolver                                                          // nil: net.DefaultResolver
	Dial         func(ctx context.Context, network, addr string) (net.Conn, error) // nil: a net.Dialer; gets resolved addresses
	Proxy        func(*http.Request) (*url.URL, error)                             // nil: http.ProxyFromEnvironment
	Now          func() time.Time                                                  // robots.txt expiry; nil: time.Now
	Logger       *slog.Logger                                                      // robots cache failures; nil discards
	// Gate, when set, holds PerHost and Delay for all the processes that share the
	// database (see watcher/cluster): each request waits for one of the host's slots and
	// for its turn there. A loopback host keeps its own limits (LoopbackParallelism, no
	// delay), for all the processes together: the same host gets the same politeness
	// whichever driver keeps the data. The fetcher's own limit on this process's requests
	// stays, without its delay, which the gate spaces across the processes.
	Gate Gate
}

// Gate bounds the requests to one host made by several processes together; see
// watcher/cluster.
type Gate interface {
	Host(ctx context.Context, host string, perHost int, delay time.Duration) (release func(), err error)
}

// Fetcher gets pages for every part of the process: one colly collector per host, so that
// the host's limits hold across sources, discovery jobs and robots.txt.
type Fetcher struct {
	opt     Options
	proxies sync.Map // see guard.proxy

	mu    sync.Mutex
	hosts map[string]*colly.Collector // by URL host (name and port)

	robotsMu sync.Mutex
	robots   map[string]*robotsEntry // by origin (scheme://host)
}

// Request is one GET.
type Request struct {
	URL        string
	Accept     string
	Validators watcher.Validators // sent back so that an unchanged page costs a 304
	Robots     bool               // honour the site's robots.txt
	// Redirect vets each redirect's target besides the fetcher's own rules (limit,
	// scheme, addresses); nil accepts what those accept.
	Redirect func(to *url.URL) error
}

// LoopbackParallelism is the number of parallel requests to a loopback host.
const LoopbackParallelism = 8

// ErrTooLarge means the body exceeded Options.MaxBody.
var ErrTooLarge = errors.New("body too large")

// acceptHTML asks for an article page.
const acceptHTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"

// New returns a Fetcher.
func New(opt Options) (*Fetcher, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 10 << 20
	}
	if opt.PerHost <= 0 {
		opt.PerHost = 2
	}
	if opt.MaxRedirects == 0 {
		opt.MaxRedirects = 5
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "hanoiwatch"
	}
	if opt.Resolver == nil {
		opt.Resolver = net.DefaultResolver
	}
	if opt.Dial == nil {
		opt.Dial = (&net.Dialer{Timeout: min(10*time.Second, opt.Timeout), KeepAlive: 30 * time.Second}).DialContext
	}
	if opt.Proxy == nil {
		opt.Proxy = http.ProxyFromEnvironment
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Fetcher{opt: opt, hosts: map[string]*colly.Collector{}, robots: map[string]*robotsEntry{}}, nil
}

// Fetch gets the source's page, sending the validators of the last answer so that an
// unchanged page costs a 304 and no download.
func (f *Fetcher) Fetch(ctx context.Context, src watcher.Source, v watcher.Validators) (*watcher.Page, error) {
	robots := f.opt.Robots
	if src.Robots != nil {
		robots = *src.Robots
	}
	return f.Get(ctx, Request{URL: src.URL, Accept: acceptHTML, Validators: v, Robots: robots})
}

// Get makes one request. A non-nil error means no usable answer (network, timeout, body
// too large, refused by robots.txt or by the address rules); HTTP error statuses come back
// as a Page.
func (f *Fetcher) Get(ctx context.Context, r Request) (*watcher.Page, error) {
	if r.Robots {
		if err := f.Allowed(ctx, r.URL); err != nil {
			return nil, fmt.Errorf("GET %s: %w", r.URL, err)
		}
	}
	return f.get(ctx, r)
}

// get makes the request, robots.txt aside.
func (f *Fetcher) get(ctx context.Context, r Request) (*watcher.Page, error) {
	base, host, err := f.collector(r.URL)
	if err != nil {
		return nil, err
	}
	if f.opt.Gate != nil {
		parallel, delay := f.limits(host)
		release, err := f.opt.Gate.Host(ctx, host, parallel, delay)
		if err != nil {
			return nil, fmt.Errorf("GET %s: waiting for the host's turn: %w", r.URL, err)
		}
		defer release()
	}
	fl := &inflight{vet: r.Redirect}
	c := base.Clone() // shares the host's backend and limit; carries this fetch's context and callbacks
	c.Context = context.WithValue(ctx, inflightKey{}, fl)
	var (
		page *watcher.Page
		ct   string
	)
	c.OnResponseHeaders(func(r *colly.Response) {
		// Charsets are decoded by the extractor, which trusts valid UTF-8 over a wrong
		// label; hide the label from colly's own converter so the bytes arrive untouched.
		ct = r.Headers.Get("Content-Type")
		r.Headers.Del("Content-Type")
	})
	c.OnResponse(func(r *colly.Response) {
		page = &watcher.Page{
			URL:          r.Request.URL.String(),
			Status:       r.StatusCode,
			ContentType:  ct,
			Body:         r.Body,
			ETag:         r.Headers.Get("ETag"),
			LastModified: r.Headers.Get("Last-Modified"),
			RetryAfter:   retryAfter(r.Headers.Get("Retry-After"), time.Now()),
		}
	})
	hdr := http.Header{}
	hdr.Set("Accept", r.Accept)
	// Asked for here rather than by net/http, so that the request headers recorded are
	// those sent; capped decodes the answer.
	hdr.Set("Accept-Encoding", "gzip")
	if r.Validators.ETag != "" {
		hdr.Set("If-None-Match", r.Validators.ETag)
	}
	if r.Validators.LastModified != "" {
		hdr.Set("If-Modified-Since", r.Validators.LastModified)
	}
	start := time.Now()
	err = c.Request(http.MethodGet, r.URL, nil, nil, hdr)
	// Freeing this fetch's slot woke the next fetch to the host, queued behind this
	// goroutine: let it send its request before this page is processed, so that the host
	// is not left waiting (on 1 000 pages from a local server, 0.46 -> 0.43 s of wall time).
	runtime.Gosched()
	if err != nil {
		return nil, describe(r.URL, err, f.opt)
	}
	if page == nil {
		return nil, fmt.Errorf("GET %s: no response", r.URL)
	}
	page.Duration = time.Since(start)
	page.Exchanges = fl.exchanges
	if int64(len(page.Body)) > f.opt.MaxBody {
		return nil, fmt.Errorf("GET %s: %w: more than %d bytes", r.URL, ErrTooLarge, f.opt.MaxBody)
	}
	return page, nil
}

// inflight is what the transport and the redirect handler, shared by all fetches to a
// host, need of one fetch: it rides in the request's context. The hops of one fetch follow
// one another, so it needs no lock.
type inflight struct {
	vet       func(*url.URL) error
	exchanges []watcher.Exchange // as sent and served (see watcher.Exchange), for the page's capture
}

type inflightKey struct{}

// collector returns the URL's host's collector, made on first use. A colly rule's
// parallelism holds for all the hosts its pattern matches together, so a single "*" rule
// would be one global limit; and adding a rule to a collector while it fetches is a data
// race in colly. A collector per host, its rule set before its first request, is a
// per-host limit without either problem; its transport applies that host's address rule.
//
// Politeness is owed to other people's servers. A loopback host is the operator's own (a
// mirror, a test or benchmark server): it gets LoopbackParallelism and no delay. With a
// Gate, the gate spaces the requests and the collector has no delay of its own.
// It returns the collector and the host (name and port) it serves.
func (f *Fetcher) collector(rawURL string) (*colly.Collector, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("bad URL %q", rawURL)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.hosts[u.Host]; c != nil {
		return c, u.Host, nil
	}
	rule := &colly.LimitRule{DomainGlob: "*"}
	rule.Parallelism, rule.Delay = f.limits(u.Host)
	if f.opt.Gate != nil {
		rule.Delay = 0
	}
	c := f.build(u.Hostname())
	if err := c.Limit(rule); err != nil {
		return nil, "", fmt.Errorf("limit %s: %w", u.Host, err)
	}
	f.hosts[u.Host] = c
	return c, u.Host, nil
}

// limits returns the requests to a host (host or host:port) that may be in flight at once,
// and the least time between two of their starts: PerHost and Delay, or for a loopback
// host LoopbackParallelism and none. With a Gate they hold for all the processes together.
func (f *Fetcher) limits(host string) (int, time.Duration) {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if ip := net.ParseIP(name); name == "localhost" || (ip != nil && ip.IsLoopback()) {
		return LoopbackParallelism, 0
	}
	return f.opt.PerHost, f.opt.Delay
}

// build makes the collector of the host own.
func (f *Fetcher) build(own string) *colly.Collector {
	opt := f.opt
	c := colly.NewCollector(
		colly.UserAgent(opt.UserAgent),
		colly.AllowURLRevisit(),
		// robots.txt is this package's business (Allowed): colly's own support fetches it
		// outside the host's limits, as often as fetches start at once, and keeps it forever.
		colly.IgnoreRobotsTxt(),
		// One byte over the cap tells a body at the cap from one beyond it.
		colly.MaxBodySize(int(opt.MaxBody)+1),
		colly.ParseHTTPErrorResponse(),
	)
	g := guard{policy: newPolicy(own, opt.AllowPrivate), resolver: opt.Resolver, dial: opt.Dial, proxies: &f.proxies}
	c.WithTransport(capped{max: opt.MaxBody + 1, rt: &http.Transport{
		Proxy:                 g.proxy(opt.Proxy),
		DialContext:           g.DialContext,
		TLSHandshakeTimeout:   min(10*time.Second, opt.Timeout),
		ResponseHeaderTimeout: opt.Timeout,
		// Each collector (and transport) serves one host, with at most this many
		// requests in flight; fewer idle connections would close and re-dial the rest.
		MaxIdleConnsPerHost: max(opt.PerHost, LoopbackParallelism),
		IdleConnTimeout:     90 * time.Second,
	}})
	c.SetRequestTimeout(opt.Timeout)
	c.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		// via holds the requests so far: following the n-th redirect, len(via) == n.
		if opt.MaxRedirects < 0 {
			return errors.New("redirected, and redirects are not followed (max_redirects: 0)")
		}
		if len(via) > opt.MaxRedirects {
			return fmt.Errorf("too many redirects (more than %d)", opt.MaxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
		}
		if fl, _ := req.Context().Value(inflightKey{}).(*inflight); fl != nil && fl.vet != nil {
			return fl.vet(req.URL)
		}
		return nil
	})
	return c
}

// capped is the transport under colly. It bounds every body, which colly does not:
//
//   - colly decompresses a body that says gzip in its Content-Encoding ("x-gzip" too) or
//     lies at a ".xml.gz" path *behind* its size cap, which then counts compressed bytes: a
//     hundred kilobytes of gzip can expand to gigabytes in memory. So gzip bodies are
//     decompressed here, in front of the cap, and every response is marked Uncompressed,
//     the one switch that keeps colly from decompressing again;
//   - colly reads robots.txt whole, with no cap at all: an endless robots.txt filled 13 GB
//     in a test. robots.txt gets maxRobots, what Google reads of one; other bodies max
//     (colly's own cap, which the page's error reports, is the same).
type capped struct {
	rt  http.RoundTripper
	max int64
}

// maxRobots is how much of a robots.txt is read; the rest is ignored, as Google does.
const maxRobots = 500 << 10

func (t capped) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := time.Now()
	res, err := t.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if fl, ok := req.Context().Value(inflightKey{}).(*inflight); ok {
		fl.exchanges = append(fl.exchanges, watcher.Exchange{Time: sent, Method: req.Method, URL: req.URL.String(),
			Request: req.Header.Clone(), Proto: res.Proto, Status: res.StatusCode, Header: res.Header.Clone()})
	}
	// net/http has already decoded a plain "gzip" it asked for (Uncompressed is then set).
	enc := strings.ToLower(strings.TrimSpace(res.Header.Get("Content-Encoding")))
	if !res.Uncompressed && (enc == "gzip" || enc == "x-gzip") {
		res.Body = &gzipBody{body: res.Body}
		res.Header.Del("Content-Encoding")
		res.Header.Del("Content-Length")
		res.ContentLength = -1
	}
	res.Uncompressed = true
	limit := t.max
	if req.URL.Path == "/robots.txt" {
		limit = min(limit, maxRobots)
	}
	res.Body = limitedBody{io.LimitReader(res.Body, limit), res.Body}
	return res, nil
}

// limitedBody reads at most a limit of a body and closes the body itself.
type limitedBody struct {
	io.Reader
	io.Closer
}

// gzipBody decompresses a body on first read, so that an empty one (a 304 labelled gzip) is
// empty rather than a broken gzip header.
type gzipBody struct {
	body io.ReadCloser
	z    *gzip.Reader
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.z == nil {
		z, err := gzip.NewReader(g.body)
		if err == io.EOF {
			return 0, io.EOF
		}
		if err != nil {
			return 0, fmt.Errorf("gzip body: %w", err)
		}
		g.z = z
	}
	return g.z.Read(p)
}

func (g *gzipBody) Close() error { return g.body.Close() }

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// describe turns transport errors into messages that say what happened to whom.
func describe(url string, err error, opt Options) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("GET %s: %w", url, context.Canceled)
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("GET %s: timed out after %s", url, opt.Timeout)
	case strings.Contains(err.Error(), "connection refused"):
		return fmt.Errorf("GET %s: connection refused", url)
	}
	return fmt.Errorf("GET %s: %w", url, err)
}
