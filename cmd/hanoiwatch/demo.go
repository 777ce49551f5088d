package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/diff"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/store"
)

func (a *app) demoCmd() *cobra.Command {
	var (
		asJSON bool
		color  string
	)
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
			paint, err := colored(a.out, color)
			if err != nil {
				return err
			}
			return a.demo(cmd, asJSON, paint)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the events as JSON Lines on stdout")
	cmd.Flags().StringVar(&color, "color", "auto", "colour the diff: auto (on a terminal only), always, never")
	return cmd
}

// demo runs the demo; paint colours its diff.
func (a *app) demo(cmd *cobra.Command, asJSON, paint bool) error {
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
	mark := store.Demo{Site: base, Made: time.Now().UTC()}
	for _, n := range site.Names() {
		mark.Sources = append(mark.Sources, store.DemoSource{Name: n, URL: base + site.Path(n)})
	}
	if err := a.store.MarkDemo(mark); err != nil {
		return err
	}
	srcs := demoSources(mark)
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
	unified := diff.Compute(from, to).Unified
	if paint {
		unified = diff.Colorize(unified)
	}
	fmt.Fprint(a.out, unified)
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

// originDemo is the origin of the sources of a database made by `hanoiwatch demo`.
const originDemo = "demo"

// demoSources are the sources a demo database watches: the demo's made-up articles.
func demoSources(d store.Demo) []watcher.Source {
	out := make([]watcher.Source, len(d.Sources))
	for i, s := range d.Sources {
		out[i] = watcher.Source{Name: s.Name, URL: s.URL, Origin: originDemo}
	}
	return out
}

// demoNotice is what the dashboard and the API say of a database made by `hanoiwatch demo`.
func demoNotice(d store.Demo) string {
	return fmt.Sprintf("A demo database, made by `hanoiwatch demo` on %s: its articles come from a made-up news site the demo served at %s, not from the real sites their names suggest.",
		d.Made.Format("2006-01-02 15:04 MST"), d.Site)
}

// demoParagraph is the paragraph the demo adds to one article: written for hanoiwatch,
// with the Convention's facts.
const demoParagraph = "Après Hanoï, la Convention reste ouverte à la signature au siège de l'ONU " +
	"à New York jusqu'au 31 décembre 2026 ; il faudra 40 ratifications pour qu'elle entre en vigueur."
