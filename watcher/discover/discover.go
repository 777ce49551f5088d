// Package discover finds new coverage of the topic on the watched sites: it reads RSS and
// Atom feeds and crawls listing pages (sections, tags, search results) within their host,
// politely and on a page budget, and returns the linked articles whose title or text
// matches the topic, each once, under its canonical URL.
//
// It fetches with its own colly collector, configured as the fetcher's (User-Agent, per-host
// parallelism and delay, timeouts, body cap, redirect limit), and honours robots.txt. It
// only reports: turning an article into a watched source, and telling whether it is new, is
// the caller's work.
package discover

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html/charset"

	"hanoiwatch/watcher/fetch"
)

// Kinds of job.
const (
	KindFeed    = "feed"    // an RSS, Atom or JSON feed
	KindListing = "listing" // an HTML page listing articles
)

// Defaults of a job's crawl.
const (
	DefaultDepth    = 1
	DefaultMaxPages = 20
)

// Job is one place to look for coverage. A job stays on its site: the host of URL, with
// or without "www.", "m." or "amp."; links elsewhere are never fetched nor reported.
type Job struct {
	Name string
	URL  string
	Kind string // KindFeed or KindListing
	// Depth is how many links away from URL a listing job may go: 1 (the default) reads
	// URL and fetches the matching articles it links to; 2 also reads the other pages of
	// the site URL links to (next pages, sub-sections) as listings, and so on.
	// Feed jobs ignore it.
	Depth int
	// MaxPages is the number of requests one run may make, the job's page included and
	// robots.txt excluded (default 20). A feed job spends what is left after the feed on
	// checking the text of articles whose title and description do not match; 1 turns
	// that off.
	MaxPages int
	Schedule string // cron spec; "" for the caller's default
	Disabled bool   // kept in the list but not scheduled; Run still runs it when asked
}

// Found is a matching article.
type Found struct {
	URL       string    // canonical: the page's own rel=canonical when it has a usable one
	Title     string    // the feed item's title, or the page's
	Published time.Time // UTC; zero when neither the feed nor the page dates it
	Job       string    // the job's name
	FoundAt   string    // the feed or listing page that links to it
	Lang      string    // primary language subtag ("vi", "fr", "en"), "" if unknown
	Keyword   string    // the keyword that matched, to show why it was taken
}

// Options configure a Discoverer. Give it the fetcher's values: the same sites get the
// same politeness.
type Options struct {
	UserAgent    string
	Timeout      time.Duration // per request, headers and body (default 30s)
	MaxBody      int64         // bytes; a larger page is skipped, never read whole (default 10 MiB)
	PerHost      int           // parallel requests per host (default 2)
	Delay        time.Duration // pause after each request to a host
	MaxRedirects int           // default 5
	Logger       *slog.Logger  // skipped pages are logged at debug level; nil discards
	Now          func() time.Time
}

// seenTTL is how long what an article page said is remembered between runs: feeds repeat
// their items for days, and a page checked this morning need not be fetched again every
// hour. A page edited to mention the topic is noticed within a day.
const seenTTL = 24 * time.Hour

// Errors of Run and of the pages it skips.
var (
	ErrTooLarge = errors.New("body too large")
	ErrOffSite  = errors.New("outside the job's site")
	errBudget   = errors.New("page budget spent")
)

// Discoverer runs discovery jobs. Safe for concurrent use: jobs may run at the same time,
// and share the per-host limits, the robots.txt cache and the memory of article pages.
type Discoverer struct {
	opt   Options
	topic *Topic
	log   *slog.Logger
	now   func() time.Time

	limit  *fetch.Limiter // per-host politeness, as for the fetcher
	mu     sync.Mutex
	robots map[string]robotsEntry // by scheme://host
	seen   map[string]seenPage    // by canonical link
}

// seenPage is what fetching a link taught, until expires.
type seenPage struct {
	p       *page
	expires time.Time
}

