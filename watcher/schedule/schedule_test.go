package schedule

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"hanoiwatch/watcher"
)

// checker counts checks and how many run at once per source.
type checker struct {
	mu       sync.Mutex
	checks   map[string]int
	running  map[string]int
	overlap  atomic.Bool
	inflight int // checks under way, of all sources
	most     int // the most inflight ever was
	delay    time.Duration
	failures map[string]bool
}

func newChecker(delay time.Duration) *checker {
	return &checker{checks: map[string]int{}, running: map[string]int{}, failures: map[string]bool{}, delay: delay}
}

func (c *checker) Check(ctx context.Context, src watcher.Source) (watcher.Record, error) {
	c.mu.Lock()
	c.running[src.Name]++
	if c.running[src.Name] > 1 {
		c.overlap.Store(true)
	}
	c.inflight++
	c.most = max(c.most, c.inflight)
	c.mu.Unlock()
	select {
	case <-time.After(c.delay):
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running[src.Name]--
	c.inflight--
	if ctx.Err() != nil {
		return watcher.Record{}, ctx.Err()
	}
	c.checks[src.Name]++
	return watcher.Record{Source: src.Name, Check: watcher.Check{Time: time.Now(), Result: watcher.ResultUnchanged}}, nil
}

func (c *checker) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checks[name]
}

// states is an in-memory state table.
type states struct {
	mu sync.Mutex
	m  map[string]watcher.State
}

func (s *states) State(name string) (watcher.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[name], nil
}

func (s *states) set(name string, st watcher.State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[name] = st
}

func parse(spec string) (cron.Schedule, error) {
	return cron.ParseStandard(spec)
}

