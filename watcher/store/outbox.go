package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// The outbox keeps, per endpoint, the deliveries still owed, in the order their events
// happened; only the head of a queue is ever attempted, so that a receiver sees the events
// of its queue in order. Layout, next to the buckets listed in the package comment:
//
//	outbox  <endpoint>/ <seq> → JSON Delivery, state pending
//	dead    <endpoint>/ <seq> → JSON Delivery, state dead: attempts exhausted, refused, or
//	                            the endpoint is gone; kept until re-queued
//	gone    <endpoint> → JSON watcher.EndpointGone: the endpoint answered 410 Gone
var (
	bDead = []byte("dead")
	bGone = []byte("gone")
)

// queue appends deliveries to their endpoints' queues, inside the transaction that
// records the events.
func queue(tx *bbolt.Tx, ds []watcher.Delivery) error {
	for _, d := range ds {
		b, err := tx.Bucket(bOutbox).CreateBucketIfNotExists([]byte(d.Endpoint))
		if err != nil {
			return fmt.Errorf("outbox %s: %w", d.Endpoint, err)
		}
		if err := appendJSON(b, d); err != nil {
			return err
		}
	}
	return nil
}

// Due returns the head of an endpoint's pending queue, and whether it is due at now
// (NextAttempt not after now). The head is returned even when not due, so that the caller
// knows when to come back; an empty queue returns the zero Delivery.
func (s *Store) Due(endpoint string, now time.Time) (watcher.Delivery, bool, error) {
	var d watcher.Delivery
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bOutbox).Bucket([]byte(endpoint))
		if b == nil {
			return nil
		}
		k, v := b.Cursor().First()
		if k == nil {
			return nil
		}
		return decodeDelivery(k, v, &d)
	})
	if err != nil {
		return watcher.Delivery{}, false, fmt.Errorf("outbox %s: %w", endpoint, err)
	}
	return d, d.ID != "" && !d.NextAttempt.After(now), nil
}

// Endpoints lists the endpoints with pending deliveries, by name.
func (s *Store) Endpoints() ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
			if v != nil { // not a queue
				return nil
			}
			if first, _ := tx.Bucket(bOutbox).Bucket(k).Cursor().First(); first != nil {
				out = append(out, string(k))
			}
			return nil
		})
	})
	return out, err
}

// releaseAfterCount is the number of deliveries from which QueueStats releases the pages
// its count mapped: about 2 MB of them.
const releaseAfterCount = 1000

// QueueStats counts the pending and dead deliveries of each endpoint that has any, by
// name, with the creation time of the head of its pending queue: one read transaction that
// decodes one delivery per endpoint, cheap enough for every scrape of /metrics.
func (s *Store) QueueStats() ([]watcher.QueueStats, error) {
	by := map[string]*watcher.QueueStats{}
	stats := func(ep []byte) *watcher.QueueStats {
		q := by[string(ep)]
		if q == nil {
			q = &watcher.QueueStats{Endpoint: string(ep)}
			by[q.Endpoint] = q
		}
		return q
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bOutbox, bDead} {
			top := tx.Bucket(name)
			if top == nil {
				continue
			}
			err := top.ForEach(func(ep, v []byte) error {
				if v != nil { // not a queue
					return nil
				}
				c := top.Bucket(ep).Cursor()
				k, v := c.First()
				if k == nil {
					return nil
				}
				q := stats(ep)
				if bytes.Equal(name, bDead) {
					for ; k != nil; k, _ = c.Next() {
						q.Dead++
					}
					return nil
				}
				var head watcher.Delivery
				if err := decodeDelivery(k, v, &head); err != nil {
					return err
				}
				q.Head = head.Created
				for ; k != nil; k, _ = c.Next() {
					q.Pending++
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	out := make([]watcher.QueueStats, 0, len(by))
	n := 0
	for _, q := range by {
		out = append(out, *q)
		n += q.Pending + q.Dead
	}
	if n >= releaseAfterCount {
		// Counting walked every page of a backlog (a 20 000-delivery backlog of a long
		// outage maps some 40 MB); the next scrape comes in seconds, and must not find
		// them still counted in the daemon's memory (see release).
		s.release() // a failure only leaves the pages mapped
	}
	slices.SortFunc(out, func(a, b watcher.QueueStats) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	return out, nil
}

// Delivered removes a delivery from its queue: the endpoint accepted it.
func (s *Store) Delivered(d watcher.Delivery) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b, k, err := findPending(tx, d)
		if err != nil {
			return err
		}
		return b.Delete(k)
	})
}

// Retry stores the outcome of a failed attempt that will be retried (Attempts,
// NextAttempt, LastError), in place: the delivery keeps its place at the head.
func (s *Store) Retry(d watcher.Delivery) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b, k, err := findPending(tx, d)
		if err != nil {
			return err
		}
		d.State = watcher.DeliveryPending
		return putJSON(b, k, d)
	})
}

