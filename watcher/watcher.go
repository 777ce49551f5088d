// Package watcher is the domain of hanoiwatch: sources, checks, snapshots and events, and
// the pipeline that turns one fetch of a source into a recorded check and its events.
// It declares the small interfaces it consumes (Fetcher, Store, Extractor); its
// sub-packages implement them.
package watcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
)

// Source is one watched article.
type Source struct {
	Name     string
	URL      string
	Lang     string // language of the page, "" to take it from the page
	Reports  string // date the article reports (YYYY-MM-DD or YYYY-MM), "" if unknown
	Schedule string // cron spec; "" for the default
	Selector string // CSS selector for the article body, "" for automatic extraction
	Ignore   []*regexp.Regexp
	Origin   string // where it was declared: "seed", "config", "added" or "discovered"
	Kind     Kind
	Robots   *bool // honour robots.txt; nil for the fetcher's default
	// Render is how the page is loaded: "" with a plain HTTP request, RenderBrowser in
	// headless Chromium for pages that write their article with JavaScript.
	Render string
	// Wait is when a rendered page is read: "load" (""), "networkidle", or a CSS selector
	// that must match.
	Wait string
	// Screenshot asks for an image of every rendered version that makes a snapshot.
	Screenshot bool
	// OnMove is what a move of the article does (see State.MovedTo): "" or OnMoveKeep
	// keeps fetching URL and following its redirect, OnMoveAdopt fetches the new URL from
	// the next check on.
	OnMove string
}

// What a move of the article does, as Source.OnMove.
const (
	OnMoveKeep  = "keep"
	OnMoveAdopt = "adopt"
)

// RenderBrowser is the Source.Render of a page loaded in a browser.
const RenderBrowser = "browser"

// Kind is what a source is: a news article, or another kind of page the pipeline reads
// in its own way.
type Kind string

// Kinds of sources.
const (
	KindArticle      Kind = ""              // a news article
	KindTreatyStatus Kind = "treaty-status" // the UN depositary's status of the Convention
)

// SourceStatus is where a source stands after its latest check.
type SourceStatus string

// Source statuses. A state never written reads as StatusNew.
const (
	StatusNew     SourceStatus = ""
	StatusOK      SourceStatus = "ok"      // the latest check confirmed the article
	StatusGone    SourceStatus = "gone"    // 404, 410 or redirected away
	StatusFailing SourceStatus = "failing" // the latest checks failed (network, 5xx, blocked)
	StatusSuspect SourceStatus = "suspect" // the latest text looks like an error page: not taken yet
)

// Event types.
const (
	ArticleNew      = "article.new"
	ArticleChanged  = "article.changed"
	ArticleGone     = "article.gone"
	ArticleRestored = "article.restored"
	ArticleMoved    = "article.moved" // a redirect to another article URL, once per new URL
	FetchFailed     = "fetch.failed"
	CoverageFound   = "coverage.found"   // discovery found a new article about the topic
	ArticleArchived = "article.archived" // the Wayback Machine holds a copy of a new version
)

// Event is what hanoiwatch tells the world: printed by `check --json`, stored, and sent to
// webhooks. Its JSON form is documented in the README.
type Event struct {
	ID       string           `json:"id"`
	Type     string           `json:"type"`
	Time     time.Time        `json:"time"`
	Source   EventSource      `json:"source"`
	Snapshot string           `json:"snapshot,omitempty"`
	Previous string           `json:"previous,omitempty"`
	Title    string           `json:"title,omitempty"`
	Diff     *diff.Result     `json:"diff,omitempty"`
	Figures  []figures.Change `json:"figures"`
	Status   int              `json:"status,omitempty"` // HTTP status, for gone and failed
	Error    string           `json:"error,omitempty"`
	// Detail carries what an event of another kind of source says (treaty.*: the
	// participant, the instrument, the counts; coverage.found: where and when).
	Detail json.RawMessage `json:"detail,omitempty"`
	// Capture names the response as served that the event stands on (see Capture): new,
	// changed, restored with a new text, gone.
	Capture *CaptureRef `json:"capture,omitempty"`
}

// EventSource names the source an event is about.
type EventSource struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Check results, as stored in a Check and shown by the CLI.
const (
	ResultNew         = "new"
	ResultChanged     = "changed"
	ResultUnchanged   = "unchanged"
	ResultNotModified = "not-modified"
	ResultSuspect     = "suspect"
	ResultGone        = "gone"
	ResultFailed      = "failed"
	ResultBlocked     = "blocked"  // a failure where the site refused us: 401, 403, 429, a 503 challenge page (bot challenges, access rules), a challenge page served with 2xx
	ResultNeedsScript = "needs-js" // a failure where the page is an application shell: no article text without JavaScript
)

