package schedule

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"hanoiwatch/watcher"
)

const day = 24 * time.Hour

// The plan of an adaptive source, check by check, on a clock the test moves: Min while
// the text is young, slower the longer it stays unchanged, up to Max; Min again after a
// change; the backoff when it ends later.
func TestAdaptivePlan(t *testing.T) {
	a := Adaptive{Min: 5 * time.Minute, Max: day}
	t0 := time.Date(2025, 10, 25, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		st   watcher.State
		want time.Duration // after LastCheck; -1 for zero (due at once)
	}{
		{"never checked", watcher.State{}, -1},
		{"checked, no snapshot yet", watcher.State{LastCheck: t0}, 5 * time.Minute},
		{"just found", watcher.State{LastCheck: t0, LastChange: t0}, 5 * time.Minute},
		{"unchanged for 40 minutes", watcher.State{LastCheck: t0.Add(40 * time.Minute), LastChange: t0}, 5 * time.Minute},
		{"unchanged for 2 hours", watcher.State{LastCheck: t0.Add(2 * time.Hour), LastChange: t0}, 15 * time.Minute},
		{"unchanged for a day", watcher.State{LastCheck: t0.Add(day), LastChange: t0}, 3 * time.Hour},
		{"unchanged for a week", watcher.State{LastCheck: t0.Add(7 * day), LastChange: t0}, 21 * time.Hour},
		{"unchanged for a month", watcher.State{LastCheck: t0.Add(30 * day), LastChange: t0}, day},
		{"changed at this check", watcher.State{LastCheck: t0.Add(30 * day), LastChange: t0.Add(30 * day)}, 5 * time.Minute},
		{"backing off", watcher.State{LastCheck: t0.Add(time.Hour), LastChange: t0, RetryAt: t0.Add(7 * time.Hour)}, 6 * time.Hour},
		{"backoff over", watcher.State{LastCheck: t0.Add(time.Hour), LastChange: t0, RetryAt: t0.Add(time.Hour)}, 7*time.Minute + 30*time.Second},
	}
	for _, tt := range tests {
		got := a.Next(tt.st)
		if tt.want < 0 {
			if !got.IsZero() {
				t.Errorf("%s: next %s, want at once", tt.name, got)
			}
			continue
		}
		if d := got.Sub(tt.st.LastCheck); d != tt.want {
			t.Errorf("%s: next check %s after the last, want %s", tt.name, d, tt.want)
		}
	}
}

// The simulation's model, over a year:
//
//   - 1 000 articles, each watched from its publication (its first check, which finds it)
//     for 365 days;
//   - each is edited k times, k drawn from a Poisson law of mean 3 (some never);
//   - an edit falls in the article's first day with probability 0.8, at an exponential
//     time of mean 2 hours from publication (drawn again past 24 hours): corrections,
//     updates of a developing story; otherwise at a log-uniform time between one day and a
//     year (a late correction, a figure updated months later);
//   - a check finds every edit made since the check before; an edit's delay is the time
//     from the edit to the check that finds it;
//   - the fixed schedule checks every 30 minutes at a phase of its own (the scheduler's
//     per-source offset); the adaptive one follows Adaptive.Next from the state each check
//     leaves, with the default bounds (5 minutes, a day).
//
// No failures, no backoff: both schedules see the same answers.
type article struct {
	edits []time.Duration // since publication, sorted
	phase time.Duration   // the fixed schedule's offset
}

const year = 365 * day

func articles(n int, seed uint64) []article {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]article, n)
	for i := range out {
		a := &out[i]
		a.phase = time.Duration(r.Int64N(int64(30 * time.Minute)))
		for range poisson(r, 3) {
			var e time.Duration
			if r.Float64() < 0.8 {
				for e = time.Duration(r.ExpFloat64() * float64(2*time.Hour)); e >= day; {
					e = time.Duration(r.ExpFloat64() * float64(2*time.Hour))
				}
			} else {
				e = time.Duration(float64(day) * math.Exp(r.Float64()*math.Log(365)))
			}
			a.edits = append(a.edits, max(e, time.Second))
		}
		slices.Sort(a.edits)
	}
	return out
}

