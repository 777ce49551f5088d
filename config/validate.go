package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	pathpkg "path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/andybalholm/cascadia"

	"hanoiwatch/seeds"
)

var (
	// nameRE keeps names usable as bbolt bucket keys, URL path segments and
	// file names without quoting.
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	// langRE is a light BCP 47 check: enough to catch "Vietnamese" or "VI".
	langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
)

const maxNameLen = 64

// Validate reports every problem of c at once, joined with errors.Join, each
// as an *Error "FILE:LINE: FIELD: problem". Values that did not come from a
// file (Default(), sources added by the caller) are reported without a
// location. It returns nil when c is usable.
func (c Config) Validate() error {
	errs := c.validate()
	sortByLine(errs)
	return errors.Join(errs...)
}

// checker collects the problems of one Config.
type checker struct {
	file string
	errs []error
}

// add reports a problem with the field key of pos (path in messages); the
// line falls back to fallback, the line of the enclosing source.
func (v *checker) add(pos *positions, key, path string, fallback int, format string, args ...any) {
	line := pos.line(key)
	if line == 0 {
		line = fallback
	}
	file := ""
	if line > 0 { // a value from Go code must not be blamed on the file
		file = v.file
	}
	v.errs = append(v.errs, &Error{File: file, Line: line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

func (c Config) validate() []error {
	v := &checker{file: c.File}
	p := c.pos
	// top reports a problem with a storage.* or defaults.* field, whose key
	// and path are the same.
	top := func(key, format string, args ...any) { v.add(p, key, key, 0, format, args...) }
	num := func(key string, n int64) string { return p.show(key, strconv.FormatInt(n, 10)) }
	dur := func(key string, d time.Duration) string { return p.show(key, d.String()) }

	switch c.Storage.Driver {
	case DriverBBolt:
	case DriverPostgres:
		if c.Storage.DSN == "" && !p.isFailed("storage.dsn") {
			top("storage.driver", "postgres needs storage.dsn, the database's address (e.g. postgres://hanoiwatch@db.example:5432/hanoiwatch)")
		}
	default:
		top("storage.driver", "%s must be bbolt or postgres", p.show("storage.driver", strconv.Quote(c.Storage.Driver)))
	}
	if c.Storage.Path == "" && !p.isFailed("storage.path") {
		top("storage.path", "must not be empty")
	}
	if n := c.Storage.Retention.MaxSnapshots; n < 0 {
		top("storage.retention.max_snapshots", "%s must not be negative (0 keeps all)", num("storage.retention.max_snapshots", int64(n)))
	}
	if d := c.Storage.Retention.MaxAge; d < 0 {
		top("storage.retention.max_age", "%s must not be negative (0 keeps snapshots forever)", dur("storage.retention.max_age", d))
	}

	if l := c.HTTP.Listen; l != "" && l != "off" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			top("http.listen", "%s is not host:port (e.g. 127.0.0.1:8787), or \"off\"", p.show("http.listen", strconv.Quote(l)))
		}
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		top("log.level", "%s must be debug, info, warn or error", p.show("log.level", strconv.Quote(c.Log.Level)))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		top("log.format", "%s must be text or json", p.show("log.format", strconv.Quote(c.Log.Format)))
	}

	df := c.Defaults
	if df.BackoffMax < 0 {
		top("defaults.backoff_max", "%s must not be negative", dur("defaults.backoff_max", df.BackoffMax))
	}
	for _, s := range []struct{ key, spec string }{{"defaults.schedule", df.Schedule}, {"defaults.discovered_schedule", df.DiscoveredSchedule}} {
		key, spec := s.key, s.spec
		if spec == "" {
			top(key, "must not be empty")
		} else if _, err := ParseSchedule(spec); err != nil {
			top(key, "%s is not a valid schedule%s", p.show(key, strconv.Quote(spec)), detail(p, key, err))
		}
	}
	switch {
	case strings.TrimSpace(df.UserAgent) == "":
		top("defaults.user_agent", "must not be empty")
	case strings.ContainsFunc(df.UserAgent, unicode.IsControl):
		// A newline would let the value inject HTTP headers.
		top("defaults.user_agent", "must not contain control characters such as newlines")
	}
	if df.Timeout <= 0 {
		top("defaults.timeout", "%s must be positive: a request without a timeout can hang a worker forever", dur("defaults.timeout", df.Timeout))
	}
	if df.MaxBody <= 0 {
		top("defaults.max_body", "%s must be positive", num("defaults.max_body", df.MaxBody))
	}
	if df.PerHost < 1 {
		top("defaults.per_host", "%s must be at least 1", num("defaults.per_host", int64(df.PerHost)))
	}
	if df.Delay < 0 {
		top("defaults.delay", "%s must not be negative", dur("defaults.delay", df.Delay))
	}
	if df.MaxRedirects < 0 {
		top("defaults.max_redirects", "%s must not be negative (0 follows no redirect)", num("defaults.max_redirects", int64(df.MaxRedirects)))
	}
	if df.SuspectAfter < 1 {
		top("defaults.suspect_after", "%s must be at least 1 (1 accepts a collapse at once)", num("defaults.suspect_after", int64(df.SuspectAfter)))
	}
	if df.FailAfter < 1 {
		top("defaults.fail_after", "%s must be at least 1", num("defaults.fail_after", int64(df.FailAfter)))
	}

	if df.Render != RenderHTTP && df.Render != RenderBrowser {
		top("defaults.render", "%s must be http or browser", p.show("defaults.render", strconv.Quote(df.Render)))
	}
	if c.Browser.MaxTabs < 1 {
		top("browser.max_tabs", "%s must be at least 1", num("browser.max_tabs", int64(c.Browser.MaxTabs)))
	}
	if c.Browser.Timeout <= 0 {
		top("browser.timeout", "%s must be positive: a page that never finishes would hold its tab forever", dur("browser.timeout", c.Browser.Timeout))
	}

	seen := map[string][2]int{} // name → index and line of the first source using it
	for i, s := range c.Sources {
		v.source(i, s, df, seen)
	}

	n := c.Notify
	if n.Timeout <= 0 {
		top("notify.timeout", "%s must be positive: an attempt without a timeout can stall an endpoint's queue forever", dur("notify.timeout", n.Timeout))
	}
	if n.Retry.InitialDelay <= 0 {
		top("notify.retry.initial_delay", "%s must be positive", dur("notify.retry.initial_delay", n.Retry.InitialDelay))
	} else if n.Retry.MaxDelay < n.Retry.InitialDelay {
		top("notify.retry.max_delay", "%s must be at least initial_delay (%s)", dur("notify.retry.max_delay", n.Retry.MaxDelay), dur("notify.retry.initial_delay", n.Retry.InitialDelay))
	}
	if n.Retry.MaxAttempts < 1 {
		top("notify.retry.max_attempts", "%s must be at least 1", num("notify.retry.max_attempts", int64(n.Retry.MaxAttempts)))
	}
	seenEndpoint := map[string][2]int{}
	for i, e := range n.Endpoints {
		v.endpoint(i, e, seenEndpoint)
	}
	v.discovery(c)
	v.archive(c)
	return v.errs
}

// subjectKeys are the canonical figure keys an endpoint may filter on.
func subjectKeys() []string {
	var keys []string
	for _, s := range seeds.Subjects() {
		keys = append(keys, s.Key)
	}
	return keys
}

// schemeRE is what a scheme worth printing looks like: a scheme made of
// anything else may be the start of a pasted token.
var schemeRE = regexp.MustCompile(`^[a-z][a-z+]{0,19}$`)

// reservedHeaders are set by the webhook sender; a configured value would
// break the signature or the body.
var reservedHeaders = []string{"webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "content-length", "host"}

// minSecret is the shortest signing secret accepted, in bytes: shorter
// keys can be guessed from signed requests.
const minSecret = 16

func (v *checker) endpoint(i int, e Endpoint, seen map[string][2]int) {
	p := e.pos
	if p.isFailed("") { // not even a mapping; already reported by Parse
		return
	}
	path := fmt.Sprintf("notify.endpoints[%d]", i)
	add := func(key, format string, args ...any) {
		v.add(p, key, path+"."+key, e.Line, format, args...)
	}
	quote := func(key, val string) string { return p.show(key, strconv.Quote(val)) }

	uniqueName(p, e.Name, i, "notify.endpoints", 0, seen, add)

	// The URL is never printed: webhook and chat URLs carry tokens.
	webhook, channel := false, false
	switch {
	case e.URL == "":
		if !p.isFailed("url") {
			add("url", "required")
		}
	default:
		u, err := url.Parse(e.URL)
		_, fromEnv := p.secret("url")
		scheme := ""
		if err == nil {
			scheme = strings.ToLower(u.Scheme)
		}
		shown := "its scheme"
		if !fromEnv && schemeRE.MatchString(scheme) {
			shown = "scheme " + strconv.Quote(scheme)
		}
		base, _, _ := strings.Cut(scheme, "+")
		switch {
		case err != nil || u.Opaque != "" || scheme == "":
			add("url", "is not an absolute URL (the value is not shown: URLs may hold tokens)")
		case scheme == "http" || scheme == "https":
			if u.Hostname() == "" {
				add("url", "a webhook URL needs a host")
			} else {
				webhook = true
			}
		case slices.Contains(ChannelSchemes, base):
			channel = true
			if problem := channelProblem(e.URL); problem != "" {
				service := strconv.Quote(base) + " service URL"
				if fromEnv {
					service = "service URL (from the environment)"
				}
				add("url", "is not a valid %s: %s (the value is not shown: URLs may hold tokens; the formats are at https://nicholas-fedor.github.io/shoutrrr/services/overview/)", service, problem)
			}
		default:
			add("url", "%s is neither http(s), for a webhook, nor a shoutrrr service: %s", shown, strings.Join(ChannelSchemes, ", "))
		}
	}

	switch {
	case webhook && e.Secret == "" && !p.isFailed("secret"):
		add("secret", `required for a webhook, so that receivers can check where a request comes from; generate one with "openssl rand -base64 32"`)
	case webhook && e.Secret != "":
		key := []byte(e.Secret)
		if b64, ok := strings.CutPrefix(e.Secret, "whsec_"); ok {
			var err error
			if key, err = decodeSecret(b64); err != nil {
				add("secret", `starts with "whsec_" but the rest is not base64`)
				break
			}
		}
		if len(key) < minSecret {
			add("secret", "is %d bytes long; use at least %d (the value is not shown)", len(key), minSecret)
		}
	case channel && e.Secret != "":
		add("secret", "is for webhooks: a shoutrrr URL carries its own credentials")
	}
	if channel && len(e.Headers) > 0 {
		add("headers", "are for webhooks: a shoutrrr URL carries its own settings")
	}
	names := make([]string, 0, len(e.Headers))
	for h := range e.Headers {
		names = append(names, h)
	}
	slices.Sort(names) // a stable order of messages for a map
	for _, h := range names {
		key := "headers." + h
		switch {
		case !headerNameRE.MatchString(h):
			add(key, "%q is not a valid HTTP header name", h)
		case slices.Contains(reservedHeaders, strings.ToLower(h)):
			add(key, "is set by hanoiwatch itself: %s", strings.Join(reservedHeaders, ", "))
		case strings.ContainsFunc(e.Headers[h], unicode.IsControl):
			// A newline would let the value inject more headers.
			add(key, "must not contain control characters such as newlines (the value is not shown)")
		}
	}

	for j, t := range e.Types {
		key := fmt.Sprintf("types[%d]", j)
		if !p.isFailed(key) && !slices.Contains(EventTypes, t) {
			add(key, "%s is not an event type: %s", quote(key, t), strings.Join(EventTypes, ", "))
		}
	}
	for j, g := range e.Sources {
		key := fmt.Sprintf("sources[%d]", j)
		if p.isFailed(key) {
			continue
		}
		if _, err := pathpkg.Match(g, ""); g == "" || err != nil {
			add(key, "%s is not a source name or glob (like \"vtv\" or \"bao*\")", quote(key, g))
		}
	}
	if len(e.Subjects) > 0 {
		known := subjectKeys()
		for j, sub := range e.Subjects {
			key := fmt.Sprintf("subjects[%d]", j)
			if !p.isFailed(key) && !slices.Contains(known, sub) {
				add(key, "%s is not a figure subject key%s; known keys: %s", quote(key, sub), suggest(sub, known), strings.Join(known, ", "))
			}
		}
	}
	if e.MinChange < 0 {
		add("min_change", "%s must not be negative", p.show("min_change", strconv.FormatFloat(e.MinChange, 'f', -1, 64)))
	}
	if e.MinChangePct < 0 {
		add("min_change_pct", "%s must not be negative", p.show("min_change_pct", strconv.FormatFloat(e.MinChangePct, 'f', -1, 64)))
	}
}

// headerNameRE is an HTTP token (RFC 9110).
var headerNameRE = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")

// decodeSecret decodes the base64 part of a "whsec_" secret, padded or not,
// as the Standard Webhooks libraries do.
func decodeSecret(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func (v *checker) source(i int, s Source, df Defaults, seen map[string][2]int) {
	p := s.pos
	if p.isFailed("") { // not even a mapping; already reported by Parse
		return
	}
	path := fmt.Sprintf("sources[%d]", i)
	add := func(key, format string, args ...any) {
		v.add(p, key, path+"."+key, s.Line, format, args...)
	}
	quote := func(key, val string) string { return p.show(key, strconv.Quote(val)) }

	uniqueName(p, s.Name, i, "sources", s.Line, seen, add)

	if s.URL == "" {
		if !p.isFailed("url") {
			add("url", "required")
		}
	} else if !httpURL(s.URL) {
		add("url", "%s is not an absolute http(s) URL", quote("url", s.URL))
	}
	if s.Lang != "" && !langRE.MatchString(s.Lang) {
		add("lang", "%s is not a language tag like \"vi\" or \"en-GB\"", quote("lang", s.Lang))
	}
	if s.Reports != "" && !reportsDate(s.Reports) {
		add("reports", "%s is not a date: write YYYY-MM-DD or YYYY-MM", quote("reports", s.Reports))
	}
	if s.Schedule != "" {
		if _, err := ParseSchedule(s.Schedule); err != nil {
			add("schedule", "%s is not a valid schedule%s", quote("schedule", s.Schedule), detail(p, "schedule", err))
		}
	}
	if s.Kind != "" && s.Kind != "article" && s.Kind != "treaty-status" {
		add("kind", "%s is not a kind of source: article (the default) or treaty-status", quote("kind", s.Kind))
	}
	if s.Selector != "" {
		if _, err := cascadia.Compile(s.Selector); err != nil {
			add("selector", "%s is not a valid CSS selector%s", quote("selector", s.Selector), detail(p, "selector", err))
		}
	}
	if s.OnMove != "" && s.OnMove != OnMoveKeep && s.OnMove != OnMoveAdopt {
		add("on_move", "%s must be keep or adopt", quote("on_move", s.OnMove))
	}
	if s.Render != "" && s.Render != RenderHTTP && s.Render != RenderBrowser {
		add("render", "%s must be http or browser", quote("render", s.Render))
	}
	rendered := s.EffectiveRender(df) == RenderBrowser
	switch {
	case s.Wait != "" && !rendered:
		add("wait", "applies to pages loaded in the browser: add render: browser")
	case s.Wait == "", s.Wait == WaitLoad, s.Wait == WaitNetworkIdle:
	default:
		if _, err := cascadia.Compile(s.Wait); err != nil {
			add("wait", "%s is neither load, networkidle nor a valid CSS selector%s", quote("wait", s.Wait), detail(p, "wait", err))
		}
	}
	if s.Screenshot && !rendered {
		add("screenshot", "applies to pages loaded in the browser: add render: browser")
	}
	for j, re := range s.Ignore {
		key := fmt.Sprintf("ignore[%d]", j)
		if p.isFailed(key) {
			continue
		}
		if re == "" {
			add(key, "empty pattern: it matches only empty text, so it drops nothing; remove it")
			continue
		}
		if _, err := regexp.Compile(re); err != nil {
			add(key, "%s is not a valid regular expression%s", quote(key, re), detail(p, key, err))
		}
	}
}

// detail appends a parser's explanation, unless the value came from the
// environment: parsers quote their input, and that could be a secret.
func detail(p *positions, key string, err error) string {
	if _, secret := p.secret(key); secret {
		return ""
	}
	return ": " + err.Error()
}

// httpURL reports whether s is an absolute http or https URL with a host:
// the fetcher cannot do anything with a relative URL, a file: URL or a typo
// like "htp:/x".
func httpURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
}

// reportsDate accepts the two precisions articles give: a day or a month.
func reportsDate(s string) bool {
	layout := ""
	switch len(s) {
	case len("2006-01-02"):
		layout = "2006-01-02"
	case len("2006-01"):
		layout = "2006-01"
	default:
		return false
	}
	_, err := time.Parse(layout, s)
	return err == nil
}

// uniqueName checks the name of the i-th entry of a list (sources, endpoints, jobs):
// present, well formed, and not used by an earlier entry. seen[name] holds the index and
// line of the first entry with that name; line is the entry's own line, used when its
// name has none.
func uniqueName(p *positions, name string, i int, list string, line int, seen map[string][2]int,
	add func(key, format string, args ...any)) {
	quote := p.show("name", strconv.Quote(name))
	switch {
	case name == "":
		if !p.isFailed("name") {
			add("name", "required")
		}
		return
	case len(name) > maxNameLen || !nameRE.MatchString(name):
		add("name", "%s is not a valid name: use 1 to %d characters among a-z, 0-9, '.', '_' and '-', starting with a letter or digit", quote, maxNameLen)
	}
	if first, dup := seen[name]; dup {
		where := ""
		if first[1] > 0 {
			where = fmt.Sprintf(" (line %d)", first[1])
		}
		add("name", "%s is already used by %s[%d]%s; names must be unique", quote, list, first[0], where)
		return
	}
	if l := p.line("name"); l > 0 {
		line = l
	}
	seen[name] = [2]int{i, line}
}
