package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher/report"
)

func (a *app) figuresCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "figures [NAME]",
		Short: "The figures the coverage reports: one source over time, or all sources side by side",
		Long: `With a source name: the figures of its latest snapshot, each with the values it took
over time and the snapshot where each value first appeared.
Without: per canonical subject (signatories, delegates, ...), the value each source
reports now; subjects on which sources disagree are flagged. The subjects the UN
depositary's record counts (signatories, ratifications, ratifications_needed) also show
the official value, and each news figure is held against the official value of its
article's date: ok, stale (right on an earlier day), disagrees, or confused ("40
signatures" for the threshold of 40 ratifications).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			if len(args) == 1 {
				return a.sourceFigures(args[0], asJSON)
			}
			return a.board(asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) sourceFigures(name string, asJSON bool) error {
	all, err := a.reports().Figures(name)
	if err != nil {
		return err
	}
	if asJSON {
		return a.printJSON(all)
	}
	var current []figures.Series
	for _, s := range all {
		if s.Latest != nil {
			current = append(current, s)
		}
	}
	if len(current) == 0 {
		fmt.Fprintf(a.out, "no figures in the latest text of %s\n", name)
		return nil
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

func (a *app) board(asJSON bool) error {
	b, err := a.reports().Board()
	if err != nil {
		return err
	}
	if asJSON {
		return a.printJSON(b)
	}
	rows := b.Rows
	if len(rows) == 0 {
		fmt.Fprintln(a.out, "no figures yet: run `hanoiwatch check` first")
		return nil
	}
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBJECT\t\tREPORTED")
	for _, r := range rows {
		flag := ""
		switch {
		case r.Disagree:
			flag = "DISAGREE"
		case r.Progression:
			flag = "moved"
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
		if o := r.Official; o != nil {
			since := ""
			if o.Since != nil {
				since = " since " + o.Since.String()
			}
			parts = append(parts, fmt.Sprintf("OFFICIAL (%s): %d%s", o.Source, o.Value, since))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Key, flag, strings.Join(parts, "; "))
		if r.Progression {
			fmt.Fprintf(tw, "  over time\t\t%s\n", progression(r.Steps))
		}
		for _, c := range r.Checks {
			official := "-"
			if c.Official != nil {
				official = fmt.Sprintf("official then %d", *c.Official)
				if c.OfficialSince != nil {
					official += " (since " + c.OfficialSince.String() + ")"
				}
			}
			verdict := strings.ToUpper(c.Verdict)
			if c.Verdict == report.VerdictOK {
				verdict = "ok"
			}
			if c.Note != "" {
				verdict += ": " + c.Note
			}
			fmt.Fprintf(tw, "  %s\t\t%s, dated %s (%s); %s; %s\n", c.Source, strings.TrimSpace(c.Qualifier+" "+value(c.Value, "")),
				c.Date, c.DateFrom, official, verdict)
		}
	}
	return tw.Flush()
}

// progression writes a subject's values by as-of date: "65 (2025-10-25) → 72 (2025-10-26)";
// a date whose sources disagree shows their values apart ("65/72").
func progression(steps []figures.Step) string {
	var out []string
	for _, st := range steps {
		if st.AsOf == "" {
			continue
		}
		var vs []string
		for _, v := range st.Shown() {
			vs = append(vs, value(v, ""))
		}
		out = append(out, fmt.Sprintf("%s (%s)", strings.Join(vs, "/"), st.AsOf))
	}
	return strings.Join(out, " → ")
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
