package main

import (
	"cmp"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/treaty"
)

func (a *app) treatyCmd() *cobra.Command {
	var (
		asJSON bool
		latest int
	)
	cmd := &cobra.Command{
		Use:   "treaty [NAME]",
		Short: "The official status of the Convention: signatories, parties, entry into force",
		Long: `The depositary status of the Convention as of the latest snapshot of the treaty-status
source(s) (the seeded un-treaty-status, or those of the config): the counts, the latest
signatures and instruments, how many instruments entry into force still needs and, once
the fortieth is deposited, the date of entry into force (article 65(1): ninety days later).
Run ` + "`hanoiwatch check`" + ` first; this command reads the database, not the network.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			reports, err := a.reports().Treaty(args, latest)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(reports)
			}
			return printTreaty(a, reports)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (an array: one object per treaty-status source)")
	cmd.Flags().IntVar(&latest, "latest", 5, "how many of the latest signatures and instruments to list")
	return cmd
}

func printTreaty(a *app, reports []report.Treaty) error {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(a.out)
		}
		fmt.Fprintf(a.out, "%s  %s\n", r.Source, r.URL)
		fmt.Fprintf(a.out, "snapshot %s stored %s; last checked %s (%s)\n\n", short(r.Snapshot), stamp(r.Stored),
			stamp(r.Checked), cmp.Or(r.CheckStatus, "new"))
		tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "signatories\t%d\n", r.Signatories)
		fmt.Fprintf(tw, "parties\t%d\n", r.Parties)
		fmt.Fprintf(tw, "ratifications needed\t%d\t(for entry into force: %d instruments, the European Union's not counted)\n",
			r.RatificationsNeeded, treaty.RatificationsForEntryIntoForce)
		switch {
		case r.EntryIntoForce != nil && r.Fortieth != nil:
			fmt.Fprintf(tw, "entry into force\t%s\t(90 days after the fortieth instrument: %s, %s of %s)\n", r.EntryIntoForce,
				r.Fortieth.Participant, r.Fortieth.Instrument, r.Fortieth.Date)
		case r.EntryIntoForce != nil:
			fmt.Fprintf(tw, "entry into force\t%s\n", r.EntryIntoForce)
		default:
			fmt.Fprintf(tw, "entry into force\tnot yet known\t(90 days after the fortieth instrument)\n")
		}
		tw.Flush()
		for _, l := range []struct {
			title string
			ds    []treaty.ActionDetail
		}{{"latest signatures", r.LatestSignatures}, {"latest instruments", r.LatestInstruments}} {
			if len(l.ds) == 0 {
				fmt.Fprintf(a.out, "\n%s: none\n", l.title)
				continue
			}
			fmt.Fprintf(a.out, "\n%s:\n", l.title)
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			for _, d := range l.ds {
				if d.Instrument == "" {
					fmt.Fprintf(tw, "  %s\t%s\n", d.Date, d.Participant)
				} else {
					fmt.Fprintf(tw, "  %s\t%s\t%s\n", d.Date, d.Participant, d.Instrument)
				}
			}
			tw.Flush()
		}
	}
	return nil
}
