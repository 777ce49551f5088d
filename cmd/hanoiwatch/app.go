package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/notify"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/article"
	"hanoiwatch/watcher/cluster"
	"hanoiwatch/watcher/fetch"
	"hanoiwatch/watcher/render"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/schedule"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres"
	"hanoiwatch/watcher/treaty"
	"hanoiwatch/watcher/watchlist"
	"hanoiwatch/watcher/web/client"
)

// app holds what the subcommands share: the global flags, the loaded configuration and,
// once opened, the store.
type app struct {
	cfgPath string
	dbPath  string
	verbose bool
	daemon  bool // running `run`: log at the configured level

	stopProfile func()         // ends the --cpuprofile profile
	remote      *client.Client // the running daemon's API, when it holds the database
	router      watcher.Router
	disp        *notify.Dispatcher
	fetch       *fetch.Fetcher // every request of the process: checks, discovery, robots.txt
	out         io.Writer      // stdout: results only (JSON Lines with --json)
	errOut      io.Writer      // stderr: progress, summaries, logs

	cfg config.Config
	// list is the watch list; its Declared are the config's sources as the pipeline takes
	// them (the seeds when it declares none). cfg.Sources is dropped once converted: the
	// daemon holds 10 000 sources once, not twice (1.5 MB).
	list watchlist.List
	// browser renders the sources with render: browser: one Chromium for the process,
	// made by the first pipeline that needs it and closed by close.
	browser  *render.Browser
	store    store.DB
	coord    cluster.Coordinator // how the work is shared with the other processes on the store
	demoMark *store.Demo         // the store was made by `hanoiwatch demo`: what it watched
	log      *slog.Logger
}