// New returns a Discoverer looking for the topic.
func New(opt Options, topic *Topic) (*Discoverer, error) {
	if topic == nil || len(prepare(topic.Keywords)) == 0 {
		return nil, errors.New("discover: no keywords")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 10 << 20
	}
	if opt.PerHost <= 0 {
		opt.PerHost = 2
	}
	if opt.MaxRedirects <= 0 {
		opt.MaxRedirects = 5
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "hanoiwatch"
	}
	d := &Discoverer{opt: opt, topic: topic, log: opt.Logger, now: opt.Now,
		robots: map[string]robotsEntry{}, seen: map[string]seenPage{}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	if len(topic.forms) == 0 {
		d.topic = NewTopic(topic.Keywords)
	}
	build := func() *colly.Collector {
		c := colly.NewCollector(
			colly.UserAgent(opt.UserAgent),
			colly.AllowURLRevisit(), // runs repeat; Run keeps its own record of what it fetched
			colly.IgnoreRobotsTxt(), // see allowed
			// One byte over the cap tells a body at the cap from one beyond it.
			colly.MaxBodySize(int(opt.MaxBody)+1),
			colly.ParseHTTPErrorResponse(),
		)
		c.WithTransport(&http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: min(10*time.Second, opt.Timeout), KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   min(10*time.Second, opt.Timeout),
			ResponseHeaderTimeout: opt.Timeout,
			MaxIdleConnsPerHost:   opt.PerHost,
			IdleConnTimeout:       90 * time.Second,
		})
		c.SetRequestTimeout(opt.Timeout)
		c.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
			if len(via) > opt.MaxRedirects {
				return fmt.Errorf("more than %d redirects", opt.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
			}
			// Every request is for the job's site: a redirect may not take it elsewhere.
			if site(Canonical(req.URL.String())) != site(Canonical(via[0].URL.String())) {
				return fmt.Errorf("redirect to %s: %w", req.URL.Host, ErrOffSite)
			}
			return nil
		})
		return c
	}
	d.limit = fetch.NewLimiter(build, opt.PerHost, opt.Delay)
	return d, nil
}

// Run runs the job once and returns the matching articles it links to, sorted by URL. An
// error means the job's own feed or page could not be had; articles that cannot be fetched
// are skipped (and logged).
func (d *Discoverer) Run(ctx context.Context, job Job) ([]Found, error) {
	job = job.withDefaults()
	if err := job.Validate(); err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	d.prune()
	r := &run{d: d, job: job, site: site(Canonical(job.URL)), left: job.MaxPages,
		found: map[string]Found{}, tried: map[string]bool{}}
	var err error
	if job.Kind == KindFeed {
		err = r.feed(ctx)
	} else {
		err = r.listing(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("discover: %s: %w", job.Name, err)
	}
	out := make([]Found, 0, len(r.found))
	for _, f := range r.found {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Found) int { return strings.Compare(a.URL, b.URL) })
	return out, nil
}

// run is the state of one Run.
type run struct {
	d     *Discoverer
	job   Job
	site  string
	left  int              // requests left in the budget
	found map[string]Found // by canonical URL
	tried map[string]bool  // links fetched (or refused) in this run
}

// add keeps the first sighting of an article: the order of a run is deterministic, so the
// second run of an unchanged site gives the same FoundAt.
func (r *run) add(f Found) {
	if _, ok := r.found[f.URL]; !ok {
		r.found[f.URL] = f
	}
}

// fetch gets a page of the job's site, within the budget and robots.txt.
func (r *run) fetch(ctx context.Context, link, accept string) (*response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if site(Canonical(link)) != r.site {
		return nil, fmt.Errorf("GET %s: %w", link, ErrOffSite)
	}
	if r.left <= 0 {
		return nil, fmt.Errorf("GET %s: %w", link, errBudget)
	}
	u, err := url.Parse(link)
	if err != nil {
		return nil, err
	}
	if err := r.d.allowed(ctx, u); err != nil {
		return nil, fmt.Errorf("GET %s: %w", link, err)
	}
	r.left--
	resp, err := r.d.get(ctx, link, accept)
	if err != nil {
		return nil, err
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, fmt.Errorf("GET %s: status %d", link, resp.status)
	}
	return resp, nil
}

