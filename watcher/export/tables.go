package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// History is what Tables reads.
type History interface {
	Captures
	Names() ([]string, error)
	EachEvent(fn func(watcher.Event) error) error
	Checks(source string, n int) ([]watcher.Check, error)
	Snapshots(source string) ([]watcher.Snapshot, error)
	Text(source, id string) (string, error)
}

// The tables Tables writes.
const (
	TableEvents    = "events"
	TableChecks    = "checks"
	TableFigures   = "figures"
	TableSnapshots = "snapshots"
	TableCaptures  = "captures"
)

// AllTables are the tables in the order they are written.
var AllTables = []string{TableEvents, TableChecks, TableFigures, TableSnapshots, TableCaptures}

// columns are each table's CSV columns, and its rows' fields in JSON Lines.
var columns = map[string][]string{
	TableEvents:    {"time", "type", "source", "url", "id", "snapshot", "previous", "title", "status", "error", "capture_sha256", "capture_size"},
	TableChecks:    {"source", "time", "result", "status", "duration_ms", "bytes", "snapshot", "error", "repeats", "last"},
	TableFigures:   {"source", "subject", "key", "qualifier", "unit", "value", "as_of", "first_seen", "snapshot"},
	TableSnapshots: {"source", "id", "time", "size", "title", "date", "author", "lang", "added", "removed", "text"},
	TableCaptures:  {"source", "time", "event", "snapshot", "url", "final_url", "status", "sha256", "size"},
}

// Tables writes the tables named (in AllTables order) as JSON Lines (format "jsonl": one
// object a line, its "table" naming the table, an event line with the whole event) or
// CSV (format "csv": one table, with a header line). The filter's sources and time range
// apply to every table (a figure by the time its value first appeared), its types to
// events and captures. Figures are followed through each source's snapshots with x, as
// `hanoiwatch figures NAME` does.
func Tables(w io.Writer, st History, f Filter, format string, tables []string, x *figures.Extractor) error {
	want := map[string]bool{}
	for _, t := range tables {
		if columns[t] == nil {
			return fmt.Errorf("export: unknown table %q (tables: %s)", t, strings.Join(AllTables, ", "))
		}
		want[t] = true
	}
	var out rowWriter
	switch format {
	case "jsonl":
		out = &jsonLines{enc: json.NewEncoder(w)}
	case "csv":
		if len(want) != 1 {
			return fmt.Errorf("export: a CSV file holds one table: name one of %s", strings.Join(AllTables, ", "))
		}
		out = &csvRows{w: csv.NewWriter(w)}
	default:
		return fmt.Errorf("export: unknown format %q (jsonl, csv, warc)", format)
	}
	for _, t := range AllTables {
		if !want[t] {
			continue
		}
		if err := out.start(t); err != nil {
			return err
		}
		var err error
		switch t {
		case TableEvents:
			err = st.EachEvent(func(e watcher.Event) error {
				if !f.keepEvent(&e) {
					return nil
				}
				capSHA, capSize := "", ""
				if e.Capture != nil {
					capSHA, capSize = e.Capture.SHA256, strconv.Itoa(e.Capture.Size)
				}
				return out.row(e, stamp(e.Time), e.Type, e.Source.Name, e.Source.URL, e.ID, e.Snapshot, e.Previous, e.Title,
					num(e.Status), e.Error, capSHA, capSize)
			})
		case TableCaptures:
			err = st.EachCapture(f.keepCapture, func(c watcher.Capture) error {
				final, status := c.URL, ""
				if fin := c.Final(); fin != nil {
					final, status = fin.URL, num(fin.Status)
				}
				c.Body = nil
				return out.row(c, c.Source, stamp(c.Time), c.Event, c.Snapshot, c.URL, final, status, c.SHA256, strconv.Itoa(c.Size))
			})
		default:
			err = eachSource(st, f, func(name string) error { return perSource(out, st, f, t, name, x) })
		}
		if err != nil {
			return err
		}
	}
	return out.flush()
}

