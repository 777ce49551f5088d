package store

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
	"go.etcd.io/bbolt"

	"hanoiwatch/diff/figures"
)

// Figures followed through the snapshots. Layout, next to the buckets listed in the
// package comment:
//
//	figures  <name> → CBOR figures.Track, the source's figures after its latest snapshot
//
// Written with each snapshot (Record.Figures), never dropped by retention: a figure's
// history, the values it took and the snapshot where each first appeared, outlives the
// snapshots themselves, and the figures board reads one value per source instead of
// extracting every text.
var bFigures = []byte("figures")

// Figures returns the source's figures followed through its snapshots; the zero Track when
// none is recorded (a source never stored, or one from before schema 4).
func (s *Store) Figures(source string) (figures.Track, error) {
	var t figures.Track
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bFigures)
		if b == nil { // a read-only file of an older schema
			return nil
		}
		v := b.Get([]byte(source))
		if v == nil {
			return nil
		}
		if err := cbor.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("store: figures of %s: %w", source, err)
		}
		return nil
	})
	return t, err
}

func putFigures(tx *bbolt.Tx, source string, t *figures.Track) error {
	if t == nil {
		return nil
	}
	// CBOR, as the states: the figures board reads one track per source.
	v, err := stateEnc.Marshal(t)
	if err != nil {
		return err
	}
	return tx.Bucket(bFigures).Put([]byte(source), v)
}
