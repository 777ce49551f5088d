// Package config loads and validates the hanoiwatch configuration file.
//
// The file is YAML and strict: an unknown key, a value of the wrong type or a
// value that does not make sense is an error that names the file, the line
// and the field (sources[2].url), so that a typo never silently falls back to
// a default. Parse starts from Default() and overlays what the file says;
// Validate then reports every remaining problem at once.
//
// "${NAME}" in any scalar value is replaced by the environment variable NAME,
// so that secrets need not be written into the file. Errors never print a
// substituted value: they show the "${NAME}" text the file contains instead.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Config is the whole configuration. It is a plain value: positions used for
// error messages travel in unexported fields and never need to be set by hand.
type Config struct {
	Storage  Storage
	Defaults Defaults
	HTTP     HTTP
	Log      Log
	// Sources are the articles the file asks to watch, in file order. Default()
	// has none: the caller falls back to the embedded seeds when it is empty.
	Sources []Source
	// Notify says where events are delivered; Default() has no endpoints.
	Notify Notify
	// Discovery finds new articles about the topic; Default() has it on, with the
	// embedded seeds' jobs and keywords.
	Discovery Discovery
	// Browser runs the headless Chromium that renders the sources with render: browser.
	Browser Browser
	// Archive says which third parties keep copies of new versions; Default() has none.
	Archive Archive
	// File is the path the configuration was parsed from, "" for Default(). It
	// prefixes error messages.
	File string

	pos *positions // lines of storage.* and defaults.* fields, keyed by field path
}

// Storage says where snapshots live and how long they are kept.
type Storage struct {
	// Driver is where the data is kept: "bbolt" (the default), one file that one daemon
	// holds, or "postgres", a PostgreSQL database that several daemons, the CLI and serve
	// share from any machine.
	Driver string
	// DSN is the PostgreSQL connection string of the postgres driver
	// ("postgres://user@host:5432/db"); write its password as "${NAME}".
	DSN string
	// Path of the bbolt database. "~" is expanded to $HOME, and a relative
	// path is taken relative to the directory of the configuration file, so
	// that the daemon finds the same database whatever its working directory.
	Path      string
	Retention Retention
}

// The storage drivers.
const (
	DriverBBolt    = "bbolt"
	DriverPostgres = "postgres"
)

// Retention bounds the number and age of the snapshots kept per source. The
// first and the latest snapshot of a source are always kept, whatever the
// limits, because every diff is anchored on them.
type Retention struct {
	MaxSnapshots int           // per source; 0 keeps all
	MaxAge       time.Duration // snapshots older than this are dropped; 0 keeps them forever
}

// Defaults are the fetch settings shared by every source.
type Defaults struct {
	Schedule     string        // cron spec or descriptor, see ParseSchedule
	UserAgent    string        // sent with every request; should say how to reach the operator
	Timeout      time.Duration // per request
	MaxBody      int64         // bytes; a longer body is an error, never read to its end
	PerHost      int           // parallel requests to one host
	Delay        time.Duration // minimum pause between two requests to one host
	MaxRedirects int           // 0 follows none
	SuspectAfter int           // checks in a row whose text collapsed before that is accepted as a change
	FailAfter    int           // consecutive fetch failures before a fetch.failed event
	BackoffMax   time.Duration // longest wait between checks of a failing source
	Robots       bool          // honour robots.txt
	// AllowPrivate lets every fetch (checks and discovery, redirects included) connect to
	// private, loopback, link-local and reserved addresses. Without it only a source or
	// job whose own URL is written with such an address (or "localhost") reaches it.
	AllowPrivate bool
	Render       string // how pages are loaded: "http" (a plain request) or "browser" (headless Chromium)
	// DiscoveredSchedule is the schedule of the articles discovery adds: they are young,
	// and change most in their first hours. See ParseSchedule.
	DiscoveredSchedule string
}

// What a move of the article does, as Source.OnMove.
const (
	OnMoveKeep  = "keep"
	OnMoveAdopt = "adopt"
)

// Render modes: how a source's page is loaded.
const (
	RenderHTTP    = "http"
	RenderBrowser = "browser"
)

// Wait conditions of a rendered page that are not CSS selectors.
const (
	WaitLoad        = "load"
	WaitNetworkIdle = "networkidle"
)

