package store

// Dump and Load: the file's records as Items (item.go), for `hanoiwatch migrate`. A dump
// gives each kind's items in order (Source, then Key, as bytes) a batch per read
// transaction; a load writes the items it is given in one transaction, keeping their
// sequence numbers, and rebuilds what is derived from them: the events' indexes, the
// bodies' reference counts, the buckets' sequences (moved past the keys loaded, so that
// the next record follows them).
//
// Values in JSON are re-encoded from the type they hold, so that two databases with the
// same records dump the same bytes whichever driver wrote them.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
	"go.etcd.io/bbolt"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

var _ Dumper = (*Store)(nil)

// A dump reads at most dumpBatch items, or dumpBytes of their values, per read
// transaction; the file's mapped pages are released between two (see release). So the
// memory of a dump does not grow with the database, nor with its bodies: 256 bodies of a
// news site's pages are some 25 MB, which a one-shot command's 32 MiB soft limit would
// spend its time collecting around.
const (
	dumpBatch = 256
	dumpBytes = 2 << 20
)

// batch is one read of a dump.
type batch struct {
	items []Item
	size  int // of the items' values
}

func (b *batch) add(it Item) {
	b.items = append(b.items, it)
	b.size += len(it.Value)
}

// full reports whether the read has its items.
func (b *batch) full() bool { return len(b.items) >= dumpBatch || b.size >= dumpBytes }

// SeqKey is the Key of an item whose place is a sequence number: 20 decimal digits, so
// that keys compared as bytes are in the order of their numbers.
func SeqKey(n uint64) string { return fmt.Sprintf("%020d", n) }

// parseSeq reads a SeqKey.
func parseSeq(it Item) (uint64, error) {
	n, err := strconv.ParseUint(it.Key, 10, 64)
	if err != nil || len(it.Key) != 20 {
		return 0, fmt.Errorf("%s: key %q is not a sequence number of 20 digits", it, it.Key)
	}
	return n, nil
}

// String names an item in messages: its kind, source and key.
func (it Item) String() string {
	switch {
	case it.Source == "" && it.Key == "":
		return string(it.Kind)
	case it.Source == "":
		return fmt.Sprintf("%s %s", it.Kind, it.Key)
	case it.Key == "":
		return fmt.Sprintf("%s of %s", it.Kind, it.Source)
	}
	return fmt.Sprintf("%s %s of %s", it.Kind, it.Key, it.Source)
}

