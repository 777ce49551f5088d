package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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

// State returns the state of a source; the zero State for a source never checked. A
// quiet record still waiting for its flush is seen.
//
// Calls made while another's read is under way wait for it to end, then are read
// together in one query: the daemon's checks start in waves (every source due in the same
// second), and a round trip costs more CPU, on both sides, than the rest of an unchanged
// check. A lone call is one query, and waits for nothing.
func (db *DB) State(source string) (watcher.State, error) {
	db.mu.Lock()
	if p := db.pending[source]; len(p) > 0 {
		st := p[len(p)-1].State
		db.mu.Unlock()
		return st, nil
	}
	db.mu.Unlock()
	db.reads.mu.Lock()
	if db.reads.busy {
		ch := make(chan stateRead, 1)
		if db.reads.waiting == nil {
			db.reads.waiting = map[string][]chan stateRead{}
		}
		db.reads.waiting[source] = append(db.reads.waiting[source], ch)
		db.reads.mu.Unlock()
		r := <-ch
		return r.state, r.err
	}
	db.reads.busy = true
	db.reads.mu.Unlock()
	states, err := db.readStates([]string{source})
	db.reads.mu.Lock()
	if len(db.reads.waiting) == 0 {
		db.reads.busy = false
	} else {
		go db.nextReads() // this call returns now; its followers' read is theirs
	}
	db.reads.mu.Unlock()
	return states[source], err
}

// stateReads coalesces State calls (see State).
type stateReads struct {
	mu      sync.Mutex
	busy    bool                        // a read is under way
	waiting map[string][]chan stateRead // the calls made meanwhile, by source
}

type stateRead struct {
	state watcher.State
	err   error
}

// nextReads reads the states asked for while the last read was under way, in one query,
// until none are waiting.
func (db *DB) nextReads() {
	for {
		db.reads.mu.Lock()
		waiting := db.reads.waiting
		db.reads.waiting = nil
		if len(waiting) == 0 {
			db.reads.busy = false
			db.reads.mu.Unlock()
			return
		}
		db.reads.mu.Unlock()
		names := make([]string, 0, len(waiting))
		for name := range waiting {
			names = append(names, name)
		}
		states, err := db.readStates(names)
		for name, chs := range waiting {
			for _, ch := range chs {
				ch <- stateRead{states[name], err}
			}
		}
	}
}

// readStates reads the states of sources; those never checked are missing from the map.
func (db *DB) readStates(sources []string) (map[string]watcher.State, error) {
	ctx, cancel := op()
	defer cancel()
	// One source, the usual case, is asked without an array to encode on either side.
	var rows pgx.Rows
	if len(sources) == 1 {
		rows, _ = db.pool.Query(ctx, "SELECT source, state FROM states WHERE source = $1", sources[0])
	} else {
		rows, _ = db.pool.Query(ctx, "SELECT source, state FROM states WHERE source = ANY($1)", sources)
	}
	out := make(map[string]watcher.State, len(sources))
	var name string
	var v []byte
	_, err := pgx.ForEachRow(rows, []any{&name, &v}, func() error {
		var st watcher.State
		if err := cbor.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("state of %q: %w", name, err)
		}
		out[name] = st
		return nil
	})
	if err != nil {
		return nil, db.wrap("states", err)
	}
	return out, nil
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

// flushBatch is how many quiet records start a flush before store.FlushDelay is up.
const flushBatch = 128

// maxPending bounds the quiet records waiting: beyond it (the server is down) records are
// written at once, so that the error reaches the check that made them.
const maxPending = 8192