// Browser configures the headless Chromium that renders pages: one process for the
// daemon, started on the first rendered check.
type Browser struct {
	Path    string        // the executable; "" looks for chromium (and its other names) on PATH
	MaxTabs int           // pages rendered at once
	Timeout time.Duration // time budget of one page, from opening its tab to reading its DOM
}

// HTTP configures the daemon's HTTP server: probes, metrics and the JSON API.
type HTTP struct {
	// Listen is host:port; loopback by default, so that nothing is exposed unless asked.
	// "" or "off" disables the server.
	Listen string
	// Token is the bearer token the API's mutating routes require; without one they are
	// refused. Use "${HANOIWATCH_TOKEN}" rather than writing it in the file.
	Token string
}

// Log configures the daemon's structured log on stderr.
type Log struct {
	Level  string // debug, info, warn, error
	Format string // text or json
}

// Source is one watched article.
type Source struct {
	Name     string   // unique key in the store and in notifications
	URL      string   // absolute http(s) URL of the article
	Kind     string   // "" or "article" for a news article; "treaty-status" for the UN depositary record
	Lang     string   // BCP 47-ish language tag ("vi"), optional
	Reports  string   // the date the article reports, YYYY-MM-DD or YYYY-MM, optional
	Schedule string   // overrides Defaults.Schedule when not empty
	Selector string   // CSS selector of the article body; "" lets the extractor guess
	Ignore   []string // RE2 patterns whose matches are dropped before diffing
	// Robots overrides Defaults.Robots for this source when set: false fetches it whatever
	// the site's robots.txt says (a page you have permission to watch), true honours it.
	Robots *bool
	// Render overrides Defaults.Render when not empty.
	Render string
	// Wait is when a rendered page is read: "load" (the default), "networkidle", or a CSS
	// selector that must match.
	Wait string
	// Screenshot keeps an image of every rendered version that makes a snapshot.
	Screenshot bool
	// OnMove is what a redirect of the article to another article URL does, besides the
	// article.moved event: OnMoveKeep ("", the default) keeps fetching URL, OnMoveAdopt
	// fetches the new URL from then on.
	OnMove string
	// Line is where the source starts in the configuration file, 0 when it
	// did not come from a file (the embedded seeds).
	Line int

	pos *positions // lines of this source's fields, keyed by field name ("url", "ignore[1]")
}

// Notify configures the delivery of events to webhooks and chat or email
// channels. Only plain values live here: the notify package builds its
// router and senders from them, so that config imports nothing of the
// delivery code.
type Notify struct {
	Timeout   time.Duration // per delivery attempt
	Retry     Retry
	Endpoints []Endpoint // in file order, which is the order events are routed in
}

// Retry is the backoff policy of failed deliveries: exponential from
// InitialDelay, doubling up to MaxDelay, with jitter; after MaxAttempts
// attempts a delivery goes to the dead-letter list.
type Retry struct {
	InitialDelay time.Duration
	MaxDelay     time.Duration
	MaxAttempts  int
}

// Endpoint is one receiver of events and the filter that says which.
type Endpoint struct {
	Name string // unique; keys its outbox queue in the database
	// URL is an http(s) webhook URL, or a shoutrrr service URL (slack://,
	// telegram://, ntfy://, smtp://, ...). It often carries a token: it is
	// never printed, not even in errors.
	URL     string
	Secret  string            // signing secret of a webhook: "whsec_" + base64, or raw text
	Headers map[string]string // extra request headers of a webhook; values are never printed

	// The filter; an empty filter lets every event through.
	Types        []string // event types ("article.changed"); empty: all
	Sources      []string // source names or globs ("bao*"); empty: all
	FiguresOnly  bool     // only events that moved a figure
	Subjects     []string // only events that moved a figure with one of these canonical keys
	MinChange    float64  // only events that moved a figure by at least this much
	MinChangePct float64  // only events that moved a figure by at least this many percent

	// Line is where the endpoint starts in the configuration file, 0 when it
	// did not come from a file.
	Line int

	pos *positions // lines of this endpoint's fields, keyed by field name
}

