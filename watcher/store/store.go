// Package store keeps hanoiwatch's data in one bbolt file: per source its state, snapshots
// (content-addressed, gzip-compressed texts), check history; the events; the sources added
// from the CLI.
//
// Layout (all keys sortable; numbers big-endian):
//
//	meta       schema → "5"
//	states     <name> → CBOR {state, run}: the source's State and the open run of its check log
//	sources    <name>/ snapshots/ <seq> → JSON Snapshot
//	                   texts/     <snapshot id> → gzip(text)
//	                   checks/    <seq> → JSON Check, the rest of the check log
//	events     <seq> → JSON Event
//	added      <name> → JSON Added
//	removed    <name> → RFC 3339 time
//	outbox     <endpoint>/ <seq> → JSON Delivery, in the order the events happened
//	captures, bodies, bodyrefs: the responses as served (see capture.go)
//	archive    the Wayback Machine's queue (see archive.go)
//
// The states of all sources lie together, apart from their snapshots, and the check log is
// kept as runs (a check with the same outcome as the one before only counts in the latest
// run): so an unchanged check writes one small value among the states, and a daemon that
// checks 10 000 sources a minute keeps a few megabytes of the file in use, not every
// source's pages.
package store

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fxamacker/cbor/v2"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"hanoiwatch/watcher"
)

// Schema is the version of the layout this code reads and writes. Open upgrades files of
// schema 1, which kept each state in its source's bucket and a record per check, of
// schema 2, which wrote the states bucket in JSON, of schema 3, which did not index the
// events, of schema 4, which indexed them by source only, and of schema 5, which
// numbered dead deliveries apart from their queues.
const Schema = 6

// MaxChecks is how many runs of the check log are kept per source (see watcher.Check): a run
// stands for any number of checks with one outcome, so this is months of history, bounded so
// that a source whose outcome changes at every check does not grow the file without end.
const MaxChecks = 2000

var (
	bMeta    = []byte("meta")
	bSources = []byte("sources")
	bStates  = []byte("states")
	bEvents  = []byte("events")
	bAdded   = []byte("added")
	bRemoved = []byte("removed")
	bOutbox  = []byte("outbox")
	kState   = []byte("state")
	bSnaps   = []byte("snapshots")
	bTexts   = []byte("texts")
	bChecks  = []byte("checks")
)

// ErrLocked means another process holds the database.
var ErrLocked = errors.New("database is in use by another hanoiwatch process")

// Retention bounds the snapshots kept per source. The first and the latest snapshot are
// always kept.
type Retention struct {
	MaxSnapshots int           // 0: no limit
	MaxAge       time.Duration // 0: no limit
}

// Drop returns the indexes of the snapshots the policy drops, given their times oldest
// first: those older than MaxAge, then the oldest beyond MaxSnapshots, never the first nor
// the latest.
func (r Retention) Drop(times []time.Time, now time.Time) map[int]bool {
	drop := map[int]bool{}
	if len(times) <= 2 {
		return drop
	}
	if r.MaxAge > 0 {
		cut := now.Add(-r.MaxAge)
		for i := 1; i < len(times)-1; i++ {
			if times[i].Before(cut) {
				drop[i] = true
			}
		}
	}
	if r.MaxSnapshots > 0 {
		keep := len(times) - len(drop)
		for i := 1; i < len(times)-1 && keep > max(r.MaxSnapshots, 2); i++ {
			if !drop[i] {
				drop[i] = true
				keep--
			}
		}
	}
	return drop
}

// Options tune Open.
type Options struct {
	Retention Retention
	Timeout   time.Duration // how long to wait for the file lock; default 2s
	ReadOnly  bool
}

// Store is an open database.
type Store struct {
	db  *bbolt.DB
	ret Retention
	now func() time.Time
	ro  bool

	// Quiet records (see Record) wait here, per source in check order, for the next flush.
	// A flush excludes the commits of other records (order), so that a source's records
	// reach the file in the order they were made.
	order    sync.RWMutex
	mu       sync.Mutex // guards the fields below
	pending  map[string][]watcher.Record
	npending int
	timer    *time.Timer
	flushErr error
	closed   bool
	released time.Time // the last release of the file's mapped pages

	reads atomic.Int64 // states read from the file, for their releases (see releaseReads)
}

