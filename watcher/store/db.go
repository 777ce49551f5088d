package store

import (
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// DB is what hanoiwatch keeps, whatever keeps it: the bbolt file of this package (*Store,
// the default, embedded and serverless) or a PostgreSQL database shared by several daemons
// (watcher/store/postgres). Both pass the same contract suite (watcher/store/storetest);
// the comments on *Store's methods say what each one means.
type DB interface {
	// Path says where the data lives, for logs and messages: a file's path, or a
	// PostgreSQL address without its password.
	Path() string
	Close() error

	// The pipeline's records.
	State(source string) (watcher.State, error)
	Record(r watcher.Record) error
	Flush() error
	Text(source, id string) (string, error)
	Snapshots(source string) ([]watcher.Snapshot, error)
	SnapshotSpan(source string) (n int, first, latest watcher.Snapshot, err error)
	Checks(source string, n int) ([]watcher.Check, error)
	Figures(source string) (figures.Track, error)
	Names() ([]string, error)

	// Events.
	Events(since time.Time, types ...string) ([]watcher.Event, error)
	EventsPage(q watcher.EventQuery) ([]watcher.Event, string, error)
	EachEvent(fn func(watcher.Event) error) error

	// The watch list's changes from the CLI and the API.
	AddSource(a watcher.Added) error
	RemoveSource(name string) error
	AddedSources() ([]watcher.Added, error)
	Removed() (map[string]bool, error)

	// Coverage discovery.
	RecordCoverage(found []watcher.Discovered, known []watcher.Source, canonical func(string) string) ([]watcher.Outcome, error)
	Coverage() ([]watcher.Coverage, error)

	// Evidence: the responses as served, screenshots, the Wayback Machine's queue.
	Captures(source string) ([]watcher.Capture, error)
	Body(sha string) ([]byte, error)
	EachCapture(keep func(*watcher.Capture) bool, fn func(watcher.Capture) error) error
	Screenshot(source, id string) ([]byte, error)
	DueArchive(now time.Time) (j watcher.ArchiveJob, ok bool, err error)
	ArchiveJobs() ([]watcher.ArchiveJob, error)
	UpdateArchive(j watcher.ArchiveJob) error
	Archived(j watcher.ArchiveJob, ev watcher.Event, ds []watcher.Delivery) error

	// The notifications' outbox.
	Due(endpoint string, now time.Time) (watcher.Delivery, bool, error)
	Endpoints() ([]string, error)
	QueueStats() ([]watcher.QueueStats, error)
	Delivered(d watcher.Delivery) error
	Retry(d watcher.Delivery) error
	Dead(d watcher.Delivery) error
	MarkGone(d watcher.Delivery) error
	IsGone(endpoint string) (watcher.EndpointGone, bool, error)
	GoneEndpoints() (map[string]watcher.EndpointGone, error)
	ClearGone(endpoint string) error
	Deliveries(state watcher.DeliveryState) ([]watcher.Delivery, error)
	Requeue(id string) (watcher.Delivery, error)
	RequeueAll() (dead, pending int, err error)

	// The fetcher's robots.txt answers, and the demo's mark.
	Robots(origin string) ([]byte, error)
	PutRobots(origin string, entry []byte) error
	MarkDemo(d Demo) error
	Demo() (Demo, bool, error)
}

var _ DB = (*Store)(nil)