func poisson(r *rand.Rand, mean float64) int {
	k, p, l := 0, 1.0, math.Exp(-mean)
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// outcome is what a schedule did over the year: the checks made and the delay of each
// edit found.
type outcome struct {
	fetches int
	delays  []time.Duration
}

func (o *outcome) median() time.Duration { return quantile(o.delays, 0.5) }

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// simulate follows one article on the adaptive schedule: next gives a check's time from
// the state the check before left.
func simulate(a article, next func(watcher.State) time.Time, o *outcome) {
	zero := time.Time{}.Add(time.Hour) // LastCheck must not be the zero time: that means never checked
	st := watcher.State{LastCheck: zero, LastChange: zero}
	o.fetches++ // the first check, at publication
	i := 0
	for {
		at := next(st)
		if at.Sub(zero) >= year {
			return
		}
		o.fetches++
		found := false
		for ; i < len(a.edits) && zero.Add(a.edits[i]).Compare(at) <= 0; i++ {
			o.delays = append(o.delays, at.Sub(zero.Add(a.edits[i])))
			found = true
		}
		st.LastCheck = at
		if found {
			st.LastChange = at
		}
	}
}

// TestAdaptiveSimulation measures the adaptive schedule against a fixed "@every 30m" on
// the model above: fetches made over the year, and the delay from an edit to its event.
// Target (issue 18): the same or a shorter median delay with at most a fifth of the fetches.
func TestAdaptiveSimulation(t *testing.T) {
	arts := articles(1000, 18)
	fixed, adaptive := &outcome{}, &outcome{}
	plan := Adaptive{Min: 5 * time.Minute, Max: day}
	const every = 30 * time.Minute
	for _, a := range arts {
		// The fixed schedule does not depend on what it finds: its checks are the first, at
		// publication, and those at the article's phase plus multiples of 30 minutes; an
		// edit is found by the next of those.
		fixed.fetches += 1 + int((year-a.phase+every-1)/every)
		for _, e := range a.edits {
			fixed.delays = append(fixed.delays, (a.phase-e%every+every)%every)
		}
		simulate(a, plan.Next, adaptive)
	}
	edits := 0
	for _, a := range arts {
		edits += len(a.edits)
	}
	t.Logf("model: %d articles, %d edits (%.0f %% in the first day), a year each", len(arts), edits, 100*firstDay(arts))
	for _, r := range []struct {
		name string
		o    *outcome
	}{{"@every 30m", fixed}, {"adaptive min=5m max=1d", adaptive}} {
		t.Logf("%-24s %9d fetches (%5.0f per article)  delay median %-8s p75 %-10s p90 %s", r.name, r.o.fetches,
			float64(r.o.fetches)/float64(len(arts)), r.o.median().Round(time.Second), quantile(r.o.delays, 0.75).Round(time.Second),
			quantile(r.o.delays, 0.9).Round(time.Second))
	}
	t.Logf("adaptive/fixed: fetches %.3f (1/%.0f), median delay %.2f", float64(adaptive.fetches)/float64(fixed.fetches),
		float64(fixed.fetches)/float64(adaptive.fetches), float64(adaptive.median())/float64(fixed.median()))
	if len(fixed.delays) != edits || len(adaptive.delays) != edits {
		t.Fatalf("edits found: %d fixed, %d adaptive, of %d", len(fixed.delays), len(adaptive.delays), edits)
	}
	if adaptive.median() > fixed.median() || adaptive.fetches*5 > fixed.fetches {
		t.Errorf("target missed: median delay %s against %s, %d fetches against %d", adaptive.median(), fixed.median(),
			adaptive.fetches, fixed.fetches)
	}
}

func firstDay(arts []article) float64 {
	n, in := 0, 0
	for _, a := range arts {
		for _, e := range a.edits {
			n++
			if e < day {
				in++
			}
		}
	}
	return float64(in) / float64(n)
}

// lifeChecker records its checks in the states as the pipeline would: the first finds the
// article, and the check numbered change (if any) finds an edit.
type lifeChecker struct {
	st     *states
	mu     sync.Mutex
	times  []time.Time
	change int
}

func (c *lifeChecker) Check(_ context.Context, src watcher.Source) (watcher.Record, error) {
	now := time.Now()
	c.mu.Lock()
	c.times = append(c.times, now)
	n := len(c.times)
	c.mu.Unlock()
	st, _ := c.st.State(src.Name)
	st.LastCheck = now
	if n == 1 || n == c.change {
		st.LastChange = now
	}
	c.st.set(src.Name, st)
	return watcher.Record{Source: src.Name, State: st}, nil
}

func (c *lifeChecker) checks() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.times)
}

// bounds is an adaptive schedule as config.ParseSchedule gives one.
type bounds struct{ min, max time.Duration }

func (b bounds) Next(t time.Time) time.Time             { return t.Add(b.min) }
func (b bounds) Bounds() (time.Duration, time.Duration) { return b.min, b.max }

// The scheduler follows the plan with timers: a new source at once, then at waits that
// grow while nothing changes, Min again after a change; Next shows the turn it keeps; a
// reschedule and Stop end the turns.
func TestAdaptiveScheduler(t *testing.T) {
	const min, max = 100 * time.Millisecond, 400 * time.Millisecond
	st := &states{m: map[string]watcher.State{}}
	c := &lifeChecker{st: st, change: 16}
	s := newScheduler(st)
	s.Parse = func(spec string) (cron.Schedule, error) {
		if spec == "adaptive" {
			return bounds{min, max}, nil
		}
		return parse(spec)
	}
	s.Discovered = "adaptive"
	src := []watcher.Source{{Name: "found", Origin: "discovered"}}
	if err := s.Start(c, src); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(time.Second)
	waitFor(t, "twenty checks", func() bool { return len(c.checks()) >= 20 })
	if next := s.Next("found"); !next.After(time.Now()) || next.After(time.Now().Add(max+time.Second)) {
		t.Errorf("next check %s, now %s", next, time.Now())
	}
	times := c.checks()
	var waits []time.Duration
	for i := 1; i < len(times); i++ {
		waits = append(waits, times[i].Sub(times[i-1]))
	}
	t.Logf("waits: %v", waits)
	// Min while young: the text unchanged for less than 8 Min.
	for i, w := range waits[:7] {
		if w < min || w > min+time.Second {
			t.Errorf("wait %d: %s, want about %s", i+1, w, min)
		}
	}
	// Slower before the change (unchanged for 1.6 s or more: a fifth of a second or more);
	// Min again after it.
	if waits[14] <= min+min/2 || waits[14] > max+time.Second {
		t.Errorf("wait 15, unchanged for long: %s, want between %s and %s", waits[14], min+min/2, max)
	}
	if waits[15] >= waits[14] || waits[15] > min+time.Second {
		t.Errorf("wait 16, after the change: %s, want about %s", waits[15], min)
	}
	// Rescheduled on a cron spec: no more adaptive turns.
	if err := s.Update(c, []watcher.Source{{Name: "found", Schedule: "@every 1h"}}); err != nil {
		t.Fatal(err)
	}
	n := len(c.checks())
	time.Sleep(3 * max)
	if got := len(c.checks()); got > n+1 { // one may have been under way
		t.Errorf("%d checks after the reschedule", got-n)
	}
}