// Dead moves a delivery from its queue to the dead-letter list, with its Attempts and
// LastError as given.
func (s *Store) Dead(d watcher.Delivery) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b, k, err := findPending(tx, d)
		if err != nil {
			return err
		}
		if err := b.Delete(k); err != nil {
			return err
		}
		return bury(tx, d)
	})
}

// MarkGone records that d's endpoint is gone, and moves d and every other delivery
// pending for that endpoint to the dead-letter list with d.LastError as the reason, in one
// transaction: the endpoint's queue stops at once, and nothing is lost.
func (s *Store) MarkGone(d watcher.Delivery) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b, _, err := findPending(tx, d)
		if err != nil {
			return err
		}
		var rest []watcher.Delivery
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.First() {
			var p watcher.Delivery
			if err := decodeDelivery(k, v, &p); err != nil {
				return err
			}
			if p.ID == d.ID {
				p = d
			} else {
				p.LastError = d.LastError
			}
			rest = append(rest, p)
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		for _, p := range rest {
			if err := bury(tx, p); err != nil {
				return err
			}
		}
		g, err := tx.CreateBucketIfNotExists(bGone)
		if err != nil {
			return err
		}
		return putJSON(g, []byte(d.Endpoint), watcher.EndpointGone{Since: s.now().UTC(), Reason: d.LastError})
	})
}

// IsGone reports whether an endpoint is marked gone, and since when.
func (s *Store) IsGone(endpoint string) (watcher.EndpointGone, bool, error) {
	var g watcher.EndpointGone
	found := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bGone)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(endpoint))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &g)
	})
	return g, found, err
}

// GoneEndpoints returns the endpoints marked gone.
func (s *Store) GoneEndpoints() (map[string]watcher.EndpointGone, error) {
	out := map[string]watcher.EndpointGone{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bGone)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var g watcher.EndpointGone
			if err := json.Unmarshal(v, &g); err != nil {
				return fmt.Errorf("gone %s: %w", k, err)
			}
			out[string(k)] = g
			return nil
		})
	})
	return out, err
}

// ClearGone forgets that an endpoint is gone (a test notification went through).
func (s *Store) ClearGone(endpoint string) error {
	return s.db.Update(func(tx *bbolt.Tx) error { return clearGone(tx, endpoint) })
}