// Record stores a check, its new snapshot and events, and the source's state in one
// transaction, then applies the retention policy to the source's snapshots.
//
// A quiet record, one with no new snapshot, event, delivery or archive job (an unchanged
// page, a failure already reported), waits, as in the bbolt file, for the next flush: at
// most store.FlushDelay later, after flushBatch records, or with the next record of its
// source. A round trip to the server costs more CPU than the rest of an unchanged check
// (see BenchmarkUnchangedCheck), and a flush writes a batch in one (hw_quiet). A crash
// loses at most that second of quiet records, never a change or an event. Reads (State,
// Checks) of this DB see the waiting records; other DBs see them once flushed. The error
// of a failed flush is returned by the next quiet Record and by Close. A quiet record
// older than the latest check the database holds for its source (another daemon's, on a
// later turn, while this one's flush was retried) is skipped by hw_quiet.
//
// Records of different sources touch different rows and never conflict. The records of
// one source are made one at a time (the scheduler runs one check of a source at a time)
// and written in that order.
func (db *DB) Record(r watcher.Record) error {
	if db.ro {
		return db.wrap("record "+r.Source, errReadOnly)
	}
	if isQuiet(r) {
		db.mu.Lock()
		if db.npending < maxPending {
			if db.pending == nil {
				db.pending = map[string][]watcher.Record{}
			}
			db.pending[r.Source] = append(db.pending[r.Source], r)
			db.npending++
			switch {
			case db.timer == nil:
				db.timer = time.AfterFunc(store.FlushDelay, db.flushLater)
			case db.npending >= flushBatch && db.timer.Stop():
				db.timer = time.AfterFunc(0, db.flushLater)
			}
			err := db.flushErr
			db.flushErr = nil
			db.mu.Unlock()
			return err
		}
		db.mu.Unlock()
	}
	var body []byte
	if r.Capture != nil {
		body = store.CompressBody(r.Capture.Body)
	}
	db.order.RLock()
	defer db.order.RUnlock()
	db.mu.Lock()
	earlier := db.pending[r.Source]
	db.mu.Unlock()
	err := db.write("record "+r.Source, func(ctx context.Context, tx pgx.Tx) error {
		if err := writeQuiet(ctx, tx, earlier); err != nil {
			return err
		}
		if isQuiet(r) {
			return writeQuiet(ctx, tx, []watcher.Record{r})
		}
		return db.record(ctx, tx, r, body)
	})
	if err == nil && len(earlier) > 0 {
		db.mu.Lock()
		db.drop(r.Source, len(earlier))
		db.mu.Unlock()
	}
	return err
}

// drop forgets the first n waiting records of a source, once written. Called with mu held.
func (db *DB) drop(source string, n int) {
	db.npending -= n
	if rest := db.pending[source][n:]; len(rest) > 0 {
		db.pending[source] = rest
	} else {
		delete(db.pending, source)
	}
}

// Flush writes the quiet records waiting, in one statement.
func (db *DB) Flush() error {
	db.order.Lock()
	defer db.order.Unlock()
	db.mu.Lock()
	var batch []watcher.Record
	n := map[string]int{}
	for src, rs := range db.pending {
		batch = append(batch, rs...)
		n[src] = len(rs)
	}
	db.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	// By source, in check order within each: two flushes that share sources (a daemon's and
	// a `check` run's) lock their rows in the same order and never deadlock.
	slices.SortStableFunc(batch, func(a, b watcher.Record) int { return strings.Compare(a.Source, b.Source) })
	args, err := quietArgs(batch)
	if err != nil {
		return err
	}
	ctx, cancel := op()
	defer cancel()
	if _, err := db.pool.Exec(ctx, quietSQL, args...); err != nil {
		return db.wrap(fmt.Sprintf("writing %d checks", len(batch)), err)
	}
	db.mu.Lock()
	for src, k := range n {
		db.drop(src, k)
	}
	db.mu.Unlock()
	return nil
}

// flushLater is the timer's flush; a failed one is tried again a FlushDelay later.
func (db *DB) flushLater() {
	err := db.Flush()
	db.mu.Lock()
	defer db.mu.Unlock()
	db.timer = nil
	if err != nil {
		db.flushErr = err
	}
	if db.npending > 0 && !db.closed {
		// A batch that filled during this flush is written at once, not a FlushDelay later:
		// at thousands of checks a second the records would otherwise reach maxPending and
		// be written one transaction each.
		delay := store.FlushDelay
		if db.npending >= flushBatch {
			delay = 0
		}
		db.timer = time.AfterFunc(delay, db.flushLater)
	}
}

const quietSQL = "SELECT hw_quiet($1, $2, $3, $4, $5, $6, $7, $8)"

// writeQuiet writes quiet records, in order, in tx.
func writeQuiet(ctx context.Context, tx pgx.Tx, rs []watcher.Record) error {
	if len(rs) == 0 {
		return nil
	}
	args, err := quietArgs(rs)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, quietSQL, args...)
	return err
}

