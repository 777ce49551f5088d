package main

import (
	"cmp"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/watcher"
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
			if err := a.load(); err != nil {
				return err
			}
			defer a.close()
			recs, err := a.officialRecords(args)
			if err != nil {
				return err
			}
			reports := make([]treatyReport, 0, len(recs))
			for _, r := range recs {
				reports = append(reports, r.report(latest))
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

// officialRecord is the latest reading of one treaty-status source.
type officialRecord struct {
	src    watcher.Source
	state  watcher.State
	snap   watcher.Snapshot // the reading's snapshot: id and the time it was first stored
	status treaty.Status
}

// officialRecords reads the latest snapshot of every treaty-status source (or of the named
// ones), most recently stored first. A source never read successfully is an error when
// named, skipped otherwise; no treaty-status source with a snapshot is an error that says
// what to run.
func (a *app) officialRecords(names []string) ([]officialRecord, error) {
	all, err := a.sources()
	if err != nil {
		return nil, err
	}
	var srcs []watcher.Source
	for _, s := range all {
		if s.Kind == watcher.KindTreatyStatus {
			srcs = append(srcs, s)
		}
	}
	if len(names) > 0 {
		if srcs, err = pick(srcs, names); err != nil {
			return nil, err
		}
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no source of kind %s in the watch list (the seeds have un-treaty-status; a config needs `kind: %s`)",
			watcher.KindTreatyStatus, watcher.KindTreatyStatus)
	}
	var out []officialRecord
	for _, s := range srcs {
		r, ok, err := a.officialRecord(s)
		if err != nil {
			return nil, err
		}
		if !ok {
			if len(names) > 0 {
				return nil, fmt.Errorf("no snapshot of %s yet: run `hanoiwatch check %s`", s.Name, s.Name)
			}
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no snapshot of the treaty status yet: run `hanoiwatch check %s`", srcs[0].Name)
	}
	slices.SortStableFunc(out, func(x, y officialRecord) int { return y.snap.Time.Compare(x.snap.Time) })
	return out, nil
}

func (a *app) officialRecord(s watcher.Source) (officialRecord, bool, error) {
	st, err := a.store.State(s.Name)
	if err != nil || st.Snapshot == "" {
		return officialRecord{}, false, err
	}
	text, err := a.store.Text(s.Name, st.Snapshot)
	if err != nil {
		return officialRecord{}, false, err
	}
	status, err := treaty.ParseText(text)
	if err != nil {
		return officialRecord{}, false, fmt.Errorf("%s: snapshot %s: %w", s.Name, st.Snapshot, err)
	}
	snaps, err := a.store.Snapshots(s.Name)
	if err != nil {
		return officialRecord{}, false, err
	}
	snap := watcher.Snapshot{ID: st.Snapshot, Time: st.LastChange}
	for _, sn := range snaps {
		if sn.ID == st.Snapshot {
			snap = sn // the last of the same id: a text can come back
		}
	}
	return officialRecord{src: s, state: st, snap: snap, status: status}, true, nil
}

// treatyReport is the JSON of `hanoiwatch treaty`, one per treaty-status source.
type treatyReport struct {
	Source              string                `json:"source"`
	URL                 string                `json:"url"`
	Snapshot            string                `json:"snapshot"`
	Stored              time.Time             `json:"stored"`       // when this reading was first stored
	Checked             time.Time             `json:"checked"`      // the last check of the source
	CheckStatus         string                `json:"check_status"` // "ok", "failing", "suspect", "gone": whether the last check confirmed it
	Signatories         int                   `json:"signatories"`
	Parties             int                   `json:"parties"`
	RatificationsNeeded int                   `json:"ratifications_needed"`
	EntryIntoForce      *treaty.Date          `json:"entry_into_force,omitempty"` // known once the fortieth counting instrument is deposited
	Fortieth            *treaty.ActionDetail  `json:"fortieth,omitempty"`         // that instrument
	LatestSignatures    []treaty.ActionDetail `json:"latest_signatures"`          // newest first
	LatestInstruments   []treaty.ActionDetail `json:"latest_instruments"`         // newest first
}

func (r officialRecord) report(latest int) treatyReport {
	s := r.status
	out := treatyReport{Source: r.src.Name, URL: r.src.URL, Snapshot: r.snap.ID, Stored: r.snap.Time.UTC(),
		Checked: r.state.LastCheck.UTC(), CheckStatus: r.state.Status, Signatories: s.Signatories, Parties: s.Parties,
		RatificationsNeeded: s.RatificationsNeeded(),
		LatestSignatures:    []treaty.ActionDetail{}, LatestInstruments: []treaty.ActionDetail{}}
	if d, ok := s.EntryIntoForce(); ok {
		out.EntryIntoForce = &d
		if p, ok := s.Fortieth(); ok {
			out.Fortieth = &treaty.ActionDetail{Participant: p.Name, Date: *p.Deposited, Instrument: p.Instrument}
		}
	}
	for _, p := range s.Participants {
		if p.Signed != nil {
			out.LatestSignatures = append(out.LatestSignatures, treaty.ActionDetail{Participant: p.Name, Date: *p.Signed})
		}
		if p.Deposited != nil {
			out.LatestInstruments = append(out.LatestInstruments, treaty.ActionDetail{Participant: p.Name, Date: *p.Deposited, Instrument: p.Instrument})
		}
	}
	// Participants are in the depositary's (alphabetical) order, which a stable sort by
	// date keeps among actions of the same day.
	newest := func(x, y treaty.ActionDetail) int { return y.Date.Compare(x.Date) }
	slices.SortStableFunc(out.LatestSignatures, newest)
	slices.SortStableFunc(out.LatestInstruments, newest)
	latest = max(latest, 0)
	out.LatestSignatures = out.LatestSignatures[:min(latest, len(out.LatestSignatures))]
	out.LatestInstruments = out.LatestInstruments[:min(latest, len(out.LatestInstruments))]
	return out
}

func printTreaty(a *app, reports []treatyReport) error {
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
