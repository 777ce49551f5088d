package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/cluster"
)

// Queue is where the dispatcher finds its work.
type Queue interface {
	// Endpoints lists the endpoints with pending deliveries.
	Endpoints() ([]string, error)
	// Due returns the head of an endpoint's queue and whether it is due at now.
	Due(endpoint string, now time.Time) (watcher.Delivery, bool, error)
	// IsGone reports whether the endpoint answered 410 Gone.
	IsGone(endpoint string) (watcher.EndpointGone, bool, error)
}

// Ledger records the outcome of each attempt.
type Ledger interface {
	Delivered(d watcher.Delivery) error
	Retry(d watcher.Delivery) error
	Dead(d watcher.Delivery) error
}

// Stopper stops an endpoint that is gone, moving its whole queue to the dead-letter list.
type Stopper interface {
	MarkGone(d watcher.Delivery) error
}

// Outbox is what the dispatcher needs of the store; *store.Store is one.
type Outbox interface {
	Queue
	Ledger
	Stopper
}

// Backoff is the retry policy: the n-th retry waits Initial·2ⁿ⁻¹, at most Max, of which a
// random half ("equal jitter"), so that the deliveries that failed together (an endpoint
// back from an outage) do not all come back at the same second; after MaxAttempts
// attempts a delivery goes to the dead-letter list.
type Backoff struct {
	Initial     time.Duration
	Max         time.Duration
	MaxAttempts int
}

// DefaultBackoff waits from seconds up to a day, for about four days in all (at least
// 2.4 and at most 4.9): a receiver down over a long weekend still gets every event.
var DefaultBackoff = Backoff{Initial: 10 * time.Second, Max: 24 * time.Hour, MaxAttempts: 18}

// Delay is the wait after the given number of failed attempts (1 for the first); jitter
// is in [0, 1).
func (b Backoff) Delay(attempts int, jitter float64) time.Duration {
	b = b.orDefault()
	d := b.Initial
	for i := 1; i < attempts && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + time.Duration(jitter*float64(d/2))
}

func (b Backoff) orDefault() Backoff {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoff.Initial
	}
	if b.Max < b.Initial {
		b.Max = max(DefaultBackoff.Max, b.Initial)
	}
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = DefaultBackoff.MaxAttempts
	}
	return b
}

// Dispatcher sends the outbox's deliveries: per endpoint, the head of the queue, until the
// endpoint accepts it, refuses it or the attempts run out; only then the next one, so that
// every endpoint sees its events in order. Delivery is at least once: a crash between a
// send and its record sends again, with the same webhook-id.
type Dispatcher struct {
	Store   Outbox
	Senders map[string]Sender // by endpoint name
	Backoff Backoff
	Timeout time.Duration // per attempt; default 10s
	// Poll is how often Run looks for new deliveries, which checks write at any time;
	// default 1s. A look is one read transaction per endpoint.
	Poll     time.Duration
	Log      *slog.Logger
	Now      func() time.Time
	Observer Observer // optional

	// Jitter returns a number in [0, 1); nil for math/rand. Tests fix it.
	Jitter func() float64

	// Leases, when set, keeps each endpoint's queue to one process at a time among those
	// that share the database (see watcher/cluster): a process drains an endpoint only
	// while it holds the lease "outbox:ENDPOINT", so the endpoint still gets its events
	// one after the other, in order. A send cut short by a lost lease is not recorded and
	// is sent again, with the same id, by the next holder. nil: this process alone.
	Leases cluster.Leases
}

const (
	defaultTimeout = 10 * time.Second
	defaultPoll    = time.Second
)