// Webhook reports whether the endpoint is a webhook (an http or https URL)
// rather than a shoutrrr channel.
func (e Endpoint) Webhook() bool {
	scheme, _, _ := strings.Cut(e.URL, ":")
	scheme = strings.ToLower(scheme)
	return scheme == "http" || scheme == "https"
}

// EventTypes are the event types an endpoint may ask for; they mirror the
// constants of packages watcher and watcher/treaty, which config does not
// import (a test in notify keeps them in step).
var EventTypes = []string{"article.new", "article.changed", "article.gone", "article.restored", "article.moved",
	"fetch.failed", "coverage.found", "treaty.signed", "treaty.ratified", "treaty.counts", "article.archived"}

// ChannelSchemes are the shoutrrr services an endpoint URL may name, as
// shoutrrr's router knows them (a test in notify keeps the two in step).
// Listed here rather than asked of shoutrrr because some services (matrix)
// log in to their server when a URL is checked that way.
var ChannelSchemes = []string{
	"bark", "discord", "generic", "googlechat", "gotify", "hangouts", "ifttt", "join", "lark", "logger",
	"matrix", "mattermost", "notifiarr", "ntfy", "opsgenie", "pagerduty", "pushbullet", "pushover",
	"rocketchat", "signal", "slack", "smtp", "teams", "telegram", "wecom", "zulip",
}

// Default returns the configuration used when no file is given: polite fetch
// settings and a database in the user's data directory. It has no sources;
// the caller adds the embedded seeds.
func Default() Config {
	return Config{
		Storage: Storage{
			Driver: DriverBBolt,
			Path:   defaultDBPath(),
			// Bounded by default so that a page that changes on every fetch
			// (a live counter the ignore patterns miss) cannot fill the disk.
			Retention: Retention{MaxSnapshots: 100},
		},
		Defaults: Defaults{
			Schedule:     "@every 30m",
			UserAgent:    "hanoiwatch/1.0",
			Timeout:      30 * time.Second,
			MaxBody:      10 << 20,
			PerHost:      2,
			Delay:        time.Second,
			MaxRedirects: 5,
			SuspectAfter: 3,
			FailAfter:    1,
			BackoffMax:   6 * time.Hour,
			Robots:       true,
			Render:       RenderHTTP,
			// Articles change most in their first hours: see Adaptive.
			DiscoveredSchedule: "adaptive",
		},
		Browser: Browser{MaxTabs: 4, Timeout: 30 * time.Second},
		HTTP:    HTTP{Listen: "127.0.0.1:8787"},
		Log:     Log{Level: "info", Format: "text"},
		Notify: Notify{
			Timeout: 10 * time.Second,
			// From seconds up to a day apart, for about four days in all: a receiver
			// down over a long weekend still gets every event.
			Retry: Retry{InitialDelay: 10 * time.Second, MaxDelay: 24 * time.Hour, MaxAttempts: 18},
		},
		// New coverage appears weekly: hourly is plenty for a job without its own schedule.
		Discovery: Discovery{Enabled: true, Schedule: "@every 1h"},
		Archive:   Archive{Wayback: Wayback{Endpoint: DefaultWaybackEndpoint}},
	}
}

// defaultDBPath follows the XDG base directory convention, falling back to
// the working directory when there is no home to speak of (some containers).
func defaultDBPath() string {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "hanoiwatch", "hanoiwatch.db")
	}
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return filepath.Join(h, ".local", "share", "hanoiwatch", "hanoiwatch.db")
	}
	return "hanoiwatch.db"
}

// ScheduleFor returns the schedule of a watched source of the given origin whose own
// schedule is own: own if set, else DiscoveredSchedule for an article discovery added,
// else Schedule.
func (d Defaults) ScheduleFor(own, origin string) string {
	switch {
	case own != "":
		return own
	case origin == "discovered":
		return d.DiscoveredSchedule
	}
	return d.Schedule
}

// Adaptive is the schedule "adaptive": a source is checked often while its text is young
// or has just changed, and less often the longer it stays unchanged, never more often
// than every Min nor less often than every Max. Its turns depend on the source's state,
// which the scheduler reads (watcher/schedule.Adaptive); as a cron.Schedule, Next gives
// the earliest turn, Min after t.
type Adaptive struct {
	Min, Max time.Duration
}

