package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
	"hanoiwatch/notify/webhook"
	"hanoiwatch/watcher"
)

// FromConfig builds what the commands need to deliver notifications: the router for
// Watcher.Router (nil when no endpoint is configured, which turns routing off) and the
// dispatcher for `check` (Flush after the run) and `run` (Run in the background).
func FromConfig(c config.Config, o Outbox, log *slog.Logger) (watcher.Router, *Dispatcher, error) {
	senders, err := Senders(c)
	if err != nil {
		return nil, nil, err
	}
	d := &Dispatcher{
		Store:   o,
		Senders: senders,
		Backoff: Backoff{Initial: c.Notify.Retry.InitialDelay, Max: c.Notify.Retry.MaxDelay, MaxAttempts: c.Notify.Retry.MaxAttempts},
		Timeout: c.Notify.Timeout,
		Log:     log,
	}
	if len(c.Notify.Endpoints) == 0 {
		return nil, d, nil // a nil *Router in the interface would not read as "no router"
	}
	r, err := NewRouter(c.Notify.Endpoints)
	if err != nil {
		return nil, nil, err
	}
	return r, d, nil
}

// Senders builds the sender of every configured endpoint, by name. Errors name the
// endpoint, never its URL.
func Senders(c config.Config) (map[string]Sender, error) {
	out := map[string]Sender{}
	for i, e := range c.Notify.Endpoints {
		s, err := newEndpoint(e, c.Defaults.UserAgent)
		if err != nil {
			return nil, fmt.Errorf("notify.endpoints[%d] (%s): %w", i, e.Name, err)
		}
		out[e.Name] = s
	}
	return out, nil
}

// endpoint is a configured endpoint's sender, with what it needs to keep its secrets out
// of errors.
type endpoint struct {
	Sender
	kind    string // "webhook" or the shoutrrr service
	target  string // what may be shown of the URL
	secrets []string
}

func newEndpoint(e config.Endpoint, agent string) (*endpoint, error) {
	ep := &endpoint{secrets: secretsOf(e)}
	if e.Webhook() {
		w, err := webhook.New(webhook.Config{URL: e.URL, Secret: e.Secret, Headers: e.Headers, UserAgent: agent}, &http.Client{})
		if err != nil {
			return nil, err
		}
		ep.Sender, ep.kind, ep.target = w, "webhook", webhook.Target(e.URL)
		return ep, nil
	}
	ch, err := newChannel(e.URL)
	if err != nil {
		return nil, err
	}
	ep.Sender, ep.kind, ep.target = ch, ch.scheme, ch.scheme+"://…"
	return ep, nil
}

// Notify sends through the endpoint's sender and scrubs the error.
func (ep *endpoint) Notify(ctx context.Context, e watcher.Event) (bool, error) {
	retry, err := ep.Sender.Notify(ctx, e)
	return retry, ep.scrubbed(err)
}

