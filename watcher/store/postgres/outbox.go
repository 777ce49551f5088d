package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher"
)

// The outbox keeps, per endpoint, the deliveries still owed (dead false) in queue order
// (seq), and the dead-letter list (dead true) in the order deliveries died. Only the head
// of a queue is ever attempted, so that a receiver sees its events in order.
//
// A queue's order must be the order of the commits that fill it: a drainer that saw seq 11
// committed while 10 was not yet would deliver 11 first. Every transaction that gives
// deliveries a number (queueing, burying, re-queueing) first takes its endpoints' advisory
// locks (lockEndpoint), in the order of their names so that two never wait on each other,
// and holds them to its commit.

// lockEndpoints takes the queue locks of the deliveries' endpoints.
func lockEndpoints(ctx context.Context, tx pgx.Tx, eps []string) error {
	eps = slices.Clone(eps)
	slices.Sort(eps)
	for i, ep := range eps {
		if i > 0 && ep == eps[i-1] {
			continue
		}
		if err := lock(ctx, tx, lockEndpoint, ep); err != nil {
			return err
		}
	}
	return nil
}

// queue appends deliveries to their endpoints' queues, inside the transaction that
// records their events.
func queue(ctx context.Context, tx pgx.Tx, ds []watcher.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	eps := make([]string, len(ds))
	for i, d := range ds {
		eps[i] = d.Endpoint
	}
	if err := lockEndpoints(ctx, tx, eps); err != nil {
		return err
	}
	for _, d := range ds {
		if err := insertDelivery(ctx, tx, d); err != nil {
			return err
		}
	}
	return nil
}

// insertDelivery gives d the next number, at the end of its queue or of its dead-letter
// list. The caller holds its endpoint's lock.
func insertDelivery(ctx context.Context, tx pgx.Tx, d watcher.Delivery) error {
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO deliveries (endpoint, id, dead, body) VALUES ($1, $2, $3, $4)",
		d.Endpoint, d.ID, d.State == watcher.DeliveryDead, body)
	return err
}

// Due returns the head of an endpoint's pending queue, and whether it is due at now
// (NextAttempt not after now). The head is returned even when not due, so that the caller
// knows when to come back; an empty queue returns the zero Delivery.
func (db *DB) Due(endpoint string, now time.Time) (watcher.Delivery, bool, error) {
	ctx, cancel := op()
	defer cancel()
	var d watcher.Delivery
	var body []byte
	err := db.pool.QueryRow(ctx, "SELECT body FROM deliveries WHERE endpoint = $1 AND NOT dead ORDER BY seq LIMIT 1",
		endpoint).Scan(&body)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return d, false, nil
	case err != nil:
		return d, false, db.wrap("outbox "+endpoint, err)
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return watcher.Delivery{}, false, fmt.Errorf("outbox %s: decode delivery: %w", endpoint, err)
	}
	return d, d.ID != "" && !d.NextAttempt.After(now), nil
}

// Endpoints lists the endpoints with pending deliveries, by name.
func (db *DB) Endpoints() ([]string, error) {
	ctx, cancel := op()
	defer cancel()
	rows, _ := db.pool.Query(ctx, "SELECT DISTINCT endpoint FROM deliveries WHERE NOT dead ORDER BY endpoint")
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, db.wrap("outbox", err)
}

// QueueStats counts the pending and dead deliveries of each endpoint that has any, by
// name, with the creation time of the head of its pending queue.
func (db *DB) QueueStats() ([]watcher.QueueStats, error) {
	ctx, cancel := op()
	defer cancel()
	rows, _ := db.pool.Query(ctx, `SELECT endpoint, count(*) FILTER (WHERE NOT dead), count(*) FILTER (WHERE dead),
			(SELECT h.body FROM deliveries h WHERE h.endpoint = d.endpoint AND NOT h.dead ORDER BY h.seq LIMIT 1)
		FROM deliveries d GROUP BY endpoint ORDER BY endpoint`)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (watcher.QueueStats, error) {
		var q watcher.QueueStats
		var head []byte
		if err := row.Scan(&q.Endpoint, &q.Pending, &q.Dead, &head); err != nil {
			return q, err
		}
		if head != nil {
			var d watcher.Delivery
			if err := json.Unmarshal(head, &d); err != nil {
				return q, fmt.Errorf("outbox %s: decode delivery: %w", q.Endpoint, err)
			}
			q.Head = d.Created
		}
		return q, nil
	})
	if err != nil {
		return nil, db.wrap("outbox", err)
	}
	return out, nil
}

