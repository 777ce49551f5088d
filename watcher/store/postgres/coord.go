package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher/cluster"
)

// Coord coordinates the daemons that share the database (see watcher/cluster), with the
// tables of migrations/002_cluster.sql. Every expiry is compared with the database's
// clock, never with a daemon's, so that daemons on machines whose clocks differ agree.
type Coord struct {
	db      *DB
	holder  string
	request time.Duration

	ready sync.Map // host and slot count → struct{}: its rows exist
	// This process's requests to a host, at most perHost: only that many of them ask
	// the database for a slot, the others wait here without a query.
	local sync.Map // host and slot count → chan struct{} of capacity perHost
}

// Coordinator returns the coordinator of this process. request is the longest one
// request may take (the fetcher's timeout): a per-host slot whose holder died frees itself
// after that, plus the wait for the host's turn.
func (db *DB) Coordinator(request time.Duration) *Coord {
	host, _ := os.Hostname()
	return &Coord{db: db, holder: fmt.Sprintf("%s:%d:%08x", host, os.Getpid(), rand.Uint32()), request: request}
}

var _ cluster.Coordinator = (*Coord)(nil)

// Holder names this process in the tables.
func (c *Coord) Holder() string { return c.holder }

// Shared is true: other daemons may share the database.
func (c *Coord) Shared() bool { return true }

// micros is d for the statements, which take durations in microseconds (PostgreSQL's
// precision) to avoid the interval type's encodings.
func micros(d time.Duration) int64 { return d.Microseconds() }

// Claim takes the named turn for lease unless an unexpired claim holds it: one statement,
// whose conflict branch updates the row only if its claim has expired. Two daemons that
// claim at once are ordered by the row's lock, and the second sees the first's claim.
func (c *Coord) Claim(ctx context.Context, name string, lease time.Duration) (bool, error) {
	return c.take(ctx, `INSERT INTO cluster_claims (name, holder, until)
		VALUES ($1, $2, now() + $3 * interval '1 microsecond')
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE cluster_claims.until <= now()
		RETURNING 1`, name, lease)
}

// Lease takes the named lease for ttl, or renews it if this process holds it, unless
// another holds it unexpired.
func (c *Coord) Lease(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	return c.take(ctx, `INSERT INTO cluster_leases (name, holder, until)
		VALUES ($1, $2, now() + $3 * interval '1 microsecond')
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE cluster_leases.until <= now() OR cluster_leases.holder = excluded.holder
		RETURNING 1`, name, ttl)
}

func (c *Coord) take(ctx context.Context, sql, name string, d time.Duration) (bool, error) {
	var one int
	err := c.db.pool.QueryRow(ctx, sql, name, c.holder, micros(d)).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("postgres: claim %s: %w", name, err)
	}
	return true, nil
}

// Release ends the named lease now, if this process holds it.
func (c *Coord) Release(ctx context.Context, name string) error {
	_, err := c.db.pool.Exec(ctx, `UPDATE cluster_leases SET until = '-infinity'
		WHERE name = $1 AND holder = $2`, name, c.holder)
	if err != nil {
		return fmt.Errorf("postgres: release %s: %w", name, err)
	}
	return nil
}

