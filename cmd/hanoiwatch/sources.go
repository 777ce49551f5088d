package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/watcher/watchlist"
)

func (a *app) sourcesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "List the watched sources with their state",
		Long: `Lists the watch list: each source's origin (seed, config, added, discovered), status,
last check, last change, next planned check ("due" before the first) and number of
snapshots. With --json, the same array as GET /api/sources.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			vs, err := a.reports().Sources()
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(vs)
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tORIGIN\tSTATUS\tLAST CHECK\tLAST CHANGE\tNEXT CHECK\tSNAPSHOTS\tURL")
			for _, v := range vs {
				next := stamp(v.NextCheck)
				if v.NextCheck.IsZero() {
					next = "due"
				}
				u := v.URL
				if v.State.MovedTo != "" { // the article moved: where it is now
					u += " → " + v.State.MovedTo
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", v.Name, v.Origin, v.Status, stamp(v.LastCheck),
					stamp(v.LastChange), next, v.Snapshots, u)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the API's /api/sources)")
	return cmd
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// flagName names a field of an added source as the add command's arguments do.
func flagName(field string) string {
	if field == "url" {
		return "URL"
	}
	return "--" + field
}

func (a *app) addCmd() *cobra.Command {
	var r watchlist.Request
	cmd := &cobra.Command{
		Use:   "add URL",
		Short: "Watch one more article (stored in the database)",
		Long: `Adds an article to the watch list, kept in the database. The name is --name, else one
derived from the URL (the site and the words of its path). A URL already watched, compared
in canonical form, is refused with the name it is watched under. While the daemon runs,
the source is added through its API (the config's http.token).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.URL = args[0]
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			if a.remote != nil {
				v, err := a.remote.Add(r)
				if err != nil {
					return fmt.Errorf("add: %w", err)
				}
				fmt.Fprintf(a.out, "added %s: %s (through the running daemon)\n", v.Name, v.URL)
				return nil
			}
			srcs, err := a.sources()
			if err != nil {
				return err
			}
			src, err := watchlist.Prepare(r, srcs, flagName)
			if err != nil {
				return fmt.Errorf("add: %w", err)
			}
			if err := a.list.Add(src, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "added %s: %s\n", src.Name, src.URL)
			return nil
		},
	}
	cmd.Flags().StringVar(&r.Name, "name", "", "short name (default: derived from the URL)")
	cmd.Flags().StringVar(&r.Schedule, "schedule", "", "cron spec or @every duration (default: the config's)")
	cmd.Flags().StringVar(&r.Selector, "selector", "", "CSS selector of the article body (default: automatic)")
	cmd.Flags().StringVar(&r.Lang, "lang", "", "language of the page (default: from the page)")
	return cmd
}

func (a *app) removeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Stop watching a source (its history stays in the database)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			via := ""
			if a.remote != nil {
				if err := a.remote.Remove(args[0]); err != nil {
					return fmt.Errorf("remove: %w", err)
				}
				via = " (through the running daemon)"
			} else if err := a.list.Remove(args[0]); err != nil {
				return fmt.Errorf("remove: %w", err)
			}
			fmt.Fprintf(a.out, "removed %s%s\n", args[0], via)
			return nil
		},
	}
}