// Next is the earliest turn after t.
func (a Adaptive) Next(t time.Time) time.Time { return t.Add(a.Min) }

// Bounds are the shortest and the longest wait between two checks.
func (a Adaptive) Bounds() (min, max time.Duration) { return a.Min, a.Max }

// Bounds of adaptive schedules: by default a source is checked between every 5 minutes
// and once a day; never more than once a minute (a politeness floor, as cron's), and at
// least once a year.
const (
	AdaptiveMin     = 5 * time.Minute
	AdaptiveMax     = 24 * time.Hour
	AdaptiveFloor   = time.Minute
	AdaptiveCeiling = 365 * 24 * time.Hour
)

// parseAdaptive parses "adaptive", optionally followed by min=DURATION and max=DURATION
// (durations as elsewhere in the file: 30s, 5m, 1h30m, 7d).
func parseAdaptive(spec string) (Adaptive, error) {
	a := Adaptive{Min: AdaptiveMin, Max: AdaptiveMax}
	seen := map[string]bool{}
	for _, f := range strings.Fields(spec)[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok || (k != "min" && k != "max") {
			return a, fmt.Errorf(`adaptive takes min=DURATION and max=DURATION, not %q (like "adaptive min=10m max=12h")`, f)
		}
		if seen[k] {
			return a, fmt.Errorf("adaptive: %s given twice", k)
		}
		seen[k] = true
		d, ok := parseDuration(v)
		if !ok || d <= 0 {
			return a, fmt.Errorf("adaptive: %s=%s is not a positive duration (like 30s, 5m, 1h30m or 7d)", k, v)
		}
		if k == "min" {
			a.Min = d
		} else {
			a.Max = d
		}
	}
	switch {
	case a.Min < AdaptiveFloor:
		return a, fmt.Errorf("adaptive: min %s is under %s: nobody needs to check an article more than once a minute", a.Min, AdaptiveFloor)
	case a.Max > AdaptiveCeiling:
		return a, fmt.Errorf("adaptive: max %s is over a year", a.Max)
	case a.Min > a.Max:
		return a, fmt.Errorf("adaptive: min %s is above max %s", a.Min, a.Max)
	}
	return a, nil
}

// EffectiveRender returns how the source's page is loaded: its own Render if it has one,
// else the default one.
func (s Source) EffectiveRender(d Defaults) string {
	if s.Render != "" {
		return s.Render
	}
	return d.Render
}

// Renders reports whether any source is loaded in the browser.
func (c Config) Renders() bool {
	if c.Defaults.Render == RenderBrowser {
		return true
	}
	for _, s := range c.Sources {
		if s.Render == RenderBrowser {
			return true
		}
	}
	return false
}

// cronParser accepts what ParseSchedule documents; seconds are left out on
// purpose, nobody needs to check a news article more than once a minute.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a schedule: a standard 5-field cron spec
// ("15 */2 * * *"), optionally prefixed by "CRON_TZ=Area/City ", or a
// descriptor (@yearly, @monthly, @weekly, @daily, @midnight, @hourly,
// "@every 1h30m"). It is the one parser the daemon uses, so that what
// Validate accepts is exactly what runs.
//
// "adaptive", optionally with bounds ("adaptive min=10m max=12h"), is an Adaptive.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("empty schedule")
	}
	if strings.Fields(spec)[0] == "adaptive" {
		return parseAdaptive(spec)
	}
	rest := spec
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		// robfig/cron slices up to the first space and panics without one.
		i := strings.IndexByte(spec, ' ')
		if i < 0 {
			return nil, errors.New("time zone prefix without a schedule after it")
		}
		rest = strings.TrimSpace(spec[i:])
	}
	if d, ok := strings.CutPrefix(rest, "@every "); ok {
		// robfig/cron silently turns anything under a second (including
		// zero and negative durations) into "every second": refuse instead.
		if dur, perr := time.ParseDuration(strings.TrimSpace(d)); perr == nil && dur < time.Second {
			return nil, fmt.Errorf("@every needs a duration of at least 1s, got %s", dur)
		}
	}
	defer func() {
		// Belt and braces: a panic in a third-party parser must not take the
		// daemon down because of a typo in a file.
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("unparsable schedule: %v", r)
		}
	}()
	return cronParser.Parse(spec)
}
