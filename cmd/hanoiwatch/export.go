package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/watcher/article"
	"hanoiwatch/watcher/export"
	"hanoiwatch/watcher/store"
)

// exportGCPercent and exportMemoryLimit are the garbage collector's settings during an
// export (see exportCmd): its live heap stays near 6 MB, so a 16 MiB soft limit costs no
// extra collections and keeps a burst of garbage from raising the peak.
const (
	exportGCPercent   = 100
	exportMemoryLimit = 16 << 20
)

func (a *app) exportCmd() *cobra.Command {
	var (
		format, out, since, until string
		sources, types, tables    []string
	)
	cmd := &cobra.Command{
		Use:   "export --format warc|jsonl|csv",
		Short: "Write the captures as WARC, or the history as JSON Lines or CSV",
		Long: `Writes what the database holds, streaming, to stdout or --out FILE:

  --format warc   the captures (the responses as served) as a WARC 1.1 file, gzip per
                  record (save it as .warc.gz): a request and a response record per
                  exchange, redirects included
  --format jsonl  events, checks, figure histories, snapshot texts and captures, one
                  JSON object a line ({"table": ..., "source": ..., "row": ...})
  --format csv    one of those tables (--table), with a header line

--source, --type (events and captures), --since and --until (RFC 3339, a date, or a
duration back from now such as 72h) select what is written. The database is opened
read-only; stop the daemon first, or export from a copy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := export.Filter{Sources: set(sources), Types: set(types)}
			var err error
			if f.Since, err = exportTime("--since", since); err != nil {
				return err
			}
			if f.Until, err = exportTime("--until", until); err != nil {
				return err
			}
			if format != "warc" && format != "jsonl" && format != "csv" {
				return fmt.Errorf("--format %q: want warc, jsonl or csv", format)
			}
			if len(tables) == 0 {
				if format == "csv" {
					return fmt.Errorf("--format csv writes one table: add --table %s", strings.Join(export.AllTables, "|"))
				}
				tables = export.AllTables
			}
			// An export's live heap is a few megabytes whatever the database's size, while
			// it allocates a copy of every body on the way: the one-shot commands' GOGC 300
			// let the heap grow to four times that (anonymous memory 26 MB in an export of
			// 1 000 captures, peak RSS 69 MiB at 10 000).
			tuneGC(exportGCPercent, exportMemoryLimit)
			st, err := a.openReadOnly("export")
			if err != nil {
				return err
			}
			defer a.close()
			w := a.out
			var file *os.File
			if out != "" && out != "-" {
				if file, err = os.Create(out); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
				w = file
			}
			bw := bufio.NewWriterSize(w, 64<<10)
			if format == "warc" {
				var n int
				n, err = export.WARC(bw, st, f, "hanoiwatch")
				if err == nil {
					fmt.Fprintf(a.errOut, "%d captures written\n", n)
				}
			} else {
				err = export.Tables(bw, st, f, format, tables, article.Figures())
			}
			if err == nil {
				err = bw.Flush()
			}
			if file != nil {
				// A write error can surface only at the close: it must fail the export.
				err = errors.Join(err, file.Close())
			}
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "warc, jsonl or csv")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to this file instead of stdout")
	cmd.Flags().StringSliceVar(&sources, "source", nil, "only these sources (repeat, or separate with commas)")
	cmd.Flags().StringSliceVar(&types, "type", nil, "only events (and captures) of these types, e.g. article.changed")
	cmd.Flags().StringVar(&since, "since", "", "from this time on: RFC 3339, YYYY-MM-DD, or a duration back from now (72h)")
	cmd.Flags().StringVar(&until, "until", "", "before this time: RFC 3339, YYYY-MM-DD, or a duration back from now")
	cmd.Flags().StringSliceVar(&tables, "table", nil, "jsonl and csv: "+strings.Join(export.AllTables, ", ")+" (jsonl default: all)")
	cmd.MarkFlagRequired("format")
	return cmd
}

// openReadOnly opens the database read-only for a command that reads the file itself
// (export, archive): it must never change it.
func (a *app) openReadOnly(command string) (store.DB, error) {
	db, err := a.configure()
	if err != nil {
		return nil, err
	}
	s, err := db.open(store.Options{ReadOnly: true})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w\n(%s reads the file itself: stop `hanoiwatch run`, or give it a copy of the file)", err, command)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", command, err)
	}
	a.store = s
	return s, nil
}

func set(xs []string) map[string]bool {
	if len(xs) == 0 {
		return nil
	}
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// exportTime reads a --since or --until value.
func exportTime(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, time.Local); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 time (2025-10-25T09:00:00Z), a date (2025-10-25) or a duration (72h)", flag, v)
}
