package cluster

import (
	"context"
	"testing"
	"time"
)

// stalled grants its first lease; every later ask hangs until given up (a database that
// stopped answering), or is refused when refuse is set (another process took the lease).
type stalled struct {
	asks   int
	refuse bool
}

func (s *stalled) Lease(ctx context.Context, _ string, _ time.Duration) (bool, error) {
	s.asks++
	if s.asks == 1 {
		return true, nil
	}
	if s.refuse {
		return false, nil
	}
	<-ctx.Done()
	return false, ctx.Err()
}

func (s *stalled) Release(context.Context, string) error { return nil }

// TestHoldEndsBeforeExpiry: fn's context ends before the lease can have expired when the
// renewals hang, and a third of the lease after the grant when one is refused.
func TestHoldEndsBeforeExpiry(t *testing.T) {
	const ttl = 600 * time.Millisecond
	for _, tc := range []struct {
		refuse   bool
		min, max time.Duration
	}{
		{false, ttl - ttl/6 - 20*time.Millisecond, ttl},
		{true, ttl / 3, ttl / 2},
	} {
		l := &stalled{refuse: tc.refuse}
		start := time.Now()
		var ended time.Duration
		ran, err := Once(context.Background(), l, "x", ttl, func(ctx context.Context) {
			<-ctx.Done()
			ended = time.Since(start)
		})
		if !ran || err != nil {
			t.Fatalf("refuse=%v: ran %v, %v", tc.refuse, ran, err)
		}
		if ended < tc.min || ended > tc.max {
			t.Errorf("refuse=%v: fn's context ended %s after the grant, want %s..%s", tc.refuse, ended, tc.min, tc.max)
		}
	}
}

// TestLocal: a process alone gets every claim and lease, and passes the gate at once.
func TestLocal(t *testing.T) {
	ctx := context.Background()
	var l Local
	for range 2 {
		if ok, err := l.Claim(ctx, "source:a", time.Minute); !ok || err != nil {
			t.Fatalf("Claim: %v %v", ok, err)
		}
		if ok, err := l.Lease(ctx, "outbox:a", time.Minute); !ok || err != nil {
			t.Fatalf("Lease: %v %v", ok, err)
		}
	}
	release, err := l.Host(ctx, "example.org", 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	release()
	if l.Shared() {
		t.Fatal("Local says it is shared")
	}
}
