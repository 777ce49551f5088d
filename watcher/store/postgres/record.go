package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/jackc/pgx/v5"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// States are CBOR, as in the bbolt file: every check reads its source's state and writes
// it back, and JSON cost a tenth of an unchanged check there. Times keep their nanoseconds.
var stateEnc = func() cbor.EncMode {
	em, err := cbor.EncOptions{Time: cbor.TimeRFC3339Nano}.EncMode()
	if err != nil {
		panic(err) // options fixed above: cannot fail
	}
	return em
}()

// State returns the state of a source; the zero State for a source never checked.
func (db *DB) State(source string) (watcher.State, error) {
	ctx, cancel := op()
	defer cancel()
	var st watcher.State
	var v []byte
	err := db.pool.QueryRow(ctx, "SELECT state FROM states WHERE source = $1", source).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return st, nil
	case err != nil:
		return st, db.wrap("state of "+source, err)
	}
	if err := cbor.Unmarshal(v, &st); err != nil {
		return st, fmt.Errorf("state of %q: %w", source, err)
	}
	return st, nil
}

// isQuiet reports whether a record has nothing but its check and state: no snapshot,
// event, delivery or archive job.
func isQuiet(r watcher.Record) bool {
	return r.Snapshot == nil && len(r.Events) == 0 && len(r.Deliveries) == 0 && len(r.Archive) == 0
}

// runKey is the outcome a run of the check log repeats (see watcher.Check): two checks
// with the same key count as one run.
func runKey(c watcher.Check) ([]byte, error) {
	return json.Marshal([]any{c.Result, c.Status, c.Snapshot, c.Error, c.URL})
}

// runBody is the JSON of a check as a run's first: its Repeats and Last are kept apart.
func runBody(c watcher.Check) ([]byte, error) {
	c.Repeats, c.Last = 0, time.Time{}
	return json.Marshal(c)
}

// lastText is the form of a run's Last in its column: NULL for no repeat.
func lastText(c watcher.Check) (*string, error) {
	if c.Last.IsZero() {
		return nil, nil
	}
	b, err := c.Last.MarshalText()
	s := string(b)
	return &s, err
}

// decodeRun is a logged run or the open one, from its columns.
func decodeRun(body []byte, repeats int, last *string) (watcher.Check, error) {
	var c watcher.Check
	if err := json.Unmarshal(body, &c); err != nil {
		return c, err
	}
	c.Repeats = repeats
	if last != nil {
		if err := c.Last.UnmarshalText([]byte(*last)); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Record stores a check, its new snapshot and events, and the source's state in one
// transaction, then applies the retention policy to the source's snapshots.
//
// A quiet record (no snapshot, event, delivery or archive job: an unchanged page, a
// failure already reported) is one statement, hw_quiet, which rewrites the source's state
// row alone unless the check ends the open run of the log. It is written at once: the
// server commits it with its other sessions' (group commit), so there is nothing to gain
// from holding it back as the bbolt file does, and two daemons never wait on one
// another's records. Records of different sources touch different rows and never
// conflict; records of one source are ordered by its state row's lock.
func (db *DB) Record(r watcher.Record) error {
	if db.ro {
		return db.wrap("record "+r.Source, errReadOnly)
	}
	state, err := stateEnc.Marshal(r.State)
	if err != nil {
		return fmt.Errorf("state of %q: %w", r.Source, err)
	}
	if isQuiet(r) {
		key, err := runKey(r.Check)
		if err != nil {
			return err
		}
		body, err := runBody(r.Check)
		if err != nil {
			return err
		}
		last, err := r.Check.Time.MarshalText()
		if err != nil {
			return fmt.Errorf("check of %q: %w", r.Source, err)
		}
		ctx, cancel := op()
		defer cancel()
		_, err = db.pool.Exec(ctx, "SELECT hw_quiet($1, $2, $3, $4, $5, $6, $7)",
			r.Source, state, r.State.MovedTo, body, key, string(last), store.MaxChecks-1)
		return db.wrap("record "+r.Source, err)
	}
	return db.write("record "+r.Source, func(ctx context.Context, tx pgx.Tx) error {
		return db.record(ctx, tx, r, state)
	})
}

// record writes a record that is not quiet in tx: the open run, if any, and the check go
// to the log; then the snapshot, its text, screenshot and capture, the figures, the
// archive jobs, the events and their deliveries.
func (db *DB) record(ctx context.Context, tx pgx.Tx, r watcher.Record, state []byte) error {
	var (
		run     []byte
		repeats int
		last    *string
		seq     int64
	)
	err := tx.QueryRow(ctx, "SELECT run, run_repeats, run_last, check_seq FROM states WHERE source = $1 FOR UPDATE",
		r.Source).Scan(&run, &repeats, &last, &seq)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if run != nil {
		seq++
		if _, err := tx.Exec(ctx, "INSERT INTO checks (source, seq, body, repeats, last) VALUES ($1, $2, $3, $4, $5)",
			r.Source, seq, run, repeats, last); err != nil {
			return err
		}
	}
	body, err := runBody(r.Check)
	if err != nil {
		return err
	}
	if last, err = lastText(r.Check); err != nil {
		return err
	}
	seq++
	if _, err := tx.Exec(ctx, "INSERT INTO checks (source, seq, body, repeats, last) VALUES ($1, $2, $3, $4, $5)",
		r.Source, seq, body, r.Check.Repeats, last); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM checks WHERE source = $1 AND seq <= $2", r.Source, seq-(store.MaxChecks-1)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO states (source, state, moved_to, check_seq) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source) DO UPDATE SET state = excluded.state, moved_to = excluded.moved_to, run = NULL,
			run_key = NULL, run_repeats = 0, run_last = NULL, check_seq = excluded.check_seq`,
		r.Source, state, r.State.MovedTo, seq); err != nil {
		return err
	}
	if r.Snapshot != nil {
		if err := db.putSnapshot(ctx, tx, r); err != nil {
			return err
		}
	}
	if r.Capture != nil {
		if err := putCapture(ctx, tx, r.Capture); err != nil {
			return err
		}
	}
	if r.Figures != nil {
		if err := putFigures(ctx, tx, r.Source, r.Figures); err != nil {
			return err
		}
	}
	if err := putArchive(ctx, tx, r.Archive); err != nil {
		return err
	}
	if err := putEvents(ctx, tx, r.Events); err != nil {
		return err
	}
	return queue(ctx, tx, r.Deliveries)
}

// putSnapshot stores a record's snapshot, its text unless the source has it already, and
// its screenshot (a text that comes back keeps the latest image), then applies retention.
func (db *DB) putSnapshot(ctx context.Context, tx pgx.Tx, r watcher.Record) error {
	sn := r.Snapshot
	if _, err := tx.Exec(ctx, "INSERT INTO texts (source, id, text) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		r.Source, sn.ID, []byte(r.Text)); err != nil {
		return err
	}
	body, err := json.Marshal(sn)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO snapshots (source, id, time, body) VALUES ($1, $2, $3, $4)",
		r.Source, sn.ID, nanos(sn.Time), body); err != nil {
		return err
	}
	if r.Screenshot != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO screenshots (source, id, image) VALUES ($1, $2, $3)
			ON CONFLICT (source, id) DO UPDATE SET image = excluded.image`, r.Source, sn.ID, r.Screenshot); err != nil {
			return err
		}
	}
	return db.retain(ctx, tx, r.Source)
}

