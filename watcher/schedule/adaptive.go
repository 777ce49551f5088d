package schedule

import (
	"time"

	"hanoiwatch/watcher"
)

// bounded is an adaptive schedule as Scheduler.Parse gives it: its turns are planned by
// Adaptive within its bounds, and its own Next is not used.
type bounded interface {
	Bounds() (min, max time.Duration)
}

// AdaptiveRatio sets how an adaptive schedule slows down: the wait after a check is the
// time the text had gone unchanged at that check divided by AdaptiveRatio. A text
// unchanged for 40 minutes is checked again 5 minutes later, for a day 3 hours later, for
// a week 21 hours later. Chosen with the simulation in adaptive_test.go (1 000 articles, a
// year, bounds 5m and 1d): 8 makes 467 fetches an article and finds half the edits within
// 4m12s, three quarters within 15m; 4 makes 425 and 6m10s, 29m; 16 makes 543 and 3m33s,
// 7m35s. Max sets most of the fetches (one a day once an article is a week old).
const AdaptiveRatio = 8

// Adaptive plans the checks of a source on an adaptive schedule: often while its text is
// young or has just changed, less often the longer it stays unchanged, never more often
// than every Min nor less often than every Max. News articles change most in their first
// hours, and an edit is followed by others: a text that changed is watched closely again.
type Adaptive struct {
	Min, Max time.Duration
}

// Wait is the time between the check that left a source in state st and the next one:
// the time its text had gone unchanged then (since its first snapshot or its last
// change) over AdaptiveRatio, within [Min, Max]; Min for a source without a snapshot.
func (a Adaptive) Wait(st watcher.State) time.Duration {
	var quiet time.Duration
	if !st.LastChange.IsZero() {
		quiet = st.LastCheck.Sub(st.LastChange)
	}
	return min(max(quiet/AdaptiveRatio, a.Min), a.Max)
}

// Next is when a source in state st is due: Wait after its last check, or when its
// backoff ends if that is later; zero (at once) for a source never checked. It depends on
// the state only, never on the clock, so that every face shows the time the scheduler
// keeps.
func (a Adaptive) Next(st watcher.State) time.Time {
	if st.LastCheck.IsZero() {
		return time.Time{}
	}
	return later(st.LastCheck.Add(a.Wait(st)), st.RetryAt)
}