// FlushDelay is how long a quiet record (a check that changed nothing worth keeping on a
// crash) may wait before it is written: long enough for one commit and one disk sync to
// carry all the checks of a busy second, short enough that a crash loses only a second
// of "checked, unchanged".
const FlushDelay = time.Second

// flushBatch is how many quiet records start a flush before FlushDelay is up.
const flushBatch = 128

// maxPending bounds the quiet records waiting: beyond it (the disk is failing, or full)
// records are written at once, so that the error reaches the check that made them.
const maxPending = 8192

// Open opens or creates the database at path.
func Open(path string, opt Options) (*Store, error) {
	if opt.Timeout == 0 {
		opt.Timeout = 2 * time.Second
	}
	if !opt.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	db, err := openBolt(path, &bbolt.Options{Timeout: opt.Timeout, ReadOnly: opt.ReadOnly,
		// Every check commits; with thousands of sources the free-page list is long, and the
		// hashmap freelist keeps each commit's work on it small. (NoFreelistSync would save
		// more, but rebuilding the list at open panics on a damaged file in a goroutine no
		// recover reaches.)
		FreelistType: bbolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w (waited %s for its lock)", path, ErrLocked, opt.Timeout)
	}
	if err == nil {
		if err = checkSize(db); err != nil {
			db.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Concurrent checks share a commit (see Record); a short wait for company keeps a lone
	// check from waiting the default 10 ms.
	db.MaxBatchDelay = 2 * time.Millisecond
	s := &Store{db: db, ret: opt.Retention, now: time.Now, ro: opt.ReadOnly}
	if opt.ReadOnly {
		if err := s.checkSchema(); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		return s, nil
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bMeta, bSources, bStates, bEvents, bAdded, bRemoved, bOutbox, bDead, bGone, bCoverage, bCaptures, bBodies, bBodyRefs, bScreenshots, bSourceEvents, bTypeEvents, bFigures, bArchive} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bMeta)
		// Each schema's steps up to this one, in order.
		var steps []func(*bbolt.Tx) error
		switch v := string(m.Get([]byte("schema"))); v {
		case "1":
			steps = []func(*bbolt.Tx) error{upgrade1, upgrade3, upgrade5}
		case "2":
			steps = []func(*bbolt.Tx) error{upgrade2, upgrade3, upgrade5}
		case "3", "4":
			steps = []func(*bbolt.Tx) error{upgrade3, upgrade5}
		case "5":
			steps = []func(*bbolt.Tx) error{upgrade5}
		case "":
		default:
			return nil // checkSchema names it
		}
		for _, step := range steps {
			if err := step(tx); err != nil {
				return fmt.Errorf("upgrading schema %s: %w", m.Get([]byte("schema")), err)
			}
		}
		return m.Put([]byte("schema"), []byte(strconv.Itoa(Schema)))
	})
	if err == nil {
		err = s.checkSchema()
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

// openBolt is bbolt.Open for files that may be damaged. bbolt panics on some (a file cut
// short fails reading its freelist, and a page beyond the end of the file is a memory fault
// in its mmap) instead of returning an error: the operator must be told which file is
// damaged, not shown a stack trace. After such a panic bbolt's file handle and lock are
// not released; the process is about to report the error and exit.
func openBolt(path string, o *bbolt.Options) (db *bbolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("damaged database file: %v", p)
		}
	}()
	return bbolt.Open(path, 0o600, o)
}

// checkSize refuses a file shorter than its pages: a truncated file opens when its meta
// pages survive, and reading a page past the end would then be a fault, not an error.
func checkSize(db *bbolt.DB) error {
	fi, err := os.Stat(db.Path())
	if err != nil {
		return err
	}
	return db.View(func(tx *bbolt.Tx) error {
		if need := tx.Size(); fi.Size() < need {
			return fmt.Errorf("damaged database file: truncated to %d bytes, its pages take %d", fi.Size(), need)
		}
		return nil
	})
}

