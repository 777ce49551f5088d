package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/notify"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/cluster"
	"hanoiwatch/watcher/schedule"
	"hanoiwatch/watcher/watchlist"
	"hanoiwatch/watcher/wayback"
	"hanoiwatch/watcher/web"
)

// shutdownGrace is how long checks under way may take to finish after a stop signal.
const shutdownGrace = 20 * time.Second

func (a *app) runCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: check every source on its schedule until stopped",
		Long: `Checks each source on its schedule (defaults.schedule unless the source has its own;
defaults.discovered_schedule, "adaptive" by default, for discovered articles), spread so
that sources on one cron schedule do not fire together; an adaptive source is checked
often while its text is young or has just changed, less often the longer it stays
unchanged. Overdue sources are checked at start. A failing source backs off (1 minute doubling up to defaults.backoff_max).
The HTTP server (http.listen, default 127.0.0.1:8787) serves /healthz, /readyz, /metrics
and the JSON API.

Signals: SIGINT or SIGTERM stop scheduling, let checks under way finish (20 s, then they
are canceled) and close the database; a second one exits at once. SIGHUP re-reads the
config file: sources added, removed or rescheduled, and the discovery jobs, without a
restart; an invalid file is logged and the running config kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.daemon = true
			if err := a.load(); err != nil {
				return err
			}
			defer a.close()
			return a.run(cmd.Context())
		},
	}
}

// daemon is the running `hanoiwatch run`: the scheduler and the watch list, which the
// HTTP API reads and changes.
type daemon struct {
	a     *app
	sched *schedule.Scheduler
	mets  *web.Metrics

	mu      sync.Mutex
	sources []watcher.Source
	addMu   sync.Mutex

	// The discovery jobs' schedule, rebuilt from the config on SIGHUP. Used by run's
	// goroutine only.
	ctx           context.Context
	stopDiscovery func()
}

// The daemon's garbage collector, unless GOGC or GOMEMLIMIT say otherwise. A daemon runs
// for months, often on a small machine: its heap may grow by 40 % of its live size between
// collections (GOGC 40), not by all of it. In the load run at 10 000 sources, GOGC 50 gave
// a peak RSS of 65 MiB (43 anonymous) and 0.53 ms of CPU per steady check, GOGC 40 62 MiB
// (40 anonymous) and 0.61 ms. A soft limit cannot do that job: the first round of
// thousands of extractions needs its room, and at 56 or 64 MiB the collector ran without
// pause; daemonMemoryLimit only caps bursts.
const (
	daemonGCPercent   = 40
	daemonMemoryLimit = 192 << 20
)

func (a *app) run(ctx context.Context) error {
	tuneGC(daemonGCPercent, daemonMemoryLimit)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d := &daemon{a: a, mets: web.NewMetrics(reg)}
	router, disp, err := a.notifier()
	if err != nil {
		return err
	}
	disp.Observer = notify.NewMetrics(reg, a.store, slices.Sorted(maps.Keys(disp.Senders)), a.log)
	d.sched = &schedule.Scheduler{States: a.store, Parse: config.ParseSchedule, Default: a.cfg.Defaults.Schedule,
		Discovered: a.cfg.Defaults.DiscoveredSchedule, Log: a.log, Observe: d.mets.Observe}
	// Daemons sharing the database check each turn of a source once between them.
	coord := a.coordinator()
	if coord.Shared() {
		d.sched.Claims = coord
	}
	w, srcs, err := d.load()
	if err != nil {
		return err
	}
	// Listen first: a port in use must stop the start before anything runs.
	var ln net.Listener
	if l := a.cfg.HTTP.Listen; l != "" && l != "off" {
		if ln, err = net.Listen("tcp", l); err != nil {
			return fmt.Errorf("http: listen %s: %w", l, err)
		}
	}
	if err := d.sched.Start(w, srcs); err != nil {
		if ln != nil {
			ln.Close()
		}
		return err
	}
	d.ctx = ctx
	d.stopDiscovery = d.discovery(ctx)
	d.setSources(srcs)
	// Deliveries run until the checks and the HTTP server have stopped, so that nothing
	// recorded during shutdown waits for the next start.
	dctx, stopDelivery := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDelivery()
	delivered := make(chan error, 1)
	go func() { delivered <- disp.Run(dctx) }()
	// The Wayback Machine's queue, when configured, is worked through in the background
	// like the deliveries, and stops with them.
	archived := make(chan error, 1)
	if wb := a.cfg.Archive.Wayback; wb.Enabled() {
		arch := &wayback.Archiver{Endpoint: wb.Endpoint, AccessKey: wb.AccessKey, SecretKey: wb.SecretKey, Store: a.store,
			Router: router, Client: &http.Client{}, Log: a.log}
		if coord.Shared() {
			// One daemon at a time works through the shared queue: two would submit the
			// same job.
			go func() {
				cluster.Hold(dctx, coord, "wayback", cluster.LeaseTTL, func(ctx context.Context) { arch.Run(ctx) })
				archived <- nil
			}()
		} else {
			go func() { archived <- arch.Run(dctx) }()
		}
	} else {
		archived <- nil
	}

	var srv *http.Server
	if ln != nil {
		api := &web.Server{Reports: a.service(), Changes: d, Outbox: a.store, Requeuer: a.store, Captures: a.store, Screenshots: a.store, Token: a.cfg.HTTP.Token, Notice: a.notice(),
			Gatherer: reg, Log: a.log, Ready: func() error { return nil }}
		srv = &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("http server", "err", err)
			}
		}()
		a.log.Info("http server listening", "addr", ln.Addr().String())
	}
	a.log.Info("hanoiwatch running", "sources", len(srcs), "db", a.store.Path())

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var poll <-chan time.Time // the shared watch list's changes, made by other processes
	if a.coordinator().Shared() {
		t := time.NewTicker(watchlistPoll)
		defer t.Stop()
		poll = t.C
	}
	for ctx.Err() == nil {
		select {
		case <-hup:
			d.reload()
		case <-poll:
			d.refresh()
		case <-ctx.Done():
		}
	}
	// A second signal while we wind down exits at once.
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-quit
		a.log.Warn("second signal: exiting now")
		os.Exit(1)
	}()
	a.log.Info("stopping: waiting for checks under way", "grace", shutdownGrace)
	d.stopDiscovery()
	d.sched.Stop(shutdownGrace)
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}
	stopDelivery()
	<-delivered
	<-archived
	a.log.Info("stopped")
	return nil
}

// load builds the pipeline and the watch list from the current config and store.
func (d *daemon) load() (*watcher.Watcher, []watcher.Source, error) {
	w, err := d.a.newWatcher()
	if err != nil {
		return nil, nil, err
	}
	srcs, err := d.a.sources()
	if err != nil {
		return nil, nil, err
	}
	for _, s := range srcs {
		st, err := d.a.store.State(s.Name)
		if err != nil {
			return nil, nil, err
		}
		d.mets.SetState(s.Name, st.Status)
	}
	return w, srcs, nil
}

// reload re-reads the config file (SIGHUP). The database stays the one opened at start.
func (d *daemon) reload() {
	a := d.a
	if a.cfgPath == "" {
		a.log.Info("SIGHUP: no config file to reload; refreshing the watch list")
	} else {
		c, err := config.Load(a.cfgPath)
		if err != nil {
			a.log.Error("SIGHUP: config not reloaded, keeping the running one", "err", err)
			return
		}
		old := a.cfg.Storage.Path
		if err := a.useConfig(c); err != nil {
			a.log.Error("SIGHUP: config not reloaded, keeping the running one", "err", err)
			return
		}
		if c.Storage.Path != old {
			a.log.Warn("SIGHUP: storage.path changed; it applies at the next start")
		}
	}
	d.apply("config reloaded")
	// The discovery jobs follow the config too; a run under way finishes first.
	d.stopDiscovery()
	d.stopDiscovery = d.discovery(d.ctx)
}

// apply rebuilds the pipeline and gives the scheduler the new watch list.
func (d *daemon) apply(why string) error {
	w, srcs, err := d.load()
	if err == nil {
		d.sched.Default, d.sched.Discovered = d.a.cfg.Defaults.Schedule, d.a.cfg.Defaults.DiscoveredSchedule
		err = d.sched.Update(w, srcs)
	}
	if err != nil {
		d.a.log.Error(why+": not applied, keeping the running watch list", "err", err)
		return err
	}
	old := d.setSources(srcs)
	keep := map[string]bool{}
	for _, s := range srcs {
		keep[s.Name] = true
	}
	for _, s := range old {
		if !keep[s.Name] {
			d.mets.Forget(s.Name)
		}
	}
	d.a.log.Info(why, "sources", len(srcs))
	return nil
}

// watchlistPoll is how often a daemon on a shared database reads the watch list again: a
// source added or removed from another machine (the CLI, another daemon's API, its
// discovery) is scheduled or dropped here within this time.
const watchlistPoll = 5 * time.Second

// refresh applies the shared watch list's changes made by other processes, if any.
func (d *daemon) refresh() {
	srcs, err := d.a.sources()
	if err != nil {
		d.a.log.Warn("reading the shared watch list", "err", err)
		return
	}
	d.mu.Lock()
	same := slices.EqualFunc(srcs, d.sources, func(x, y watcher.Source) bool {
		return x.Name == y.Name && x.URL == y.URL && x.Schedule == y.Schedule
	})
	d.mu.Unlock()
	if !same {
		d.apply("watch list changed in the shared database")
	}
}

func (d *daemon) setSources(srcs []watcher.Source) []watcher.Source {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.sources
	d.sources = srcs
	return old
}

// CheckNow checks a source at once.
func (d *daemon) CheckNow(name string) error { return d.sched.CheckNow(name) }

// Add watches one more source (kept in the database), by the watch list's rules.
func (d *daemon) Add(r watchlist.Request) (watcher.Source, error) {
	d.addMu.Lock() // two adds of one URL at once must not both pass Prepare
	defer d.addMu.Unlock()
	srcs, err := d.a.sources()
	if err != nil {
		return watcher.Source{}, err
	}
	src, err := watchlist.Prepare(r, srcs, func(f string) string { return f })
	if err != nil {
		return src, err
	}
	if err := d.a.list.Add(src, time.Now()); err != nil {
		return src, err
	}
	return src, d.apply("source added: " + src.Name)
}

// Remove stops watching a source.
func (d *daemon) Remove(name string) error {
	if err := d.a.list.Remove(name); err != nil {
		return err
	}
	return d.apply("source removed: " + name)
}

var _ web.Changes = (*daemon)(nil)
