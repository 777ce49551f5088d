package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// AddSource stores a source added from the command line; it also undoes an earlier
// removal of that name.
func (db *DB) AddSource(a watcher.Added) error {
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return db.write("add "+a.Name, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM removed WHERE name = $1", a.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO added (name, body) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET body = excluded.body",
			a.Name, body)
		return err
	})
}

// RemoveSource forgets an added source, or marks a seeded or configured one as removed
// so that it is no longer watched. Its history stays in the database.
func (db *DB) RemoveSource(name string) error {
	return db.write("remove "+name, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM added WHERE name = $1", name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO removed (name, time) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET time = excluded.time",
			name, db.now().UTC().Format(time.RFC3339))
		return err
	})
}

// AddedSources lists the sources added from the command line, by name.
func (db *DB) AddedSources() ([]watcher.Added, error) {
	return queryJSON[watcher.Added](db, "added sources", "SELECT body FROM added ORDER BY name")
}

// Removed returns the names of removed sources.
func (db *DB) Removed() (map[string]bool, error) {
	ctx, cancel := op()
	defer cancel()
	rows, _ := db.pool.Query(ctx, "SELECT name FROM removed")
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, db.wrap("removed sources", err)
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// RecordCoverage records the new articles of found, in one transaction: for each, its
// Coverage, its Added source (Origin "discovered"), its coverage.found event and the
// event's deliveries; see store.Store.RecordCoverage for what makes an article new. The
// transaction holds the coverage lock (lockCoverage), so that two daemons' jobs that find
// the same article at once do not both add it.
func (db *DB) RecordCoverage(found []watcher.Discovered, known []watcher.Source, canonical func(string) string) ([]watcher.Outcome, error) {
	out := make([]watcher.Outcome, len(found))
	err := db.write("record coverage", func(ctx context.Context, tx pgx.Tx) error {
		if err := lock(ctx, tx, lockCoverage, ""); err != nil {
			return err
		}
		byURL, names, err := watchedURLs(ctx, tx, known, canonical)
		if err != nil {
			return err
		}
		var events []watcher.Event
		var ds []watcher.Delivery
		for i, d := range found {
			c := d.Coverage
			c.URL = canonical(c.URL)
			if name, ok := byURL[c.URL]; ok {
				out[i] = watcher.Outcome{Source: name}
				continue
			}
			if c.URL == "" || c.Source == "" || names[c.Source] {
				// A name taken by another URL: refused rather than shadowed (see
				// store.Store.RecordCoverage).
				out[i] = watcher.Outcome{Source: c.Source}
				continue
			}
			cov, err := json.Marshal(c)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO coverage (url, body) VALUES ($1, $2) ON CONFLICT (url) DO UPDATE SET body = excluded.body",
				c.URL, cov); err != nil {
				return err
			}
			a := watcher.Added{Name: c.Source, URL: c.URL, Lang: c.Lang, Time: c.Found.UTC(), Origin: watcher.OriginDiscovered}
			added, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO added (name, body) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET body = excluded.body",
				a.Name, added); err != nil {
				return err
			}
			if d.Event.ID != "" {
				events = append(events, d.Event)
			}
			ds = append(ds, d.Deliveries...)
			byURL[c.URL], names[c.Source] = c.Source, true
			out[i] = watcher.Outcome{New: true, Source: c.Source}
		}
		// The events and deliveries last, in the order found: their locks are held to the
		// commit (see events.go).
		if err := putEvents(ctx, tx, events); err != nil {
			return err
		}
		return queue(ctx, tx, ds)
	})
	if err != nil {
		return nil, fmt.Errorf("store: record coverage: %w", err)
	}
	return out, nil
}

// watchedURLs returns every URL the watch list has or had, canonical, with the name of its
// source, and the source names in use (see store.Store.RecordCoverage).
func watchedURLs(ctx context.Context, tx pgx.Tx, known []watcher.Source, canonical func(string) string) (map[string]string, map[string]bool, error) {
	byURL, names := map[string]string{}, map[string]bool{}
	note := func(name, u string) {
		names[name] = true
		if c := canonical(u); c != "" {
			if _, ok := byURL[c]; !ok {
				byURL[c] = name
			}
		}
	}
	for _, k := range known {
		note(k.Name, k.URL)
	}
	rows, _ := tx.Query(ctx, "SELECT body FROM added ORDER BY name")
	added, err := collectJSON[watcher.Added](rows)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range added {
		note(a.Name, a.URL)
	}
	rows, _ = tx.Query(ctx, "SELECT body FROM coverage ORDER BY url")
	cov, err := collectJSON[watcher.Coverage](rows)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cov {
		note(c.Source, c.URL)
	}
	// An article that moved is watched at its new URL too.
	var name, moved string
	rows, _ = tx.Query(ctx, "SELECT source, moved_to FROM states WHERE moved_to <> '' ORDER BY source")
	if _, err := pgx.ForEachRow(rows, []any{&name, &moved}, func() error { note(name, moved); return nil }); err != nil {
		return nil, nil, err
	}
	// A source added from the CLI and then removed left its name only; its URL is in its
	// events, read only when there is such a name.
	rows, _ = tx.Query(ctx, "SELECT name FROM removed ORDER BY name")
	removed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, err
	}
	var lost []string
	for _, n := range removed {
		if !names[n] {
			lost = append(lost, n)
		}
		names[n] = true
	}
	if len(lost) == 0 {
		return byURL, names, nil
	}
	rows, _ = tx.Query(ctx, "SELECT body FROM events WHERE source = ANY($1) ORDER BY seq", lost)
	evs, err := collectJSON[watcher.Event](rows)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range evs {
		note(e.Source.Name, e.Source.URL)
	}
	return byURL, names, nil
}

// Coverage lists the articles coverage discovery has added, removed since or not, by URL.
func (db *DB) Coverage() ([]watcher.Coverage, error) {
	return queryJSON[watcher.Coverage](db, "coverage", "SELECT body FROM coverage ORDER BY url")
}

// Robots returns the entry kept for the origin, nil when there is none.
func (db *DB) Robots(origin string) ([]byte, error) {
	ctx, cancel := op()
	defer cancel()
	var entry []byte
	err := db.pool.QueryRow(ctx, "SELECT entry FROM robots WHERE origin = $1", origin).Scan(&entry)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return entry, db.wrap("robots.txt of "+origin, err)
}

// PutRobots keeps the entry for the origin, replacing the one before. A read-only DB
// keeps nothing: `serve` fetches nothing either.
func (db *DB) PutRobots(origin string, entry []byte) error {
	if db.ro {
		return nil
	}
	return db.write("robots.txt of "+origin, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO robots (origin, entry) VALUES ($1, $2) ON CONFLICT (origin) DO UPDATE SET entry = excluded.entry",
			origin, entry)
		return err
	})
}

// keyDemo, in the meta table, marks a database made by `hanoiwatch demo`.
const keyDemo = "demo"

// MarkDemo records that the database is a demo one.
func (db *DB) MarkDemo(d store.Demo) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return db.write("demo mark", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			keyDemo, v)
		return err
	})
}

// Demo reports whether the database was made by `hanoiwatch demo`, and what the demo
// recorded then.
func (db *DB) Demo() (store.Demo, bool, error) {
	ctx, cancel := op()
	defer cancel()
	var d store.Demo
	var v []byte
	err := db.pool.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", keyDemo).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return d, false, nil
	case err != nil:
		return d, false, db.wrap("demo mark", err)
	}
	if err := json.Unmarshal(v, &d); err != nil {
		return store.Demo{}, false, fmt.Errorf("store: demo mark: %w", err)
	}
	return d, true, nil
}