// be8 is a sequence number as a bbolt key.
func be8(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// canon re-encodes a JSON value (v; k is its key) through its type.
func canon[T any](_, v []byte) ([]byte, error) {
	var x T
	if err := json.Unmarshal(v, &x); err != nil {
		return nil, err
	}
	return json.Marshal(x)
}

// reader adds to out the items of one kind after `after` (nil: from the first), in order,
// until out is full.
type reader func(tx *bbolt.Tx, after *Item, out *batch) error

// Dump calls fn with the items of kind in order, from the one after `after`.
func (s *Store) Dump(kind ItemKind, after *Item, fn func(Item) error) error {
	read, ok := readers()[kind]
	if !ok {
		return fmt.Errorf("store: dump: unknown kind %q", kind)
	}
	for {
		var b batch
		err := s.db.View(func(tx *bbolt.Tx) error { return read(tx, after, &b) })
		s.release() // a failure only leaves the pages mapped
		if err != nil {
			return fmt.Errorf("store: dump %s: %w", kind, err)
		}
		for i := range b.items {
			b.items[i].Kind = kind
			if err := fn(b.items[i]); err != nil {
				return err
			}
		}
		if !b.full() {
			return nil
		}
		after = &b.items[len(b.items)-1]
	}
}

func readers() map[ItemKind]reader {
	raw := func(_, v []byte) ([]byte, error) { return bytes.Clone(v), nil }
	seq := keyCodec{
		enc: func(k []byte) (string, error) {
			if len(k) != 8 {
				return "", fmt.Errorf("key %x is not a sequence number", k)
			}
			return SeqKey(binary.BigEndian.Uint64(k)), nil
		},
		dec: func(it Item) ([]byte, error) {
			n, err := parseSeq(it)
			return be8(n), err
		},
	}
	str := keyCodec{
		enc: func(k []byte) (string, error) { return string(k), nil },
		dec: func(it Item) ([]byte, error) { return []byte(it.Key), nil },
	}
	sum := keyCodec{
		enc: func(k []byte) (string, error) { return hex.EncodeToString(k), nil },
		dec: func(it Item) ([]byte, error) { return hex.DecodeString(it.Key) },
	}
	return map[ItemKind]reader{
		ItemState: byName(bStates, func(k, v []byte) ([]byte, error) {
			var e stateEntry
			if err := cbor.Unmarshal(v, &e); err != nil {
				return nil, fmt.Errorf("state of %q: %w", k, err)
			}
			return json.Marshal(e)
		}),
		ItemCheck:    perSource(bSources, bChecks, seq, canon[watcher.Check]),
		ItemSnapshot: perSource(bSources, bSnaps, seq, canon[watcher.Snapshot]),
		ItemText: perSource(bSources, bTexts, str, func(_, v []byte) ([]byte, error) {
			t, err := gunzip(v)
			return []byte(t), err
		}),
		ItemScreenshot: perSource(bScreenshots, nil, str, raw),
		ItemCapture:    readCaptures,
		ItemBody: whole(bBodies, sum, func(k, v []byte) ([]byte, error) {
			return DecompressBody(hex.EncodeToString(k), v, nil)
		}),
		ItemFigures: byName(bFigures, func(k, v []byte) ([]byte, error) {
			var t figures.Track
			if err := cbor.Unmarshal(v, &t); err != nil {
				return nil, fmt.Errorf("figures of %q: %w", k, err)
			}
			return json.Marshal(t)
		}),
		ItemEvent: whole(bEvents, seq, canon[watcher.Event]),
		ItemAdded: byName(bAdded, canon[watcher.Added]),
		ItemRemoved: byName(bRemoved, func(k, v []byte) ([]byte, error) {
			when, err := time.Parse(time.RFC3339, string(v))
			if err != nil {
				return nil, fmt.Errorf("removed %q: %w", k, err)
			}
			return json.Marshal(when)
		}),
		ItemCoverage: whole(bCoverage, str, canon[watcher.Coverage]),
		ItemDelivery: readDeliveries,
		ItemGone:     byName(bGone, canon[watcher.EndpointGone]),
		ItemArchive:  whole(bArchive, seq, canon[watcher.ArchiveJob]),
		ItemRobots:   byName(bRobots, raw),
		ItemDemo: func(tx *bbolt.Tx, after *Item, out *batch) error {
			v := tx.Bucket(bMeta).Get(keyDemo)
			if v == nil || after != nil {
				return nil
			}
			d, err := canon[Demo](nil, v)
			out.add(Item{Value: d})
			return err
		},
	}
}

// keyCodec turns a bbolt key into an item's Key and back.
type keyCodec struct {
	enc func(k []byte) (string, error)
	dec func(it Item) ([]byte, error)
}

// seekAfter places c on the first key after k (the first key when k is nil).
func seekAfter(c *bbolt.Cursor, k []byte) ([]byte, []byte) {
	if k == nil {
		return c.First()
	}
	got, v := c.Seek(k)
	if bytes.Equal(got, k) {
		return c.Next()
	}
	return got, v
}

// byName reads a bucket of values keyed by name (a source, an endpoint, an origin): the
// name is the item's Source.
func byName(bucket []byte, value func(k, v []byte) ([]byte, error)) reader {
	return func(tx *bbolt.Tx, after *Item, out *batch) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		var from []byte
		if after != nil {
			from = []byte(after.Source)
		}
		c := b.Cursor()
		for k, v := seekAfter(c, from); k != nil && !out.full(); k, v = c.Next() {
			if v == nil { // a nested bucket: not a value
				continue
			}
			val, err := value(k, v)
			if err != nil {
				return err
			}
			out.add(Item{Source: string(k), Value: val})
		}
		return nil
	}
}

// whole reads a bucket of the whole database: the key is the item's Key.
func whole(bucket []byte, key keyCodec, value func(k, v []byte) ([]byte, error)) reader {
	return func(tx *bbolt.Tx, after *Item, out *batch) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		var from []byte
		if after != nil {
			var err error
			if from, err = key.dec(*after); err != nil {
				return err
			}
		}
		c := b.Cursor()
		for k, v := seekAfter(c, from); k != nil && !out.full(); k, v = c.Next() {
			if v == nil {
				continue
			}
			it, err := item("", k, v, key, value)
			if err != nil {
				return err
			}
			out.add(it)
		}
		return nil
	}
}

func item(source string, k, v []byte, key keyCodec, value func(k, v []byte) ([]byte, error)) (Item, error) {
	ks, err := key.enc(k)
	if err != nil {
		return Item{}, err
	}
	val, err := value(k, v)
	if err != nil {
		return Item{}, fmt.Errorf("%s %x: %w", source, k, err)
	}
	return Item{Source: source, Key: ks, Value: val}, nil
}

