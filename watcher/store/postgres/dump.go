package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// dumpBatch is how many items Dump reads per query.
const dumpBatch = 256

// dumpKinds says how each kind of item is read: a query giving source, key and up to four
// value columns, in the dump's order, and the condition that resumes after an item
// (@source, @key). The key of a sequence number is zero-padded to 20 digits, so that the
// keys' order as bytes is the numbers'.
var dumpKinds = map[store.ItemKind]struct{ sel, after, order string }{
	store.ItemState: {"SELECT source, '', state, run, run_repeats, run_last FROM states",
		"source > @source", "source"},
	store.ItemCheck: {"SELECT source, lpad(seq::text, 20, '0'), body, NULL::bytea, repeats, last FROM checks",
		"(source, seq) > (@source, @key::bigint)", "source, seq"},
	store.ItemSnapshot: {"SELECT source, lpad(seq::text, 20, '0'), body, NULL, 0, NULL FROM snapshots",
		"(source, seq) > (@source, @key::bigint)", "source, seq"},
	store.ItemText: {"SELECT source, id, text, NULL, 0, NULL FROM texts",
		"(source, id) > (@source, @key)", "source, id"},
	store.ItemScreenshot: {"SELECT source, id, image, NULL, 0, NULL FROM screenshots",
		"(source, id) > (@source, @key)", "source, id"},
	store.ItemCapture: {"SELECT source, lpad(seq::text, 20, '0'), body, NULL, 0, NULL FROM captures",
		"(source, seq) > (@source, @key::bigint)", "source, seq"},
	store.ItemBody: {"SELECT '', encode(sha, 'hex'), body, NULL, 0, NULL FROM bodies",
		"sha > decode(@key, 'hex')", "sha"},
	store.ItemFigures: {"SELECT source, '', track, NULL, 0, NULL FROM figures",
		"source > @source", "source"},
	store.ItemEvent: {"SELECT '', lpad(seq::text, 20, '0'), body, NULL, 0, NULL FROM events",
		"seq > @key::bigint", "seq"},
	store.ItemAdded: {"SELECT name, '', body, NULL, 0, NULL FROM added",
		"name > @source", "name"},
	store.ItemRemoved: {"SELECT name, '', NULL, NULL, 0, time FROM removed",
		"name > @source", "name"},
	store.ItemCoverage: {"SELECT '', url, body, NULL, 0, NULL FROM coverage",
		"url > @key", "url"},
	store.ItemDelivery: {"SELECT endpoint, lpad(seq::text, 20, '0'), body, NULL, 0, NULL FROM deliveries",
		"(endpoint, seq) > (@source, @key::bigint)", "endpoint, seq"},
	store.ItemGone: {"SELECT endpoint, '', body, NULL, 0, NULL FROM gone",
		"endpoint > @source", "endpoint"},
	store.ItemArchive: {"SELECT '', lpad(seq::text, 20, '0'), body, NULL, 0, NULL FROM archive",
		"seq > @key::bigint", "seq"},
	store.ItemRobots: {"SELECT origin, '', entry, NULL, 0, NULL FROM robots",
		"origin > @source", "origin"},
	store.ItemDemo: {"SELECT '', '', value, NULL, 0, NULL FROM meta WHERE key = 'demo'",
		"FALSE", ""},
}

// stateItem is the value of a state item: the source's State and its open run.
type stateItem struct {
	State watcher.State  `json:"state"`
	Run   *watcher.Check `json:"run,omitempty"`
}

