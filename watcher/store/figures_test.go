package store

import (
	"path/filepath"
	"testing"
	"time"

	"hanoiwatch/diff/figures"
)

// TestLedger: a record's figure history is written with its snapshot and read back, also
// from a read-only store; a source without one, and a file without the bucket, have none.
func TestLedger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	if _, found, err := s.Ledger("vtv"); found || err != nil {
		t.Fatalf("empty store: found %v, %v", found, err)
	}
	t0 := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	r := changed("vtv", "Titre\n65 pays ont signé.", t0)
	r.Figures = &figures.Ledger{Series: []figures.Series{{Subject: "pays", Key: "signatories",
		History: []figures.Point{{Value: 65, Snapshot: r.Snapshot.ID, Time: t0}}}}, Live: []int{0}}
	if err := s.Record(r); err != nil {
		t.Fatal(err)
	}
	record(t, s, "nhandan", "Titre\n2 500 délégués.", t0) // a record without a history keeps none
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro := open(t, path, Options{ReadOnly: true})
	l, found, err := ro.Ledger("vtv")
	if err != nil || !found || len(l.Series) != 1 || l.Series[0].History[0].Snapshot != r.Snapshot.ID || l.Live[0] != 0 {
		t.Fatalf("vtv: %+v, found %v, %v", l, found, err)
	}
	if _, found, err := ro.Ledger("nhandan"); found || err != nil {
		t.Fatalf("nhandan: found %v, %v", found, err)
	}
}