func (s *Store) checkSchema() error {
	return s.db.View(func(tx *bbolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil {
			return errors.New("not a hanoiwatch database (no meta bucket)")
		}
		v, _ := strconv.Atoi(string(m.Get([]byte("schema"))))
		switch {
		case v < Schema && s.ro:
			return fmt.Errorf("database schema %d, this hanoiwatch reads schema %d: a command that writes (check, run) upgrades the file", v, Schema)
		case v != Schema:
			return fmt.Errorf("database schema %d, this hanoiwatch reads schema %d", v, Schema)
		}
		return nil
	})
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.db.Path() }

// Close writes the quiet records still waiting, then closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	err := s.Flush()
	return errors.Join(err, s.db.Close())
}

// State returns the state of a source; the zero State for a source never checked.
func (s *Store) State(source string) (watcher.State, error) {
	s.mu.Lock()
	if p := s.pending[source]; len(p) > 0 {
		st := p[len(p)-1].State
		s.mu.Unlock()
		return st, nil
	}
	s.mu.Unlock()
	var e stateEntry
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		e, err = readEntry(tx, source)
		return err
	})
	if s.reads.Add(1)%releaseReads == 0 {
		s.release() // a failure only leaves the pages mapped
	}
	return e.State, err
}

// stateEntry is a source's value in the states bucket.
type stateEntry struct {
	State watcher.State  `json:"state"`
	Run   *watcher.Check `json:"run,omitempty"` // the open run of quiet checks, not yet in the log
}

// The states bucket is written in CBOR: every check reads its source's state and writes it
// back, and in JSON that was a tenth of the CPU of an unchanged check. Times keep their
// nanoseconds, as in JSON.
var stateEnc = func() cbor.EncMode {
	em, err := cbor.EncOptions{Time: cbor.TimeRFC3339Nano}.EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

func putState(tx *bbolt.Tx, source []byte, e stateEntry) error {
	data, err := stateEnc.Marshal(e)
	if err != nil {
		return err
	}
	return tx.Bucket(bStates).Put(source, data)
}

func readEntry(tx *bbolt.Tx, source string) (stateEntry, error) {
	var e stateEntry
	if v := tx.Bucket(bStates).Get([]byte(source)); v != nil {
		if err := cbor.Unmarshal(v, &e); err != nil {
			return e, fmt.Errorf("state of %q: %w", source, err)
		}
	}
	return e, nil
}

// readRun returns the open run of a source's check log. It decodes the run alone: decoding
// the whole state as well cost a tenth of an unchanged check (in JSON).
func readRun(tx *bbolt.Tx, source string) (*watcher.Check, error) {
	var e struct {
		Run *watcher.Check `json:"run"`
	}
	if v := tx.Bucket(bStates).Get([]byte(source)); v != nil {
		if err := cbor.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("state of %q: %w", source, err)
		}
	}
	return e.Run, nil
}

// isQuiet reports whether a record has nothing that a crash may lose: no snapshot, event or
// delivery.
func isQuiet(r watcher.Record) bool {
	return r.Snapshot == nil && len(r.Events) == 0 && len(r.Deliveries) == 0 && len(r.Archive) == 0
}

// repeats reports whether check c has the outcome of run, and if so counts it in the run.
func repeats(run *watcher.Check, c watcher.Check) bool {
	if run == nil || run.Result != c.Result || run.Status != c.Status || run.Snapshot != c.Snapshot || run.Error != c.Error ||
		run.URL != c.URL {
		return false
	}
	run.Repeats++
	run.Last = c.Time
	return true
}

