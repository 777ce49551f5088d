// Package schedule runs checks on cron schedules (robfig/cron): one entry per source,
// spread with a fixed per-source offset so that many sources on the same schedule do not
// fire at once, never two checks of one source at the same time, failing sources held back
// until their backoff expires, overdue sources checked soon after start. Sources on an
// adaptive schedule (see Adaptive) have a timer instead, set after each check from what
// the check found.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"hanoiwatch/watcher"
)

// Checker checks one source.
type Checker interface {
	Check(ctx context.Context, src watcher.Source) (watcher.Record, error)
}

// States reads what the store knows of a source.
type States interface {
	State(source string) (watcher.State, error)
}

// Claims hands out the turns of sources among the daemons that share a database (see
// watcher/cluster): a turn is checked by the daemon whose claim is granted.
type Claims interface {
	Claim(ctx context.Context, name string, lease time.Duration) (bool, error)
}

// MaxJitter bounds the per-source offset added to every schedule.
const MaxJitter = 15 * time.Minute

// Scheduler owns the cron and the per-source entries.
type Scheduler struct {
	States States
	// Parse parses a schedule. A schedule with Bounds is adaptive (see Adaptive).
	Parse   func(spec string) (cron.Schedule, error)
	Default string // schedule of sources that have none
	// Discovered is the schedule of discovered sources that have none; "" for Default.
	Discovered string
	Log        *slog.Logger
	// Observe, when set, is called after every recorded check with how late it started.
	Observe func(src watcher.Source, rec watcher.Record, lag time.Duration)
	// Spread is the time over which the start-up turns of overdue sources are spread, in
	// whole seconds; zero means a minute, under a second all in the first second.
	Spread time.Duration
	// Claims, when set, is asked for each turn before its check (see Lease); nil when
	// this process holds the database alone. Checks on request (CheckNow) claim nothing:
	// they are the operator's, and run whatever the cluster checked this period.
	Claims Claims

	mu      sync.Mutex
	checker Checker
	cron    *cron.Cron
	entries map[string]*entry
	ctx     context.Context // checks run under it; canceled when the grace period ends
	cancel  context.CancelFunc
	started bool
	stopped bool
	adhoc   sync.WaitGroup // CheckNow's checks and start-up turns, which run outside the cron
	// Start-up turns under way, and those due that wait for one of them to end (see
	// StartupSlots).
	starting int
	waiting  []turn
}

// StartupSlots bounds the start-up turns of overdue sources under way at once. Those are
// all the sources of a new watch list, due within a minute: 10 000 of them asked for 167
// checks a second, faster than a first round of full extractions goes, and each turn
// waiting for its fetch or its extraction held a goroutine and its stack, up to 17 MB of
// stacks in the load run. A turn due while all slots are taken waits in a queue instead,
// and runs when one ends. 64 keeps the fetches of a first round busy where each takes a
// second (64 checks a second).
const StartupSlots = 64

// turn is a start-up turn: the entry and the time it was planned for.
type turn struct {
	e  *entry
	at time.Time
}

type entry struct {
	src   *watcher.Source // in the list last given to Update: a copy per entry was 1.6 MB at 10 000 sources
	spec  string
	id    cron.EntryID
	sched *tracked
	// The one-off turn of an overdue source at start: a timer, not a cron entry, since
	// cron sorts all its entries at every wake-up and removes one in linear time.
	startup   *time.Timer
	startupAt time.Time
	period    time.Duration // of sched
	running   sync.Mutex
	// An adaptive source has no cron entry but a timer, set after each of its checks (see
	// arm) for the turn due then; adaptive is nil for the others.
	adaptive *Adaptive
	timer    *time.Timer
	due      time.Time
}

// Start schedules the sources and starts the cron. Checks run with checker.
func (s *Scheduler) Start(checker Checker, sources []watcher.Source) error {
	s.mu.Lock()
	s.cron = cron.New(cron.WithLogger(cronLogger{s.Log}))
	s.entries = map[string]*entry{}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Unlock()
	if err := s.Update(checker, sources); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = true
	s.cron.Start()
	return nil
}