// Check is the record of one check of a source.
type Check struct {
	Time     time.Time     `json:"time"`
	Status   int           `json:"status,omitempty"`
	Duration time.Duration `json:"duration"`
	Bytes    int           `json:"bytes,omitempty"`
	Result   string        `json:"result"`
	Snapshot string        `json:"snapshot,omitempty"`
	Error    string        `json:"error,omitempty"`
	// URL is where the request ended after redirects, when that is not the URL requested.
	URL string `json:"url,omitempty"`
	// A stored check stands for a run: Repeats more checks with the same result, status,
	// snapshot, error and URL followed it, the last at Last. Status, Duration and Bytes are the
	// first check's.
	Repeats int       `json:"repeats,omitempty"`
	Last    time.Time `json:"last,omitzero"`
}

// Snapshot describes one stored version of an article's text. The ID is the hash of the
// text, so identical texts share one stored copy.
type Snapshot struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Size    int       `json:"size"`
	Title   string    `json:"title,omitempty"`
	Date    string    `json:"date,omitempty"`
	Author  string    `json:"author,omitempty"`
	Lang    string    `json:"lang,omitempty"`
	Added   int       `json:"added"`
	Removed int       `json:"removed"`
}

// State is what the pipeline remembers of a source between checks.
type State struct {
	ETag         string       `json:"etag,omitempty"`
	LastModified string       `json:"last_modified,omitempty"`
	BodyHash     string       `json:"body_hash,omitempty"`
	Snapshot     string       `json:"snapshot,omitempty"` // latest snapshot id
	Lang         string       `json:"lang,omitempty"`
	Status       SourceStatus `json:"status,omitempty"`
	Result       string       `json:"result,omitempty"` // why a failing source fails: its last result (failed, blocked, needs-js); "" when not failing
	// MovedTo is the article's new URL since a redirect moved it (see Watcher.Check):
	// article.moved was sent for it, and a source that adopts moves is fetched there.
	MovedTo    string    `json:"moved_to,omitempty"`
	Failures   int       `json:"failures,omitempty"`
	Alerted    bool      `json:"alerted,omitempty"` // a fetch.failed was sent for the current failure streak
	Suspects   int       `json:"suspects,omitempty"`
	LastCheck  time.Time `json:"last_check"`
	LastChange time.Time `json:"last_change"`
	LastError  string    `json:"last_error,omitempty"`
	RetryAt    time.Time `json:"retry_at,omitzero"` // a failing source is not checked on schedule before this
	// Regions and Fingerprint are the extractor's fast path (see Fingerprinter): where the
	// article lay in the page, and the hash of those regions' text when it was last extracted.
	Regions     json.RawMessage `json:"regions,omitempty"`
	Fingerprint string          `json:"fingerprint,omitempty"`
	FastChecks  int             `json:"fast_checks,omitempty"` // fast-path verdicts since the last full extraction
	FullAt      time.Time       `json:"full_at,omitzero"`      // the last full extraction
}

// SnapshotID returns the content address of an article text.
func SnapshotID(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:8])
}

// Page is one HTTP response, as the pipeline needs it.
type Page struct {
	URL          string // final URL after redirects
	Status       int
	ContentType  string
	Body         []byte
	ETag         string
	LastModified string
	RetryAfter   time.Duration // from a Retry-After header, 0 when absent
	Duration     time.Duration
	// Exchanges are the requests and response heads of the fetch as sent and served,
	// redirects first; nil from a fetcher that does not record them.
	Exchanges []Exchange
	// Shoot takes a JPEG of the whole page as rendered, for a source that asks for
	// screenshots; nil otherwise. The pipeline calls it only for a version that makes a
	// snapshot, at most once, before Release.
	Shoot func() ([]byte, error)
	// Release frees what the fetcher holds for Shoot (a browser tab); nil when it holds
	// nothing. Whoever gets a Page with a Release must call it, once.
	Release func()
	// Served is the body as the site served it when Body is not (a page rendered in a
	// browser, whose Body is its DOM); nil when Body is.
	Served []byte
}

// Validators are the conditional-request headers of the last response.
type Validators struct {
	ETag, LastModified string
}

// Fetcher fetches a source's page. A non-nil error means no usable HTTP answer (network,
// timeout, body too large); HTTP error statuses come back as a Page.
type Fetcher interface {
	Fetch(ctx context.Context, src Source, v Validators) (*Page, error)
}

// Article is the extracted text of a page with its metadata.
type Article struct {
	Text   string // canonical text: title, lead, paragraphs; one per line
	Title  string
	Date   string
	Author string
	Lang   string
	// Regions is where the article lies in the page, for the Fingerprinter; nil if unknown.
	Regions json.RawMessage
}