// upgrade1 moves the states of a schema-1 file out of the source buckets.
func upgrade1(tx *bbolt.Tx) error {
	sources := tx.Bucket(bSources)
	var names [][]byte
	if err := sources.ForEachBucket(func(k []byte) error {
		names = append(names, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, name := range names {
		b := sources.Bucket(name)
		v := b.Get(kState)
		if v == nil {
			continue
		}
		var e stateEntry
		if err := json.Unmarshal(v, &e.State); err != nil {
			return fmt.Errorf("state of %q: %w", name, err)
		}
		if err := putState(tx, name, e); err != nil {
			return err
		}
		if err := b.Delete(kState); err != nil {
			return err
		}
	}
	return nil
}

// upgrade2 rewrites the states bucket of a schema-2 file from JSON to CBOR.
func upgrade2(tx *bbolt.Tx) error {
	b := tx.Bucket(bStates)
	var names [][]byte
	var entries []stateEntry
	if err := b.ForEach(func(k, v []byte) error {
		var e stateEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("state of %q: %w", k, err)
		}
		names, entries = append(names, bytes.Clone(k)), append(entries, e)
		return nil
	}); err != nil {
		return err
	}
	for i, name := range names {
		if err := putState(tx, name, entries[i]); err != nil {
			return err
		}
	}
	return nil
}

// Text returns the text of one snapshot of a source.
func (s *Store) Text(source, id string) (string, error) {
	var text string
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := sourceBucket(tx, source)
		if b == nil {
			return fmt.Errorf("source %q: %w", source, watcher.ErrNotFound)
		}
		z := b.Bucket(bTexts).Get([]byte(id))
		if z == nil {
			return fmt.Errorf("snapshot %s of %s: %w", id, source, watcher.ErrNotFound)
		}
		var err error
		text, err = gunzip(z)
		return err
	})
	return text, err
}

// Record stores a check, its new snapshot and events, and the source's state in one
// transaction, then applies the retention policy to the source's snapshots.
//
// Records of checks running at the same time are committed together (bbolt's Batch): one
// disk sync for several checks rather than one each. A quiet record, one with no new
// snapshot, event or delivery (an unchanged page, a failure already reported), is not
// worth a disk sync of its own: it is written with the next flush, at most FlushDelay
// later, or with the next record of its source. A crash loses at most that second of
// quiet records, which the next check of each source makes again; it never loses a
// change or an event. Reads (State, Checks) see the waiting records. The error of a
// failed flush is returned by the next quiet Record and by Close.
func (s *Store) Record(r watcher.Record) error {
	if isQuiet(r) && !s.ro {
		s.mu.Lock()
		if s.npending < maxPending {
			if s.pending == nil {
				s.pending = map[string][]watcher.Record{}
			}
			s.pending[r.Source] = append(s.pending[r.Source], r)
			s.npending++
			switch {
			case s.timer == nil:
				s.timer = time.AfterFunc(FlushDelay, s.flushLater)
			case s.npending%flushBatch == 0 && s.timer.Stop():
				// A busy second: these are written now, while checks go on, rather than in
				// one long commit that the last check of a round, or Close, waits for.
				s.timer = time.AfterFunc(0, s.flushLater)
			}
			err := s.flushErr
			s.flushErr = nil
			s.mu.Unlock()
			return err
		}
		s.mu.Unlock()
	}
	var body []byte
	if r.Capture != nil {
		body = CompressBody(r.Capture.Body)
	}
	s.order.RLock()
	defer s.order.RUnlock()
	s.mu.Lock()
	earlier := s.pending[r.Source]
	s.mu.Unlock()
	err := s.db.Batch(func(tx *bbolt.Tx) error {
		for _, q := range earlier {
			if err := s.write(tx, q); err != nil {
				return err
			}
		}
		if err := s.write(tx, r); err != nil || r.Capture == nil {
			return err
		}
		return putCapture(tx, r.Capture, body)
	})
	if err == nil && len(earlier) > 0 {
		s.mu.Lock()
		s.drop(r.Source, len(earlier))
		s.mu.Unlock()
	}
	if err == nil {
		s.maybeRelease()
	}
	return err
}

// drop forgets the first n waiting records of a source, once written. Called with mu held.
func (s *Store) drop(source string, n int) {
	s.npending -= n
	if rest := s.pending[source][n:]; len(rest) > 0 {
		s.pending[source] = rest
	} else {
		delete(s.pending, source)
	}
}