// perSource reads a bucket per source (top/<name>/sub, or top/<name> when sub is nil).
func perSource(top, sub []byte, key keyCodec, value func(k, v []byte) ([]byte, error)) reader {
	return func(tx *bbolt.Tx, after *Item, out *batch) error {
		root := tx.Bucket(top)
		if root == nil {
			return nil
		}
		names := root.Cursor()
		name, _ := names.First()
		if after != nil {
			name, _ = names.Seek([]byte(after.Source))
		}
		for ; name != nil && !out.full(); name, _ = names.Next() {
			b := root.Bucket(name)
			if b != nil && sub != nil {
				b = b.Bucket(sub)
			}
			if b == nil {
				continue
			}
			var from []byte
			if after != nil && string(name) == after.Source {
				var err error
				if from, err = key.dec(*after); err != nil {
					return err
				}
			}
			c := b.Cursor()
			for k, v := seekAfter(c, from); k != nil && !out.full(); k, v = c.Next() {
				it, err := item(string(name), k, v, key, value)
				if err != nil {
					return err
				}
				out.add(it)
			}
		}
		return nil
	}
}

// readCaptures reads the captures, keyed by their own sequence number: their bbolt key
// starts with their snapshot entry's, which a load finds again (see loadCapture).
func readCaptures(tx *bbolt.Tx, after *Item, out *batch) error {
	root := tx.Bucket(bCaptures)
	if root == nil {
		return nil
	}
	names := root.Cursor()
	name, _ := names.First()
	var from uint64
	if after != nil {
		name, _ = names.Seek([]byte(after.Source))
		var err error
		if from, err = parseSeq(*after); err != nil {
			return err
		}
	}
	for ; name != nil && !out.full(); name, _ = names.Next() {
		b := root.Bucket(name)
		if b == nil {
			continue
		}
		// A source's captures are a few (one a snapshot kept, one an article.gone): all
		// of them are read, in the order of their own numbers.
		var all []Item
		err := b.ForEach(func(k, v []byte) error {
			if len(k) != 16 {
				return fmt.Errorf("capture %x of %s: not a capture key", k, name)
			}
			seq := binary.BigEndian.Uint64(k[8:])
			if after != nil && string(name) == after.Source && seq <= from {
				return nil
			}
			val, err := canon[watcher.Capture](nil, v)
			if err != nil {
				return fmt.Errorf("capture %x of %s: %w", k, name, err)
			}
			all = append(all, Item{Source: string(name), Key: SeqKey(seq), Value: val})
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(all, func(a, b Item) int { return bytes.Compare([]byte(a.Key), []byte(b.Key)) })
		for _, it := range all {
			if out.full() {
				break
			}
			out.add(it)
		}
	}
	return nil
}

// readDeliveries reads every endpoint's deliveries, pending (outbox) and dead together,
// in the order of their numbers, which the two lists of an endpoint share.
func readDeliveries(tx *bbolt.Tx, after *Item, out *batch) error {
	var eps []string
	for _, top := range [][]byte{bOutbox, bDead} {
		if b := tx.Bucket(top); b != nil {
			if err := b.ForEachBucket(func(k []byte) error {
				eps = append(eps, string(k))
				return nil
			}); err != nil {
				return err
			}
		}
	}
	slices.Sort(eps)
	eps = slices.Compact(eps)
	var from []byte
	if after != nil {
		n, err := parseSeq(*after)
		if err != nil {
			return err
		}
		from = be8(n)
		for len(eps) > 0 && eps[0] < after.Source {
			eps = eps[1:]
		}
	}
	for _, ep := range eps {
		if out.full() {
			break
		}
		var cs []*bbolt.Cursor
		var ks, vs [][]byte
		for _, top := range [][]byte{bOutbox, bDead} {
			if b := tx.Bucket(top); b != nil {
				if q := b.Bucket([]byte(ep)); q != nil {
					c := q.Cursor()
					var k, v []byte
					if after != nil && ep == after.Source {
						k, v = seekAfter(c, from)
					} else {
						k, v = c.First()
					}
					cs, ks, vs = append(cs, c), append(ks, k), append(vs, v)
				}
			}
		}
		for !out.full() {
			i := -1 // the list whose next key is the least
			for j := range cs {
				if ks[j] != nil && (i < 0 || bytes.Compare(ks[j], ks[i]) < 0) {
					i = j
				}
			}
			if i < 0 {
				break
			}
			for j := range cs {
				if j != i && bytes.Equal(ks[j], ks[i]) {
					return fmt.Errorf("delivery %x of %s is both pending and dead", ks[i], ep)
				}
			}
			if len(ks[i]) != 8 {
				return fmt.Errorf("delivery %x of %s: not a sequence number", ks[i], ep)
			}
			val, err := canon[watcher.Delivery](nil, vs[i])
			if err != nil {
				return fmt.Errorf("delivery %x of %s: %w", ks[i], ep, err)
			}
			out.add(Item{Source: ep, Key: SeqKey(binary.BigEndian.Uint64(ks[i])), Value: val})
			ks[i], vs[i] = cs[i].Next()
		}
	}
	return nil
}

// Load writes items in one transaction; an item with the kind, source and key of one
// already there replaces it.
func (s *Store) Load(items []Item) error {
	l := loader{snaps: map[string][]snapEntry{}}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for _, it := range items {
			if err := l.load(tx, it); err != nil {
				return fmt.Errorf("%s: %w", it, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: load: %w", err)
	}
	s.release() // a copy writes the whole file: its pages must not stay mapped (a failure only leaves them)
	return nil
}

// loader keeps what a load looks up more than once.
type loader struct {
	snaps map[string][]snapEntry // a source's snapshot entries, for its captures
}

type snapEntry struct {
	seq  uint64
	id   string
	time time.Time
}

// atLeast moves a bucket's sequence to n if it is behind.
func atLeast(b *bbolt.Bucket, n uint64) error {
	if b.Sequence() < n {
		return b.SetSequence(n)
	}
	return nil
}

// putSeq puts v under the sequence key of it in b, the bucket's sequence moved past it.
func putSeq(b *bbolt.Bucket, it Item, v []byte) error {
	n, err := parseSeq(it)
	if err != nil {
		return err
	}
	if err := b.Put(be8(n), v); err != nil {
		return err
	}
	return atLeast(b, n)
}

func decode[T any](v []byte) (T, error) {
	var x T
	err := json.Unmarshal(v, &x)
	return x, err
}

func (l *loader) load(tx *bbolt.Tx, it Item) error {
	switch it.Kind {
	case ItemState:
		e, err := decode[stateEntry](it.Value)
		if err != nil {
			return err
		}
		return putState(tx, []byte(it.Source), e)
	case ItemCheck, ItemSnapshot, ItemText:
		b, err := createSourceBucket(tx, it.Source)
		if err != nil {
			return err
		}
		switch it.Kind {
		case ItemCheck:
			return putSeq(b.Bucket(bChecks), it, it.Value)
		case ItemSnapshot:
			delete(l.snaps, it.Source)
			return putSeq(b.Bucket(bSnaps), it, it.Value)
		}
		z, err := gzipText(string(it.Value))
		if err != nil {
			return err
		}
		return b.Bucket(bTexts).Put([]byte(it.Key), z)
	case ItemScreenshot:
		return putScreenshot(tx, it.Source, it.Key, it.Value)
	case ItemCapture:
		return l.loadCapture(tx, it)
	case ItemBody:
		sum, err := hex.DecodeString(it.Key)
		if err != nil || len(sum) != 32 {
			return fmt.Errorf("key %q is not a SHA-256", it.Key)
		}
		return tx.Bucket(bBodies).Put(sum, CompressBody(it.Value))
	case ItemFigures:
		t, err := decode[figures.Track](it.Value)
		if err != nil {
			return err
		}
		return putFigures(tx, it.Source, &t)
	case ItemEvent:
		return loadEvent(tx, it)
	case ItemAdded:
		return tx.Bucket(bAdded).Put([]byte(it.Source), it.Value)
	case ItemRemoved:
		when, err := decode[time.Time](it.Value)
		if err != nil {
			return err
		}
		return tx.Bucket(bRemoved).Put([]byte(it.Source), []byte(when.Format(time.RFC3339)))
	case ItemCoverage:
		return tx.Bucket(bCoverage).Put([]byte(it.Key), it.Value)
	case ItemDelivery:
		return loadDelivery(tx, it)
	case ItemGone:
		return tx.Bucket(bGone).Put([]byte(it.Source), it.Value)
	case ItemArchive:
		return putSeq(tx.Bucket(bArchive), it, it.Value)
	case ItemRobots:
		b, err := tx.CreateBucketIfNotExists(bRobots)
		if err != nil {
			return err
		}
		return b.Put([]byte(it.Source), it.Value)
	case ItemDemo:
		return tx.Bucket(bMeta).Put(keyDemo, it.Value)
	}
	return fmt.Errorf("unknown kind %q", it.Kind)
}

// loadEvent puts an event at its number and indexes it, unindexing the one it replaces.
func loadEvent(tx *bbolt.Tx, it Item) error {
	n, err := parseSeq(it)
	if err != nil {
		return err
	}
	e, err := decode[watcher.Event](it.Value)
	if err != nil {
		return err
	}
	events, k := tx.Bucket(bEvents), be8(n)
	if old := events.Get(k); old != nil {
		o, err := decode[watcher.Event](old)
		if err != nil {
			return err
		}
		for _, ix := range []struct{ bucket, name []byte }{{bSourceEvents, []byte(o.Source.Name)}, {bTypeEvents, []byte(o.Type)}} {
			if b := tx.Bucket(ix.bucket).Bucket(ix.name); b != nil {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
	}
	if err := putSeq(events, it, it.Value); err != nil {
		return err
	}
	return indexEvent(tx, e.Source.Name, e.Type, k)
}

// loadDelivery puts a delivery at its number in its endpoint's pending or dead list, whose
// numbers come from the endpoint's outbox sequence.
func loadDelivery(tx *bbolt.Tx, it Item) error {
	d, err := decode[watcher.Delivery](it.Value)
	if err != nil {
		return err
	}
	n, err := parseSeq(it)
	if err != nil {
		return err
	}
	q, err := tx.Bucket(bOutbox).CreateBucketIfNotExists([]byte(it.Source))
	if err != nil {
		return err
	}
	dead, err := tx.Bucket(bDead).CreateBucketIfNotExists([]byte(it.Source))
	if err != nil {
		return err
	}
	into, other := q, dead
	switch d.State {
	case watcher.DeliveryPending:
	case watcher.DeliveryDead:
		into, other = dead, q
	default:
		return fmt.Errorf("state %q is neither %q nor %q", d.State, watcher.DeliveryPending, watcher.DeliveryDead)
	}
	if err := other.Delete(be8(n)); err != nil {
		return err
	}
	if err := into.Put(be8(n), it.Value); err != nil {
		return err
	}
	return atLeast(q, n)
}

// loadCapture puts a capture under its snapshot entry: the latest one with its snapshot's
// id made at or before it (a capture is made with its snapshot, or after it for
// article.gone); its body is counted once more, and the body of the capture it replaces
// once less.
func (l *loader) loadCapture(tx *bbolt.Tx, it Item) error {
	n, err := parseSeq(it)
	if err != nil {
		return err
	}
	c, err := decode[watcher.Capture](it.Value)
	if err != nil {
		return err
	}
	snaps, ok := l.snaps[it.Source]
	if !ok {
		if src := sourceBucket(tx, it.Source); src != nil {
			err := src.Bucket(bSnaps).ForEach(func(k, v []byte) error {
				sn, err := decode[watcher.Snapshot](v)
				snaps = append(snaps, snapEntry{binary.BigEndian.Uint64(k), sn.ID, sn.Time})
				return err
			})
			if err != nil {
				return err
			}
		}
		l.snaps[it.Source] = snaps
	}
	var snapSeq uint64
	for _, e := range snaps {
		if e.id == c.Snapshot && !e.time.After(c.Time) {
			snapSeq = e.seq
		}
	}
	if snapSeq == 0 {
		return fmt.Errorf("no snapshot %s of %s made at or before the capture (load the snapshots first)", c.Snapshot, it.Source)
	}
	b, err := tx.Bucket(bCaptures).CreateBucketIfNotExists([]byte(it.Source))
	if err != nil {
		return err
	}
	// The capture it replaces has the same number, under whichever snapshot entry.
	var old []byte
	cur := b.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if binary.BigEndian.Uint64(k[8:]) == n {
			old = bytes.Clone(k)
			o, err := decode[watcher.Capture](v)
			if err != nil {
				return err
			}
			if err := b.Delete(old); err != nil {
				return err
			}
			if o.SHA256 == c.SHA256 {
				return putCaptureKey(b, snapSeq, n, it.Value)
			}
			if err := unref(tx, o.SHA256); err != nil {
				return err
			}
			break
		}
	}
	sum, err := hex.DecodeString(c.SHA256)
	if err != nil || len(sum) != 32 {
		return fmt.Errorf("bad sha256 %q", c.SHA256)
	}
	refs := tx.Bucket(bBodyRefs)
	count := uint64(0)
	if v := refs.Get(sum); len(v) == 8 {
		count = binary.BigEndian.Uint64(v)
	}
	if err := refs.Put(sum, be8(count+1)); err != nil {
		return err
	}
	return putCaptureKey(b, snapSeq, n, it.Value)
}

func putCaptureKey(b *bbolt.Bucket, snapSeq, n uint64, v []byte) error {
	if err := b.Put(binary.BigEndian.AppendUint64(be8(snapSeq), n), v); err != nil {
		return err
	}
	return atLeast(b, n)
}