func newScheduler(st *states) *Scheduler {
	return &Scheduler{States: st, Parse: parse, Default: "@every 1h", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOverdueSourcesAreCheckedAtStart(t *testing.T) {
	st := &states{m: map[string]watcher.State{
		"fresh": {LastCheck: time.Now()},                     // checked just now: waits for its turn
		"stale": {LastCheck: time.Now().Add(-3 * time.Hour)}, // overdue
	}}
	c := newChecker(0)
	s := newScheduler(st)
	if err := s.Start(c, []watcher.Source{{Name: "never"}, {Name: "fresh"}, {Name: "stale"}}); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(time.Second)
	waitFor(t, "overdue checks", func() bool { return c.count("never") == 1 && c.count("stale") == 1 })
	time.Sleep(200 * time.Millisecond)
	if c.count("fresh") != 0 {
		t.Fatalf("fresh source checked %d times at start", c.count("fresh"))
	}
	if n := s.Next("fresh"); n.Before(time.Now()) || n.After(time.Now().Add(time.Hour+MaxJitter)) {
		t.Fatalf("next check of fresh: %v", n)
	}
	// The one-off turns are gone from cron once they have come: one entry per source.
	waitFor(t, "one-off turns removed", func() bool { return len(s.cron.Entries()) == 3 })
}

// A first round larger than the start-up slots runs in them, queued, and checks every
// source once.
func TestStartupSlots(t *testing.T) {
	st := &states{m: map[string]watcher.State{}}
	c := newChecker(100 * time.Millisecond)
	s := newScheduler(st)
	s.Spread = time.Nanosecond // all due at once
	// No regular turn may fall in the test: "@every 1h" has one in the first quarter of
	// every hour (the offsets), and it would run beside the start-up slots.
	s.Default = "@every 8760h"
	var srcs []watcher.Source
	for i := range 2*StartupSlots + 10 {
		srcs = append(srcs, watcher.Source{Name: fmt.Sprintf("s%03d", i)})
	}
	if err := s.Start(c, srcs); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(time.Second)
	waitFor(t, "every source checked", func() bool {
		for _, src := range srcs {
			if c.count(src.Name) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(200 * time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.most > StartupSlots || c.most < StartupSlots/2 {
		t.Errorf("%d start-up turns at once, want at most %d (and many)", c.most, StartupSlots)
	}
	for _, src := range srcs {
		if n := c.checks[src.Name]; n != 1 {
			t.Errorf("%s checked %d times, want 1", src.Name, n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.starting != 0 || len(s.waiting) != 0 {
		t.Errorf("after the first round: %d slots taken, %d turns waiting", s.starting, len(s.waiting))
	}
}

// gated holds the checks of rendered sources until open is closed, as a busy browser would.
type gated struct {
	open  chan struct{}
	plain atomic.Int32
}

func (g *gated) Check(ctx context.Context, src watcher.Source) (watcher.Record, error) {
	if src.Render != "" {
		select {
		case <-g.open:
		case <-ctx.Done():
			return watcher.Record{}, ctx.Err()
		}
	} else {
		g.plain.Add(1)
	}
	return watcher.Record{Source: src.Name, Check: watcher.Check{Time: time.Now(), Result: watcher.ResultUnchanged}}, nil
}

// Rendered sources waiting for the browser take no start-up slot: a plain source due after
// more of them than there are slots is checked while they wait.
func TestRenderedTurnsOwnSlots(t *testing.T) {
	st := &states{m: map[string]watcher.State{}}
	g := &gated{open: make(chan struct{})}
	s := newScheduler(st)
	s.Spread = time.Nanosecond
	var srcs []watcher.Source
	for i := range StartupSlots + 10 {
		srcs = append(srcs, watcher.Source{Name: fmt.Sprintf("r%03d", i), Render: watcher.RenderBrowser})
	}
	srcs = append(srcs, watcher.Source{Name: "plain"})
	if err := s.Start(g, srcs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the plain source checked while the rendered ones wait", func() bool { return g.plain.Load() == 1 })
	close(g.open)
	s.Stop(time.Second)
}

// A start-up turn that waited while the source was checked otherwise is skipped.
func TestQueuedTurnCheckedMeanwhile(t *testing.T) {
	st := &states{m: map[string]watcher.State{}}
	c := newChecker(0)
	s := newScheduler(st)
	e := &entry{src: &watcher.Source{Name: "a"}, period: time.Hour}
	planned := time.Now()
	st.set("a", watcher.State{LastCheck: planned.Add(time.Second)})
	s.run(context.Background(), c, e, *e.src, planned, false)
	if c.count("a") != 0 {
		t.Fatal("a turn planned before the last check ran")
	}
	st.set("a", watcher.State{LastCheck: planned.Add(-2 * time.Hour)})
	s.run(context.Background(), c, e, *e.src, planned, false)
	if c.count("a") != 1 {
		t.Fatal("an overdue turn did not run")
	}
}

func TestNeverTwiceAtOnce(t *testing.T) {
	st := &states{m: map[string]watcher.State{}}
	c := newChecker(1500 * time.Millisecond) // longer than the schedule's period
	s := newScheduler(st)
	if err := s.Start(c, []watcher.Source{{Name: "slow", Schedule: "@every 1s"}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		s.CheckNow("slow")
		time.Sleep(300 * time.Millisecond)
	}
	s.Stop(5 * time.Second)
	if c.overlap.Load() {
		t.Fatal("two checks of one source ran at the same time")
	}
	if c.count("slow") == 0 {
		t.Fatal("no check ran")
	}
}

func TestBackoffSkipsTurns(t *testing.T) {
	st := &states{m: map[string]watcher.State{"down": {LastCheck: time.Now(), Failures: 3, RetryAt: time.Now().Add(time.Hour)}}}
	c := newChecker(0)
	s := newScheduler(st)
	if err := s.Start(c, []watcher.Source{{Name: "down", Schedule: "@every 1s"}, {Name: "up", Schedule: "@every 1s"}}); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(time.Second)
	waitFor(t, "checks of the healthy source", func() bool { return c.count("up") >= 2 })
	if n := c.count("down"); n != 0 {
		t.Fatalf("source in backoff checked %d times", n)
	}
	st.set("down", watcher.State{LastCheck: time.Now()})
	waitFor(t, "the recovered source back on schedule", func() bool { return c.count("down") >= 1 })
}

func TestUpdate(t *testing.T) {
	st := &states{m: map[string]watcher.State{"a": {LastCheck: time.Now()}, "b": {LastCheck: time.Now()}}}
	c := newChecker(0)
	s := newScheduler(st)
	if err := s.Start(c, []watcher.Source{{Name: "a"}, {Name: "b"}}); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(time.Second)
	if err := s.Update(c, []watcher.Source{{Name: "a", Schedule: "bad spec"}}); err == nil {
		t.Fatal("a bad schedule was accepted")
	}
	if s.Next("b").IsZero() {
		t.Fatal("a rejected update changed the watch list")
	}
	c2 := newChecker(0)
	if err := s.Update(c2, []watcher.Source{{Name: "a", Schedule: "@every 1s"}, {Name: "c"}}); err != nil {
		t.Fatal(err)
	}
	if !s.Next("b").IsZero() {
		t.Fatal("removed source still scheduled")
	}
	waitFor(t, "rescheduled source on the new checker", func() bool { return c2.count("a") >= 1 && c2.count("c") == 1 })
	if c.count("a") != 0 {
		t.Fatal("old checker used after the update")
	}
}

func TestJitterSpreadsSources(t *testing.T) {
	sched, _ := parse("@every 1h")
	seen := map[time.Duration]bool{}
	for i := 0; i < 1000; i++ {
		off := offset(fmt.Sprintf("source-%d", i), sched)
		if off < 0 || off >= MaxJitter {
			t.Fatalf("offset %v out of range", off)
		}
		seen[off/time.Minute] = true
	}
	if len(seen) < 15 { // 1000 sources fall in every minute of the 15-minute window
		t.Fatalf("1000 sources fall in only %d distinct minutes", len(seen))
	}
	// The offset depends on the name alone, so a source keeps its place across restarts:
	// this value must not change from one build to the next. (It changed once, when
	// offsets became whole seconds.)
	if got := offset("vtv", sched); got != 871*time.Second {
		t.Fatalf("offset of vtv on @every 1h = %s, was 14m31s", got)
	}
	if off := offset("vtv", sched); off%time.Second != 0 {
		t.Fatalf("offset %s is not whole seconds: sources would not share cron's wake-ups", off)
	}
}

// Sources added at the same moment fire spread over their period, on "@every" schedules
// (which count from the last run) as on cron specs, and keep their place turn after turn.
func TestJitteredTimesSpread(t *testing.T) {
	start := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
	for _, spec := range []string{"@every 1h", "@every 1m", "0 * * * *"} {
		sched, err := parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		first := sched.Next(start)
		period := sched.Next(first).Sub(first)
		slots := map[time.Duration]bool{}
		for i := range 1000 {
			j := jittered{sched, offset(fmt.Sprintf("source-%d", i), sched)}
			n := j.Next(start)
			if !n.After(start) || n.Sub(start) > period+MaxJitter {
				t.Fatalf("%s: next %s after %s", spec, n, start)
			}
			if again := j.Next(n); again.Sub(n) != period {
				t.Fatalf("%s: %s then %s, not a period apart", spec, n, again)
			}
			slots[n.Sub(start)*60/min(period, MaxJitter)] = true
		}
		if len(slots) < 50 {
			t.Fatalf("%s: 1000 sources fire in %d of 60 slots of their window", spec, len(slots))
		}
	}
}

func TestStopCancelsAfterGrace(t *testing.T) {
	st := &states{m: map[string]watcher.State{}}
	c := newChecker(time.Hour)
	s := newScheduler(st)
	if err := s.Start(c, []watcher.Source{{Name: "stuck"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the check to start", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.running["stuck"] == 1
	})
	start := time.Now()
	s.Stop(300 * time.Millisecond)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Stop took %v", d)
	}
	if c.count("stuck") != 0 {
		t.Fatal("a canceled check was counted as done")
	}
}

// A regular turn that comes less than half a period after the last check (the source's
// turn at start, a check on request) is skipped; a turn at start or on request is not.
func TestRecentCheckSkipsTurn(t *testing.T) {
	st := &states{m: map[string]watcher.State{"fresh": {LastCheck: time.Now().Add(-10 * time.Minute)}}}
	s := newScheduler(st)
	c := newChecker(0)
	e := &entry{period: time.Hour}
	src := watcher.Source{Name: "fresh"}
	s.run(context.Background(), c, e, src, time.Now(), true)
	if n := c.count("fresh"); n != 0 {
		t.Fatalf("checked %d times 10 minutes after its last check on an hourly schedule", n)
	}
	s.run(context.Background(), c, e, src, time.Time{}, false)
	if n := c.count("fresh"); n != 1 {
		t.Fatalf("a check on request ran %d times", n)
	}
	st.set("fresh", watcher.State{LastCheck: time.Now().Add(-40 * time.Minute)})
	s.run(context.Background(), c, e, src, time.Now(), true)
	if n := c.count("fresh"); n != 2 {
		t.Fatalf("a turn 40 minutes after the last check ran %d times", n)
	}
}

// memClaims is the claims of a database several schedulers share, in memory.
type memClaims struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (c *memClaims) Claim(_ context.Context, name string, lease time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Now().Before(c.until[name]) {
		return false, nil
	}
	c.until[name] = time.Now().Add(lease)
	return true, nil
}

// TestClaims: two daemons with the same watch list check each source once a turn between
// them, never both, and miss no turn: the claim of a turn has expired when the next comes.
func TestClaims(t *testing.T) {
	st := &states{m: map[string]watcher.State{}}
	var srcs []watcher.Source
	for i := range 6 {
		name := fmt.Sprintf("s%d", i)
		srcs = append(srcs, watcher.Source{Name: name, URL: "http://127.0.0.1/" + name, Schedule: "@every 1s"})
		st.set(name, watcher.State{LastCheck: time.Now()}) // not overdue: regular turns only
	}
	claims := &memClaims{until: map[string]time.Time{}}
	c := newChecker(50 * time.Millisecond)
	var scheds []*Scheduler
	for range 2 {
		s := newScheduler(st)
		s.Claims = claims
		if err := s.Start(c, srcs); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	start := time.Now()
	time.Sleep(4200 * time.Millisecond)
	for _, s := range scheds {
		s.Stop(time.Second)
	}
	turns := int(time.Since(start) / time.Second) // 4, maybe 5 with the stop
	for _, src := range srcs {
		if n := c.count(src.Name); n < 4 || n > turns {
			t.Errorf("%s checked %d times in %d turns of two daemons, want one a turn", src.Name, n, turns)
		}
	}
	if c.overlap.Load() {
		t.Error("a source was checked twice at once")
	}
}

// TestLease: a claim ends a margin before the next turn, less the turn's lag.
func TestLease(t *testing.T) {
	for _, tc := range []struct{ period, lag, want time.Duration }{
		{2 * time.Second, 0, 1500 * time.Millisecond},
		{2 * time.Second, 200 * time.Millisecond, 1300 * time.Millisecond},
		{time.Minute, 0, 45 * time.Second},
		{time.Hour, 0, time.Hour - 30*time.Second},
	} {
		if got := Lease(tc.period, tc.lag); got != tc.want {
			t.Errorf("Lease(%s, %s) = %s, want %s", tc.period, tc.lag, got, tc.want)
		}
	}
}

// TestClaimEndsCheck: a check still running when its claim ends is canceled, so that it
// cannot overlap the next turn's check by another daemon.
func TestClaimEndsCheck(t *testing.T) {
	st := &states{m: map[string]watcher.State{"slow": {LastCheck: time.Now()}}}
	s := newScheduler(st)
	s.Claims = &memClaims{until: map[string]time.Time{}}
	c := newChecker(5 * time.Second)
	if err := s.Start(c, []watcher.Source{{Name: "slow", URL: "http://127.0.0.1/slow", Schedule: "@every 1s"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	s.Stop(10 * time.Second)
	if n := c.count("slow"); n != 0 || c.most != 1 {
		t.Fatalf("%d checks recorded, %d at most at once; want none recorded, the first canceled at the end of its claim", n, c.most)
	}
}