// Flush writes the quiet records waiting, in one transaction, and releases the pages it
// mapped (see release): a daemon that released them at most once a second had 9.8 MB of
// the file mapped at the 90th percentile.
func (s *Store) Flush() error {
	s.order.Lock()
	defer s.order.Unlock()
	s.mu.Lock()
	batch := make(map[string][]watcher.Record, len(s.pending))
	for src, rs := range s.pending {
		batch[src] = rs
	}
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for _, rs := range batch {
			for _, r := range rs {
				if err := s.write(tx, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		n := 0
		for _, rs := range batch {
			n += len(rs)
		}
		return fmt.Errorf("store: writing %d checks: %w", n, err)
	}
	s.mu.Lock()
	for src, rs := range batch {
		s.drop(src, len(rs))
	}
	s.mu.Unlock()
	s.release() // a failure only leaves the pages mapped
	return nil
}

// releaseReads is how many states are read between two releases of the file's mapped
// pages (see release). The kernel maps the 64 KB around every page read, and cron starts
// the checks of all sources whose turn falls in the same second together: at 10 000
// sources on one-minute schedules, their 167 state reads, then the flush of their records,
// mapped 10 MB of the file for some 50 ms once a second. A flush stays one transaction,
// released after: flushing in transactions of 64 sources, each released, kept the file's
// share under 5 MB but made one-shot rounds of 1 000 checks a sixth slower.
const releaseReads = 64

// releaseEvery is the least time between two releases of the file's mapped pages (see
// release): each page still in use costs a page fault to map again.
const releaseEvery = 100 * time.Millisecond

// maybeRelease releases the mapped pages (see release) if the last release is releaseEvery
// old. It follows writes, which are what bring new pages into the mapping.
func (s *Store) maybeRelease() {
	s.mu.Lock()
	due := time.Since(s.released) >= releaseEvery
	if due {
		s.released = time.Now()
	}
	s.mu.Unlock()
	if due {
		s.release() // a failure only leaves the pages mapped
	}
}

// flushLater is the timer's flush; a failed one is tried again a FlushDelay later.
func (s *Store) flushLater() {
	err := s.Flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if err != nil {
		s.flushErr = err
	}
	if s.npending > 0 && !s.closed {
		s.timer = time.AfterFunc(FlushDelay, s.flushLater)
	}
}

// write puts one record in tx. It has no effect outside the transaction, so Batch may run
// it again. A check that repeats the outcome of the one before touches only the source's
// value in the states bucket.
func (s *Store) write(tx *bbolt.Tx, r watcher.Record) error {
	run, err := readRun(tx, r.Source)
	if err != nil {
		return err
	}
	e := stateEntry{State: r.State, Run: run}
	// A record that must be kept (a snapshot, events) writes to its source's bucket anyway:
	// its check goes to the log at once, after the open run it ends. A quiet one opens a run,
	// or counts in the open one, in the states bucket alone.
	var logged []*watcher.Check
	switch {
	case isQuiet(r) && repeats(e.Run, r.Check):
	case isQuiet(r):
		if e.Run != nil {
			logged = append(logged, e.Run)
		}
		e.Run = &r.Check
	default:
		if e.Run != nil {
			logged = append(logged, e.Run)
		}
		logged = append(logged, &r.Check)
		e.Run = nil
	}
	if err := putState(tx, []byte(r.Source), e); err != nil {
		return err
	}
	if len(logged) > 0 { // a snapshot comes with its check
		b, err := createSourceBucket(tx, r.Source)
		if err != nil {
			return err
		}
		for _, c := range logged {
			if err := appendJSON(b.Bucket(bChecks), c); err != nil {
				return err
			}
		}
		// With an open run in the states bucket, MaxChecks-1 here.
		if err := trim(b.Bucket(bChecks), MaxChecks-1); err != nil {
			return err
		}
		if r.Snapshot != nil {
			texts := b.Bucket(bTexts)
			if texts.Get([]byte(r.Snapshot.ID)) == nil {
				z, err := gzipText(r.Text)
				if err != nil {
					return err
				}
				if err := texts.Put([]byte(r.Snapshot.ID), z); err != nil {
					return err
				}
			}
			if err := appendJSON(b.Bucket(bSnaps), r.Snapshot); err != nil {
				return err
			}
			if r.Screenshot != nil {
				if err := putScreenshot(tx, r.Source, r.Snapshot.ID, r.Screenshot); err != nil {
					return err
				}
			}
			if err := s.retain(tx, r.Source, b); err != nil {
				return err
			}
		}
	}
	if err := putFigures(tx, r.Source, r.Figures); err != nil {
		return err
	}
	for _, e := range r.Events {
		if err := putEvent(tx, e); err != nil {
			return err
		}
	}
	if err := putArchive(tx, r.Archive); err != nil {
		return err
	}
	return queue(tx, r.Deliveries)
}

// retain drops snapshots beyond the retention policy, keeping the first and the latest,
// with their captures and screenshots, and the texts no remaining snapshot refers to.
func (s *Store) retain(tx *bbolt.Tx, source string, b *bbolt.Bucket) error {
	if s.ret.MaxSnapshots <= 0 && s.ret.MaxAge <= 0 {
		return nil
	}
	snaps := b.Bucket(bSnaps)
	type entry struct {
		key []byte
		s   watcher.Snapshot
	}
	var all []entry
	err := snaps.ForEach(func(k, v []byte) error {
		var sn watcher.Snapshot
		if err := json.Unmarshal(v, &sn); err != nil {
			return err
		}
		all = append(all, entry{append([]byte(nil), k...), sn})
		return nil
	})
	if err != nil || len(all) <= 2 {
		return err
	}
	times := make([]time.Time, len(all))
	for i, e := range all {
		times[i] = e.s.Time
	}
	drop := s.ret.Drop(times, s.now())
	if len(drop) == 0 {
		return nil
	}
	used := map[string]bool{}
	for i, e := range all {
		if !drop[i] {
			used[e.s.ID] = true
		}
	}
	for i := range drop {
		if err := snaps.Delete(all[i].key); err != nil {
			return err
		}
		if err := dropCaptures(tx, source, all[i].key); err != nil {
			return err
		}
		if !used[all[i].s.ID] {
			if err := b.Bucket(bTexts).Delete([]byte(all[i].s.ID)); err != nil {
				return err
			}
			if err := dropScreenshot(tx, source, all[i].s.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// Snapshots lists a source's snapshots, oldest first.
func (s *Store) Snapshots(source string) ([]watcher.Snapshot, error) {
	var out []watcher.Snapshot
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := sourceBucket(tx, source)
		if b == nil {
			return nil
		}
		return eachJSON(b.Bucket(bSnaps), func(sn watcher.Snapshot) { out = append(out, sn) })
	})
	return out, err
}

// Checks lists the last n runs of a source's check log (all when n <= 0), oldest first:
// each is a check and the checks with the same outcome that followed it (Repeats, Last).
func (s *Store) Checks(source string, n int) ([]watcher.Check, error) {
	var out []watcher.Check
	open := false // the last of out is the open run
	err := s.db.View(func(tx *bbolt.Tx) error {
		if b := sourceBucket(tx, source); b != nil {
			if err := eachJSON(b.Bucket(bChecks), func(c watcher.Check) { out = append(out, c) }); err != nil {
				return err
			}
		}
		run, err := readRun(tx, source)
		if open = run != nil; open {
			out = append(out, *run)
		}
		return err
	})
	s.mu.Lock()
	for _, r := range s.pending[source] { // quiet records, folded as write will fold them
		if !open || !repeats(&out[len(out)-1], r.Check) {
			out = append(out, r.Check)
			open = true
		}
	}
	s.mu.Unlock()
	if len(out) > MaxChecks {
		out = out[len(out)-MaxChecks:]
	}
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out, err
}

// Events lists the stored events at or after since, oldest first; types filters by type
// when not empty.
func (s *Store) Events(since time.Time, types ...string) ([]watcher.Event, error) {
	want := map[string]bool{}
	for _, t := range types {
		want[t] = true
	}
	var out []watcher.Event
	err := s.db.View(func(tx *bbolt.Tx) error {
		return eachJSON(tx.Bucket(bEvents), func(e watcher.Event) {
			if !e.Time.Before(since) && (len(want) == 0 || want[e.Type]) {
				out = append(out, e)
			}
		})
	})
	return out, err
}

// AddSource stores a source added from the command line; it also undoes an earlier
// removal of that name.
func (s *Store) AddSource(a watcher.Added) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bRemoved).Delete([]byte(a.Name)); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bAdded), []byte(a.Name), a)
	})
}