// retain drops snapshots beyond the retention policy, keeping the first and the latest,
// with their captures, and the texts and screenshots no remaining snapshot refers to.
func (db *DB) retain(ctx context.Context, tx pgx.Tx, source string) error {
	if db.ret.MaxSnapshots <= 0 && db.ret.MaxAge <= 0 {
		return nil
	}
	type entry struct {
		seq  int64
		id   string
		time int64
	}
	rows, _ := tx.Query(ctx, "SELECT seq, id, time FROM snapshots WHERE source = $1 ORDER BY seq", source)
	all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (e entry, err error) {
		err = row.Scan(&e.seq, &e.id, &e.time)
		return e, err
	})
	if err != nil || len(all) <= 2 {
		return err
	}
	drop := map[int]bool{}
	if db.ret.MaxAge > 0 {
		cut := nanos(db.now().Add(-db.ret.MaxAge))
		for i := 1; i < len(all)-1; i++ {
			if all[i].time < cut {
				drop[i] = true
			}
		}
	}
	if db.ret.MaxSnapshots > 0 {
		keep := len(all) - len(drop)
		for i := 1; i < len(all)-1 && keep > max(db.ret.MaxSnapshots, 2); i++ {
			if !drop[i] {
				drop[i] = true
				keep--
			}
		}
	}
	if len(drop) == 0 {
		return nil
	}
	used := map[string]bool{}
	for i, e := range all {
		if !drop[i] {
			used[e.id] = true
		}
	}
	var seqs []int64
	var unused []string
	for i := range drop {
		seqs = append(seqs, all[i].seq)
		if !used[all[i].id] {
			unused = append(unused, all[i].id)
			used[all[i].id] = true // once
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM snapshots WHERE source = $1 AND seq = ANY($2)", source, seqs); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM texts WHERE source = $1 AND id = ANY($2)", source, unused); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM screenshots WHERE source = $1 AND id = ANY($2)", source, unused); err != nil {
		return err
	}
	rows, _ = tx.Query(ctx, "DELETE FROM captures WHERE source = $1 AND snap_seq = ANY($2) RETURNING sha", source, seqs)
	shas, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return err
	}
	return unref(ctx, tx, shas)
}

// Flush has nothing to write: Record writes every record at once.
func (db *DB) Flush() error { return nil }