func eachSource(st History, f Filter, fn func(string) error) error {
	names, err := st.Names()
	if err != nil {
		return err
	}
	for _, n := range names {
		if f.source(n) {
			if err := fn(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// perSource writes one source's rows of a table that is kept per source. A source's
// history is bounded (2 000 runs of checks, its retained snapshots), so it is read whole.
func perSource(out rowWriter, st History, f Filter, table, name string, x *figures.Extractor) error {
	switch table {
	case TableChecks:
		cs, err := st.Checks(name, 0)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if !f.time(c.Time) {
				continue
			}
			last := ""
			if !c.Last.IsZero() {
				last = stamp(c.Last)
			}
			if err := out.row(c, name, stamp(c.Time), c.Result, num(c.Status), strconv.FormatInt(c.Duration.Milliseconds(), 10),
				strconv.Itoa(c.Bytes), c.Snapshot, c.Error, strconv.Itoa(c.Repeats), last); err != nil {
				return err
			}
		}
	case TableSnapshots:
		snaps, err := st.Snapshots(name)
		if err != nil {
			return err
		}
		for _, s := range snaps {
			if !f.time(s.Time) {
				continue
			}
			text, err := st.Text(name, s.ID)
			if err != nil {
				return err
			}
			if err := out.row(snapshotRow{s, text}, name, s.ID, stamp(s.Time), strconv.Itoa(s.Size), s.Title, s.Date, s.Author, s.Lang,
				strconv.Itoa(s.Added), strconv.Itoa(s.Removed), text); err != nil {
				return err
			}
		}
	case TableFigures:
		snaps, err := st.Snapshots(name)
		if err != nil {
			return err
		}
		vs := make([]figures.Version, 0, len(snaps))
		dates := map[string]string{}
		for _, s := range snaps {
			text, err := st.Text(name, s.ID)
			if err != nil {
				return err
			}
			vs = append(vs, figures.Version{ID: s.ID, Time: s.Time, Text: text, Lang: s.Lang})
			dates[s.ID] = s.Date
		}
		for _, s := range x.History(vs) {
			for _, p := range s.History {
				if !f.time(p.Time) {
					continue
				}
				row := figureRow{Subject: s.Subject, Key: s.Key, Qualifier: s.Qualifier, Unit: s.Unit, Value: p.Value,
					AsOf: dates[p.Snapshot], FirstSeen: p.Time, Snapshot: p.Snapshot}
				if err := out.row(row, name, s.Subject, s.Key, s.Qualifier, s.Unit, strconv.FormatFloat(p.Value, 'f', -1, 64),
					row.AsOf, stamp(p.Time), p.Snapshot); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

type snapshotRow struct {
	watcher.Snapshot
	Text string `json:"text"`
}

type figureRow struct {
	Subject   string    `json:"subject"`
	Key       string    `json:"key,omitempty"`
	Qualifier string    `json:"qualifier,omitempty"`
	Unit      string    `json:"unit,omitempty"`
	Value     float64   `json:"value"`
	AsOf      string    `json:"as_of,omitempty"` // the date the page stated, in the snapshot where the value appeared
	FirstSeen time.Time `json:"first_seen"`
	Snapshot  string    `json:"snapshot"`
}

// rowWriter writes the rows of tables: v for JSON Lines, fields for CSV (in the table's
// columns' order; the source comes with v in JSON only where v lacks it).
type rowWriter interface {
	start(table string) error
	row(v any, fields ...string) error
	flush() error
}

type jsonLines struct {
	enc   *json.Encoder
	table string
}

func (j *jsonLines) start(table string) error { j.table = table; return nil }

func (j *jsonLines) row(v any, fields ...string) error {
	line := struct {
		Table  string `json:"table"`
		Source string `json:"source,omitempty"`
		Row    any    `json:"row"`
	}{Table: j.table, Row: v}
	if j.table != TableEvents && j.table != TableCaptures {
		line.Source = fields[0] // the per-source tables' rows do not name their source
	}
	return j.enc.Encode(line)
}

func (j *jsonLines) flush() error { return nil }

type csvRows struct{ w *csv.Writer }

func (c *csvRows) start(table string) error { return c.w.Write(columns[table]) }

func (c *csvRows) row(_ any, fields ...string) error { return c.w.Write(fields) }

func (c *csvRows) flush() error {
	c.w.Flush()
	return c.w.Error()
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func num(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
