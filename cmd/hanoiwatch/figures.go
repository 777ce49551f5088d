package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hanoiwatch/diff/figures"
)

func (a *app) figuresCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "figures [NAME]",
		Short: "The figures the coverage reports: one source over time, or all sources side by side",
		Long: `With a source name: the figures of its latest snapshot, each with the values it took
over time and the snapshot where each value first appeared.
Without: per canonical subject (signatories, delegates, ...), the value each source
reports now; subjects on which sources disagree are flagged.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.load(); err != nil {
				return err
			}
			defer a.close()
			x := figureExtractor()
			if len(args) == 1 {
				return a.sourceFigures(x, args[0], asJSON)
			}
			return a.board(x, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) sourceFigures(x *figures.Extractor, name string, asJSON bool) error {
	snaps, err := a.store.Snapshots(name)
	if err != nil {
		return err
	}
	if len(snaps) == 0 {
		return fmt.Errorf("no snapshots of %q (has it been checked? see `hanoiwatch sources`)", name)
	}
	var vs []figures.Version
	for _, s := range snaps {
		text, err := a.store.Text(name, s.ID)
		if err != nil {
			return err
		}
		vs = append(vs, figures.Version{ID: s.ID, Time: s.Time, Text: text, Lang: s.Lang})
	}
	var current []figures.Series
	for _, s := range x.History(vs) {
		if s.Latest != nil {
			current = append(current, s)
		}
	}
	if asJSON {
		return a.printJSON(current)
	}
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VALUE\tSUBJECT\tKEY\tSINCE\tHISTORY")
	for _, s := range current {
		var h []string
		for _, p := range s.History {
			h = append(h, fmt.Sprintf("%s (%s)", value(p.Value, s.Unit), short(p.Snapshot)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", value(s.Latest.Value, s.Unit), truncate(strings.TrimSpace(s.Qualifier+" "+s.Subject), 40),
			s.Key, s.Latest.Time.Local().Format("2006-01-02 15:04"), strings.Join(h, " → "))
	}
	return tw.Flush()
}

func (a *app) board(x *figures.Extractor, asJSON bool) error {
	srcs, err := a.sources()
	if err != nil {
		return err
	}
	var reports []figures.Report
	for _, s := range srcs {
		st, err := a.store.State(s.Name)
		if err != nil {
			return err
		}
		if st.Snapshot == "" {
			continue
		}
		text, err := a.store.Text(s.Name, st.Snapshot)
		if err != nil {
			return err
		}
		reports = append(reports, figures.Report{Source: s.Name, Claims: x.Extract(text, st.Lang)})
	}
	rows := figures.Board(reports)
	if asJSON {
		return a.printJSON(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(a.out, "no figures yet: run `hanoiwatch check` first")
		return nil
	}
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBJECT\t\tREPORTED")
	for _, r := range rows {
		flag := ""
		if r.Disagree {
			flag = "DISAGREE"
		}
		names := make([]string, 0, len(r.Values))
		for n := range r.Values {
			names = append(names, n)
		}
		sort.Strings(names)
		var parts []string
		for _, n := range names {
			var vs []string
			for _, v := range r.Values[n] {
				vs = append(vs, value(v, ""))
			}
			parts = append(parts, n+": "+strings.Join(vs, ", "))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Key, flag, strings.Join(parts, "; "))
	}
	return tw.Flush()
}

func value(v float64, unit string) string {
	s := num(&v)
	if unit == "%" {
		return s + " %"
	}
	if unit != "" {
		return s + " " + unit
	}
	return s
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
