// Package storetest is the contract both storage drivers pass: the meaning of every method
// of store.DB, as the bbolt store (watcher/store) defines it, checked by the same cases on
// each driver. A driver's test hooks it up with Run, and RunDump for store.Dumper:
//
//	func TestContract(t *testing.T) { storetest.Run(t, opener) }
//
// Behaviour that belongs to one driver alone (bbolt's file lock, its mapped pages, damaged
// files; PostgreSQL's schema versions) stays in that driver's own tests.
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// Opener gives a test a storage of its own, empty, that lives until the test ends.
type Opener func(t *testing.T) Storage

// Storage is one empty storage of a driver.
type Storage struct {
	// Open opens a handle on the storage: the first one finds it empty, later ones find
	// what the handles before them wrote. The suite closes every handle it opens.
	Open func(opt store.Options) (store.DB, error)
	// Shared says that several handles may be open at once, writers included (PostgreSQL);
	// bbolt's file lock allows one.
	Shared bool
}

// Run runs the contract's cases against the storages open gives, one a case.
func Run(t *testing.T, open Opener) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, s Storage)
	}{
		{"RecordAndRead", testRecordAndRead},
		{"CheckRuns", testCheckRuns},
		{"ChecksBounded", testChecksBounded},
		{"Retention", testRetention},
		{"RetentionByAge", testRetentionByAge},
		{"Figures", testFigures},
		{"Events", testEvents},
		{"EventsPage", testEventsPage},
		{"EachEvent", testEachEvent},
		{"Sources", testSources},
		{"Coverage", testCoverage},
		{"Captures", testCaptures},
		{"EachCapture", testEachCapture},
		{"Screenshots", testScreenshots},
		{"Archive", testArchive},
		{"Outbox", testOutbox},
		{"OutboxGone", testOutboxGone},
		{"RequeueAll", testRequeueAll},
		{"QueueStats", testQueueStats},
		{"Robots", testRobots},
		{"Demo", testDemo},
		{"ReadOnly", testReadOnly},
		{"TwoHandles", testTwoHandles},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// t0 is the suite's clock: nanoseconds included, which every driver keeps (a copy made by
// `hanoiwatch migrate` is verified byte for byte).
var t0 = time.Date(2025, 10, 25, 8, 0, 0, 123456789, time.UTC)

// at is t0 plus i minutes.
func at(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

// handle closes its DB once, whether the case or the cleanup asks first.
type handle struct {
	store.DB
	once sync.Once
	err  error
}

func (h *handle) Close() error {
	h.once.Do(func() { h.err = h.DB.Close() })
	return h.err
}

// open opens a handle on s, closed when the test ends.
func open(t *testing.T, s Storage, opt store.Options) *handle {
	t.Helper()
	db, err := s.Open(opt)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	h := &handle{DB: db}
	t.Cleanup(func() { h.Close() })
	return h
}

// reopen closes h and opens s again.
func reopen(t *testing.T, s Storage, h *handle, opt store.Options) *handle {
	t.Helper()
	if err := h.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return open(t, s, opt)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// same fails the test when got and want differ in their JSON forms, which is what both
// drivers keep of every record.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	must(t, err)
	w, err := json.Marshal(want)
	must(t, err)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func notFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, watcher.ErrNotFound) {
		t.Errorf("%s: %v, want an error wrapping watcher.ErrNotFound", what, err)
	}
}

func record(t *testing.T, db store.DB, r watcher.Record) {
	t.Helper()
	if err := db.Record(r); err != nil {
		t.Fatalf("record %s at %s: %v", r.Source, r.Check.Time.Format(time.TimeOnly), err)
	}
}

func event(typ, source string, when time.Time, snap string) watcher.Event {
	return watcher.Event{ID: watcher.EventID(typ, source, when.String()), Type: typ, Time: when,
		Source: watcher.EventSource{Name: source, URL: "https://news.example/" + source}, Snapshot: snap, Figures: []figures.Change{}}
}

// changed is the record of a check that stored a new text: its snapshot, state and event.
func changed(source, text string, when time.Time) watcher.Record {
	id := watcher.SnapshotID(text)
	ev := event(watcher.ArticleChanged, source, when, id)
	return watcher.Record{Source: source, Check: watcher.Check{Time: when, Status: 200, Result: watcher.ResultChanged, Snapshot: id},
		State:    watcher.State{Snapshot: id, Status: watcher.StatusOK, LastCheck: when, LastChange: when},
		Snapshot: &watcher.Snapshot{ID: id, Time: when, Size: len(text), Title: "Titre", Lang: "fr", Added: 1},
		Text:     text, Events: []watcher.Event{ev}}
}

// quiet is the record of an unchanged check: nothing a crash may lose.
func quiet(source, snap string, when time.Time) watcher.Record {
	return watcher.Record{Source: source, Check: watcher.Check{Time: when, Status: 200, Result: watcher.ResultUnchanged, Snapshot: snap},
		State: watcher.State{Snapshot: snap, Status: watcher.StatusOK, LastCheck: when}}
}

// failed is the record of a failed check, without an event.
func failed(source, msg string, when time.Time) watcher.Record {
	return watcher.Record{Source: source, Check: watcher.Check{Time: when, Result: watcher.ResultFailed, Error: msg},
		State: watcher.State{Status: watcher.StatusFailing, Failures: 1, LastCheck: when, LastError: msg}}
}

func text(n int) string {
	return fmt.Sprintf("La Convention de Hanoï\nSelon le ministère, %d pays ont signé la Convention.", n)
}

func eventIDs(evs []watcher.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func deliveryIDs(ds []watcher.Delivery) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}