// scrubbed returns err with every URL cut to its scheme and host and every secret of the
// endpoint replaced by "***": senders already avoid printing them, and this catches what a
// third-party library may quote (shoutrrr services put their API URLs, tokens included,
// in their errors). errors.Is and errors.As still see the original.
func (ep *endpoint) scrubbed(err error) error {
	if err == nil {
		return nil
	}
	return &scrubbedError{msg: Scrub(err.Error(), ep.secrets), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// urlRE finds URLs in error messages.
var urlRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// Scrub removes URLs' paths, queries and credentials from s, then every secret.
func Scrub(s string, secrets []string) string {
	s = urlRE.ReplaceAllStringFunc(s, func(u string) string {
		// "webhook http://h:80: HTTP 500": the punctuation after a URL is the sentence's.
		trimmed := strings.TrimRight(u, ":.,;)]")
		tail := u[len(trimmed):]
		p, err := url.Parse(trimmed)
		if err != nil || p.Host == "" {
			return "***" + tail
		}
		if (p.Path == "" || p.Path == "/") && p.RawQuery == "" && p.User == nil {
			return trimmed + tail
		}
		return p.Scheme + "://" + p.Host + "/…" + tail
	})
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

// minSecretPiece is the shortest fragment of a URL or secret that is scrubbed on its own:
// shorter ones ("api", "bot") are words, not secrets, and would garble every message.
const minSecretPiece = 6

// secretsOf lists what must never be printed of an endpoint: its secret, its URL and each
// credential, path segment and query value of the URL, whole and split at punctuation
// (shoutrrr turns "slack://hook:T0-B0-X@webhook" into ".../T0/B0/X" in its errors), and
// the values of its headers. Longest first, so that no secret is left half-replaced.
func secretsOf(e config.Endpoint) []string {
	scheme, _, _ := strings.Cut(strings.ToLower(e.URL), ":")
	var out []string
	keep := func(p string) {
		// The scheme names the service in every message ("telegram: ..."): not a secret.
		if len(p) >= minSecretPiece && !strings.EqualFold(p, scheme) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	add := func(s string) {
		keep(s)
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("/:@-_.,;=&?+ ", r) }) {
			keep(p)
		}
	}
	if !e.Webhook() || webhook.Target(e.URL) != strings.TrimSuffix(e.URL, "/") {
		keep(e.URL) // a webhook URL that is just scheme and host is what messages show
	}
	if e.Secret != "" {
		add(e.Secret)
		if key, err := webhook.DecodeSecret(e.Secret); err == nil {
			keep(string(key))
		}
	}
	for _, v := range e.Headers {
		add(v)
	}
	if u, err := url.Parse(e.URL); err == nil {
		add(u.User.Username())
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		for _, seg := range strings.Split(u.EscapedPath(), "/") {
			add(seg)
			if s, err := url.PathUnescape(seg); err == nil {
				add(s)
			}
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
			}
		}
		// In a service URL the host may be an id (discord://token@id); a host name with
		// dots is a server's, and is what messages name the endpoint by.
		if h := u.Hostname(); !e.Webhook() && !strings.Contains(h, ".") && strings.ContainsAny(h, "0123456789") {
			add(h)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Answer is what one endpoint said to a test notification.
type Answer struct {
	Endpoint string
	Kind     string // "webhook" or the shoutrrr service
	Target   string // scheme and host of a webhook; the service of a channel
	Status   int    // HTTP status of a webhook's answer, 0 otherwise
	Body     string // the start of a webhook's answer, scrubbed
	Took     time.Duration
	Err      error // nil when accepted; scrubbed
}

// Probe sends e to one endpoint once, outside the outbox, and returns the answer: what
// `hanoiwatch notify test` prints.
func Probe(ctx context.Context, name string, s Sender, e watcher.Event, timeout time.Duration) Answer {
	a := Answer{Endpoint: name}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	ep, ok := s.(*endpoint)
	if !ok {
		_, a.Err = s.Notify(ctx, e)
		a.Took = time.Since(start)
		return a
	}
	a.Kind, a.Target = ep.kind, ep.target
	if w, ok := ep.Sender.(*webhook.Notifier); ok {
		r, err := w.Post(ctx, e)
		if err == nil {
			_, err = w.Outcome(r)
		}
		a.Status, a.Body, a.Err = r.Status, Scrub(r.Body, ep.secrets), ep.scrubbed(err)
	} else {
		_, a.Err = ep.Notify(ctx, e)
	}
	a.Took = time.Since(start)
	return a
}

// SampleEvent is a realistic article.changed: the number of signatories of the Convention
// moving from 65 to 72 in a VTV article. Its id is new at every call, so that receivers
// that drop duplicates still show each test.
func SampleEvent(now time.Time) watcher.Event {
	before, after := 65.0, 72.0
	sb := "Tính đến nay, 65 quốc gia đã ký Công ước của Liên hợp quốc về chống tội phạm mạng."
	sa := "Tính đến nay, 72 quốc gia đã ký Công ước của Liên hợp quốc về chống tội phạm mạng."
	return watcher.Event{
		ID:       fmt.Sprintf("test%020x", now.UnixNano()),
		Type:     watcher.ArticleChanged,
		Time:     now.UTC(),
		Source:   watcher.EventSource{Name: "vtv", URL: "https://vtv.vn/thu-tuong-an-ninh-mang-co-tinh-toan-dan-toan-dien-toan-cau-khong-phai-van-de-cua-rieng-quoc-gia-nao-100251025161328459.htm"},
		Snapshot: "67467b95d050fe38",
		Previous: "6a1d53db39d29497",
		Title:    "Thủ tướng: An ninh mạng có tính toàn dân, toàn diện, toàn cầu (hanoiwatch test notification)",
		Diff: &diff.Result{
			Added:   []string{sa},
			Removed: []string{sb},
			Unified: "@@ -3 +3 @@\n-" + sb + "\n+" + sa + "\n",
			Hunks: []diff.Hunk{{OldStart: 3, OldLines: 1, NewStart: 3, NewLines: 1, Words: []diff.Word{
				{Op: "=", Text: "Tính đến nay, "}, {Op: "-", Text: "65"}, {Op: "+", Text: "72"},
				{Op: "=", Text: " quốc gia đã ký Công ước của Liên hợp quốc về chống tội phạm mạng."}}}},
			Stats: diff.Stats{Added: 1, Removed: 1},
		},
		Figures: []figures.Change{{Subject: "quốc gia đã ký", Key: "signatories", Before: &before, After: &after,
			SentenceBefore: sb, SentenceAfter: sa}},
	}
}

// errNoEndpoint is returned for a name that is not configured.
var errNoEndpoint = errors.New("no such endpoint")

// Pick returns the named senders, or all of them, sorted by name, when name is "".
func Pick(senders map[string]Sender, name string) ([]string, error) {
	if name != "" {
		if _, ok := senders[name]; !ok {
			known := make([]string, 0, len(senders))
			for n := range senders {
				known = append(known, n)
			}
			slices.Sort(known)
			return nil, fmt.Errorf("notify: %q: %w (configured: %s)", name, errNoEndpoint, strings.Join(known, ", "))
		}
		return []string{name}, nil
	}
	names := make([]string, 0, len(senders))
	for n := range senders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}
