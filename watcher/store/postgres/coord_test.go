package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hanoiwatch/watcher/cluster"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres/pgtest"
)

// coords opens the database n times, as n daemons would, each with its coordinator.
func coords(t *testing.T, n int, request time.Duration) []*Coord {
	t.Helper()
	dsn := pgtest.DSN(t)
	cs := make([]*Coord, n)
	for i := range cs {
		db, err := Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cs[i] = db.Coordinator(request)
	}
	return cs
}

// TestClaim: of daemons claiming one turn at once, exactly one gets it, again and again;
// nobody, the holder included, gets it again before it expires; someone does after.
func TestClaim(t *testing.T) {
	ctx := context.Background()
	cs := coords(t, 3, time.Second)
	for round := range 20 {
		name := fmt.Sprintf("source-%d", round)
		var won atomic.Int32
		var wg sync.WaitGroup
		for _, c := range cs {
			for range 3 { // three turns of each daemon, as if its scheduler fired thrice
				wg.Go(func() {
					ok, err := c.Claim(ctx, name, time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						won.Add(1)
					}
				})
			}
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%s: %d claims granted, want 1", name, won.Load())
		}
	}
	if ok, err := cs[0].Claim(ctx, "short", time.Second); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	for _, c := range cs {
		if ok, err := c.Claim(ctx, "short", time.Minute); ok || err != nil {
			t.Fatalf("claim before the expiry: %v %v, want refused", ok, err)
		}
	}
	time.Sleep(1100 * time.Millisecond)
	if ok, err := cs[1].Claim(ctx, "short", time.Minute); !ok || err != nil {
		t.Fatalf("claim after the expiry: %v %v, want granted", ok, err)
	}
}

// TestLease: the holder renews its lease, the others are refused until it is released or
// expires.
func TestLease(t *testing.T) {
	ctx := context.Background()
	cs := coords(t, 2, time.Second)
	a, b := cs[0], cs[1]
	must := func(c *Coord, ttl time.Duration, want bool) {
		t.Helper()
		ok, err := c.Lease(ctx, "outbox:hook", ttl)
		if err != nil || ok != want {
			t.Fatalf("%s: lease %v (%v), want %v", c.Holder(), ok, err, want)
		}
	}
	must(a, time.Minute, true)
	must(a, time.Minute, true) // renewed
	must(b, time.Minute, false)
	if err := b.Release(ctx, "outbox:hook"); err != nil { // not its lease: no effect
		t.Fatal(err)
	}
	must(b, time.Minute, false)
	if err := a.Release(ctx, "outbox:hook"); err != nil {
		t.Fatal(err)
	}
	must(b, time.Second, true)
	must(a, time.Minute, false)
	time.Sleep(1100 * time.Millisecond) // b died
	must(a, time.Minute, true)
}

// TestHostGate: requests to one host from three daemons never exceed perHost in flight,
// and with a delay their starts are at least the delay apart.
func TestHostGate(t *testing.T) {
	cs := coords(t, 3, 5*time.Second)
	for _, tc := range []struct {
		perHost int
		delay   time.Duration
		n       int
	}{{3, 0, 60}, {2, 200 * time.Millisecond, 6}} {
		t.Run(fmt.Sprintf("per_host=%d,delay=%s", tc.perHost, tc.delay), func(t *testing.T) {
			host := fmt.Sprintf("127.0.0.1:%d", tc.perHost)
			var (
				mu       sync.Mutex
				inflight int
				peak     int
				starts   []time.Time
			)
			var wg sync.WaitGroup
			for i := range tc.n {
				c := cs[i%len(cs)]
				wg.Go(func() {
					release, err := c.Host(context.Background(), host, tc.perHost, tc.delay)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					inflight++
					peak = max(peak, inflight)
					starts = append(starts, time.Now())
					mu.Unlock()
					time.Sleep(10*time.Millisecond + 2*tc.delay) // the request, outlasting the delay
					mu.Lock()
					inflight--
					mu.Unlock()
					release()
				})
			}
			wg.Wait()
			if peak > tc.perHost || peak < 2 {
				t.Fatalf("peak in flight %d, want 2..%d", peak, tc.perHost)
			}
			if len(starts) != tc.n {
				t.Fatalf("%d requests started, want %d", len(starts), tc.n)
			}
			if tc.delay == 0 {
				return
			}
			// The database's clock spaced the starts; this process's clock reads each a
			// little after it was due (timers, scheduling), which may bring two closer: by
			// 3.4 ms of a 30 ms delay once under the race detector on a loaded machine,
			// hence a delay long beside such lateness.
			for i := 1; i < len(starts); i++ {
				if gap := starts[i].Sub(starts[i-1]); gap < tc.delay/3 {
					t.Fatalf("starts %d and %d only %s apart, delay %s", i-1, i, gap, tc.delay)
				}
			}
			if span, want := starts[len(starts)-1].Sub(starts[0]), time.Duration(len(starts)-1)*tc.delay; span < want-tc.delay/3 {
				t.Fatalf("%d starts over %s, want at least %s", len(starts), span, want)
			}
		})
	}
}

// TestHostSlotExpires: a slot whose holder died (never released) is free again after its
// lease, the request bound plus the margin.
func TestHostSlotExpires(t *testing.T) {
	cs := coords(t, 2, 0)
	ctx := context.Background()
	if _, err := cs[0].Host(ctx, "a.example", 1, 0); err != nil { // never released
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := cs[1].Host(short, "a.example", 1, 0); err == nil {
		t.Fatal("a held slot was taken")
	}
	start := time.Now()
	release, err := cs[1].Host(ctx, "a.example", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	release()
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("waited %s for the dead holder's slot", waited)
	}
}

// TestHold: two daemons holding one named lease never work under it together; when the
// holder stops, the other takes over at its next ask, a third of the lease later.
func TestHold(t *testing.T) {
	cs := coords(t, 2, time.Second)
	const ttl = 900 * time.Millisecond
	var (
		working atomic.Int32
		overlap atomic.Bool
		who     [2]atomic.Int32
	)
	ctxs := make([]context.CancelFunc, 2)
	done := make(chan int, 2)
	for i, c := range cs {
		ctx, cancel := context.WithCancel(context.Background())
		ctxs[i] = cancel
		go func() {
			cluster.Hold(ctx, c, "wayback", ttl, func(ctx context.Context) {
				if working.Add(1) > 1 {
					overlap.Store(true)
				}
				who[i].Add(1)
				<-ctx.Done()
				working.Add(-1)
			})
			done <- i
		}()
	}
	time.Sleep(2 * ttl) // renewals keep the first holder's lease
	first := 0
	if who[1].Load() > 0 {
		first = 1
	}
	if who[first].Load() != 1 || who[1-first].Load() != 0 {
		t.Fatalf("runs before the stop: %d and %d, want one run of one daemon", who[0].Load(), who[1].Load())
	}
	ctxs[first]()
	<-done
	deadline := time.Now().Add(2 * ttl) // its next ask, a third of ttl later, under load
	for who[1-first].Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if who[1-first].Load() != 1 {
		t.Fatalf("the other daemon did not take over within %s", 2*ttl)
	}
	ctxs[1-first]()
	<-done
	if overlap.Load() {
		t.Fatal("two daemons worked under one lease at once")
	}
}