// Extractor turns a page into its article.
type Extractor interface {
	Extract(p *Page, src Source) (Article, error)
}

// Fingerprinter is an Extractor's fast path. Boilerplate changes on every fetch, so the
// body's hash always changes; but the article lies in a few regions of the page, and when
// the text of those regions is what it was at the last full extraction, so is the article.
// Fingerprint hashes those regions (named by Article.Regions) without building a tree; false
// means the regions are gone or moved, and the page must be extracted in full.
type Fingerprinter interface {
	Fingerprint(p *Page, regions json.RawMessage) (string, bool)
}

// Interpreter turns a change of a source of its kind into that kind's own events: for
// the treaty record, who signed or ratified rather than which lines changed. It gets the
// article.new or article.changed event the pipeline would emit and returns the events to
// emit instead (none: the change is recorded silently).
type Interpreter interface {
	Interpret(src Source, previous, current string, ev Event) ([]Event, error)
}

// EventID is the stable id of an event: the same inputs always give the same id, so that
// receivers can drop duplicates after a redelivery.
func EventID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:12])
}

// Record is everything one check writes, stored in one transaction so that a crash keeps
// all of it or none: a notification can never be lost between the snapshot that caused it
// and its delivery.
type Record struct {
	Source     string
	Check      Check
	State      State
	Snapshot   *Snapshot // nil when no new snapshot
	Text       string    // the snapshot's text
	Capture    *Capture  // the response as served, for a new snapshot or article.gone; else nil
	Screenshot []byte    // a JPEG of the page that made Snapshot; nil when none was taken
	// Figures is the source's figures followed onto Snapshot; nil when the check stored
	// no snapshot or the source is no news article.
	Figures    *figures.Track
	Archive    []ArchiveJob // new versions' URLs owed to the Wayback Machine
	Events     []Event
	Deliveries []Delivery // the events owed to notification endpoints
}

// Delivery is one event owed to one notification endpoint, kept in the outbox until the
// endpoint accepts it or the attempts run out.
type Delivery struct {
	ID          string        `json:"id"` // event id + "@" + endpoint
	Endpoint    string        `json:"endpoint"`
	Event       Event         `json:"event"`
	Created     time.Time     `json:"created"`
	Attempts    int           `json:"attempts"`
	NextAttempt time.Time     `json:"next_attempt"`
	LastError   string        `json:"last_error,omitempty"`
	State       DeliveryState `json:"state"`
}

// DeliveryState is where a delivery stands. A delivery the endpoint accepted is removed
// from the outbox, so there is no "delivered" state.
type DeliveryState string

// Delivery states.
const (
	// DeliveryPending waits in its endpoint's queue for its first or next attempt.
	DeliveryPending DeliveryState = "pending"
	// DeliveryDead is in the dead-letter list: refused, out of attempts, or owed to an
	// endpoint that is gone; it stays there until re-queued by hand.
	DeliveryDead DeliveryState = "dead"
)

// EndpointGone marks an endpoint that answered "410 Gone": the receiver said it no longer
// exists, so nothing more is sent to it until a delivery of its queue is re-queued by hand.
type EndpointGone struct {
	Since  time.Time `json:"since"`
	Reason string    `json:"reason"`
}

// QueueStats is the state of one endpoint's part of the outbox.
type QueueStats struct {
	Endpoint string
	Pending  int
	Dead     int
	// Head is when the head of the pending queue was created, zero when nothing is
	// pending. Queues are in event order, so it is the oldest pending delivery, but for
	// one re-queued by hand, which goes to the end with its first creation time.
	Head time.Time
}

// Deliveries are the deliveries an event owes to the endpoints r routes it to, due at
// once: what a check or a discovery run writes to the outbox in the transaction that
// records the event. A nil r (no endpoint configured) routes nowhere.
func Deliveries(r Router, e Event) []Delivery {
	if r == nil {
		return nil
	}
	var out []Delivery
	for _, ep := range r.Route(e) {
		out = append(out, Delivery{ID: e.ID + "@" + ep, Endpoint: ep, Event: e, Created: e.Time,
			NextAttempt: e.Time, State: DeliveryPending})
	}
	return out
}

// Router names the notification endpoints that want an event.
type Router interface {
	Route(e Event) []string
}

// Store keeps states, snapshots, checks and events.
type Store interface {
	State(source string) (State, error)
	Text(source, snapshot string) (string, error)
	// Figures is the source's figures followed through its snapshots so far; the zero
	// Track when none is recorded.
	Figures(source string) (figures.Track, error)
	Record(r Record) error
}

// ErrNotFound is returned by stores for an unknown source, snapshot or event.
var ErrNotFound = errors.New("not found")
