// Package notify delivers hanoiwatch's events: it routes each event to the endpoints whose
// filter wants it (Router, called by the watcher while a check is recorded, so that the
// deliveries are written in the same transaction as the event), then a Dispatcher sends
// what the outbox holds, with retries, in order per endpoint, at least once.
//
// Endpoints are webhooks (package webhook: signed JSON) or chat and email channels through
// shoutrrr service URLs (slack://, telegram://, discord://, ntfy://, matrix://, smtp://,
// ...), which get a short message for people instead of the JSON.
//
// Channels use github.com/nicholas-fedor/shoutrrr rather than the original
// containrrr/shoutrrr: the original has had no release since 2023 while the fork is
// maintained (current Go and dependencies, security fixes, services kept working against
// their APIs' changes), with the same URL formats, so that its documentation applies.
//
// Secrets (webhook secrets, tokens in URLs, header values) never reach a log line or an
// error: senders name their endpoint by scheme and host only, and every error of an
// endpoint is scrubbed of that endpoint's secrets before anyone sees it.
package notify

import (
	"context"
	"time"

	"hanoiwatch/notify/webhook"
	"hanoiwatch/watcher"
)

// Sender delivers events to one endpoint. retry says whether a failure may succeed if the
// same event is sent again later (a timeout, a 5xx) or never will (a 4xx, a gone endpoint).
type Sender interface {
	Notify(ctx context.Context, e watcher.Event) (retry bool, err error)
}

// ErrGone is the error of an endpoint that said it no longer exists (HTTP 410): nothing
// more is sent to it until one of its deliveries is re-queued.
var ErrGone = webhook.ErrGone

// Outcome is how an attempt ended, as Observer sees it.
type Outcome string

// Outcomes of an attempt.
const (
	Delivered Outcome = "delivered" // the endpoint accepted the event
	Retrying  Outcome = "retry"     // failed; retried later
	Dead      Outcome = "dead"      // failed for good, or out of attempts: in the dead-letter list
	Gone      Outcome = "gone"      // the endpoint is gone; its queue went to the dead-letter list
)

// Outcomes lists every Outcome, for metrics that start each at zero.
var Outcomes = []Outcome{Delivered, Retrying, Dead, Gone}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	Endpoint string
	Event    string // event id
	Result   Outcome
	Attempts int // attempts of this delivery so far, this one included
	Duration time.Duration
	// Latency is from the check that made the event to its delivery: what a receiver
	// waited. Set for Delivered only.
	Latency time.Duration
	Err     error // nil when delivered; already scrubbed of secrets
}

// Observer is told about every attempt: Metrics, the daemon's /metrics, and Tally, the
// `check` summary, implement it.
type Observer interface {
	Observe(a Attempt)
}