// RemoveSource forgets an added source, or marks a seeded or configured one as removed
// so that it is no longer watched. Its history stays in the database.
func (s *Store) RemoveSource(name string) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bAdded).Delete([]byte(name)); err != nil {
			return err
		}
		return tx.Bucket(bRemoved).Put([]byte(name), []byte(s.now().UTC().Format(time.RFC3339)))
	})
}

// AddedSources lists the sources added from the command line, by name.
func (s *Store) AddedSources() ([]watcher.Added, error) {
	var out []watcher.Added
	err := s.db.View(func(tx *bbolt.Tx) error {
		return eachJSON(tx.Bucket(bAdded), func(a watcher.Added) { out = append(out, a) })
	})
	return out, err
}

// Removed returns the names of removed sources.
func (s *Store) Removed() (map[string]bool, error) {
	out := map[string]bool{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bRemoved).ForEach(func(k, _ []byte) error {
			out[string(k)] = true
			return nil
		})
	})
	return out, err
}

func sourceBucket(tx *bbolt.Tx, name string) *bbolt.Bucket {
	return tx.Bucket(bSources).Bucket([]byte(name))
}

func createSourceBucket(tx *bbolt.Tx, name string) (*bbolt.Bucket, error) {
	b, err := tx.Bucket(bSources).CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", name, err)
	}
	for _, sub := range [][]byte{bSnaps, bTexts, bChecks} {
		if _, err := b.CreateBucketIfNotExists(sub); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func putJSON(b *bbolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// appendJSON stores v under the bucket's next sequence number, so keys sort by insertion.
func appendJSON(b *bbolt.Bucket, v any) error {
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), v)
}