// notPending is the error for a delivery that is not in its endpoint's queue.
func notPending(d watcher.Delivery) error {
	return fmt.Errorf("outbox %s: pending delivery %s: %w", d.Endpoint, d.ID, watcher.ErrNotFound)
}

// Delivered removes a delivery from its queue: the endpoint accepted it.
func (db *DB) Delivered(d watcher.Delivery) error {
	return db.write("outbox "+d.Endpoint, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM deliveries WHERE endpoint = $1 AND id = $2 AND NOT dead", d.Endpoint, d.ID)
		if err == nil && tag.RowsAffected() == 0 {
			err = notPending(d)
		}
		return err
	})
}

// Retry stores the outcome of a failed attempt that will be retried (Attempts,
// NextAttempt, LastError), in place: the delivery keeps its place at the head.
func (db *DB) Retry(d watcher.Delivery) error {
	d.State = watcher.DeliveryPending
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return db.write("outbox "+d.Endpoint, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE deliveries SET body = $3 WHERE endpoint = $1 AND id = $2 AND NOT dead",
			d.Endpoint, d.ID, body)
		if err == nil && tag.RowsAffected() == 0 {
			err = notPending(d)
		}
		return err
	})
}

// Dead moves a delivery from its queue to the dead-letter list, with its Attempts and
// LastError as given.
func (db *DB) Dead(d watcher.Delivery) error {
	return db.write("outbox "+d.Endpoint, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockEndpoints(ctx, tx, []string{d.Endpoint}); err != nil {
			return err
		}
		return bury(ctx, tx, d)
	})
}

// bury moves the pending delivery d to the end of its endpoint's dead-letter list, as d
// says it now stands. The caller holds the endpoint's lock.
func bury(ctx context.Context, tx pgx.Tx, d watcher.Delivery) error {
	tag, err := tx.Exec(ctx, "DELETE FROM deliveries WHERE endpoint = $1 AND id = $2 AND NOT dead", d.Endpoint, d.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notPending(d)
	}
	d.State = watcher.DeliveryDead
	return insertDelivery(ctx, tx, d)
}

// MarkGone records that d's endpoint is gone, and moves d and every other delivery
// pending for that endpoint to the dead-letter list with d.LastError as the reason, in one
// transaction: the endpoint's queue stops at once, and nothing is lost.
func (db *DB) MarkGone(d watcher.Delivery) error {
	return db.write("outbox "+d.Endpoint, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockEndpoints(ctx, tx, []string{d.Endpoint}); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, "SELECT body FROM deliveries WHERE endpoint = $1 AND NOT dead ORDER BY seq", d.Endpoint)
		pending, err := collectJSON[watcher.Delivery](rows)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(pending, func(p watcher.Delivery) bool { return p.ID == d.ID }) {
			return notPending(d)
		}
		for _, p := range pending {
			if p.ID == d.ID {
				p = d
			} else {
				p.LastError = d.LastError
			}
			if err := bury(ctx, tx, p); err != nil {
				return err
			}
		}
		g, err := json.Marshal(watcher.EndpointGone{Since: db.now().UTC(), Reason: d.LastError})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO gone (endpoint, body) VALUES ($1, $2) ON CONFLICT (endpoint) DO UPDATE SET body = excluded.body",
			d.Endpoint, g)
		return err
	})
}

// IsGone reports whether an endpoint is marked gone, and since when.
func (db *DB) IsGone(endpoint string) (watcher.EndpointGone, bool, error) {
	ctx, cancel := op()
	defer cancel()
	var g watcher.EndpointGone
	var body []byte
	err := db.pool.QueryRow(ctx, "SELECT body FROM gone WHERE endpoint = $1", endpoint).Scan(&body)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return g, false, nil
	case err != nil:
		return g, false, db.wrap("gone "+endpoint, err)
	}
	return g, true, json.Unmarshal(body, &g)
}

// GoneEndpoints returns the endpoints marked gone.
func (db *DB) GoneEndpoints() (map[string]watcher.EndpointGone, error) {
	ctx, cancel := op()
	defer cancel()
	out := map[string]watcher.EndpointGone{}
	rows, _ := db.pool.Query(ctx, "SELECT endpoint, body FROM gone")
	var ep string
	var body []byte
	_, err := pgx.ForEachRow(rows, []any{&ep, &body}, func() error {
		var g watcher.EndpointGone
		if err := json.Unmarshal(body, &g); err != nil {
			return fmt.Errorf("gone %s: %w", ep, err)
		}
		out[ep] = g
		return nil
	})
	return out, db.wrap("gone", err)
}

