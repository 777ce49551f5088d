package store

import (
	"fmt"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// queue appends deliveries to their endpoints' queues, inside the transaction that
// records the events.
func queue(tx *bbolt.Tx, ds []watcher.Delivery) error {
	for _, d := range ds {
		b, err := tx.Bucket(bOutbox).CreateBucketIfNotExists([]byte(d.Endpoint))
		if err != nil {
			return fmt.Errorf("outbox %s: %w", d.Endpoint, err)
		}
		if err := appendJSON(b, d); err != nil {
			return err
		}
	}
	return nil
}