func eachJSON[T any](b *bbolt.Bucket, f func(T)) error {
	return b.ForEach(func(k, v []byte) error {
		var t T
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decode entry %x: %w", k, err)
		}
		f(t)
		return nil
	})
}

// trim deletes the oldest entries of an appendJSON bucket beyond n. Its keys are
// consecutive sequence numbers, so the count is the span from the first to the last.
func trim(b *bbolt.Bucket, n int) error {
	c := b.Cursor()
	k, _ := c.First()
	if k == nil {
		return nil
	}
	for extra := int(b.Sequence()-binary.BigEndian.Uint64(k)) + 1 - n; extra > 0 && k != nil; extra-- {
		if err := b.Delete(k); err != nil {
			return err
		}
		k, _ = b.Cursor().First()
	}
	return nil
}

func gzipText(s string) ([]byte, error) {
	var buf bytes.Buffer
	var w *gzip.Writer
	select {
	case w = <-gzips:
		w.Reset(&buf)
	default:
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	}
	if _, err := io.WriteString(w, s); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	select {
	case gzips <- w:
	default:
	}
	return buf.Bytes(), nil
}

// gzips keeps compressors for reuse: each holds about 900 KB of tables (a heap profile's
// figure), which a new one per snapshot would allocate and clear again. Not a sync.Pool:
// that is emptied by every other collection, which under a tight memory limit comes every
// few snapshots. Snapshots are
// written in bbolt's single write transaction, one at a time: one compressor is kept.
var gzips = make(chan *gzip.Writer, 1)

func gunzip(z []byte) (string, error) {
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

// SnapshotSpan returns how many snapshots a source has, and its first and latest, without
// reading the others: the lists of sources need no more.
func (s *Store) SnapshotSpan(source string) (n int, first, latest watcher.Snapshot, err error) {
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := sourceBucket(tx, source)
		if b == nil {
			return nil
		}
		snaps := b.Bucket(bSnaps)
		n = snaps.Stats().KeyN
		c := snaps.Cursor()
		if _, v := c.First(); v != nil {
			if err := json.Unmarshal(v, &first); err != nil {
				return err
			}
		}
		if _, v := c.Last(); v != nil {
			return json.Unmarshal(v, &latest)
		}
		return nil
	})
	return n, first, latest, err
}
