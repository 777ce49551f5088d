// Package webhook sends events to HTTP endpoints, signed the Standard Webhooks way
// (https://www.standardwebhooks.com), and tells the caller whether a failure is worth a
// retry, the way Alertmanager's notifiers do.
//
// A request is a POST of the event's JSON, unchanged, with the headers
//
//	webhook-id:        the event id, the same on every redelivery, for receivers to drop duplicates
//	webhook-timestamp: Unix seconds of this attempt, for receivers to refuse replays
//	webhook-signature: "v1," + base64(HMAC-SHA256(secret, id + "." + timestamp + "." + body))
//
// The answer decides what happens to the delivery: 2xx delivered; 410 Gone means the
// endpoint no longer exists (ErrGone: stop sending there); 429, 5xx and network errors are
// retried, after at least the Retry-After the receiver asked for; anything else (other 4xx,
// 3xx) is refused for good, since sending the same request again cannot change the answer.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hanoiwatch/watcher"
)

// ErrGone is the error of an endpoint that answered 410 Gone.
var ErrGone = errors.New("endpoint gone")

// Config is one webhook endpoint.
type Config struct {
	URL       string
	Secret    string            // "whsec_" + base64, or raw text
	Headers   map[string]string // extra headers, sent as given
	UserAgent string            // "" for "hanoiwatch"
}

// Notifier sends events to one webhook endpoint. It is safe for concurrent use.
type Notifier struct {
	url     string
	target  string // the URL without its path and query, for messages
	key     []byte
	headers map[string]string
	agent   string
	client  *http.Client
	now     func() time.Time
}

// New returns a Notifier for c. client may be nil for a client of its own; either way
// redirects are not followed: a POST turned into a GET by a 302 would lose the event, and
// the new address belongs in the configuration.
func New(c Config, client *http.Client) (*Notifier, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("webhook: not an absolute http(s) URL") // the URL itself may hold a token
	}
	key, err := DecodeSecret(c.Secret)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{}
	}
	cl := *client
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	agent := c.UserAgent
	if agent == "" {
		agent = "hanoiwatch"
	}
	return &Notifier{url: c.URL, target: Target(c.URL), key: key, headers: c.Headers, agent: agent, client: &cl, now: time.Now}, nil
}

// Target is what messages show of a URL: its scheme and host, never the path or query
// where tokens live.
func Target(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(url not shown)"
	}
	t := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		t += "/…"
	}
	return t
}

// DecodeSecret returns the signing key of a secret: the bytes after "whsec_" decoded
// from base64, or the text itself.
func DecodeSecret(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		if secret == "" {
			return nil, errors.New("webhook: empty secret")
		}
		return []byte(secret), nil
	}
	if key, err := base64.StdEncoding.DecodeString(b64); err == nil {
		return key, nil
	}
	key, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New(`webhook: secret starts with "whsec_" but the rest is not base64`)
	}
	return key, nil
}

// Sign returns the webhook-signature header value of a request.
func Sign(key []byte, id string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.", id, timestamp)
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Tolerance is how far a request's timestamp may be from the receiver's clock in Verify.
const Tolerance = 5 * time.Minute

// Verify checks a received request the way a receiver should: the timestamp is within
// Tolerance of now, and one of the space-separated signatures of webhook-signature is the
// body's. It is here for receivers written in Go and for the tests.
func Verify(key []byte, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("webhook: webhook-timestamp is not a number")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("webhook: timestamp is %s off", d.Round(time.Second))
	}
	want := Sign(key, id, sec, body)
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("webhook: no valid signature")
}

// Reply is what the receiver answered.
type Reply struct {
	Status int
	Body   string // the first bytes, for messages and `notify test`
	// RetryAfter is the wait the receiver asked for with Retry-After, 0 if none.
	RetryAfter time.Duration
}

// maxReply bounds how much of an answer is read: enough for an error message, never a
// receiver's whole page.
const maxReply = 2 << 10

// Post sends e once and returns the receiver's answer, whatever its status; the error is
// for requests that got no answer.
func (n *Notifier) Post(ctx context.Context, e watcher.Event) (Reply, error) {
	body, err := Body(e)
	if err != nil {
		return Reply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return Reply{}, fmt.Errorf("webhook %s: bad request", n.target)
	}
	for k, v := range n.headers {
		req.Header.Set(k, v)
	}
	ts := n.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.agent)
	req.Header.Set("webhook-id", e.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", Sign(n.key, e.ID, ts, body))
	resp, err := n.client.Do(req)
	if err != nil {
		// *url.Error prints the whole URL, query and all: keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Reply{}, fmt.Errorf("webhook %s: %w", n.target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	r := Reply{Status: resp.StatusCode, Body: strings.ToValidUTF8(string(b), "�")}
	r.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), n.now())
	return r, nil
}

// Notify sends e and says whether a failure is worth retrying. Errors name the endpoint by
// its scheme and host only.
func (n *Notifier) Notify(ctx context.Context, e watcher.Event) (retry bool, err error) {
	r, err := n.Post(ctx, e)
	if err != nil {
		return true, err
	}
	return n.Outcome(r)
}

// Outcome judges an answer as Notify does: nil for a success, else whether to retry and
// what went wrong.
func (n *Notifier) Outcome(r Reply) (retry bool, err error) {
	switch s := r.Status; {
	case s >= 200 && s <= 299:
		return false, nil
	case s == http.StatusGone:
		return false, fmt.Errorf("webhook %s: %w: HTTP 410%s", n.target, ErrGone, excerpt(r.Body))
	case s == http.StatusTooManyRequests || s >= 500:
		return true, &StatusError{Target: n.target, Reply: r}
	default:
		return false, &StatusError{Target: n.target, Reply: r}
	}
}

// StatusError is an answer that is not a success.
type StatusError struct {
	Target string // scheme and host of the endpoint
	Reply  Reply
}

// Error says what the receiver answered.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("webhook %s: HTTP %d %s%s", e.Target, e.Reply.Status, http.StatusText(e.Reply.Status), excerpt(e.Reply.Body))
	if s := e.Reply.Status; s >= 300 && s <= 399 {
		msg += " (redirects are not followed: put the new URL in the configuration)"
	}
	return msg
}

// Delay is the wait the receiver asked for, for the dispatcher's backoff.
func (e *StatusError) Delay() time.Duration { return e.Reply.RetryAfter }

// Body is the request body for e: its JSON, as `check --json` prints it, without the
// trailing newline.
func Body(e watcher.Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("webhook: encode event %s: %w", e.ID, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// excerpt is the start of a receiver's answer, on one line.
func excerpt(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if body == "" {
		return ""
	}
	const n = 200
	if len(body) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut] + "…"
	}
	return ": " + body
}
