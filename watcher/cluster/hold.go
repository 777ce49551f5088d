package cluster

import (
	"context"
	"time"
)

// LeaseTTL is how long a named lease of singleton work lasts unrenewed: Hold renews it
// every third of that, and another process takes the work over at most a LeaseTTL and a
// third after its holder died (the expiry, then its next ask). Short, since renewing
// costs one statement; long enough that a slow database does not lose it.
const LeaseTTL = 10 * time.Second

// Hold runs fn as long as ctx lasts, in this process only while it holds the named
// lease: it asks for the lease every ttl/3 until it gets it, then runs fn under a context
// that ends with ctx or as soon as the lease may be lost, renewing the lease every ttl/3
// meanwhile. fn's context ends before the lease can expire: after a refused renewal at
// once, and when renewals fail or lag (the database is unreachable or slow) a sixth of ttl
// before the last granted one runs out (see renew), so that two processes never work
// under one name at the same time. When fn returns, the lease is
// released; if ctx is still live, Hold asks for the lease again at its next tick and runs
// fn anew. It returns ctx's error once ctx is done; the database's errors are retried.
func Hold(ctx context.Context, l Leases, name string, ttl time.Duration, fn func(context.Context)) error {
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	for {
		hold(ctx, l, name, ttl, fn) // refused, failed or lost alike: ask again at the next tick
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Once runs fn once if this process gets the named lease now, renewing it while fn runs
// and releasing it after, and reports whether fn ran: what a one-shot command does with
// work a daemon may be doing.
func Once(ctx context.Context, l Leases, name string, ttl time.Duration, fn func(context.Context)) (bool, error) {
	return hold(ctx, l, name, ttl, fn)
}

// hold takes the lease and runs fn under it, if the lease is granted.
func hold(ctx context.Context, l Leases, name string, ttl time.Duration, fn func(context.Context)) (bool, error) {
	asked := time.Now()
	ok, err := l.Lease(ctx, name, ttl)
	if err != nil || !ok {
		return false, err
	}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		renew(fctx, cancel, l, name, ttl, asked)
	}()
	fn(fctx)
	cancel()
	<-done
	// Given back under a context of its own: ctx may be over, and a lease left to expire
	// would hold the others up for ttl.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), ttl/3)
	defer rcancel()
	return true, l.Release(rctx, name)
}

// renew renews the lease every ttl/3 until ctx ends, and calls cancel when a renewal is
// refused (another process took the lease) or when the lease may run out unrenewed: a
// sixth of ttl before ttl has passed since the last granted request was sent, by this
// process's clock. The database set that lease's expiry later than the request was sent,
// so fn's context ends at least ttl/6 before anyone else can take the lease, whatever the
// database's delays (a renewal is abandoned at that moment too).
func renew(ctx context.Context, cancel context.CancelFunc, l Leases, name string, ttl time.Duration, granted time.Time) {
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	end := granted.Add(ttl - ttl/6)
	expire := time.NewTimer(time.Until(end))
	defer expire.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-expire.C:
			cancel()
			return
		case <-tick.C:
		}
		asked := time.Now()
		rctx, rcancel := context.WithDeadline(ctx, end)
		ok, err := l.Lease(rctx, name, ttl)
		rcancel()
		switch {
		case err == nil && !ok, time.Now().After(end):
			cancel()
			return
		case err == nil:
			end = asked.Add(ttl - ttl/6)
			expire.Reset(time.Until(end))
		}
	}
}