// Text returns the text of one snapshot of a source.
func (db *DB) Text(source, id string) (string, error) {
	ctx, cancel := op()
	defer cancel()
	var text []byte
	err := db.pool.QueryRow(ctx, "SELECT text FROM texts WHERE source = $1 AND id = $2", source, id).Scan(&text)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("snapshot %s of %s: %w", id, source, watcher.ErrNotFound)
	}
	return string(text), db.wrap("text of "+source, err)
}

// Snapshots lists a source's snapshots, oldest first.
func (db *DB) Snapshots(source string) ([]watcher.Snapshot, error) {
	ctx, cancel := op()
	defer cancel()
	rows, _ := db.pool.Query(ctx, "SELECT body FROM snapshots WHERE source = $1 ORDER BY seq", source)
	out, err := collectJSON[watcher.Snapshot](rows)
	return out, db.wrap("snapshots of "+source, err)
}

// SnapshotSpan returns how many snapshots a source has, and its first and latest, without
// reading the others.
func (db *DB) SnapshotSpan(source string) (n int, first, latest watcher.Snapshot, err error) {
	ctx, cancel := op()
	defer cancel()
	var f, l []byte
	err = db.pool.QueryRow(ctx, `SELECT count(*),
			(SELECT body FROM snapshots WHERE source = $1 ORDER BY seq LIMIT 1),
			(SELECT body FROM snapshots WHERE source = $1 ORDER BY seq DESC LIMIT 1)
		FROM snapshots WHERE source = $1`, source).Scan(&n, &f, &l)
	if err != nil {
		return 0, first, latest, db.wrap("snapshots of "+source, err)
	}
	if n == 0 {
		return 0, first, latest, nil
	}
	if err := json.Unmarshal(f, &first); err != nil {
		return 0, first, latest, fmt.Errorf("snapshot of %s: %w", source, err)
	}
	if err := json.Unmarshal(l, &latest); err != nil {
		return 0, first, latest, fmt.Errorf("snapshot of %s: %w", source, err)
	}
	return n, first, latest, nil
}

// Checks lists the last n runs of a source's check log (all when n <= 0), oldest first:
// each is a check and the checks with the same outcome that followed it (Repeats, Last).
func (db *DB) Checks(source string, n int) ([]watcher.Check, error) {
	if n <= 0 || n > store.MaxChecks {
		n = store.MaxChecks
	}
	ctx, cancel := op()
	defer cancel()
	// The open run, then the log newest first, n in all.
	rows, _ := db.pool.Query(ctx, `
		(SELECT 1 AS part, 0::bigint AS seq, run, run_repeats, run_last FROM states WHERE source = $1 AND run IS NOT NULL)
		UNION ALL
		(SELECT 2, seq, body, repeats, last FROM checks WHERE source = $1 ORDER BY seq DESC LIMIT $2)
		ORDER BY part, seq DESC LIMIT $2`, source, n)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (watcher.Check, error) {
		var (
			part, seq int64
			body      []byte
			repeats   int
			last      *string
		)
		if err := row.Scan(&part, &seq, &body, &repeats, &last); err != nil {
			return watcher.Check{}, err
		}
		c, err := decodeRun(body, repeats, last)
		if err != nil {
			return c, fmt.Errorf("check %d of %s: %w", seq, source, err)
		}
		return c, nil
	})
	if err != nil {
		return nil, db.wrap("checks of "+source, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// Figures returns the source's figures followed through its snapshots; the zero Track when
// none is recorded.
func (db *DB) Figures(source string) (figures.Track, error) {
	ctx, cancel := op()
	defer cancel()
	var t figures.Track
	var v []byte
	err := db.pool.QueryRow(ctx, "SELECT track FROM figures WHERE source = $1", source).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return t, nil
	case err != nil:
		return t, db.wrap("figures of "+source, err)
	}
	if err := json.Unmarshal(v, &t); err != nil {
		return t, fmt.Errorf("figures of %s: %w", source, err)
	}
	return t, nil
}

func putFigures(ctx context.Context, tx pgx.Tx, source string, t *figures.Track) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO figures (source, track) VALUES ($1, $2) ON CONFLICT (source) DO UPDATE SET track = excluded.track",
		source, v)
	return err
}

// Names lists the sources that have history in the database (a logged check, hence
// snapshots or captures if any), by name, watched now or not. A source checked once,
// unchanged, has only an open run: not yet history, as in the bbolt file.
func (db *DB) Names() ([]string, error) {
	ctx, cancel := op()
	defer cancel()
	rows, _ := db.pool.Query(ctx, "SELECT source FROM states WHERE check_seq > 0 ORDER BY source")
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, db.wrap("names", err)
}

// collectJSON decodes rows of one JSON column.
func collectJSON[T any](rows pgx.Rows) ([]T, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) {
		var v []byte
		var t T
		if err := row.Scan(&v); err != nil {
			return t, err
		}
		return t, json.Unmarshal(v, &t)
	})
}