// Run delivers until ctx is done: one goroutine per endpoint, so that a slow or dead
// endpoint holds up its own queue only; with no endpoint configured it returns at once. A
// send under way when ctx ends is abandoned and not recorded; it is sent again (same id)
// by the next run.
func (d *Dispatcher) Run(ctx context.Context) error {
	if d.Store == nil {
		return errors.New("notify: dispatcher without a store")
	}
	d.orphans()
	var wg sync.WaitGroup
	for _, ep := range d.endpoints() {
		if d.Leases == nil {
			wg.Go(func() { d.loop(ctx, ep) })
			continue
		}
		wg.Go(func() {
			cluster.Hold(ctx, d.Leases, "outbox:"+ep, cluster.LeaseTTL, func(ctx context.Context) { d.loop(ctx, ep) })
		})
	}
	wg.Wait()
	return nil
}

// loop is Run for one endpoint.
func (d *Dispatcher) loop(ctx context.Context, ep string) {
	poll := d.Poll
	if poll <= 0 {
		poll = defaultPoll
	}
	for ctx.Err() == nil {
		next, err := d.drain(ctx, ep)
		wait := poll
		if err != nil && ctx.Err() == nil {
			d.log().Error("notify: outbox", "endpoint", ep, "err", err)
		} else if !next.IsZero() {
			wait = min(max(next.Sub(d.now()), 0), poll)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// Flush tries every delivery due now once, endpoint by endpoint in parallel, and returns
// when none is due: what a one-shot `check` does after its run. Failed deliveries stay in
// the outbox for the next run; the error is for the store only. With Leases, an endpoint
// whose lease another process holds is left to that process.
func (d *Dispatcher) Flush(ctx context.Context) error {
	if d.Store == nil {
		return errors.New("notify: dispatcher without a store")
	}
	d.orphans()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, ep := range d.endpoints() {
		wg.Go(func() {
			var err error
			if d.Leases == nil {
				_, err = d.drain(ctx, ep)
			} else {
				_, lerr := cluster.Once(ctx, d.Leases, "outbox:"+ep, cluster.LeaseTTL, func(ctx context.Context) { _, err = d.drain(ctx, ep) })
				err = cmp.Or(err, lerr)
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// drain sends the due heads of one endpoint's queue, each at most once, until the head is
// not due; it returns when the head will be (zero for an empty queue).
func (d *Dispatcher) drain(ctx context.Context, ep string) (time.Time, error) {
	tried := map[string]bool{}
	for ctx.Err() == nil {
		h, due, err := d.Store.Due(ep, d.now())
		if err != nil {
			return time.Time{}, err
		}
		if h.ID == "" {
			return time.Time{}, nil
		}
		if !due || tried[h.ID] {
			return h.NextAttempt, nil
		}
		tried[h.ID] = true
		if err := d.attempt(ctx, h); err != nil {
			return time.Time{}, err
		}
	}
	return time.Time{}, ctx.Err()
}

// attempt sends one delivery and records the outcome; the error is the store's.
func (d *Dispatcher) attempt(ctx context.Context, h watcher.Delivery) error {
	log := d.log().With("endpoint", h.Endpoint, "event", h.Event.ID, "type", h.Event.Type, "source", h.Event.Source.Name)
	if g, gone, err := d.Store.IsGone(h.Endpoint); err != nil {
		return err
	} else if gone {
		// Not sent: the receiver said it no longer exists. Kept in the dead-letter list
		// for `hanoiwatch outbox retry` once the endpoint is fixed.
		h.LastError = fmt.Sprintf("not sent: the endpoint is gone since %s (%s)", g.Since.Format(time.RFC3339), g.Reason)
		log.Warn("notify: endpoint gone, delivery moved to the dead-letter list", "since", g.Since)
		d.observe(Attempt{Endpoint: h.Endpoint, Event: h.Event.ID, Result: Dead, Attempts: h.Attempts, Err: errors.New(h.LastError)})
		return d.Store.Dead(h)
	}

	timeout := d.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	start := time.Now()
	retry, err := d.send(actx, h)
	took := time.Since(start)
	cancel()
	if ctx.Err() != nil {
		return nil // shutting down: not an attempt of the endpoint's, nothing to record
	}
	h.Attempts++
	now := d.now()
	a := Attempt{Endpoint: h.Endpoint, Event: h.Event.ID, Attempts: h.Attempts, Duration: took, Err: err}
	b := d.Backoff.orDefault()
	switch {
	case err == nil:
		a.Result, a.Latency = Delivered, now.Sub(h.Created)
		log.Info("notify: delivered", "attempts", h.Attempts, "took", took.Round(time.Millisecond), "latency", a.Latency.Round(time.Millisecond))
		err = d.Store.Delivered(h)
	case errors.Is(err, ErrGone):
		a.Result = Gone
		h.LastError = err.Error()
		log.Error("notify: endpoint gone: its deliveries go to the dead-letter list and nothing more is sent to it; fix or remove it in the configuration, then run `hanoiwatch outbox retry --all`", "err", err)
		err = d.Store.MarkGone(h)
	case !retry:
		a.Result = Dead
		h.LastError = err.Error()
		log.Error("notify: refused, delivery moved to the dead-letter list", "attempts", h.Attempts, "err", err)
		err = d.Store.Dead(h)
	case h.Attempts >= b.MaxAttempts:
		a.Result = Dead
		h.LastError = fmt.Sprintf("gave up after %d attempts: %v", h.Attempts, err)
		log.Error("notify: out of attempts, delivery moved to the dead-letter list", "attempts", h.Attempts, "err", err)
		err = d.Store.Dead(h)
	default:
		a.Result = Retrying
		wait := b.Delay(h.Attempts, d.jitter())
		var ra interface{ Delay() time.Duration }
		if errors.As(err, &ra) && ra.Delay() > wait {
			// The receiver asked for more time (Retry-After); a day at most, whatever it says.
			wait = min(ra.Delay(), b.Max)
		}
		h.NextAttempt, h.LastError = now.Add(wait), err.Error()
		log.Warn("notify: failed, will retry", "attempts", h.Attempts, "retry_in", wait.Round(time.Second), "err", err)
		err = d.Store.Retry(h)
	}
	d.observe(a)
	return err
}

// send is one call of the endpoint's sender; a panic in a third-party service must not take
// the daemon down.
func (d *Dispatcher) send(ctx context.Context, h watcher.Delivery) (retry bool, err error) {
	s := d.Senders[h.Endpoint]
	defer func() {
		if r := recover(); r != nil {
			retry, err = true, fmt.Errorf("sender panicked: %v", r)
		}
	}()
	return s.Notify(ctx, h.Event)
}

// endpoints are the configured endpoints, sorted for stable logs.
func (d *Dispatcher) endpoints() []string {
	eps := make([]string, 0, len(d.Senders))
	for ep := range d.Senders {
		eps = append(eps, ep)
	}
	sort.Strings(eps)
	return eps
}

// orphans warns about deliveries owed to endpoints that are no longer configured: they
// stay in the outbox, where `hanoiwatch outbox` shows them, until the endpoint is back.
func (d *Dispatcher) orphans() {
	eps, err := d.Store.Endpoints()
	if err != nil {
		d.log().Error("notify: outbox", "err", err)
		return
	}
	for _, ep := range eps {
		if _, ok := d.Senders[ep]; !ok {
			d.log().Warn("notify: deliveries pending for an endpoint that is not configured; they wait for it", "endpoint", ep)
		}
	}
}

func (d *Dispatcher) observe(a Attempt) {
	if d.Observer != nil {
		d.Observer.Observe(a)
	}
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) jitter() float64 {
	if d.Jitter != nil {
		return d.Jitter()
	}
	return rand.Float64()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Tally counts attempts by result; the `check` command prints it after Flush.
type Tally struct {
	mu     sync.Mutex
	counts map[Outcome]int
}

// Observe counts a.
func (t *Tally) Observe(a Attempt) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[Outcome]int{}
	}
	t.counts[a.Result]++
}

// Count returns how many attempts had the result.
func (t *Tally) Count(result Outcome) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[result]
}
