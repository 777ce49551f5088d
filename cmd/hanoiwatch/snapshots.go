package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hanoiwatch/diff"
	"hanoiwatch/watcher"
)

func (a *app) snapshotsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "snapshots NAME",
		Short: "List the stored snapshots of a source",
		Long:  `Lists a source's snapshots, oldest first. With --json, the array of GET /api/sources/NAME/snapshots.`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			snaps, err := a.reports().Snapshots(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(snaps)
			}
			if len(snaps) == 0 {
				return fmt.Errorf("%s has no snapshots yet (has it been checked? see `hanoiwatch sources`)", args[0])
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTIME\tSIZE\t+/-\tTITLE")
			for _, s := range snaps {
				fmt.Fprintf(tw, "%s\t%s\t%d\t+%d -%d\t%s\n", s.ID, s.Time.Local().Format("2006-01-02 15:04:05"), s.Size,
					s.Added, s.Removed, truncate(s.Title, 60))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the API's snapshots of the source)")
	return cmd
}

func (a *app) showCmd() *cobra.Command {
	var asJSON, raw bool
	cmd := &cobra.Command{
		Use:   "show NAME [SNAPSHOT]",
		Short: "Print the stored text of a snapshot (default: the latest); --raw: the page as served",
		Long: `Prints the text of a snapshot, the latest by default; the id may be abbreviated to any
unique prefix. With --json, the snapshot and its text as GET /api/sources/NAME/snapshots/ID;
with --raw, the body of the page the snapshot was taken from, as the site served it.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			id := ""
			if len(args) == 2 {
				id = args[1]
			}
			st, err := a.reports().Snapshot(args[0], id)
			if err != nil {
				return err
			}
			if raw {
				body, err := a.served(args[0], st.ID)
				if err != nil {
					return err
				}
				_, err = a.out.Write(body)
				return err
			}
			if asJSON {
				return a.printJSON(st)
			}
			fmt.Fprintln(a.out, st.Text)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: the snapshot with its text")
	cmd.Flags().BoolVar(&raw, "raw", false, "print the page's body as the site served it (see Evidence in the README)")
	return cmd
}

// captures is where the captures are read: the store, or the daemon's API.
func (a *app) captures() interface {
	Captures(source string) ([]watcher.Capture, error)
	Body(sha string) ([]byte, error)
} {
	if a.remote != nil {
		return a.remote
	}
	return a.store
}

// served returns the body of the page a snapshot was taken from: its latest capture that
// is not an article.gone (which is filed under the snapshot before it).
func (a *app) served(source, id string) ([]byte, error) {
	cs, err := a.captures().Captures(source)
	if err != nil {
		return nil, err
	}
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].Snapshot == id && cs[i].Event != watcher.ArticleGone {
			return a.captures().Body(cs[i].SHA256)
		}
	}
	return nil, fmt.Errorf("%s: no page kept for snapshot %s (pages are kept from this version of hanoiwatch on, and go with their snapshot by retention): %w",
		source, id, watcher.ErrNotFound)
}

func (a *app) diffCmd() *cobra.Command {
	var (
		color  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "diff NAME [FROM [TO]]",
		Short: "Diff two snapshots of a source (default: the previous and the latest)",
		Long: `Prints a unified diff between two snapshots. With no ids: previous → latest; with
one id: that snapshot → latest. Ids may be abbreviated to any unique prefix. With --json,
GET /api/sources/NAME/diff: the lines, the word-level hunks and the figures that moved.`,
		Args: cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			paint, err := colored(a.out, color)
			if err != nil {
				return err
			}
			from, to := "", ""
			switch len(args) {
			case 2:
				from = args[1]
			case 3:
				from, to = args[1], args[2]
			}
			dv, err := a.reports().Diff(args[0], from, to)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(dv)
			}
			d := dv.Diff
			if d.Empty() {
				fmt.Fprintf(a.out, "%s: %s and %s have the same text\n", args[0], dv.From, dv.To)
				return nil
			}
			out := fmt.Sprintf("--- %s %s\n+++ %s %s\n%s", args[0], dv.From, args[0], dv.To, d.Unified)
			if paint {
				out = diff.Colorize(out)
			}
			fmt.Fprint(a.out, out)
			fmt.Fprintf(a.out, "%d added, %d removed\n", d.Stats.Added, d.Stats.Removed)
			return nil
		},
	}
	cmd.Flags().StringVar(&color, "color", "auto", "colour the diff: auto, always, never")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: the diff and the figures that moved")
	return cmd
}