func newRoot(out, errOut io.Writer) *cobra.Command {
	a := &app{out: out, errOut: errOut}
	root := &cobra.Command{
		Use:   "hanoiwatch",
		Short: "Watch news coverage of the Hanoi Convention: snapshots, diffs and figure changes",
		Long: `hanoiwatch re-fetches news articles about the UN Convention against Cybercrime
(the "Hanoi Convention"), stores snapshots of their text in a bbolt file, and reports
what changed: edited text, moved figures, articles gone or back.

With no --config it watches the five seeded articles embedded in the binary.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.cfgPath, "config", "", "YAML config file (default: none, the embedded seeds)")
	root.PersistentFlags().StringVar(&a.dbPath, "db", "", "database file (default: $HANOIWATCH_DB, else storage.path of the config, else ~/.local/share/hanoiwatch/hanoiwatch.db)")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "debug logging on stderr")
	var cpuProfile, memProfile string
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the command to this file")
	root.PersistentFlags().StringVar(&memProfile, "memprofile", "", "write a heap profile (pprof) to this file when the command ends")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentFlags().MarkHidden("memprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		a.stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return pprof.StartCPUProfile(f)
	}
	root.PersistentPostRunE = func(*cobra.Command, []string) error {
		if a.stopProfile != nil {
			a.stopProfile()
		}
		if memProfile == "" {
			return nil
		}
		f, err := os.Create(memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		return pprof.Lookup("heap").WriteTo(f, 0)
	}
	root.AddCommand(a.checkCmd(), a.runCmd(), a.sourcesCmd(), a.addCmd(), a.removeCmd(),
		a.snapshotsCmd(), a.showCmd(), a.diffCmd(), a.figuresCmd(), a.demoCmd(), a.configCmd(), a.treatyCmd())
	root.AddCommand(a.discoverCmd(), a.coverageCmd(), a.outboxCmd(), a.notifyCmd(), a.serveCmd(), a.exportCmd(), a.archiveCmd(),
		a.migrateCmd())
	return root
}

// configure reads the configuration (or the defaults), sets up the log and returns where
// the database is: --db, else $HANOIWATCH_DB (a file, or a postgres:// address), else the
// config's storage (storage.dsn with driver postgres, else storage.path).
func (a *app) configure() (database, error) {
	c := config.Default()
	if a.cfgPath != "" {
		var err error
		if c, err = config.Load(a.cfgPath); err != nil {
			return database{}, err
		}
	}
	if err := a.useConfig(c); err != nil {
		return database{}, err
	}
	a.log = a.logger(a.cfg.Log)
	for _, v := range []string{a.dbPath, os.Getenv("HANOIWATCH_DB")} {
		if v != "" {
			return databaseAt(v), nil
		}
	}
	if a.cfg.Storage.Driver == config.DriverPostgres {
		return database{config.DriverPostgres, a.cfg.Storage.DSN}, nil
	}
	return database{config.DriverBBolt, a.cfg.Storage.Path}, nil
}

// load reads the configuration (or the defaults) and opens the store.
func (a *app) load() error {
	db, err := a.configure()
	if err != nil {
		return err
	}
	r := a.cfg.Storage.Retention
	s, err := db.open(store.Options{Retention: store.Retention{MaxSnapshots: r.MaxSnapshots, MaxAge: r.MaxAge}})
	if err != nil {
		return err
	}
	return a.useStore(s)
}

// useStore makes s the open store. A database made by `hanoiwatch demo` watches what the
// demo watched, on the demo's news site, not the sources of the config or the seeds: its
// snapshots are of that site's made-up articles, and must not be shown under the URLs of
// the real ones.
func (a *app) useStore(s store.DB) error {
	a.store = s
	a.list.Store = s
	d, demo, err := s.Demo()
	if err != nil || !demo {
		return err
	}
	a.demoMark = &d
	a.list.Declared = demoSources(d)
	return nil
}

// open is load for the commands that work the same with or without the daemon: while a
// running daemon holds the database, they read through its API and send it their changes
// (with the config's http.token) instead.
func (a *app) open() error {
	err := a.load()
	if errors.Is(err, store.ErrLocked) {
		if c := client.Dial(a.cfg.HTTP.Listen, a.cfg.HTTP.Token); c != nil {
			a.remote = c
			return nil
		}
		return fmt.Errorf("%w, and no daemon answers at http.listen (%s)", err, a.cfg.HTTP.Listen)
	}
	return err
}

// reports answers the read questions: from the database, or through the daemon.
func (a *app) reports() report.Reader {
	if a.remote != nil {
		return a.remote
	}
	return a.service()
}

// service is the read models on the open store.
func (a *app) service() *report.Service {
	return &report.Service{Store: a.store, List: planned{a}, Extractor: article.Figures(), Discovered: a.store}
}

// planned is the watch list with the plan of each source's next check, the same with or
// without the daemon (schedule.Planned).
type planned struct{ a *app }

func (p planned) Sources() ([]watcher.Source, error) { return p.a.sources() }

func (p planned) Next(src watcher.Source, st watcher.State) time.Time {
	return schedule.Planned(config.ParseSchedule, p.a.cfg.Defaults.ScheduleFor(src.Schedule, src.Origin), src, st)
}

// logger builds the structured log on stderr. The one-shot commands print their results
// themselves, so their log shows warnings only unless -v; the daemon uses the configured
// level.
func (a *app) logger(c config.Log) *slog.Logger {
	level := slog.LevelWarn
	if a.daemon {
		level.UnmarshalText([]byte(c.Level))
	}
	if a.verbose {
		level = slog.LevelDebug
	}
	opt := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(a.errOut, opt))
	}
	return slog.New(slog.NewTextHandler(a.errOut, opt))
}

func (a *app) close() {
	if a.browser != nil {
		a.browser.Close()
	}
	if a.store != nil {
		a.store.Close()
	}
}

// sources returns the watch list of the open store.
func (a *app) sources() ([]watcher.Source, error) {
	return a.list.Sources()
}

// notice is what the dashboard and the API say of the open database as a whole.
func (a *app) notice() string {
	if a.demoMark != nil {
		return demoNotice(*a.demoMark)
	}
	return ""
}

// useConfig makes c the running configuration, its sources converted into the declared
// watch list. An error (a bad ignore pattern) changes nothing.
func (a *app) useConfig(c config.Config) error {
	declared, err := watchlist.Declared(c)
	if err != nil {
		return err
	}
	c.Sources = nil
	a.cfg, a.list.Declared, a.list.Render = c, declared, c.Defaults.Render
	if a.demoMark != nil { // a config reloaded on a demo database (see useStore)
		a.list.Declared = demoSources(*a.demoMark)
	}
	return nil
}

// newWatcher wires the pipeline from the configuration.
func (a *app) newWatcher() (*watcher.Watcher, error) {
	d := a.cfg.Defaults
	f, err := a.fetcher()
	if err != nil {
		return nil, err
	}
	var fetcher watcher.Fetcher = f
	if a.list.Render == config.RenderBrowser || slices.ContainsFunc(a.list.Declared, func(s watcher.Source) bool { return s.Render == watcher.RenderBrowser }) {
		b, err := a.renderer()
		if err != nil {
			return nil, err
		}
		fetcher = render.Fetcher{Plain: f, Browser: b}
	}
	// Events go where the config's notify section routes them; check and run deliver them.
	router, _, err := a.notifier()
	if err != nil {
		return nil, err
	}
	return &watcher.Watcher{
		Router:       router,
		Fetcher:      fetcher,
		Extractor:    article.Extractor{},
		Store:        a.store,
		Figures:      article.Figures(),
		SuspectAfter: d.SuspectAfter,
		FailAfter:    d.FailAfter,
		BackoffMax:   d.BackoffMax,
		Log:          a.log,
		Interpreters: map[watcher.Kind]watcher.Interpreter{watcher.KindTreatyStatus: treaty.Interpreter{}},
		// With the Wayback Machine configured, new versions are queued for it; the daemon
		// submits them (see run.go), a one-shot check only queues.
		Archive: a.cfg.Archive.Wayback.Enabled(),
	}, nil
}

// fetcher returns the process's one fetcher, built from the config the process started
// with: checks and discovery share it, so that a site gets one per-host budget and one
// robots.txt reading whoever asks; a SIGHUP does not change its settings. robots.txt
// answers are kept in the database, so that a `check` run from cron does not ask every
// site again.
func (a *app) fetcher() (*fetch.Fetcher, error) {
	if a.fetch == nil {
		d := a.cfg.Defaults
		opt := fetch.Options{UserAgent: d.UserAgent, Timeout: d.Timeout, MaxBody: d.MaxBody,
			PerHost: d.PerHost, Delay: d.Delay, MaxRedirects: redirects(d.MaxRedirects), Robots: d.Robots,
			AllowPrivate: d.AllowPrivate, Logger: a.log}
		if a.store != nil {
			opt.RobotsCache = a.store
			if c := a.coordinator(); c.Shared() {
				opt.Gate = c
			}
		}
		f, err := fetch.New(opt)
		if err != nil {
			return nil, err
		}
		a.fetch = f
	}
	return a.fetch, nil
}

// coordinated is a store several processes share, and the coordinator of this process on it
// (PostgreSQL): request is the longest one request may take.
type coordinated interface {
	Coordinator(request time.Duration) *postgres.Coord
}

// coordinator returns how this process shares the work with the others on the open store:
// claims, leases and per-host slots in a PostgreSQL database, made once; Local for a store
// held alone (bbolt) or none open yet.
func (a *app) coordinator() cluster.Coordinator {
	if a.coord != nil {
		return a.coord
	}
	db, ok := a.store.(coordinated)
	if !ok {
		return cluster.Local{}
	}
	a.coord = db.Coordinator(a.cfg.Defaults.Timeout)
	return a.coord
}

// renderer returns the process's browser, made from the config the process started with on
// first use (a SIGHUP keeps it, as it keeps the notification endpoints). Without a Chromium
// it is the error that says what to install.
func (a *app) renderer() (*render.Browser, error) {
	if a.browser == nil {
		b := a.cfg.Browser
		r, err := render.New(render.Options{Path: b.Path, MaxTabs: b.MaxTabs, Timeout: b.Timeout,
			UserAgent: a.cfg.Defaults.UserAgent, PerHost: a.cfg.Defaults.PerHost, Delay: a.cfg.Defaults.Delay, Log: a.log})
		if err != nil {
			return nil, err
		}
		a.browser = r
	}
	return a.browser, nil
}

// redirects maps the config's max_redirects, where 0 follows none, to fetch's, where 0 is
// the default.
func redirects(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// notifier returns the notification router and the dispatcher that delivers what it routes,
// built once from the config the process started with: a SIGHUP does not change endpoints.
func (a *app) notifier() (watcher.Router, *notify.Dispatcher, error) {
	if a.disp == nil {
		r, d, err := notify.FromConfig(a.cfg, a.store, a.log)
		if err != nil {
			return nil, nil, err
		}
		if c := a.coordinator(); c.Shared() {
			d.Leases = c
		}
		a.router, a.disp = r, d
	}
	return a.router, a.disp, nil
}
