package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/web"
)

func (a *app) sourcesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sources",
		Short: "List the watched sources with their state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.loadRead(); err != nil {
				return err
			}
			defer a.close()
			srcs, err := a.sources()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tORIGIN\tSTATUS\tLAST CHECK\tLAST CHANGE\tNEXT CHECK\tSNAPSHOTS\tURL")
			for _, s := range srcs {
				st, err := a.read().State(s.Name)
				if err != nil {
					return err
				}
				snaps, err := a.read().Snapshots(s.Name)
				if err != nil {
					return err
				}
				status := st.Status
				switch {
				case status == "":
					status = "new"
				case status == "failing" && (st.Result == watcher.ResultBlocked || st.Result == watcher.ResultNeedsScript):
					status = st.Result // why it fails, when the answer is the site's and not the network's
				}
				next := "-"
				if sched, err := config.ParseSchedule(config.Source{Schedule: s.Schedule}.EffectiveSchedule(a.cfg.Defaults)); err == nil {
					from := st.LastCheck
					if from.IsZero() {
						from = time.Now()
					}
					n := sched.Next(from)
					if st.RetryAt.After(n) { // a failing source waits out its backoff
						n = st.RetryAt
					}
					next = stamp(n)
				}
				u := s.URL
				if st.MovedTo != "" { // the article moved: where it is now
					u += " → " + st.MovedTo
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.Name, s.Origin, status, stamp(st.LastCheck),
					stamp(st.LastChange), next, len(snaps), u)
			}
			return tw.Flush()
		},
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func (a *app) addCmd() *cobra.Command {
	var add store.Added
	cmd := &cobra.Command{
		Use:   "add URL",
		Short: "Watch one more article (stored in the database)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := url.Parse(args[0])
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("add: %q is not an absolute http(s) URL", args[0])
			}
			add.URL = u.String()
			if add.Name == "" {
				add.Name = nameFor(u)
			}
			if err := validate(watcher.Source{Name: add.Name, URL: add.URL, Schedule: add.Schedule, Selector: add.Selector, Lang: add.Lang}); err != nil {
				return fmt.Errorf("add: %w", err)
			}
			r, err := a.changeThroughDaemon()
			if err != nil {
				return err
			}
			if r != nil {
				n := web.NewSource{Name: add.Name, URL: add.URL, Schedule: add.Schedule, Selector: add.Selector, Lang: add.Lang}
				if err := r.change(http.MethodPost, "/api/sources", a.cfg.HTTP.Token, n); err != nil {
					return fmt.Errorf("add: %w", err)
				}
				fmt.Fprintf(a.out, "added %s: %s (through the running daemon)\n", add.Name, add.URL)
				return nil
			}
			defer a.close()
			srcs, err := a.sources()
			if err != nil {
				return err
			}
			for _, s := range srcs {
				if s.Name == add.Name {
					return fmt.Errorf("add: a source named %q already exists (%s); choose another with --name", s.Name, s.URL)
				}
			}
			add.Time = time.Now().UTC()
			if err := a.store.AddSource(add); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "added %s: %s\n", add.Name, add.URL)
			return nil
		},
	}
	cmd.Flags().StringVar(&add.Name, "name", "", "short name (default: derived from the URL)")
	cmd.Flags().StringVar(&add.Schedule, "schedule", "", "cron spec or @every duration (default: the config's)")
	cmd.Flags().StringVar(&add.Selector, "selector", "", "CSS selector of the article body (default: automatic)")
	cmd.Flags().StringVar(&add.Lang, "lang", "", "language of the page (default: from the page)")
	return cmd
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// nameFor derives a short source name from a URL: the host's main label and the start of
// the last path segment.
func nameFor(u *url.URL) string {
	host := strings.TrimPrefix(u.Hostname(), "www.")
	if i := strings.Index(host, "."); i > 0 {
		host = host[:i]
	}
	seg := u.Path
	if i := strings.LastIndex(strings.TrimSuffix(seg, "/"), "/"); i >= 0 {
		seg = seg[i+1:]
	}
	seg = strings.Trim(nonName.ReplaceAllString(strings.ToLower(seg), "-"), "-")
	if len(seg) > 30 {
		seg = strings.TrimRight(seg[:30], "-")
	}
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(host), "-"), "-")
	if seg != "" {
		name += "-" + seg
	}
	if name == "" {
		name = "source"
	}
	return name
}

// validate checks a source added from the CLI or the API by the rules of a config file's
// sources, so that what is accepted always loads.
func validate(s watcher.Source) error {
	c := config.Default()
	c.Sources = []config.Source{{Name: s.Name, URL: s.URL, Schedule: s.Schedule, Selector: s.Selector, Lang: s.Lang}}
	return c.Validate()
}

func (a *app) removeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Stop watching a source (its history stays in the database)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.changeThroughDaemon()
			if err != nil {
				return err
			}
			if r != nil {
				if err := r.change(http.MethodDelete, "/api/sources/"+url.PathEscape(args[0]), a.cfg.HTTP.Token, nil); err != nil {
					return fmt.Errorf("remove: %w", err)
				}
				fmt.Fprintf(a.out, "removed %s (through the running daemon)\n", args[0])
				return nil
			}
			defer a.close()
			srcs, err := a.sources()
			if err != nil {
				return err
			}
			if _, err := pick(srcs, args); err != nil {
				return fmt.Errorf("remove: %w", err)
			}
			if err := a.store.RemoveSource(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "removed %s\n", args[0])
			return nil
		},
	}
}
