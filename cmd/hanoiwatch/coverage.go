package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/seeds"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/discover"
	"hanoiwatch/watcher/fetch"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/schedule"
)

// discoverParallel is how many discovery jobs `discover` runs at once. The jobs of one
// site share the Discoverer's per-host limits, so this only lets different sites overlap.
const discoverParallel = 4

func (a *app) discoverCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "discover [JOB]",
		Short: "Run coverage discovery once: find new articles about the Convention and watch them",
		Long: `Reads the discovery jobs' feeds and listing pages (all enabled jobs, or the named one
even when it is disabled), takes the linked articles whose title or text matches the topic
keywords, and adds those that are not watched yet to the watch list (origin "discovered"),
each with a coverage.found event. Prints each article found, new or already watched, and
a line per job. With --json, stdout carries the coverage.found events as JSON Lines and
nothing else. The exit code is non-zero when a job could not read its feed or page; what
the other jobs found is kept.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.load(); err != nil {
				return err
			}
			defer a.close()
			jobs, err := a.discoveryJobs()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				i := slices.IndexFunc(jobs, func(j discover.Job) bool { return j.Name == args[0] })
				if i < 0 {
					names := make([]string, len(jobs))
					for i, j := range jobs {
						names[i] = j.Name
					}
					return fmt.Errorf("discover: unknown job %s (known: %s)", args[0], strings.Join(names, ", "))
				}
				jobs = jobs[i : i+1]
			} else {
				if !a.cfg.Discovery.Enabled {
					fmt.Fprintln(a.errOut, "discovery is off (discovery.enabled: false); name a job to run it anyway")
					return nil
				}
				jobs = slices.DeleteFunc(jobs, func(j discover.Job) bool { return j.Disabled })
			}
			return a.discover(cmd.Context(), jobs, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the coverage.found events as JSON Lines on stdout (the rest goes to stderr)")
	return cmd
}

// jobRun is the outcome of one job in `discover`.
type jobRun struct {
	job   discover.Job
	found []discover.Found
	out   []watcher.Outcome
	err   error
}

func (a *app) discover(ctx context.Context, jobs []discover.Job, asJSON bool) error {
	d, err := a.newDiscoverer()
	if err != nil {
		return err
	}
	router, _, err := a.notifier()
	if err != nil {
		return err
	}
	runs := make([]jobRun, len(jobs))
	sem := make(chan struct{}, discoverParallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		runs[i].job = j
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			runs[i].found, runs[i].err = d.Run(ctx, j)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	// Recorded in the jobs' order, whatever order they finished in: when two jobs find
	// the same article, the first listed is the one that found it.
	var evs []watcher.Event
	for i := range runs {
		r := &runs[i]
		if r.err != nil {
			continue
		}
		recs, outs, err := a.list.RecordFound(r.found, router, time.Now())
		if err != nil {
			return err
		}
		r.out = outs
		for k, o := range outs {
			if o.New {
				evs = append(evs, recs[k].Event)
			}
		}
	}

	report := a.out
	if asJSON {
		report = a.errOut
		enc := json.NewEncoder(a.out)
		enc.SetEscapeHTML(false)
		for _, e := range evs {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
	}
	tw := tabwriter.NewWriter(report, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FOUND\tSOURCE\tJOB\tURL\tTITLE")
	failed := 0
	for _, r := range runs {
		for k, f := range r.found {
			what := "watched"
			if r.out[k].New {
				what = "new"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", what, r.out[k].Source, r.job.Name, f.URL, truncate(f.Title, 80))
		}
	}
	tw.Flush()
	for _, r := range runs {
		if r.err != nil {
			failed++
			fmt.Fprintf(report, "%s: failed: %v\n", r.job.Name, r.err)
			continue
		}
		n := 0
		for _, o := range r.out {
			if o.New {
				n++
			}
		}
		fmt.Fprintf(report, "%s: %d found, %d new\n", r.job.Name, len(r.found), n)
	}
	if _, disp, err := a.notifier(); err == nil {
		if err := disp.Flush(ctx); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("discover: %d of %d jobs failed", failed, len(runs))
	}
	return nil
}

// discoveryJobs returns the configured discovery jobs, or the seeded ones when the config
// gives none; disabled jobs included.
func (a *app) discoveryJobs() ([]discover.Job, error) {
	if a.cfg.Discovery.Jobs == nil {
		jobs, err := discover.ParseJobs(seeds.Feeds())
		if err != nil {
			return nil, fmt.Errorf("seeds/feeds.yaml: %w", err) // embedded: a test catches it
		}
		return jobs, nil
	}
	jobs := make([]discover.Job, len(a.cfg.Discovery.Jobs))
	for i, j := range a.cfg.Discovery.Jobs {
		jobs[i] = discover.Job{Name: j.Name, URL: j.URL, Kind: j.Kind, Depth: j.Depth, MaxPages: j.MaxPages,
			Schedule: j.Schedule, Disabled: !j.Enabled}
	}
	return jobs, nil
}

// newDiscoverer builds the Discoverer of the config: the checks' fetcher (the same sites
// get the same limits) and the configured or seeded keywords.
func (a *app) newDiscoverer() (*discover.Discoverer, error) {
	kws := a.cfg.Discovery.Keywords
	if kws == nil {
		var err error
		if kws, err = discover.ParseKeywords(seeds.Keywords()); err != nil {
			return nil, fmt.Errorf("seeds/keywords.yaml: %w", err)
		}
	}
	f, err := a.fetcher()
	if err != nil {
		return nil, err
	}
	return discover.New(discover.Options{Fetcher: discoveryFetcher{f}, Logger: a.log}, discover.NewTopic(kws))
}

// discoveryFetcher is the process's fetcher as discovery asks for it.
type discoveryFetcher struct{ f *fetch.Fetcher }

func (d discoveryFetcher) Allowed(ctx context.Context, rawURL string) error {
	return d.f.Allowed(ctx, rawURL)
}

func (d discoveryFetcher) Get(ctx context.Context, rawURL, accept string, redirect func(*url.URL) error) (*watcher.Page, error) {
	return d.f.Get(ctx, fetch.Request{URL: rawURL, Accept: accept, Redirect: redirect})
}

// discovery runs the enabled discovery jobs of the config on their cron schedules, for
// `hanoiwatch run`, with one Discoverer, so that all jobs share its per-host limits,
// robots.txt cache and memory of article pages. Articles found are recorded and, when any
// is new, the watch list is re-read so that the scheduler checks them. stop ends the
// schedule and waits for the runs under way, which end quickly once ctx is done.
//
// The jobs are read once: a SIGHUP reloads sources, not discovery jobs.
func (d *daemon) discovery(ctx context.Context) (stop func()) {
	a := d.a
	noop := func() {}
	if !a.cfg.Discovery.Enabled {
		a.log.Info("coverage discovery is off")
		return noop
	}
	jobs, err := a.discoveryJobs()
	if err == nil {
		var disc *discover.Discoverer
		if disc, err = a.newDiscoverer(); err == nil {
			return d.scheduleDiscovery(ctx, disc, jobs)
		}
	}
	a.log.Error("coverage discovery not started", "err", err)
	return noop
}

func (d *daemon) scheduleDiscovery(ctx context.Context, disc *discover.Discoverer, jobs []discover.Job) func() {
	a := d.a
	l := cronLog{a.log}
	// A run still going when its next turn comes (a slow site) skips that turn rather
	// than piling up behind it.
	c := cron.New(cron.WithLogger(l), cron.WithChain(cron.Recover(l), cron.SkipIfStillRunning(l)))
	n := 0
	for _, j := range jobs {
		if j.Disabled {
			continue
		}
		spec := cmp.Or(j.Schedule, a.cfg.Discovery.Schedule)
		sched, err := config.ParseSchedule(spec)
		if err != nil { // the config was validated; only a seeded job can get here
			a.log.Error("discovery job not scheduled", "job", j.Name, "schedule", spec, "err", err)
			continue
		}
		lease := schedule.Lease(schedule.Period(sched), 0)
		c.Schedule(sched, cron.FuncJob(func() { d.discoverJob(ctx, disc, j, lease) }))
		n++
	}
	c.Start()
	a.log.Info("coverage discovery scheduled", "jobs", n)
	return func() { <-c.Stop().Done() }
}

// discoverJob runs one job and records what it found. Among daemons sharing the database,
// a turn of the job is claimed, as a source's turn is (see schedule.Lease): the job runs
// once a period in the cluster, by whichever daemon's turn comes first, and a run still
// going when its claim ends is canceled, so that no two daemons run one job at once.
func (d *daemon) discoverJob(ctx context.Context, disc *discover.Discoverer, j discover.Job, lease time.Duration) {
	a := d.a
	if c := a.coordinator(); c.Shared() {
		asked := time.Now()
		ok, err := c.Claim(ctx, "discovery:"+j.Name, lease)
		if err != nil {
			a.log.Error("discovery job not run", "job", j.Name, "err", err)
			return
		}
		if !ok {
			a.log.Debug("discovery job run by another daemon this turn", "job", j.Name)
			return
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, asked.Add(lease))
		defer cancel()
	}
	found, err := disc.Run(ctx, j)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("discovery job failed", "job", j.Name, "err", err)
		}
		return
	}
	router, _, err := a.notifier() // coverage events go where the config routes events
	if err != nil {
		a.log.Error("discovery: not recorded", "job", j.Name, "err", err)
		return
	}
	_, outs, err := a.list.RecordFound(found, router, time.Now())
	if err != nil {
		a.log.Error("discovery: not recorded", "job", j.Name, "err", err)
		return
	}
	n := 0
	for _, o := range outs {
		if o.New {
			n++
			a.log.Info("coverage found", "job", j.Name, "source", o.Source)
		}
	}
	a.log.Debug("discovery job done", "job", j.Name, "found", len(found), "new", n)
	if n > 0 {
		d.apply("coverage found")
	}
}

// cronLog sends robfig/cron's messages to slog.
type cronLog struct{ l *slog.Logger }

func (c cronLog) Info(msg string, kv ...any) { c.l.Debug("discovery cron: "+msg, kv...) }
func (c cronLog) Error(err error, msg string, kv ...any) {
	c.l.Error("discovery cron: "+msg, append(kv, "err", err)...)
}

func (a *app) coverageCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "coverage",
		Short: "Articles per site, language and week; what was found or lost in the last 30 days",
		Long: `Counts the watched articles per site, language and ISO week (of publication when
known: the feed's or page's date for discovered articles, the reports date of configured
ones; else of discovery or of the first snapshot), with how many of them are gone; then
lists the coverage.found, article.gone and article.restored events of the last 30 days.
With --json, one JSON object: {"weeks": [...], "since": ..., "recent": [events]}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			rep, err := a.reports().Coverage()
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetEscapeHTML(false)
				return enc.Encode(rep)
			}
			return printCoverage(a.out, rep)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	return cmd
}

func printCoverage(w io.Writer, r report.Coverage) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tLANG\tWEEK\tARTICLES\tGONE")
	for _, c := range r.Weeks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", c.Site, cmp.Or(c.Lang, "-"), cmp.Or(c.Week, "-"), c.Articles, c.Gone)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	n := map[string]int{}
	for _, e := range r.Recent {
		n[e.Type]++
	}
	fmt.Fprintf(w, "\nsince %s: %d found, %d lost, %d restored\n", r.Since.Local().Format("2006-01-02"),
		n[watcher.CoverageFound], n[watcher.ArticleGone], n[watcher.ArticleRestored])
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range r.Recent {
		what := map[string]string{watcher.CoverageFound: "found", watcher.ArticleGone: "lost", watcher.ArticleRestored: "restored"}[e.Type]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", stamp(e.Time), what, e.Source.Name, e.Source.URL, truncate(e.Title, 80))
	}
	return tw.Flush()
}