// article returns what the linked page says of itself, fetching it at most once per run
// and per seenTTL; nil when it could not be had.
func (r *run) article(ctx context.Context, link string) *page {
	if p, ok := r.d.remembered(link); ok {
		return p
	}
	if r.tried[link] {
		return nil
	}
	r.tried[link] = true
	resp, err := r.fetch(ctx, link, acceptHTML)
	if err != nil {
		r.d.log.Debug("discover: article skipped", "job", r.job.Name, "url", link, "err", err)
		return nil
	}
	p := parsePage(resp, link)
	if site(p.url) != r.site {
		p.url = link // an off-site rel=canonical would make it another site's source
	}
	r.d.remember(link, p)
	r.d.remember(p.url, p) // a later link to the canonical URL itself needs no fetch
	return p
}

func (d *Discoverer) remembered(link string) (*page, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.seen[link]
	if !ok || !d.now().Before(s.expires) {
		return nil, false
	}
	return s.p, true
}

func (d *Discoverer) remember(link string, p *page) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen[link] = seenPage{p: p, expires: d.now().Add(seenTTL)}
}

// prune forgets expired pages, so that a daemon's memory follows the sites' recent
// output, not its uptime.
func (d *Discoverer) prune() {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for k, s := range d.seen {
		if !now.Before(s.expires) {
			delete(d.seen, k)
		}
	}
}

const (
	acceptHTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
	acceptFeed = "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
)

// response is one HTTP answer.
type response struct {
	url    string // final URL, after redirects
	status int
	ctype  string
	body   []byte
}

// get makes one request through the shared collector: its clone carries this request's
// context and callbacks, and shares the backend, so the per-host limits hold across jobs.
func (d *Discoverer) get(ctx context.Context, link, accept string) (*response, error) {
	base, err := d.limit.Collector(link)
	if err != nil {
		return nil, err
	}
	c := base.Clone()
	c.Context = ctx
	var (
		resp  *response
		ctype string
	)
	c.OnResponseHeaders(func(r *colly.Response) {
		// Decoding is done here, where the page's own charset can be trusted over a wrong
		// header: hide the header from colly's converter so the bytes arrive untouched.
		ctype = r.Headers.Get("Content-Type")
		r.Headers.Del("Content-Type")
	})
	c.OnResponse(func(r *colly.Response) {
		resp = &response{url: r.Request.URL.String(), status: r.StatusCode, body: r.Body}
	})
	hdr := http.Header{}
	hdr.Set("Accept", accept)
	if err := c.Request(http.MethodGet, link, nil, nil, hdr); err != nil {
		return nil, describe(link, err, d.opt.Timeout)
	}
	if resp == nil {
		return nil, fmt.Errorf("GET %s: no response", link)
	}
	if int64(len(resp.body)) > d.opt.MaxBody {
		return nil, fmt.Errorf("GET %s: %w: more than %d bytes", link, ErrTooLarge, d.opt.MaxBody)
	}
	resp.ctype = ctype
	return resp, nil
}

// describe turns transport errors into messages that say what happened to whom.
func describe(link string, err error, timeout time.Duration) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("GET %s: %w", link, context.Canceled)
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("GET %s: timed out after %s", link, timeout)
	}
	return fmt.Errorf("GET %s: %w", link, err)
}

// utf8Body returns the page as UTF-8. Valid UTF-8 is taken as it is, whatever the label
// says: Vietnamese sites are UTF-8, and a wrong header label is commoner than a page that
// happens to be valid UTF-8 in another charset.
func utf8Body(body []byte, ctype string) []byte {
	if utf8.Valid(body) {
		return body
	}
	r, err := charset.NewReader(bytes.NewReader(body), ctype)
	if err != nil {
		return body
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return body
	}
	return out
}
