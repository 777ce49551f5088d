package store

import (
	"encoding/json"
	"fmt"

	"github.com/fxamacker/cbor/v2"
	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// Coverage discovery adds the articles it finds to the watch list. Layout, next to the
// buckets listed in the package comment:
//
//	coverage  <canonical URL> → JSON Coverage, one per article ever discovered
//
// An article stays in the bucket after its source is removed: that is what keeps a
// removed article from being discovered, and added, again at the next run.
var bCoverage = []byte("coverage")

// RecordCoverage records the new articles of found, in one transaction: for each, its
// Coverage, its Added source (Origin "discovered"), its coverage.found event and the
// event's deliveries. An article is new when its URL matches no source, compared in
// canonical form (canonical maps a URL to the form of Coverage.URL): not the ones known
// to the caller (the seeds and the config's sources, removed or not), not an added one,
// not an article discovered before (removed since or not), not the new URL of a source
// that moved, and not a source added and then removed (known by the URL of its events). Deciding in the write transaction keeps
// two jobs that find the same article at once from adding it twice.
//
// The outcomes are in the order of found; an article found twice is new only the first
// time.
func (s *Store) RecordCoverage(found []watcher.Discovered, known []watcher.Source, canonical func(string) string) ([]watcher.Outcome, error) {
	out := make([]watcher.Outcome, len(found))
	err := s.db.Update(func(tx *bbolt.Tx) error {
		byURL, names, err := watchedURLs(tx, known, canonical)
		if err != nil {
			return err
		}
		cov, added := tx.Bucket(bCoverage), tx.Bucket(bAdded)
		for i, d := range found {
			c := d.Coverage
			c.URL = canonical(c.URL)
			if name, ok := byURL[c.URL]; ok {
				out[i] = watcher.Outcome{Source: name}
				continue
			}
			if c.URL == "" || c.Source == "" || names[c.Source] {
				// A name taken by another URL: the source would overwrite, or be shadowed
				// by, the one that has it. Source names hash the URL, so this is all but
				// impossible; it is refused rather than risked.
				out[i] = watcher.Outcome{Source: c.Source}
				continue
			}
			if err := putJSON(cov, []byte(c.URL), c); err != nil {
				return err
			}
			a := watcher.Added{Name: c.Source, URL: c.URL, Lang: c.Lang, Time: c.Found.UTC(), Origin: watcher.OriginDiscovered}
			if err := putJSON(added, []byte(a.Name), a); err != nil {
				return err
			}
			if d.Event.ID != "" {
				if err := putEvent(tx, d.Event); err != nil {
					return err
				}
			}
			if err := queue(tx, d.Deliveries); err != nil {
				return err
			}
			byURL[c.URL], names[c.Source] = c.Source, true
			out[i] = watcher.Outcome{New: true, Source: c.Source}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: record coverage: %w", err)
	}
	return out, nil
}

// watchedURLs returns every URL the watch list has or had, canonical, with the name of its
// source, and the source names in use.
func watchedURLs(tx *bbolt.Tx, known []watcher.Source, canonical func(string) string) (map[string]string, map[string]bool, error) {
	byURL, names := map[string]string{}, map[string]bool{}
	note := func(name, u string) {
		names[name] = true
		if c := canonical(u); c != "" {
			if _, ok := byURL[c]; !ok {
				byURL[c] = name
			}
		}
	}
	for _, k := range known {
		note(k.Name, k.URL)
	}
	err := eachJSON(tx.Bucket(bAdded), func(a watcher.Added) { note(a.Name, a.URL) })
	if err != nil {
		return nil, nil, err
	}
	if err := eachJSON(tx.Bucket(bCoverage), func(c watcher.Coverage) { note(c.Source, c.URL) }); err != nil {
		return nil, nil, err
	}
	// An article that moved is watched at its new URL too (State.MovedTo): found there, it
	// is the same article. Only that field of each state is decoded.
	err = tx.Bucket(bStates).ForEach(func(k, v []byte) error {
		var e struct {
			State struct {
				MovedTo string `json:"moved_to"`
			} `json:"state"`
		}
		if cbor.Unmarshal(v, &e) == nil && e.State.MovedTo != "" {
			note(string(k), e.State.MovedTo)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	// A source added from the CLI and then removed left its name only, as a tombstone;
	// its URL is in its events. The events are read only when there is such a name.
	lost := map[string]bool{}
	err = tx.Bucket(bRemoved).ForEach(func(k, _ []byte) error {
		if !names[string(k)] {
			lost[string(k)] = true
		}
		names[string(k)] = true
		return nil
	})
	if err != nil || len(lost) == 0 {
		return byURL, names, err
	}
	err = tx.Bucket(bEvents).ForEach(func(_, v []byte) error {
		var e struct {
			Source watcher.EventSource `json:"source"`
		}
		if json.Unmarshal(v, &e) == nil && lost[e.Source.Name] {
			note(e.Source.Name, e.Source.URL)
		}
		return nil
	})
	return byURL, names, err
}

// Coverage lists the articles coverage discovery has added, removed since or not, by URL.
func (s *Store) Coverage() ([]watcher.Coverage, error) {
	var out []watcher.Coverage
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bCoverage)
		if b == nil { // a database of an older hanoiwatch, opened read-only
			return nil
		}
		return eachJSON(b, func(c watcher.Coverage) { out = append(out, c) })
	})
	return out, err
}
