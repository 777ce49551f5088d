package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher"
)

// Events are numbered in the order they are committed, not merely the order they were
// written: a transaction takes the events' advisory lock (lockEvents) before its events
// take their numbers, and holds it to its commit. Without it, a daemon's event numbered 10
// could commit after another's numbered 11, and a reader that went through the events in
// order (EachEvent, a copy, a page of events after the newest one seen) would pass 10
// before it existed and never come back. The lock is taken last in the transactions that
// write events, so it is held for the insert and the commit only; events are the changes,
// a few a minute, not the unchanged checks.

// putEvents appends events in tx.
func putEvents(ctx context.Context, tx pgx.Tx, events []watcher.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := lock(ctx, tx, lockEvents, ""); err != nil {
		return err
	}
	for _, e := range events {
		body, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO events (source, type, time, body) VALUES ($1, $2, $3, $4)",
			e.Source.Name, e.Type, nanos(e.Time), body); err != nil {
			return err
		}
	}
	return nil
}

// Events lists the stored events at or after since, oldest first; types filters by type
// when not empty.
func (db *DB) Events(since time.Time, types ...string) ([]watcher.Event, error) {
	ctx, cancel := op()
	defer cancel()
	rows, _ := db.pool.Query(ctx, `SELECT body FROM events WHERE time >= $1 AND (coalesce(cardinality($2::text[]), 0) = 0 OR type = ANY($2))
		ORDER BY seq`, nanos(since), types)
	out, err := collectJSON[watcher.Event](rows)
	return out, db.wrap("events", err)
}

// EventsPage returns the events a query selects, newest first, and the Next that asks
// for the page after it ("" after the last): the number of the next event to read, plus
// one, as in the bbolt file.
func (db *DB) EventsPage(q watcher.EventQuery) ([]watcher.Event, string, error) {
	before := int64(0) // 0: from the newest
	if q.After != "" {
		n, err := strconv.ParseInt(q.After, 10, 64)
		if err != nil || n <= 0 {
			return nil, "", fmt.Errorf("cursor %q: %w", q.After, watcher.ErrCursor)
		}
		before = n
	}
	limit := int64(-1) // none
	if q.Limit > 0 {
		limit = int64(q.Limit) + 1 // one more, for the next page's cursor
	}
	ctx, cancel := op()
	defer cancel()
	rows, _ := db.pool.Query(ctx, `SELECT seq, body FROM events
		WHERE ($1 = 0 OR seq < $1) AND ($2 = '' OR source = $2) AND (coalesce(cardinality($3::text[]), 0) = 0 OR type = ANY($3))
			AND time >= $4
		ORDER BY seq DESC LIMIT CASE WHEN $5 < 0 THEN NULL ELSE $5 END`,
		before, q.Source, q.Types, nanos(q.Since), limit)
	var (
		out  []watcher.Event
		next string
	)
	var seq int64
	var body []byte
	_, err := pgx.ForEachRow(rows, []any{&seq, &body}, func() error {
		if q.Limit > 0 && len(out) == q.Limit {
			next = strconv.FormatInt(seq+1, 10)
			return nil
		}
		var e watcher.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return fmt.Errorf("event %d: %w", seq, err)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, "", db.wrap("events", err)
	}
	return out, next, nil
}

// eventBatch is how many events EachEvent reads per query.
const eventBatch = 256

// EachEvent calls fn with each stored event, oldest first, reading a batch at a time so
// that memory does not grow with the database.
func (db *DB) EachEvent(fn func(watcher.Event) error) error {
	after := int64(0)
	for {
		var batch []watcher.Event
		err := func() error {
			ctx, cancel := op()
			defer cancel()
			rows, _ := db.pool.Query(ctx, "SELECT seq, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2", after, eventBatch)
			var seq int64
			var body []byte
			_, err := pgx.ForEachRow(rows, []any{&seq, &body}, func() error {
				var e watcher.Event
				if err := json.Unmarshal(body, &e); err != nil {
					return fmt.Errorf("event %d: %w", seq, err)
				}
				batch, after = append(batch, e), seq
				return nil
			})
			return err
		}()
		if err != nil {
			return db.wrap("events", err)
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < eventBatch {
			return nil
		}
	}
}
