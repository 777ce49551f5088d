package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/diff"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/store"
)

func (a *app) demoCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show the whole loop offline: a local news site, a check, edits, a second check",
		Long: `Starts a small news site on 127.0.0.1 with five articles about the Hanoi Convention
(menus, related links, counters and timestamps that change on every request), checks it,
then edits the coverage as real coverage changes — the signatory count 65 → 72 in one
article, a paragraph added to another, a third article taken down — and checks again.
The database is a temporary file unless --db is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the events as JSON Lines on stdout")
	return cmd
}

func (a *app) demo(cmd *cobra.Command, asJSON bool) error {
	site := fixture.New()
	// Without ETags every check downloads and extracts the page, so the second check shows
	// the extractor ignoring the churn rather than the server answering 304.
	site.Conditional = false
	base, stop, err := fixture.Serve(site)
	if err != nil {
		return err
	}
	defer stop()
	path := a.dbPath
	if path == "" {
		dir, err := os.MkdirTemp("", "hanoiwatch-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "demo.db")
	}
	a.cfg = config.Default()
	a.store, err = store.Open(path, store.Options{})
	if err != nil {
		return err
	}
	defer a.close()
	var srcs []watcher.Source
	for _, n := range site.Names() {
		srcs = append(srcs, watcher.Source{Name: n, URL: base + site.Path(n), Origin: "demo"})
	}
	w, err := a.newWatcher()
	if err != nil {
		return err
	}
	say := func(format string, args ...any) {
		if !asJSON {
			fmt.Fprintf(a.out, format, args...)
		}
	}
	say("== a local news site at %s with %d articles; first check:\n\n", base, len(srcs))
	if _, err := a.check(cmd, w, srcs, asJSON); err != nil {
		return err
	}
	say("\n== a second check with only the boilerplate changed (counters, related links, ads):\n\n")
	if _, err := a.check(cmd, w, srcs, asJSON); err != nil {
		return err
	}
	say("\n== the coverage moves: vtv now says 72 countries signed, vietnamplus adds a paragraph,\n" +
		"   baochinhphu takes its article down. Third check:\n\n")
	if err := site.Replace("vtv", "65 pays", "72 pays"); err != nil {
		return err
	}
	if err := site.AddParagraph("vietnamplus", "", demoParagraph); err != nil {
		return err
	}
	site.Remove("baochinhphu")
	if _, err := a.check(cmd, w, srcs, asJSON); err != nil {
		return err
	}
	if asJSON {
		return nil
	}
	say("\n== the same change as `hanoiwatch diff vtv` shows it:\n\n")
	snaps, err := a.store.Snapshots("vtv")
	if err != nil || len(snaps) < 2 {
		return fmt.Errorf("demo: vtv has %d snapshots, want 2 (%v)", len(snaps), err)
	}
	from, _ := a.store.Text("vtv", snaps[len(snaps)-2].ID)
	to, _ := a.store.Text("vtv", snaps[len(snaps)-1].ID)
	fmt.Fprint(a.out, diff.Colorize(diff.Compute(from, to).Unified))
	events, err := a.store.Events(snaps[len(snaps)-1].Time, watcher.ArticleChanged)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.Source.Name == "vtv" {
			say("\n== and as the JSON event a webhook receives:\n\n")
			b, _ := json.MarshalIndent(e, "", "  ")
			fmt.Fprintln(a.out, string(b))
		}
	}
	return nil
}

// demoParagraph is the paragraph the demo adds to one article: written for hanoiwatch,
// with the Convention's facts.
const demoParagraph = "Après Hanoï, la Convention reste ouverte à la signature au siège de l'ONU " +
	"à New York jusqu'au 31 décembre 2026 ; il faudra 40 ratifications pour qu'elle entre en vigueur."
