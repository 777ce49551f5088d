package store

import (
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// A schema-5 file numbered its dead deliveries apart from their queues: Open renumbers them
// from their endpoint's queue, in their order, so that a dump keys each delivery once.
func TestUpgradeSchema5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	owe(t, s, "vtv", 3, "hook")
	// Two dead deliveries as schema 5 numbered them: 1 and 2, as the queue's first two.
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.Bucket(bDead).CreateBucketIfNotExists([]byte("hook"))
		if err != nil {
			return err
		}
		for i, id := range []string{"old-b@hook", "old-a@hook"} {
			if err := putJSON(b, be8(uint64(i+1)), watcher.Delivery{ID: id, Endpoint: "hook", State: watcher.DeliveryDead}); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put([]byte("schema"), []byte("5"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path, Options{})
	if got := ids(list(t, s, watcher.DeliveryDead)); got != "old-b@hook old-a@hook" {
		t.Errorf("dead after the upgrade: %s", got)
	}
	var keys []string
	if err := s.Dump(ItemDelivery, nil, func(it Item) error {
		keys = append(keys, it.Key[len(it.Key)-1:])
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys, " "); got != "1 2 3 4 5" {
		t.Errorf("the deliveries' keys after the upgrade: %s, want 1 to 5 (the queue's 3, then the dead 2)", got)
	}
	// A delivery buried now takes the queue's next number.
	d, _ := head(t, s, "hook", t0)
	if err := s.Dead(d); err != nil {
		t.Fatal(err)
	}
	var last Item
	if err := s.Dump(ItemDelivery, nil, func(it Item) error { last = it; return nil }); err != nil {
		t.Fatal(err)
	}
	if last.Key != SeqKey(6) || !strings.Contains(string(last.Value), d.ID) {
		t.Errorf("the last delivery after Dead: %s %s", last, last.Value)
	}
}
