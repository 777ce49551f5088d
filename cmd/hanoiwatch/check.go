package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"hanoiwatch/notify"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/report"
)

// checkParallel is how many sources `check` fetches at once; per-host limits still hold.
const checkParallel = 32

func (a *app) checkCmd() *cobra.Command {
	var asJSON, strict bool
	cmd := &cobra.Command{
		Use:   "check [NAME...]",
		Short: "Check all (or the named) sources once and report what changed",
		Long: `Fetches every source (or the named ones), stores new snapshots and prints the events.
A failing source is reported and the others go on.
With --json, stdout carries the events as JSON Lines and nothing else.

Exit codes, for cron and CI:
  0  the run happened
  1  the run could not happen (bad config or flag, unknown source, database locked or unwritable)
  2  sources failed (failed, blocked, needs-js): every one checked, or with --strict any one
  3  with --strict: no source failed and the run found changes (any event but fetch.failed)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			if a.remote != nil {
				return a.checkThroughDaemon(cmd.Context(), args, asJSON)
			}
			all, err := a.sources()
			if err != nil {
				return err
			}
			srcs, err := report.Pick(all, args)
			if err != nil {
				return err
			}
			w, err := a.newWatcher()
			if err != nil {
				return err
			}
			_, disp, err := a.notifier()
			if err != nil {
				return err
			}
			// The events are in the outbox once recorded; delivering them is the last step.
			tally := &notify.Tally{}
			disp.Observer = tally
			done, err := a.check(cmd, w, srcs, asJSON)
			err = errors.Join(err, disp.Flush(cmd.Context()))
			summary := a.out
			if asJSON {
				summary = a.errOut
			}
			printDeliveries(summary, tally)
			if err != nil {
				return err
			}
			return outcome(done, strict)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the events as JSON Lines on stdout (the summary goes to stderr)")
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 2 when any source failed, 3 when changes were found (see the exit codes)")
	return cmd
}

// Exit codes of `check` besides 0 and 1 (see checkCmd's Long).
const (
	exitFailed  = 2
	exitChanged = 3
)

// exitError ends the command with a code of its own; main prints it and exits with Code.
type exitError struct {
	Code int
	Msg  string
}

func (e *exitError) Error() string { return e.Msg }

// outcome is a run's exit status: sources failed (all of them, or with strict any one),
// or with strict changes found.
func outcome(done []checked, strict bool) error {
	var checkedN, failed, changed int
	for _, c := range done {
		if c.src.Name == "" {
			continue // not checked: the run was interrupted
		}
		checkedN++
		switch c.rec.Check.Result {
		case watcher.ResultFailed, watcher.ResultBlocked, watcher.ResultNeedsScript:
			failed++
		}
		for _, e := range c.rec.Events {
			if e.Type != watcher.FetchFailed {
				changed++
				break
			}
		}
	}
	switch {
	case failed > 0 && (strict || failed == checkedN):
		return &exitError{exitFailed, fmt.Sprintf("%d of %d sources failed", failed, checkedN)}
	case strict && changed > 0:
		return &exitError{exitChanged, fmt.Sprintf("%d of %d sources changed", changed, checkedN)}
	}
	return nil
}

type checked struct {
	src watcher.Source
	rec watcher.Record
}

// check checks srcs, prints their events and the summary, and returns the checks in the
// order of srcs (a zero entry for a source the run did not reach).
func (a *app) check(cmd *cobra.Command, w *watcher.Watcher, srcs []watcher.Source, asJSON bool) ([]checked, error) {
	var bar *progressbar.ProgressBar
	if f, ok := a.errOut.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		bar = progressbar.NewOptions(len(srcs), progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("checking"),
			progressbar.OptionClearOnFinish(), progressbar.OptionShowCount())
	}
	var (
		mu   sync.Mutex
		done []checked
	)
	enc := json.NewEncoder(a.out)
	enc.SetEscapeHTML(false)
	err := w.CheckAll(cmd.Context(), srcs, checkParallel, func(s watcher.Source, rec watcher.Record, _ error) {
		mu.Lock()
		defer mu.Unlock()
		// The summary needs the check and its events only: a round of a thousand new
		// pages must not keep their texts, captures and figures alive to the end (under
		// the one-shot commands' 32 MiB soft limit the collector would run all the time).
		done = append(done, checked{s, watcher.Record{Source: rec.Source, Check: rec.Check, Events: rec.Events}})
		if asJSON {
			for _, e := range rec.Events {
				enc.Encode(e)
			}
		}
		if bar != nil {
			bar.Add(1)
		}
	})
	// Report in the watch list's order, whatever order the checks finished in.
	order := map[string]int{}
	for i, s := range srcs {
		order[s.Name] = i
	}
	byOrder := make([]checked, len(srcs))
	for _, c := range done {
		byOrder[order[c.src.Name]] = c
	}
	summary := a.out
	if asJSON {
		summary = a.errOut
	}
	if !asJSON {
		for _, c := range byOrder {
			for _, e := range c.rec.Events {
				printEvent(a.out, e)
			}
		}
	}
	printSummary(summary, byOrder)
	return byOrder, err
}

func printSummary(w io.Writer, cs []checked) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tRESULT\tHTTP\tTIME\tSNAPSHOT\tDETAIL")
	counts := map[string]int{}
	for _, c := range cs {
		if c.src.Name == "" {
			continue // not checked: the run was interrupted
		}
		r := c.rec.Check
		counts[r.Result]++
		detail := cause(r.Error)
		if detail == "" && len(c.rec.Events) > 0 {
			detail = c.rec.Events[0].Type
			if d := c.rec.Events[0].Diff; d != nil {
				detail += fmt.Sprintf(" (+%d -%d)", d.Stats.Added, d.Stats.Removed)
			}
		}
		status := "-"
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.src.Name, r.Result, status, r.Duration.Round(time.Millisecond),
			short(r.Snapshot), truncate(detail, 100))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d checked: %d new, %d changed, %d unchanged, %d not modified, %d suspect, %d gone, %d failed, %d blocked, %d need JavaScript\n",
		len(cs), counts[watcher.ResultNew], counts[watcher.ResultChanged], counts[watcher.ResultUnchanged],
		counts[watcher.ResultNotModified], counts[watcher.ResultSuspect], counts[watcher.ResultGone], counts[watcher.ResultFailed],
		counts[watcher.ResultBlocked], counts[watcher.ResultNeedsScript])
}

// printDeliveries says what became of the notifications the run tried to deliver, if any.
func printDeliveries(w io.Writer, t *notify.Tally) {
	n := make(map[notify.Outcome]int, len(notify.Outcomes))
	total := 0
	for _, o := range notify.Outcomes {
		n[o] = t.Count(o)
		total += n[o]
	}
	if total == 0 {
		return
	}
	fmt.Fprintf(w, "notifications: %d delivered, %d to retry, %d dead", n[notify.Delivered], n[notify.Retrying], n[notify.Dead])
	if n[notify.Gone] > 0 {
		fmt.Fprintf(w, ", %d endpoints gone", n[notify.Gone])
	}
	fmt.Fprintln(w, " (hanoiwatch outbox lists what is owed)")
}

// printEvent writes an event for people: one headline, figure moves, the diff.
func printEvent(w io.Writer, e watcher.Event) {
	fmt.Fprintf(w, "%s  %s  %s\n", e.Type, e.Source.Name, e.Source.URL)
	if e.Title != "" && len(e.Detail) > 0 {
		fmt.Fprintf(w, "  %s\n", e.Title) // treaty and coverage events say what happened in their title
	}
	if e.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", e.Error)
	}
	for _, f := range e.Figures {
		fmt.Fprintf(w, "  figure %s: %s → %s\n", figureName(f.Subject, f.Key), num(f.Before), num(f.After))
	}
	if e.Diff != nil && e.Type != watcher.ArticleNew {
		for _, l := range splitLines(e.Diff.Unified) {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}

// requestRE is the request an error happened to, as the fetcher ("GET https://...: ") and
// net/http ("Get \"https://...\": ", after a redirect) put it before the cause.
var requestRE = regexp.MustCompile(`^(GET \S+: )?(Get "[^"]*": )?`)

// cause is what the summary says of a check's error: the cause without the request it
// happened to ("GET https://...: " comes first in the fetcher's errors, and a long URL left
// the cause cut off), and the few words that name it in the network's errors ("no such
// host" for a DNS lookup that found none, whatever the resolver said around it).
func cause(msg string) string {
	msg = requestRE.ReplaceAllString(msg, "")
	for _, c := range []string{"no such host", "connection refused", "connection reset by peer", "network is unreachable",
		"no route to host", "server misbehaving"} {
		if strings.Contains(msg, c) {
			return c
		}
	}
	if i := strings.Index(msg, "x509: "); i >= 0 {
		return "TLS: " + msg[i+len("x509: "):]
	}
	return msg
}
