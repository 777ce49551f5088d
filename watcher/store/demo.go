package store

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// keyDemo, in the meta bucket, marks a database made by `hanoiwatch demo`.
var keyDemo = []byte("demo")

// Demo is what a database made by `hanoiwatch demo` says of itself: its articles come
// from a news site the demo served on 127.0.0.1 with made-up edits, not from the sites
// their names suggest.
type Demo struct {
	Site    string       `json:"site"` // the demo's news site; gone once the demo ended
	Made    time.Time    `json:"made"`
	Sources []DemoSource `json:"sources"` // what the demo watched, as it fetched them
}

// DemoSource is one source the demo watched.
type DemoSource struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// MarkDemo records that the database is a demo one.
func (s *Store) MarkDemo(d Demo) error {
	return s.db.Update(func(tx *bbolt.Tx) error { return putJSON(tx.Bucket(bMeta), keyDemo, d) })
}

// Demo reports whether the database was made by `hanoiwatch demo`, and what the demo
// recorded then.
func (s *Store) Demo() (Demo, bool, error) {
	var d Demo
	found := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bMeta).Get(keyDemo)
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &d)
	})
	if err != nil {
		return Demo{}, false, fmt.Errorf("store: demo mark: %w", err)
	}
	return d, found, nil
}
