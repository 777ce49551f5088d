package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/report"
)

// daemonCheckWait bounds how long `check` waits for the daemon to check the sources it
// asked for: a check has its own timeouts, and a backlog of them is the daemon's.
const daemonCheckWait = 5 * time.Minute

// checkThroughDaemon is `check` while the daemon holds the database: it asks the daemon
// to check the named sources (all without names) now, waits until each has been checked,
// then prints their events and states as they are recorded.
func (a *app) checkThroughDaemon(ctx context.Context, names []string, asJSON bool) error {
	all, err := a.remote.Sources()
	if err != nil {
		return err
	}
	if len(names) == 0 {
		for _, v := range all {
			names = append(names, v.Name)
		}
	}
	before := map[string]time.Time{}
	for _, v := range all {
		before[v.Name] = v.LastCheck
	}
	start := time.Now()
	for _, n := range names {
		if _, ok := before[n]; !ok {
			return fmt.Errorf("unknown source %q (see `hanoiwatch sources`)", n)
		}
		if err := a.remote.CheckNow(n); err != nil {
			return fmt.Errorf("check %s through the daemon: %w", n, err)
		}
	}
	fmt.Fprintf(a.errOut, "asked the running daemon to check %d source(s); waiting for the results\n", len(names))
	ctx, cancel := context.WithTimeout(ctx, daemonCheckWait)
	defer cancel()
	views := make([]report.SourceView, len(names))
	for i, n := range names {
		for {
			v, err := a.remote.Source(n)
			if err != nil {
				return err
			}
			if v.LastCheck.After(before[n]) {
				views[i] = v
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("check %s through the daemon: no result after %s: %w", n, daemonCheckWait, ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	enc := json.NewEncoder(a.out)
	enc.SetEscapeHTML(false)
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	// The events the checks recorded, oldest first (the page is newest first).
	page, err := a.remote.Events(watcher.EventQuery{Since: start.Add(-time.Second), Limit: report.MaxEvents})
	if err != nil {
		return err
	}
	for i := len(page.Events) - 1; i >= 0; i-- {
		e := page.Events[i]
		if !want[e.Source.Name] {
			continue
		}
		if asJSON {
			if err := enc.Encode(e); err != nil {
				return err
			}
		} else {
			printEvent(a.out, e)
		}
	}
	summary := a.out
	if asJSON {
		summary = a.errOut
	}
	tw := tabwriter.NewWriter(summary, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTATUS\tLAST CHECK\tDETAIL")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Name, v.Status, stamp(v.LastCheck), truncate(v.State.LastError, 80))
	}
	return tw.Flush()
}