// Update replaces the checker and the watch list: new sources are scheduled, removed ones
// unscheduled, changed schedules applied. Checks under way finish with the old checker.
// The scheduler keeps pointers into sources, which the caller must not change afterwards.
func (s *Scheduler) Update(checker Checker, sources []watcher.Source) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Parse everything first, so that a bad schedule changes nothing.
	scheds := map[string]cron.Schedule{}
	for _, src := range sources {
		spec := s.spec(src)
		sched, err := s.Parse(spec)
		if err != nil {
			return fmt.Errorf("source %s: schedule %q: %w", src.Name, spec, err)
		}
		scheds[src.Name] = sched
	}
	s.checker = checker
	keep := map[string]bool{}
	var overdue []*entry
	for i, src := range sources {
		keep[src.Name] = true
		e := s.entries[src.Name]
		if e != nil && e.spec == s.spec(src) {
			e.src = &sources[i]
			continue
		}
		if e != nil {
			s.unschedule(e)
		} else {
			e = &entry{}
			s.entries[src.Name] = e
		}
		e.src, e.spec = &sources[i], s.spec(src)
		st, err := s.States.State(src.Name)
		if err != nil {
			return err
		}
		if b, ok := scheds[src.Name].(bounded); ok {
			min, max := b.Bounds()
			e.adaptive = &Adaptive{Min: min, Max: max}
			if due := e.adaptive.Next(st); due.After(time.Now()) {
				s.arm(e, due)
			} else {
				overdue = append(overdue, e)
			}
			continue
		}
		sched := jittered{scheds[src.Name], offset(src.Name, scheds[src.Name])}
		e.sched = &tracked{Schedule: sched}
		e.period = Period(sched)
		e.id = s.cron.Schedule(e.sched, s.job(e))
		if st.LastCheck.IsZero() || !sched.Next(st.LastCheck).After(time.Now()) {
			overdue = append(overdue, e)
		}
	}
	for name, e := range s.entries {
		if !keep[name] {
			s.unschedule(e)
			delete(s.entries, name)
		}
	}
	// Overdue sources get a one-off turn soon, spread over at most a minute in whole
	// seconds (see offset), rather than all at once or only after a full period.
	secs := 60
	if s.Spread > 0 {
		secs = int(s.Spread / time.Second)
	}
	first := time.Now().Truncate(time.Second).Add(time.Second)
	for i, e := range overdue {
		e.startupAt = first.Add(time.Duration(i*secs/max(len(overdue), secs)) * time.Second)
		e.startup = time.AfterFunc(time.Until(e.startupAt), s.startupTurn(e, e.startupAt))
	}
	return nil
}

// stopStartup cancels the entry's one-off turn, if any. Called with s.mu held.
func (e *entry) stopStartup() {
	if e.startup != nil {
		e.startup.Stop()
	}
	e.startup, e.startupAt = nil, time.Time{}
}

// unschedule takes an entry off the cron or its timer, and cancels its one-off turn.
// Called with s.mu held.
func (s *Scheduler) unschedule(e *entry) {
	if e.adaptive == nil {
		s.cron.Remove(e.id)
	}
	e.stopStartup()
	e.stopTimer()
	// e.sched stays: a cron turn that fired before the removal may still read it.
	e.adaptive = nil
}

// stopTimer cancels an adaptive entry's next turn. Called with s.mu held.
func (e *entry) stopTimer() {
	if e.timer != nil {
		e.timer.Stop()
	}
	e.timer, e.due = nil, time.Time{}
}

// arm sets an adaptive entry's next turn at due. Called with s.mu held.
func (s *Scheduler) arm(e *entry, due time.Time) {
	e.stopTimer()
	e.due = due
	e.timer = time.AfterFunc(time.Until(due), s.adaptiveTurn(e, due))
}