// Dump calls fn with the items of kind in order (Source, then Key, compared as bytes),
// from the one after `after` (nil: from the first), reading a batch at a time.
func (db *DB) Dump(kind store.ItemKind, after *store.Item, fn func(store.Item) error) error {
	k, ok := dumpKinds[kind]
	if !ok {
		return fmt.Errorf("dump: unknown kind of item %q", kind)
	}
	for {
		q, args := k.sel, pgx.NamedArgs{"limit": dumpBatch}
		if after != nil {
			args["source"], args["key"] = after.Source, after.Key
			if k.order == "" { // the only item of its kind
				return nil
			}
			q += " WHERE " + k.after
		}
		if k.order != "" {
			q += " ORDER BY " + k.order
		}
		q += " LIMIT @limit"
		var batch []store.Item
		err := func() error {
			ctx, cancel := op()
			defer cancel()
			rows, _ := db.pool.Query(ctx, q, args)
			var (
				it   store.Item
				v, r []byte
				n    int
				t    *string
			)
			_, err := pgx.ForEachRow(rows, []any{&it.Source, &it.Key, &v, &r, &n, &t}, func() error {
				it.Kind = kind
				var err error
				if kind == store.ItemBody {
					it.Value, err = store.DecompressBody(it.Key, v, nil)
				} else {
					it.Value, err = dumpValue(kind, v, r, n, t)
				}
				if err != nil {
					return fmt.Errorf("%s %s %s: %w", kind, it.Source, it.Key, err)
				}
				batch = append(batch, it)
				return nil
			})
			return err
		}()
		if err != nil {
			return db.wrap("dump "+string(kind), err)
		}
		for _, it := range batch {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(batch) < dumpBatch || k.order == "" {
			return nil
		}
		after = &batch[len(batch)-1]
	}
}

// dumpValue is an item's value from its columns (but a body's, decompressed by Dump): v as
// stored, but for states (v the CBOR
// state, r the open run, n and t its repeats and last), checks (n and t the run's) and
// removals (t the time).
func dumpValue(kind store.ItemKind, v, r []byte, n int, t *string) ([]byte, error) {
	switch kind {
	case store.ItemState:
		var e stateItem
		if err := cbor.Unmarshal(v, &e.State); err != nil {
			return nil, err
		}
		if r != nil {
			c, err := decodeRun(r, n, t)
			if err != nil {
				return nil, err
			}
			e.Run = &c
		}
		return json.Marshal(e)
	case store.ItemCheck:
		c, err := decodeRun(v, n, t)
		if err != nil {
			return nil, err
		}
		return json.Marshal(c)
	case store.ItemRemoved:
		return json.Marshal(*t)
	}
	return v, nil
}

// Load writes items in one transaction; an item with the kind, source and key of one
// already there replaces it. Sequence numbers are kept, and the tables' sequences moved
// past them; derived data (states' log counters, captures' snapshot entries, bodies'
// reference counts) is computed again.
func (db *DB) Load(items []store.Item) error {
	return db.write("load", func(ctx context.Context, tx pgx.Tx) error {
		for _, it := range items {
			if err := load(ctx, tx, it); err != nil {
				return fmt.Errorf("load %s %s %s: %w", it.Kind, it.Source, it.Key, err)
			}
		}
		// Derived data, for every row: cheap next to a batch of items, and right whatever
		// order the kinds came in.
		for _, q := range []string{
			`UPDATE states s SET check_seq = c.seq FROM (SELECT source, max(seq) AS seq FROM checks GROUP BY source) c
				WHERE s.source = c.source AND s.check_seq < c.seq`,
			`UPDATE bodies b SET refs = (SELECT count(*) FROM captures c WHERE c.sha = b.sha)`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		for _, t := range []string{"snapshots", "captures", "events", "deliveries", "archive"} {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'seq'),
				greatest((SELECT max(seq) FROM %[1]s), (SELECT last_value FROM %[1]s_seq_seq)))`, t)); err != nil {
				return err
			}
		}
		return nil
	})
}

// load writes one item in tx.
func load(ctx context.Context, tx pgx.Tx, it store.Item) error {
	var seq int64
	switch it.Kind {
	case store.ItemCheck, store.ItemSnapshot, store.ItemCapture, store.ItemEvent, store.ItemDelivery, store.ItemArchive:
		n, err := strconv.ParseInt(it.Key, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("key %q: want a sequence number", it.Key)
		}
		seq = n
	}
	exec := func(sql string, args ...any) error {
		_, err := tx.Exec(ctx, sql, args...)
		return err
	}
	switch it.Kind {
	case store.ItemState:
		var e stateItem
		if err := json.Unmarshal(it.Value, &e); err != nil {
			return err
		}
		state, err := stateEnc.Marshal(e.State)
		if err != nil {
			return err
		}
		var run, key []byte
		var last *string
		repeats := 0
		if e.Run != nil {
			if run, err = runBody(*e.Run); err != nil {
				return err
			}
			if key, err = runKey(*e.Run); err != nil {
				return err
			}
			if last, err = lastText(*e.Run); err != nil {
				return err
			}
			repeats = e.Run.Repeats
		}
		return exec(`INSERT INTO states (source, state, moved_to, run, run_key, run_repeats, run_last, checked)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (source) DO UPDATE SET state = excluded.state, moved_to = excluded.moved_to, run = excluded.run,
				run_key = excluded.run_key, run_repeats = excluded.run_repeats, run_last = excluded.run_last,
				checked = excluded.checked`,
			it.Source, state, e.State.MovedTo, run, key, repeats, last, nanos(e.State.LastCheck))
	case store.ItemCheck:
		var c watcher.Check
		if err := json.Unmarshal(it.Value, &c); err != nil {
			return err
		}
		body, err := runBody(c)
		if err != nil {
			return err
		}
		last, err := lastText(c)
		if err != nil {
			return err
		}
		return exec(`INSERT INTO checks (source, seq, body, repeats, last) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (source, seq) DO UPDATE SET body = excluded.body, repeats = excluded.repeats, last = excluded.last`,
			it.Source, seq, body, c.Repeats, last)
	case store.ItemSnapshot:
		var sn watcher.Snapshot
		if err := json.Unmarshal(it.Value, &sn); err != nil {
			return err
		}
		return exec(`INSERT INTO snapshots (source, seq, id, time, body) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (source, seq) DO UPDATE SET id = excluded.id, time = excluded.time, body = excluded.body`,
			it.Source, seq, sn.ID, nanos(sn.Time), it.Value)
	case store.ItemText:
		return exec("INSERT INTO texts (source, id, text) VALUES ($1, $2, $3) ON CONFLICT (source, id) DO UPDATE SET text = excluded.text",
			it.Source, it.Key, it.Value)
	case store.ItemScreenshot:
		return exec("INSERT INTO screenshots (source, id, image) VALUES ($1, $2, $3) ON CONFLICT (source, id) DO UPDATE SET image = excluded.image",
			it.Source, it.Key, it.Value)
	case store.ItemCapture:
		var c watcher.Capture
		if err := json.Unmarshal(it.Value, &c); err != nil {
			return err
		}
		sum, err := hex.DecodeString(c.SHA256)
		if err != nil {
			return fmt.Errorf("bad sha256 %q", c.SHA256)
		}
		// The snapshot entry it backs is the source's latest at its time (dumps give the
		// snapshots before the captures); with none, retention never drops it.
		return exec(`INSERT INTO captures (source, seq, snap_seq, sha, body)
			VALUES ($1, $2, (SELECT max(seq) FROM snapshots WHERE source = $1 AND time <= $5), $3, $4)
			ON CONFLICT (source, seq) DO UPDATE SET snap_seq = excluded.snap_seq, sha = excluded.sha, body = excluded.body`,
			it.Source, seq, sum, it.Value, nanos(c.Time))
	case store.ItemBody:
		sum, err := hex.DecodeString(it.Key)
		if err != nil {
			return fmt.Errorf("bad sha256 %q", it.Key)
		}
		if sha := sha256.Sum256(it.Value); hex.EncodeToString(sha[:]) != it.Key {
			return fmt.Errorf("the body does not match its SHA-256")
		}
		return exec("INSERT INTO bodies (sha, refs, body) VALUES ($1, 0, $2) ON CONFLICT (sha) DO UPDATE SET body = excluded.body",
			sum, store.CompressBody(it.Value))
	case store.ItemFigures:
		return exec("INSERT INTO figures (source, track) VALUES ($1, $2) ON CONFLICT (source) DO UPDATE SET track = excluded.track",
			it.Source, it.Value)
	case store.ItemEvent:
		var e watcher.Event
		if err := json.Unmarshal(it.Value, &e); err != nil {
			return err
		}
		return exec(`INSERT INTO events (seq, source, type, time, body) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (seq) DO UPDATE SET source = excluded.source, type = excluded.type, time = excluded.time, body = excluded.body`,
			seq, e.Source.Name, e.Type, nanos(e.Time), it.Value)
	case store.ItemAdded:
		return exec("INSERT INTO added (name, body) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET body = excluded.body",
			it.Source, it.Value)
	case store.ItemRemoved:
		var t string
		if err := json.Unmarshal(it.Value, &t); err != nil {
			return err
		}
		if _, err := time.Parse(time.RFC3339, t); err != nil {
			return err
		}
		return exec("INSERT INTO removed (name, time) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET time = excluded.time",
			it.Source, t)
	case store.ItemCoverage:
		return exec("INSERT INTO coverage (url, body) VALUES ($1, $2) ON CONFLICT (url) DO UPDATE SET body = excluded.body",
			it.Key, it.Value)
	case store.ItemDelivery:
		var d watcher.Delivery
		if err := json.Unmarshal(it.Value, &d); err != nil {
			return err
		}
		return exec(`INSERT INTO deliveries (endpoint, seq, id, dead, body) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (endpoint, seq) DO UPDATE SET id = excluded.id, dead = excluded.dead, body = excluded.body`,
			it.Source, seq, d.ID, d.State == watcher.DeliveryDead, it.Value)
	case store.ItemGone:
		return exec("INSERT INTO gone (endpoint, body) VALUES ($1, $2) ON CONFLICT (endpoint) DO UPDATE SET body = excluded.body",
			it.Source, it.Value)
	case store.ItemArchive:
		var j watcher.ArchiveJob
		if err := json.Unmarshal(it.Value, &j); err != nil {
			return err
		}
		return exec(`INSERT INTO archive (seq, dead, next_attempt, body) VALUES ($1, $2, $3, $4)
			ON CONFLICT (seq) DO UPDATE SET dead = excluded.dead, next_attempt = excluded.next_attempt, body = excluded.body`,
			seq, j.Dead, nanos(j.NextAttempt), it.Value)
	case store.ItemRobots:
		return exec("INSERT INTO robots (origin, entry) VALUES ($1, $2) ON CONFLICT (origin) DO UPDATE SET entry = excluded.entry",
			it.Source, it.Value)
	case store.ItemDemo:
		return exec("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			keyDemo, it.Value)
	}
	return fmt.Errorf("unknown kind of item")
}