// Host takes one of the host's first perHost slots that is free (SKIP LOCKED: daemons
// asking at once take different slots without waiting for each other) and, when delay is
// set, the host's next start time in the same statement, then sleeps until that time.
// Without a free slot it asks again a little later. The slot is held for the wait plus
// c.request plus a margin: a holder that dies frees it then. A request first waits for
// one of this process's perHost places for the host, so that a burst of requests to one
// host (a cron second's turns) polls the database perHost times at once, not once each.
func (c *Coord) Host(ctx context.Context, host string, perHost int, delay time.Duration) (func(), error) {
	perHost = max(perHost, 1)
	key := fmt.Sprintf("%s\x00%d", host, perHost)
	v, _ := c.local.LoadOrStore(key, make(chan struct{}, perHost))
	place := v.(chan struct{})
	select {
	case place <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release, err := c.host(ctx, host, key, perHost, delay)
	if err != nil {
		<-place
		return nil, err
	}
	return func() { release(); <-place }, nil
}

// host is Host once this request has its place in the process.
func (c *Coord) host(ctx context.Context, host, key string, perHost int, delay time.Duration) (func(), error) {
	if err := c.hostRows(ctx, host, key, perHost); err != nil {
		return nil, err
	}
	// Reserved starts are at most perHost·delay ahead: only slot holders reserve one.
	lease := c.request + time.Duration(perHost)*delay + time.Second
	poll := min(max(delay/4, 20*time.Millisecond), 250*time.Millisecond)
	for {
		slot, wait, err := c.hostSlot(ctx, host, perHost, delay, lease)
		if err != nil {
			return nil, err
		}
		if slot >= 0 {
			release := func() { c.freeSlot(host, slot) }
			if wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					release()
					return nil, ctx.Err()
				case <-t.C:
				}
			}
			return release, nil
		}
		// Jittered, so that daemons waiting for one host do not ask in step.
		t := time.NewTimer(poll + rand.N(poll))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// hostSlot tries once: the slot taken (-1 for none) and how long to wait before starting.
func (c *Coord) hostSlot(ctx context.Context, host string, perHost int, delay, lease time.Duration) (int, time.Duration, error) {
	var (
		slot int
		wait int64 // microseconds
	)
	var err error
	if delay <= 0 {
		err = c.db.pool.QueryRow(ctx, `WITH free AS (
				SELECT slot FROM cluster_host_slots
				WHERE host = $1 AND slot < $2 AND until <= now()
				ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
			UPDATE cluster_host_slots s SET holder = $3, until = now() + $4 * interval '1 microsecond'
			FROM free WHERE s.host = $1 AND s.slot = free.slot
			RETURNING s.slot, 0::bigint`, host, perHost, c.holder, micros(lease)).Scan(&slot, &wait)
	} else {
		// The host's row is updated only when a slot was taken (the EXISTS), so that
		// waiting daemons do not push the next start further.
		err = c.db.pool.QueryRow(ctx, `WITH free AS (
				SELECT slot FROM cluster_host_slots
				WHERE host = $1 AND slot < $2 AND until <= now()
				ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED),
			took AS (
				UPDATE cluster_host_slots s SET holder = $3, until = now() + $4 * interval '1 microsecond'
				FROM free WHERE s.host = $1 AND s.slot = free.slot
				RETURNING s.slot),
			turn AS (
				UPDATE cluster_hosts SET next_at = greatest(next_at, now()) + $5 * interval '1 microsecond'
				WHERE host = $1 AND EXISTS (SELECT 1 FROM took)
				RETURNING next_at - $5 * interval '1 microsecond' AS start_at)
			SELECT took.slot, (extract(epoch FROM turn.start_at - now()) * 1e6)::bigint
			FROM took, turn`, host, perHost, c.holder, micros(lease), micros(delay)).Scan(&slot, &wait)
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return -1, 0, nil
	case err != nil:
		return -1, 0, fmt.Errorf("postgres: host %s: %w", host, err)
	}
	return slot, time.Duration(wait) * time.Microsecond, nil
}

// hostRows makes the host's rows, once per process and slot count (key).
func (c *Coord) hostRows(ctx context.Context, host, key string, perHost int) error {
	if _, ok := c.ready.Load(key); ok {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO cluster_hosts (host, next_at) VALUES ($1, '-infinity') ON CONFLICT DO NOTHING`, host)
	b.Queue(`INSERT INTO cluster_host_slots (host, slot, holder, until)
		SELECT $1, n, '', '-infinity' FROM generate_series(0, $2 - 1) n ON CONFLICT DO NOTHING`, host, perHost)
	if err := c.db.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: host %s: %w", host, err)
	}
	c.ready.Store(key, struct{}{})
	return nil
}

// freeSlot frees a slot this process holds. It runs after the request, whatever became
// of the request's context; a slot it fails to free frees itself when its lease ends.
func (c *Coord) freeSlot(host string, slot int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.db.pool.Exec(ctx, `UPDATE cluster_host_slots SET holder = '', until = '-infinity'
		WHERE host = $1 AND slot = $2 AND holder = $3`, host, slot, c.holder)
}