// rearm sets an adaptive source's next turn from its state after a check, or after a turn
// that did not check it (backing off, checked since).
func (s *Scheduler) rearm(e *entry, name string) {
	st, err := s.States.State(name)
	if err != nil {
		s.Log.Error("read state", "source", name, "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.entries[name] != e || e.adaptive == nil {
		return // stopped, removed or rescheduled meanwhile
	}
	// Never sooner than Min from now: a check that was not recorded (a store error, an
	// interruption) left the state as it was, and would make the turn due at once, again
	// and again.
	s.arm(e, later(e.adaptive.Next(st), time.Now().Add(e.adaptive.Min)))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// adaptiveTurn is an adaptive source's turn planned for due.
func (s *Scheduler) adaptiveTurn(e *entry, due time.Time) func() {
	return func() {
		s.mu.Lock()
		if s.stopped || !e.due.Equal(due) {
			s.mu.Unlock()
			return // stopped, or the turn was replaced
		}
		s.adhoc.Add(1)
		defer s.adhoc.Done()
		checker, src, ctx := s.checker, *e.src, s.ctx
		s.mu.Unlock()
		s.run(ctx, checker, e, src, due, false)
	}
}

// startupTurn is an overdue source's one-off turn at start. It runs in one of the
// StartupSlots, or waits in the queue for one; a slot runs the turns queued after its own.
func (s *Scheduler) startupTurn(e *entry, at time.Time) func() {
	return func() {
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			return // and adds nothing to adhoc, which Stop may be waiting for
		}
		if e.src.Render != "" {
			// A rendered source waits for a tab of the browser, which bounds those checks
			// itself (browser.max_tabs): in a start-up slot it would hold up the plain
			// sources queued behind it for as long as the browser is busy.
			if !e.startupAt.Equal(at) {
				s.mu.Unlock()
				return // replaced by a reload
			}
			e.startup, e.startupAt = nil, time.Time{}
			checker, src, ctx := s.checker, *e.src, s.ctx
			s.adhoc.Add(1)
			defer s.adhoc.Done()
			s.mu.Unlock()
			s.run(ctx, checker, e, src, at, false)
			return
		}
		if s.starting >= StartupSlots {
			s.waiting = append(s.waiting, turn{e, at})
			s.mu.Unlock()
			return
		}
		s.starting++
		s.adhoc.Add(1)
		defer s.adhoc.Done()
		for t, ok := (turn{e, at}), true; ok; t, ok = s.nextWaiting() {
			// Called and returning with s.mu held.
			if s.stopped || !t.e.startupAt.Equal(t.at) {
				continue // stopped, or the turn was replaced by a reload
			}
			t.e.startup, t.e.startupAt = nil, time.Time{}
			checker, src, ctx := s.checker, *t.e.src, s.ctx
			s.mu.Unlock()
			s.run(ctx, checker, t.e, src, t.at, false)
			s.mu.Lock()
		}
		s.starting--
		s.mu.Unlock()
	}
}

// nextWaiting takes the first start-up turn from the queue. Called with s.mu held.
func (s *Scheduler) nextWaiting() (turn, bool) {
	if len(s.waiting) == 0 {
		s.waiting = nil // the queue's array is the size of the first round: let it go
		return turn{}, false
	}
	t := s.waiting[0]
	s.waiting[0] = turn{}
	s.waiting = s.waiting[1:]
	return t, true
}

func (s *Scheduler) spec(src watcher.Source) string {
	switch {
	case src.Schedule != "":
		return src.Schedule
	case src.Origin == "discovered" && s.Discovered != "":
		return s.Discovered
	}
	return s.Default
}

// job is one source's turn.
func (s *Scheduler) job(e *entry) cron.Job {
	return cron.FuncJob(func() {
		s.mu.Lock()
		planned, _ := e.sched.times()
		checker, src, ctx := s.checker, *e.src, s.ctx
		s.mu.Unlock()
		s.run(ctx, checker, e, src, planned, true)
	})
}

func (s *Scheduler) run(ctx context.Context, checker Checker, e *entry, src watcher.Source, planned time.Time, regular bool) {
	// One source is never checked twice at once: a turn that comes while its check is
	// still running is skipped.
	if !e.running.TryLock() {
		s.Log.Debug("check still running, turn skipped", "source", src.Name)
		return // and the check under way sets an adaptive source's next turn
	}
	defer e.running.Unlock()
	s.mu.Lock()
	adaptive := e.adaptive != nil
	s.mu.Unlock()
	if adaptive {
		defer s.rearm(e, src.Name)
	}
	lag := time.Duration(0)
	if !planned.IsZero() {
		lag = max(time.Since(planned), 0)
	}
	// The turn is claimed before anything else is asked of the database: the daemons
	// that lose it (all but one) cost one statement each. A claimed turn that the state
	// then skips (backing off, checked since) is skipped by the cluster, as each daemon
	// would have skipped it.
	if s.Claims != nil && (regular || !planned.IsZero()) {
		claimed, cancel, ok := s.claim(ctx, e, src.Name, lag, regular || adaptive)
		if !ok {
			return
		}
		defer cancel()
		ctx = claimed
	}
	st, err := s.States.State(src.Name)
	if err != nil {
		s.Log.Error("read state", "source", src.Name, "err", err)
		return
	}
	if st.RetryAt.After(time.Now()) {
		s.Log.Debug("backing off", "source", src.Name, "until", st.RetryAt, "failures", st.Failures)
		return
	}
	if !planned.IsZero() && st.LastCheck.After(planned) {
		// Checked since this turn was planned (a start-up turn that waited for a slot
		// while the source's regular turn came, or a check on request).
		s.Log.Debug("checked since planned, turn skipped", "source", src.Name, "last", st.LastCheck)
		return
	}
	if regular && time.Since(st.LastCheck) < e.period/2 {
		// Checked moments ago (its turn at start, or on request): this turn would only
		// fetch the page again.
		s.Log.Debug("checked recently, turn skipped", "source", src.Name, "last", st.LastCheck)
		return
	}
	rec, err := checker.Check(ctx, src)
	if err != nil {
		if ctx.Err() == nil {
			s.Log.Error("check not recorded", "source", src.Name, "err", err)
		}
		return
	}
	for _, ev := range rec.Events {
		s.Log.Info("event", "type", ev.Type, "source", ev.Source.Name, "id", ev.ID, "figures", len(ev.Figures))
	}
	if rec.Check.Error != "" {
		s.Log.Warn("check failed", "source", src.Name, "result", rec.Check.Result, "err", rec.Check.Error,
			"failures", rec.State.Failures, "retry_at", rec.State.RetryAt)
	}
	if s.Observe != nil {
		s.Observe(src, rec, lag)
	}
}

// Lease is how long a source's turn is claimed for among daemons: its period less a
// margin, a quarter of the period and at most 30 s, so that the claim has expired when
// the next turn comes (every daemon plans the same turns, see offset), though the claim
// was taken a little after its turn (cron's wake-up, the database's answer). A turn
// claimed lag after it was planned is claimed for that much less, so that its claim
// still ends before the next turn. A source is thus checked once a period by the
// cluster; a daemon that dies leaves its sources to the others at their next turn after
// its claims expired, within a period and a lease of its death.
//
// The check runs under a context that ends with the claim: a check still running then
// is canceled, records nothing, and cannot overlap another daemon's check of the next
// turn. The fetch timeout (30 s by default) bounds a plain check well within the lease of
// a period of a minute or more; with shorter periods the lease is the bound.
func Lease(period, lag time.Duration) time.Duration {
	return period - min(period/4, 30*time.Second) - lag
}

// claim asks for the turn of a source. It returns the check's context, which ends when
// the claim does, and false when the turn is another daemon's, too late to claim, or the
// claim failed. A regular turn's claim is shortened by its lag; a start-up turn's is not,
// its plan being this daemon's own.
func (s *Scheduler) claim(ctx context.Context, e *entry, name string, lag time.Duration, regular bool) (context.Context, context.CancelFunc, bool) {
	s.mu.Lock()
	period := e.period
	if e.adaptive != nil {
		period = e.adaptive.Min
	}
	s.mu.Unlock()
	if !regular {
		lag = 0
	}
	lease := Lease(period, lag)
	if lease <= min(period/4, 30*time.Second) {
		s.Log.Debug("turn too late to claim, left to the next", "source", name, "lag", lag)
		return nil, nil, false
	}
	asked := time.Now() // the claim runs at most lease from now, by this clock
	ok, err := s.Claims.Claim(ctx, "source:"+name, lease)
	if err != nil {
		s.Log.Error("claim turn", "source", name, "err", err)
		return nil, nil, false
	}
	if !ok {
		s.Log.Debug("turn claimed by another daemon", "source", name)
		return nil, nil, false
	}
	c, cancel := context.WithDeadline(ctx, asked.Add(lease))
	return c, cancel, true
}

// CheckNow checks a source at once, in the background. It fails for an unknown source; a
// source whose check is under way is not checked twice.
func (s *Scheduler) CheckNow(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[name]
	if !ok {
		return fmt.Errorf("source %q: %w", name, watcher.ErrNotFound)
	}
	if s.stopped {
		return errors.New("shutting down")
	}
	checker, ctx := s.checker, s.ctx
	s.adhoc.Add(1)
	go func() {
		defer s.adhoc.Done()
		s.run(ctx, checker, e, *e.src, time.Time{}, false)
	}()
	return nil
}

// Next returns when a source is next checked, zero for an unknown source.
func (s *Scheduler) Next(name string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[name]
	if !ok || !s.started {
		return time.Time{}
	}
	if e.adaptive != nil {
		if !e.startupAt.IsZero() {
			return e.startupAt
		}
		return e.due
	}
	_, next := e.sched.times()
	if next.IsZero() { // cron has not asked yet: it starts in the background
		next = e.sched.Schedule.Next(time.Now())
	}
	if !e.startupAt.IsZero() && e.startupAt.Before(next) {
		next = e.startupAt
	}
	return next
}

// Stop stops scheduling and waits for the checks under way; after grace they are canceled
// (and record nothing), and Stop returns once they have returned.
func (s *Scheduler) Stop(grace time.Duration) {
	s.mu.Lock()
	c, cancel := s.cron, s.cancel
	s.stopped = true
	for _, e := range s.entries {
		e.stopStartup()
		e.stopTimer()
	}
	s.mu.Unlock()
	if c == nil {
		return
	}
	stopped := c.Stop().Done()
	done := make(chan struct{})
	go func() {
		<-stopped
		s.adhoc.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		s.Log.Warn("checks still running after the grace period: canceling them", "grace", grace)
		cancel()
		<-done
	}
	cancel()
}

// offset is a source's fixed place within its period: a hash of its name, so that it is
// the same across restarts, spread uniformly over min(period, MaxJitter).
//
// Offsets are whole seconds: cron sorts all its entries each time it wakes, and sources
// that share a second share a wake-up. With offsets to the nanosecond, 10 000 sources on
// "@every 1m" woke it 167 times a second, and the sorting took more CPU than the checks.
func offset(name string, sched cron.Schedule) time.Duration {
	span := min(Period(sched), MaxJitter) / time.Second
	if span <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64()%uint64(span)) * time.Second
}