// quietArgs are hw_quiet's arguments for the records rs.
func quietArgs(rs []watcher.Record) ([]any, error) {
	var (
		sources = make([]string, len(rs))
		states  = make([][]byte, len(rs))
		moved   = make([]string, len(rs))
		runs    = make([][]byte, len(rs))
		keys    = make([][]byte, len(rs))
		lasts   = make([]string, len(rs))
		checked = make([]int64, len(rs))
	)
	for i, r := range rs {
		sources[i], moved[i] = r.Source, r.State.MovedTo
		var err error
		var last []byte
		if states[i], err = stateEnc.Marshal(r.State); err == nil {
			if runs[i], err = runBody(r.Check); err == nil {
				if keys[i], err = runKey(r.Check); err == nil {
					last, err = r.Check.Time.MarshalText()
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("check of %q: %w", r.Source, err)
		}
		lasts[i], checked[i] = string(last), nanos(r.Check.Time)
	}
	return []any{sources, states, moved, runs, keys, lasts, checked, store.MaxChecks - 1}, nil
}

// repeats reports whether check c has the outcome of run, and if so counts it in the run,
// as hw_quiet does.
func repeats(run *watcher.Check, c watcher.Check) bool {
	if run.Result != c.Result || run.Status != c.Status || run.Snapshot != c.Snapshot || run.Error != c.Error || run.URL != c.URL {
		return false
	}
	run.Repeats++
	run.Last = c.Time
	return true
}

// record writes a record that is not quiet in tx: the open run, if any, and the check go
// to the log; then the snapshot, its text, screenshot and capture (body, its compressed
// body), the figures, the archive jobs, the events and their deliveries.
func (db *DB) record(ctx context.Context, tx pgx.Tx, r watcher.Record, body []byte) error {
	state, err := stateEnc.Marshal(r.State)
	if err != nil {
		return fmt.Errorf("state of %q: %w", r.Source, err)
	}
	var (
		run     []byte
		repeats int
		last    *string
		seq     int64
	)
	err = tx.QueryRow(ctx, "SELECT run, run_repeats, run_last, check_seq FROM states WHERE source = $1 FOR UPDATE",
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
	check, err := runBody(r.Check)
	if err != nil {
		return err
	}
	if last, err = lastText(r.Check); err != nil {
		return err
	}
	seq++
	if _, err := tx.Exec(ctx, "INSERT INTO checks (source, seq, body, repeats, last) VALUES ($1, $2, $3, $4, $5)",
		r.Source, seq, check, r.Check.Repeats, last); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM checks WHERE source = $1 AND seq <= $2", r.Source, seq-(store.MaxChecks-1)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO states (source, state, moved_to, check_seq, checked) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (source) DO UPDATE SET state = excluded.state, moved_to = excluded.moved_to, run = NULL,
			run_key = NULL, run_repeats = 0, run_last = NULL, check_seq = excluded.check_seq,
			checked = greatest(states.checked, excluded.checked)`,
		r.Source, state, r.State.MovedTo, seq, nanos(r.Check.Time)); err != nil {
		return err
	}
	if r.Snapshot != nil {
		if err := db.putSnapshot(ctx, tx, r); err != nil {
			return err
		}
	}
	if r.Capture != nil {
		if err := putCapture(ctx, tx, r.Capture, body); err != nil {
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
	times := make([]time.Time, len(all))
	for i, e := range all {
		times[i] = time.Unix(0, e.time)
	}
	drop := db.ret.Drop(times, db.now())
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
	return queryJSON[watcher.Snapshot](db, "snapshots of "+source, "SELECT body FROM snapshots WHERE source = $1 ORDER BY seq", source)
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
// Quiet records still waiting for their flush are folded in as the flush will fold them.
func (db *DB) Checks(source string, n int) ([]watcher.Check, error) {
	if n <= 0 || n > store.MaxChecks {
		n = store.MaxChecks
	}
	ctx, cancel := op()
	defer cancel()
	// The open run, then the log newest first, n in all.
	rows, _ := db.pool.Query(ctx, `
		(SELECT true AS open, 0::bigint AS seq, run, run_repeats, run_last FROM states WHERE source = $1 AND run IS NOT NULL)
		UNION ALL
		(SELECT false, seq, body, repeats, last FROM checks WHERE source = $1 ORDER BY seq DESC LIMIT $2)
		ORDER BY open DESC, seq DESC LIMIT $2`, source, n)
	open := false // the last of out, once reversed, is the open run
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (watcher.Check, error) {
		var (
			isRun   bool
			seq     int64
			body    []byte
			repeats int
			last    *string
		)
		if err := row.Scan(&isRun, &seq, &body, &repeats, &last); err != nil {
			return watcher.Check{}, err
		}
		open = open || isRun
		c, err := decodeRun(body, repeats, last)
		if err != nil {
			return c, fmt.Errorf("check %d of %s: %w", seq, source, err)
		}
		return c, nil
	})
	if err != nil {
		return nil, db.wrap("checks of "+source, err)
	}
	slices.Reverse(out)
	db.mu.Lock()
	for _, r := range db.pending[source] {
		if !open || !repeats(&out[len(out)-1], r.Check) {
			out = append(out, r.Check)
			open = true
		}
	}
	db.mu.Unlock()
	if len(out) > n {
		out = out[len(out)-n:]
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

// queryJSON runs a query of one JSON column and decodes its rows, in its order; an error
// names what was read.
func queryJSON[T any](db *DB, what, sql string, args ...any) ([]T, error) {
	ctx, cancel := op()
	defer cancel()
	rows, _ := db.pool.Query(ctx, sql, args...)
	out, err := collectJSON[T](rows)
	return out, db.wrap(what, err)
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
