package store

// Item is one record of a database in the form both drivers dump and load, for
// `hanoiwatch migrate`: a copy is the items of one database loaded into the other, and is
// verified by counting and hashing both sides' dumps (they must be equal item for item).
//
// Value is the JSON of the watcher type the item holds (see the kinds), except for texts,
// bodies, screenshots and robots.txt entries, which are their bytes. Derived data (the
// events' indexes, the bodies' reference counts) is not an item: Load rebuilds it.
type Item struct {
	Kind   ItemKind
	Source string // the source's name (an endpoint for deliveries, an origin for robots.txt); "" for whole-database items
	Key    string // the item's key within Kind and Source: a zero-padded sequence number, a snapshot id, a sha256
	Value  []byte
}

// ItemKind says what an item holds. Dumps list the kinds in the order of ItemKinds, and
// within a kind by Source then Key, compared as bytes.
type ItemKind string

// The kinds of items. Sequence numbers (Key of checks, snapshots, events, deliveries,
// captures) keep the order of the records: a load keeps them, so that a copy lists
// everything in the order of the original.
const (
	ItemState      ItemKind = "state"      // Value: {"state": watcher.State, "run": *watcher.Check}
	ItemCheck      ItemKind = "check"      // Key: sequence; Value: watcher.Check
	ItemSnapshot   ItemKind = "snapshot"   // Key: sequence; Value: watcher.Snapshot
	ItemText       ItemKind = "text"       // Key: snapshot id; Value: the text
	ItemScreenshot ItemKind = "screenshot" // Key: snapshot id; Value: the PNG
	ItemCapture    ItemKind = "capture"    // Key: sequence; Value: watcher.Capture without its body
	ItemBody       ItemKind = "body"       // Key: sha256 (hex); Value: the body as received
	ItemFigures    ItemKind = "figures"    // Value: figures.Track
	ItemEvent      ItemKind = "event"      // Key: sequence; Value: watcher.Event
	ItemAdded      ItemKind = "added"      // Source: its name; Value: watcher.Added
	ItemRemoved    ItemKind = "removed"    // Source: its name; Value: the time, JSON
	ItemCoverage   ItemKind = "coverage"   // Key: canonical URL; Value: watcher.Coverage
	ItemDelivery   ItemKind = "delivery"   // Source: endpoint; Key: sequence; Value: watcher.Delivery (any state)
	ItemGone       ItemKind = "gone"       // Source: endpoint; Value: watcher.EndpointGone
	ItemArchive    ItemKind = "archive"    // Key: the job's key; Value: watcher.ArchiveJob
	ItemRobots     ItemKind = "robots"     // Source: origin; Value: the fetcher's entry
	ItemDemo       ItemKind = "demo"       // Value: Demo
)

// ItemKinds lists the kinds in the order dumps give them.
var ItemKinds = []ItemKind{ItemState, ItemCheck, ItemSnapshot, ItemText, ItemScreenshot, ItemCapture, ItemBody,
	ItemFigures, ItemEvent, ItemAdded, ItemRemoved, ItemCoverage, ItemDelivery, ItemGone, ItemArchive, ItemRobots, ItemDemo}

// Dumper is a database that can be copied whole.
type Dumper interface {
	// Dump calls fn with the items of kind in order (Source, then Key, compared as bytes),
	// from the one after `after` (nil: from the first), reading a batch at a time so that
	// memory does not grow with the database. A copy resumes after the last item its
	// destination holds.
	Dump(kind ItemKind, after *Item, fn func(Item) error) error
	// Load writes items in one transaction; an item with the kind, source and key of one
	// already there replaces it, so that a load run again (a resumed copy) changes nothing.
	Load(items []Item) error
}