// Period is the time between two turns of sched (the next two, for specs whose turns are
// not evenly spaced).
func Period(sched cron.Schedule) time.Duration {
	a := sched.Next(time.Now())
	return sched.Next(a).Sub(a)
}

// tracked records the times a schedule gave cron: the one now due (planned) and the one
// after. Asking cron itself (Cron.Entry) copies every entry, which with thousands of
// sources costs more than the checks.
type tracked struct {
	cron.Schedule
	mu            sync.Mutex
	planned, next time.Time
}

// Next asks the schedule and remembers the answer.
func (t *tracked) Next(now time.Time) time.Time {
	n := t.Schedule.Next(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.planned, t.next = t.next, n
	return n
}

func (t *tracked) times() (planned, next time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.planned, t.next
}

// jittered shifts a schedule by a fixed offset.
type jittered struct {
	cron.Schedule
	off time.Duration
}

func (j jittered) Next(t time.Time) time.Time {
	if every, ok := j.Schedule.(cron.ConstantDelaySchedule); ok {
		// "@every d" counts from the last run, so shifting it changes nothing: sources
		// added together would fire together forever. Give it a fixed phase instead,
		// the multiples of d (from the zero time) plus the offset.
		return t.Add(-j.off).Truncate(every.Delay).Add(every.Delay + j.off)
	}
	return j.Schedule.Next(t.Add(-j.off)).Add(j.off)
}

// cronLogger sends cron's messages to slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}

// Planned is when a source is due by its schedule, the same plan the Scheduler follows:
// the next turn of its jittered schedule after its last check, or the end of its backoff
// when later. Every face shows this time, with or without a daemon. It is zero for a
// source never checked (due at once) or a spec parse rejects.
func Planned(parse func(spec string) (cron.Schedule, error), spec string, src watcher.Source, st watcher.State) time.Time {
	if st.LastCheck.IsZero() {
		return time.Time{}
	}
	sched, err := parse(spec)
	if err != nil {
		return time.Time{}
	}
	if b, ok := sched.(bounded); ok {
		min, max := b.Bounds()
		return Adaptive{Min: min, Max: max}.Next(st)
	}
	next := jittered{sched, offset(src.Name, sched)}.Next(st.LastCheck)
	if st.RetryAt.After(next) { // a failing source waits out its backoff
		next = st.RetryAt
	}
	return next
}
