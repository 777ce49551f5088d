package store

import (
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// bFigures holds each source's figure history (a figures.Ledger, JSON) under its name. It
// is written with the record of the check that made a new snapshot, in the same
// transaction, so that the snapshot and time where a value first appeared are recorded
// when it appears: retention may drop that snapshot later, the history keeps it.
var bFigures = []byte("figures")

// putLedger stores a source's figure history.
func putLedger(tx *bbolt.Tx, source string, l *figures.Ledger) error {
	b, err := tx.CreateBucketIfNotExists(bFigures)
	if err != nil {
		return err
	}
	return putJSON(b, []byte(source), l)
}

// Ledger returns a source's figure history as recorded check by check, and false when none
// was recorded (a database older than the ledger, or a source never checked since).
func (s *Store) Ledger(source string) (figures.Ledger, bool, error) {
	var l figures.Ledger
	found := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bFigures)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(source))
		if v == nil {
			return nil
		}
		found = true
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("store: figures of %s: %w", source, err)
		}
		return nil
	})
	return l, found, err
}

// The store keeps the figure history the watcher extends.
var _ watcher.Ledgers = (*Store)(nil)
