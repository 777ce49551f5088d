package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/watcher"
)

func (a *app) runCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: check every source on its schedule until interrupted",
		Long: `Checks each source on its cron schedule (defaults.schedule unless the source has its
own), logging each event on stderr. Sources never checked, or overdue, are checked at
start. SIGINT or SIGTERM stop it: in-flight checks finish, the database is closed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.load(); err != nil {
				return err
			}
			defer a.close()
			srcs, err := a.sources()
			if err != nil {
				return err
			}
			w, err := a.newWatcher()
			if err != nil {
				return err
			}
			return a.run(cmd.Context(), w, srcs)
		},
	}
}

func (a *app) run(ctx context.Context, w *watcher.Watcher, srcs []watcher.Source) error {
	log := slog.New(slog.NewTextHandler(a.errOut, nil))
	c := cron.New(cron.WithLogger(cronLogger{log}))
	// Checks run under their own context: a signal stops the scheduling at once, but a
	// check already under way is given shutdownGrace to finish and be recorded.
	checkCtx, cancelChecks := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelChecks()
	running := map[string]*sync.Mutex{}
	checkOne := func(s watcher.Source) {
		// One source is never checked twice at once: a check that is still running when its
		// next turn (or its start-up turn) comes makes that turn a no-op.
		if !running[s.Name].TryLock() {
			log.Debug("check still running, turn skipped", "source", s.Name)
			return
		}
		defer running[s.Name].Unlock()
		rec, err := w.Check(checkCtx, s)
		if err != nil {
			log.Error("check failed to record", "source", s.Name, "err", err)
			return
		}
		for _, e := range rec.Events {
			log.Info("event", "type", e.Type, "source", e.Source.Name, "id", e.ID, "figures", len(e.Figures))
		}
	}
	var overdue []watcher.Source
	for _, s := range srcs {
		running[s.Name] = &sync.Mutex{}
		spec := config.Source{Schedule: s.Schedule}.EffectiveSchedule(a.cfg.Defaults)
		sched, err := config.ParseSchedule(spec)
		if err != nil {
			return fmt.Errorf("source %s: schedule %q: %w", s.Name, spec, err)
		}
		c.Schedule(sched, cron.FuncJob(func() { checkOne(s) }))
		st, err := a.store.State(s.Name)
		if err != nil {
			return err
		}
		if st.LastCheck.IsZero() || !sched.Next(st.LastCheck).After(time.Now()) {
			overdue = append(overdue, s)
		}
	}
	log.Info("hanoiwatch running", "sources", len(srcs), "overdue", len(overdue))
	// Overdue sources get a one-off turn soon, spread over at most a minute, rather than
	// all at once or only after a full period.
	step := time.Minute / time.Duration(max(len(overdue), 1))
	step = min(step, time.Second)
	now := time.Now().Add(time.Second) // after cron's start, which asks each schedule for its next time
	for i, s := range overdue {
		c.Schedule(once(now.Add(time.Duration(i)*step)), cron.FuncJob(func() { checkOne(s) }))
	}
	c.Start()
	<-ctx.Done()
	log.Info("stopping: waiting for checks under way", "grace", shutdownGrace)
	stopped := c.Stop()
	select {
	case <-stopped.Done():
	case <-time.After(shutdownGrace):
		cancelChecks()
		<-stopped.Done()
	}
	return nil
}

// shutdownGrace is how long checks under way may take to finish after a stop signal.
const shutdownGrace = 20 * time.Second

// once is a cron schedule that fires a single time.
type once time.Time

// Next returns the time itself until it has passed, then the zero time, which cron reads
// as "never again".
func (o once) Next(t time.Time) time.Time {
	if t.Before(time.Time(o)) {
		return time.Time(o)
	}
	return time.Time{}
}

// cronLogger sends cron's messages to slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