// ClearGone forgets that an endpoint is gone (a test notification went through).
func (db *DB) ClearGone(endpoint string) error {
	return db.write("gone "+endpoint, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM gone WHERE endpoint = $1", endpoint)
		return err
	})
}

// Deliveries lists the pending, dead or all ("") deliveries: the pending ones, then the
// dead ones, each by endpoint, then in queue order.
func (db *DB) Deliveries(state watcher.DeliveryState) ([]watcher.Delivery, error) {
	var where string
	switch state {
	case watcher.DeliveryPending:
		where = "WHERE NOT dead"
	case watcher.DeliveryDead:
		where = "WHERE dead"
	case "":
	default:
		return nil, fmt.Errorf("outbox: unknown delivery state %q (want %q or %q)", state, watcher.DeliveryPending, watcher.DeliveryDead)
	}
	return queryJSON[watcher.Delivery](db, "outbox", "SELECT body FROM deliveries "+where+" ORDER BY dead, endpoint, seq")
}

// Requeue acts on the delivery whose id is id, or starts with id when only one does. A
// dead delivery goes back to the end of its endpoint's queue, with its attempts reset; a
// pending one is made due now, keeping its place. Re-queueing a delivery of a gone
// endpoint clears the mark: asking for the retry says the endpoint is back.
func (db *DB) Requeue(id string) (watcher.Delivery, error) {
	var d watcher.Delivery
	err := db.write("outbox", func(ctx context.Context, tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT body FROM deliveries WHERE starts_with(id, $1) ORDER BY dead, endpoint, seq", id)
		hits, err := collectJSON[watcher.Delivery](rows)
		if err != nil {
			return err
		}
		for _, h := range hits { // an exact id wins over prefixes of longer ones
			if h.ID == id {
				hits = []watcher.Delivery{h}
				break
			}
		}
		switch {
		case id == "" || len(hits) == 0:
			return fmt.Errorf("outbox: delivery %q: %w", id, watcher.ErrNotFound)
		case len(hits) > 1:
			ids := make([]string, len(hits))
			for i, h := range hits {
				ids[i] = h.ID
			}
			return fmt.Errorf("outbox: %q is ambiguous: %s", id, strings.Join(ids, ", "))
		}
		d = hits[0]
		if err := lockEndpoints(ctx, tx, []string{d.Endpoint}); err != nil {
			return err
		}
		return db.requeue(ctx, tx, &d)
	})
	return d, err
}

// RequeueAll re-queues every dead delivery and makes every pending one due now; it
// returns how many of each it touched.
func (db *DB) RequeueAll() (dead, pending int, err error) {
	err = db.write("outbox", func(ctx context.Context, tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT DISTINCT endpoint FROM deliveries")
		eps, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if err := lockEndpoints(ctx, tx, eps); err != nil {
			return err
		}
		// Pending first, then the dead in the order they died: they go to the queues' ends
		// in that order.
		rows, _ = tx.Query(ctx, "SELECT body FROM deliveries ORDER BY dead, endpoint, seq")
		all, err := collectJSON[watcher.Delivery](rows)
		if err != nil {
			return err
		}
		for _, d := range all {
			if d.State == watcher.DeliveryDead {
				dead++
			} else {
				pending++
			}
			if err := db.requeue(ctx, tx, &d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return dead, pending, nil
}

// requeue puts the delivery d back in play (see Requeue). The caller holds its endpoint's
// lock.
func (db *DB) requeue(ctx context.Context, tx pgx.Tx, d *watcher.Delivery) error {
	now := db.now().UTC()
	if _, err := tx.Exec(ctx, "DELETE FROM gone WHERE endpoint = $1", d.Endpoint); err != nil {
		return err
	}
	if d.State != watcher.DeliveryDead {
		d.NextAttempt = now
		body, err := json.Marshal(d)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE deliveries SET body = $3 WHERE endpoint = $1 AND id = $2 AND NOT dead", d.Endpoint, d.ID, body)
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM deliveries WHERE endpoint = $1 AND id = $2 AND dead", d.Endpoint, d.ID); err != nil {
		return err
	}
	d.State, d.Attempts, d.NextAttempt, d.LastError = watcher.DeliveryPending, 0, now, ""
	return insertDelivery(ctx, tx, *d)
}