// Deliveries lists the pending, dead or all ("") deliveries, by endpoint, then in queue
// order.
func (s *Store) Deliveries(state watcher.DeliveryState) ([]watcher.Delivery, error) {
	var buckets [][]byte
	switch state {
	case watcher.DeliveryPending:
		buckets = [][]byte{bOutbox}
	case watcher.DeliveryDead:
		buckets = [][]byte{bDead}
	case "":
		buckets = [][]byte{bOutbox, bDead}
	default:
		return nil, fmt.Errorf("outbox: unknown delivery state %q (want %q or %q)", state, watcher.DeliveryPending, watcher.DeliveryDead)
	}
	var out []watcher.Delivery
	err := s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range buckets {
			top := tx.Bucket(name)
			if top == nil {
				continue
			}
			err := top.ForEach(func(ep, v []byte) error {
				if v != nil {
					return nil
				}
				return eachJSON(top.Bucket(ep), func(d watcher.Delivery) { out = append(out, d) })
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Requeue acts on the delivery whose id is id, or starts with id when only one does. A
// dead delivery goes back to the end of its endpoint's queue, with its attempts reset; a
// pending one is made due now, keeping its place. Re-queueing a delivery of a gone
// endpoint clears the mark: asking for the retry says the endpoint is back.
func (s *Store) Requeue(id string) (watcher.Delivery, error) {
	var d watcher.Delivery
	err := s.db.Update(func(tx *bbolt.Tx) error {
		type hit struct {
			b    *bbolt.Bucket
			k    []byte
			d    watcher.Delivery
			dead bool
		}
		var hits []hit
		for _, name := range [][]byte{bOutbox, bDead} {
			top := tx.Bucket(name)
			if top == nil {
				continue
			}
			err := top.ForEach(func(ep, v []byte) error {
				if v != nil {
					return nil
				}
				b := top.Bucket(ep)
				return b.ForEach(func(k, v []byte) error {
					var x watcher.Delivery
					if err := decodeDelivery(k, v, &x); err != nil {
						return err
					}
					if x.ID == id || strings.HasPrefix(x.ID, id) {
						hits = append(hits, hit{b, bytes.Clone(k), x, bytes.Equal(name, bDead)})
					}
					return nil
				})
			})
			if err != nil {
				return err
			}
		}
		for _, h := range hits { // an exact id wins over prefixes of longer ones
			if h.d.ID == id {
				hits = []hit{h}
				break
			}
		}
		switch {
		case id == "" || len(hits) == 0:
			return fmt.Errorf("outbox: delivery %q: %w", id, watcher.ErrNotFound)
		case len(hits) > 1:
			ids := make([]string, len(hits))
			for i, h := range hits {
				ids[i] = h.d.ID
			}
			return fmt.Errorf("outbox: %q is ambiguous: %s", id, strings.Join(ids, ", "))
		}
		h := hits[0]
		d = h.d
		return s.requeue(tx, h.b, h.k, &d, h.dead)
	})
	return d, err
}

// RequeueAll re-queues every dead delivery and makes every pending one due now; it
// returns how many of each it touched.
func (s *Store) RequeueAll() (dead, pending int, err error) {
	err = s.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bOutbox, bDead} {
			top := tx.Bucket(name)
			if top == nil {
				continue
			}
			var eps [][]byte
			err := top.ForEach(func(ep, v []byte) error {
				if v == nil {
					eps = append(eps, bytes.Clone(ep))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, ep := range eps {
				b := top.Bucket(ep)
				// Collected first: requeue deletes from b, and a bbolt bucket must not
				// change under its own ForEach.
				type entry struct {
					k []byte
					d watcher.Delivery
				}
				var all []entry
				err := b.ForEach(func(k, v []byte) error {
					var d watcher.Delivery
					if err := decodeDelivery(k, v, &d); err != nil {
						return err
					}
					all = append(all, entry{bytes.Clone(k), d})
					return nil
				})
				if err != nil {
					return err
				}
				isDead := bytes.Equal(name, bDead)
				for _, e := range all {
					if isDead {
						dead++
					} else {
						pending++
					}
					if err := s.requeue(tx, b, e.k, &e.d, isDead); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return dead, pending, nil
}

// requeue puts the delivery d, found at key k of bucket b (a dead-letter list when dead),
// back in play (see Requeue).
func (s *Store) requeue(tx *bbolt.Tx, b *bbolt.Bucket, k []byte, d *watcher.Delivery, dead bool) error {
	now := s.now().UTC()
	if err := clearGone(tx, d.Endpoint); err != nil {
		return err
	}
	if !dead {
		d.NextAttempt = now
		return putJSON(b, k, d)
	}
	if err := b.Delete(k); err != nil {
		return err
	}
	d.State, d.Attempts, d.NextAttempt, d.LastError = watcher.DeliveryPending, 0, now, ""
	return queue(tx, []watcher.Delivery{*d})
}

// findPending returns the queue of d's endpoint and the key of d in it. The head is the
// usual answer, so the scan from the first key is short.
func findPending(tx *bbolt.Tx, d watcher.Delivery) (*bbolt.Bucket, []byte, error) {
	b := tx.Bucket(bOutbox).Bucket([]byte(d.Endpoint))
	if b != nil {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var x watcher.Delivery
			if err := decodeDelivery(k, v, &x); err != nil {
				return nil, nil, err
			}
			if x.ID == d.ID {
				return b, k, nil
			}
		}
	}
	return nil, nil, fmt.Errorf("outbox %s: pending delivery %s: %w", d.Endpoint, d.ID, watcher.ErrNotFound)
}

// bury appends d to its endpoint's dead-letter list, numbered from its endpoint's queue:
// an endpoint's pending and dead deliveries share one sequence, so that a dump (dump.go)
// keys each delivery by its number alone, whichever list holds it.
func bury(tx *bbolt.Tx, d watcher.Delivery) error {
	d.State = watcher.DeliveryDead
	dead, err := tx.CreateBucketIfNotExists(bDead)
	if err != nil {
		return err
	}
	b, err := dead.CreateBucketIfNotExists([]byte(d.Endpoint))
	if err != nil {
		return fmt.Errorf("dead %s: %w", d.Endpoint, err)
	}
	q, err := tx.Bucket(bOutbox).CreateBucketIfNotExists([]byte(d.Endpoint))
	if err != nil {
		return fmt.Errorf("outbox %s: %w", d.Endpoint, err)
	}
	seq, err := q.NextSequence()
	if err != nil {
		return err
	}
	return putJSON(b, be8(seq), d)
}

// upgrade5 renumbers the dead deliveries of a schema-5 file, whose dead-letter lists
// counted apart from their queues, from their endpoint's queue (see bury), in their order.
func upgrade5(tx *bbolt.Tx) error {
	dead := tx.Bucket(bDead)
	var eps [][]byte
	if err := dead.ForEachBucket(func(k []byte) error {
		eps = append(eps, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, ep := range eps {
		b := dead.Bucket(ep)
		var vs [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.First() {
			vs = append(vs, bytes.Clone(v))
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		q, err := tx.Bucket(bOutbox).CreateBucketIfNotExists(ep)
		if err != nil {
			return err
		}
		for _, v := range vs {
			seq, err := q.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(be8(seq), v); err != nil {
				return err
			}
		}
	}
	return nil
}

func clearGone(tx *bbolt.Tx, endpoint string) error {
	if b := tx.Bucket(bGone); b != nil {
		return b.Delete([]byte(endpoint))
	}
	return nil
}

func decodeDelivery(k, v []byte, d *watcher.Delivery) error {
	if err := json.Unmarshal(v, d); err != nil {
		return fmt.Errorf("decode delivery %x: %w", k, err)
	}
	return nil
}
