package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// Events by source and by type. Layout, next to the buckets listed in the package comment:
//
//	source_events  <name>/ <seq> → "": the keys in events of the source's events
//	type_events    <type>/ <seq> → "": the keys in events of the events of that type
//
// A page about one source reads that source's events, and a report of the articles found
// and lost reads those events, not every event of the database (a newsroom's database
// holds tens of thousands, each with its diff).
var (
	bSourceEvents = []byte("source_events")
	bTypeEvents   = []byte("type_events")
)

// putEvent appends an event to the events bucket and indexes it under its source.
func putEvent(tx *bbolt.Tx, e watcher.Event) error {
	ev := tx.Bucket(bEvents)
	seq, err := ev.NextSequence()
	if err != nil {
		return err
	}
	k := binary.BigEndian.AppendUint64(nil, seq)
	if err := putJSON(ev, k, e); err != nil {
		return err
	}
	return indexEvent(tx, e.Source.Name, e.Type, k)
}

func indexEvent(tx *bbolt.Tx, source, typ string, k []byte) error {
	for _, ix := range []struct{ bucket, name []byte }{{bSourceEvents, []byte(source)}, {bTypeEvents, []byte(typ)}} {
		if len(ix.name) == 0 {
			continue
		}
		b, err := tx.Bucket(ix.bucket).CreateBucketIfNotExists(ix.name)
		if err != nil {
			return err
		}
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// upgrade3 indexes the events of a schema-3 file by source and type.
func upgrade3(tx *bbolt.Tx) error {
	return tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
		var e struct {
			Type   string
			Source struct{ Name string }
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("event %x: %w", k, err)
		}
		return indexEvent(tx, e.Source.Name, e.Type, slices.Clone(k))
	})
}

// sinceSlack is how far an event may be stored out of the order of its time: checks
// under way together commit in one batch, in whatever order they finished.
const sinceSlack = time.Hour

// EventsPage returns the events a query selects, newest first, and the Next that asks
// for the page after it ("" after the last). It reads from the newest event back and stops
// at the page's end, or at the first event older than Since (less a slack for events
// stored out of order).
func (s *Store) EventsPage(q watcher.EventQuery) ([]watcher.Event, string, error) {
	var before uint64 // 0: from the newest
	if q.After != "" {
		n, err := strconv.ParseUint(q.After, 10, 64)
		if err != nil || n == 0 {
			return nil, "", fmt.Errorf("cursor %q: %w", q.After, watcher.ErrCursor)
		}
		before = n
	}
	want := map[string]bool{}
	for _, t := range q.Types {
		want[t] = true
	}
	var (
		out  []watcher.Event
		next string
	)
	err := s.db.View(func(tx *bbolt.Tx) error {
		events := tx.Bucket(bEvents)
		// The keys to read, newest first: the source's index, else the indexes of the
		// types asked for, merged, else every event.
		var lists []*bbolt.Bucket
		switch {
		case q.Source != "":
			lists = append(lists, tx.Bucket(bSourceEvents).Bucket([]byte(q.Source)))
		case len(q.Types) > 0:
			for _, t := range q.Types {
				lists = append(lists, tx.Bucket(bTypeEvents).Bucket([]byte(t)))
			}
		default:
			lists = append(lists, events)
		}
		keys := newestFirst(lists, before)
		for k := keys(); k != nil; k = keys() {
			v := events.Get(k)
			if v == nil {
				continue // an index entry whose event is gone
			}
			var e watcher.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("event %x: %w", k, err)
			}
			if e.Time.Before(q.Since) {
				if e.Time.Before(q.Since.Add(-sinceSlack)) {
					return nil
				}
				continue
			}
			if len(want) > 0 && !want[e.Type] {
				continue
			}
			if q.Limit > 0 && len(out) == q.Limit {
				next = strconv.FormatUint(binary.BigEndian.Uint64(k)+1, 10)
				return nil
			}
			out = append(out, e)
		}
		return nil
	})
	return out, next, err
}

// newestFirst walks the keys of several buckets of sequence keys together, from the
// newest below before (0: the newest of all) back: each call returns the next key, nil
// at the end. Nil buckets are empty.
func newestFirst(bs []*bbolt.Bucket, before uint64) func() []byte {
	type head struct {
		c *bbolt.Cursor
		k []byte
	}
	var hs []*head
	for _, b := range bs {
		if b == nil {
			continue
		}
		c := b.Cursor()
		var k []byte
		if before == 0 {
			k, _ = c.Last()
		} else {
			if k, _ = c.Seek(binary.BigEndian.AppendUint64(nil, before)); k == nil {
				k, _ = c.Last()
			}
			for k != nil && binary.BigEndian.Uint64(k) >= before {
				k, _ = c.Prev()
			}
		}
		hs = append(hs, &head{c, k})
	}
	return func() []byte {
		var top *head
		for _, h := range hs {
			if h.k != nil && (top == nil || bytes.Compare(h.k, top.k) > 0) {
				top = h
			}
		}
		if top == nil {
			return nil
		}
		k := top.k
		top.k, _ = top.c.Prev()
		return k
	}
}
