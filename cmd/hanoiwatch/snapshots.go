package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"hanoiwatch/diff"
	"hanoiwatch/watcher"
)

func (a *app) snapshotsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "snapshots NAME",
		Short: "List the stored snapshots of a source",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.loadRead(); err != nil {
				return err
			}
			defer a.close()
			snaps, err := a.read().Snapshots(args[0])
			if err != nil {
				return err
			}
			if len(snaps) == 0 {
				return a.noSnapshots(args[0])
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
}

func (a *app) showCmd() *cobra.Command {
	var raw bool
	cmd := &cobra.Command{
		Use:   "show NAME [SNAPSHOT]",
		Short: "Print the stored text of a snapshot (default: the latest); --raw: the page as served",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.loadRead(); err != nil {
				return err
			}
			defer a.close()
			ids, err := a.resolve(args[0], args[1:], 1)
			if err != nil {
				return err
			}
			if raw {
				body, err := a.served(args[0], ids[0])
				if err != nil {
					return err
				}
				_, err = a.out.Write(body)
				return err
			}
			text, err := a.read().Text(args[0], ids[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, text)
			return nil
		},
	}
	cmd.Flags().BoolVar(&raw, "raw", false, "print the page's body as the site served it (see Evidence in the README)")
	return cmd
}

// served returns the body of the page a snapshot was taken from: its latest capture that
// is not an article.gone (which is filed under the snapshot before it).
func (a *app) served(source, id string) ([]byte, error) {
	cs, err := a.read().Captures(source)
	if err != nil {
		return nil, err
	}
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].Snapshot == id && cs[i].Event != watcher.ArticleGone {
			return a.read().Body(cs[i].SHA256)
		}
	}
	return nil, fmt.Errorf("%s: no page kept for snapshot %s (pages are kept from this version of hanoiwatch on, and go with their snapshot by retention): %w",
		source, id, watcher.ErrNotFound)
}

func (a *app) diffCmd() *cobra.Command {
	var color string
	cmd := &cobra.Command{
		Use:   "diff NAME [FROM [TO]]",
		Short: "Diff two snapshots of a source (default: the previous and the latest)",
		Long: `Prints a unified diff between two snapshots. With no ids: previous → latest; with
one id: that snapshot → latest. Ids may be abbreviated to any unique prefix.`,
		Args: cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.loadRead(); err != nil {
				return err
			}
			defer a.close()
			ids, err := a.resolve(args[0], args[1:], 2)
			if err != nil {
				return err
			}
			from, err := a.read().Text(args[0], ids[0])
			if err != nil {
				return err
			}
			to, err := a.read().Text(args[0], ids[1])
			if err != nil {
				return err
			}
			d := diff.Compute(from, to)
			if d.Empty() {
				fmt.Fprintf(a.out, "%s: %s and %s have the same text\n", args[0], ids[0], ids[1])
				return nil
			}
			out := fmt.Sprintf("--- %s %s\n+++ %s %s\n%s", args[0], ids[0], args[0], ids[1], d.Unified)
			f, isFile := a.out.(*os.File)
			if color == "always" || (color == "auto" && isFile && isatty.IsTerminal(f.Fd())) {
				out = diff.Colorize(out)
			}
			fmt.Fprint(a.out, out)
			fmt.Fprintf(a.out, "%d added, %d removed\n", d.Stats.Added, d.Stats.Removed)
			return nil
		},
	}
	cmd.Flags().StringVar(&color, "color", "auto", "colour the diff: auto, always, never")
	return cmd
}

// resolve turns the given snapshot ids or prefixes into n full ids, filling the missing
// ones from the end of the history: for n=2 and no ids, previous and latest.
func (a *app) resolve(source string, given []string, n int) ([]string, error) {
	snaps, err := a.read().Snapshots(source)
	if err != nil {
		return nil, err
	}
	if len(snaps) == 0 {
		return nil, a.noSnapshots(source)
	}
	var ids []string
	for _, g := range given {
		id, err := match(source, snaps, g)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	latest := snaps[len(snaps)-1].ID
	switch {
	case len(ids) == n:
	case n == 1:
		ids = []string{latest}
	case len(ids) == 1:
		ids = append(ids, latest)
	case len(snaps) < 2:
		return nil, fmt.Errorf("%s has only one snapshot (%s): nothing to diff yet", source, latest)
	default:
		ids = []string{snaps[len(snaps)-2].ID, latest}
	}
	return ids, nil
}

func match(source string, snaps []watcher.Snapshot, prefix string) (string, error) {
	found := map[string]bool{}
	for _, s := range snaps {
		if strings.HasPrefix(s.ID, prefix) {
			found[s.ID] = true
		}
	}
	switch len(found) {
	case 1:
		for id := range found {
			return id, nil
		}
	case 0:
		return "", fmt.Errorf("%s has no snapshot %q (see `hanoiwatch snapshots %s`)", source, prefix, source)
	}
	return "", fmt.Errorf("snapshot prefix %q of %s is ambiguous (%d matches)", prefix, source, len(found))
}

// noSnapshots explains why a source has no snapshots: it is not watched (a name mistyped:
// the history of a removed source stays, so a source with snapshots is never unknown), or
// it has not been checked yet, or never answered with an article.
func (a *app) noSnapshots(name string) error {
	srcs, err := a.sources()
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(srcs, func(s watcher.Source) bool { return s.Name == name }) {
		return fmt.Errorf("unknown source %q (see `hanoiwatch sources`)", name)
	}
	return fmt.Errorf("no snapshots of %q (has it been checked? see `hanoiwatch sources`)", name)
}
