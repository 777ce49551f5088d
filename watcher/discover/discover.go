// Package discover finds new coverage of the topic on the watched sites: it reads RSS and
// Atom feeds and crawls listing pages (sections, tags, search results) within their host,
// politely and on a page budget, and returns the linked articles whose title or text
// matches the topic, each once, under its canonical URL.
//
// It fetches through the process's fetcher, the one the checks use: a site gets one
// per-host budget, one robots.txt policy, one body cap and one address rule, whether a
// check or a discovery job asks. It only reports: turning an article into a watched
// source, and telling whether it is new, is the caller's work.
package discover

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hanoiwatch/watcher"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
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
	// robots.txt excluded (default 20; robots.txt counts against the site's limits, as
	// the fetcher's). A feed job spends what is left after the feed on
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

// Fetcher is what discovery needs of the process's fetcher (cmd wires watcher/fetch's).
type Fetcher interface {
	// Allowed says whether the site's robots.txt lets the URL be fetched: nil, or why not.
	Allowed(ctx context.Context, rawURL string) error
	// Get fetches rawURL asking for accept; redirect vets each redirect's target besides
	// the fetcher's own rules.
	Get(ctx context.Context, rawURL, accept string, redirect func(to *url.URL) error) (*watcher.Page, error)
}

// Options configure a Discoverer.
type Options struct {
	// Fetcher makes every request, robots.txt included: give it the checks' fetcher, so
	// that the same sites get the same politeness. Required.
	Fetcher Fetcher
	Logger  *slog.Logger // skipped pages are logged at debug level; nil discards
	Now     func() time.Time
}

// seenTTL is how long what an article page said is remembered between runs: feeds repeat
// their items for days, and a page checked this morning need not be fetched again every
// hour. A page edited to mention the topic is noticed within a day.
const seenTTL = 24 * time.Hour

// Errors of Run and of the pages it skips.
var (
	ErrOffSite = errors.New("outside the job's site")
	errBudget  = errors.New("page budget spent")
)

// Discoverer runs discovery jobs. Safe for concurrent use: jobs may run at the same time,
// and share the fetcher (its per-host limits and robots.txt cache) and the memory of
// article pages.
type Discoverer struct {
	f     Fetcher
	topic *Topic
	log   *slog.Logger
	now   func() time.Time

	mu   sync.Mutex
	seen map[string]seenPage // by canonical link
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
	if opt.Fetcher == nil {
		return nil, errors.New("discover: no fetcher")
	}
	d := &Discoverer{f: opt.Fetcher, topic: topic, log: opt.Logger, now: opt.Now, seen: map[string]seenPage{}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	if len(topic.forms) == 0 {
		d.topic = NewTopic(topic.Keywords)
	}
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
	if err := r.d.f.Allowed(ctx, link); err != nil {
		return nil, fmt.Errorf("GET %s: %w", link, err)
	}
	r.left--
	resp, err := r.get(ctx, u, accept)
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

// get makes one request for the run, robots.txt already consulted. Every request is for
// the job's site: a redirect may not take it elsewhere.
func (r *run) get(ctx context.Context, u *url.URL, accept string) (*response, error) {
	p, err := r.d.f.Get(ctx, u.String(), accept, func(to *url.URL) error {
		if site(Canonical(to.String())) != r.site {
			return fmt.Errorf("redirect to %s: %w", to.Host, ErrOffSite)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &response{url: p.URL, status: p.Status, ctype: p.ContentType, body: p.Body}, nil
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
