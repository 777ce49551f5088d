package store

// The Wayback Machine's queue (see watcher.ArchiveJob), next to store.go's layout:
//
//	archive    <seq> → JSON ArchiveJob, in the order the versions were found
//
// A job is written in the transaction of the check that found its version, and deleted in
// the transaction that records its article.archived event and that event's deliveries.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

var bArchive = []byte("archive")

// putArchive queues a check's archive jobs in tx.
func putArchive(tx *bbolt.Tx, jobs []watcher.ArchiveJob) error {
	b := tx.Bucket(bArchive)
	for _, j := range jobs {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		j.Seq = seq
		if err := putJSON(b, binary.BigEndian.AppendUint64(nil, seq), j); err != nil {
			return err
		}
	}
	return nil
}

// DueArchive returns the archive job to try next: of those due at now and not dead, the
// first queued. ok is false when none is due.
func (s *Store) DueArchive(now time.Time) (j watcher.ArchiveJob, ok bool, err error) {
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bArchive)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var x watcher.ArchiveJob
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("archive job %x: %w", k, err)
			}
			if !x.Dead && !x.NextAttempt.After(now) {
				j, ok = x, true
				return nil
			}
		}
		return nil
	})
	return j, ok, err
}

// ArchiveJobs lists the archive jobs still queued, dead ones included, in queue order.
func (s *Store) ArchiveJobs() ([]watcher.ArchiveJob, error) {
	var out []watcher.ArchiveJob
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bArchive)
		if b == nil {
			return nil
		}
		return eachJSON(b, func(j watcher.ArchiveJob) { out = append(out, j) })
	})
	return out, err
}

// UpdateArchive writes back a job after an attempt.
func (s *Store) UpdateArchive(j watcher.ArchiveJob) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bArchive)
		k := binary.BigEndian.AppendUint64(nil, j.Seq)
		if b.Get(k) == nil {
			return fmt.Errorf("archive job %d: %w", j.Seq, watcher.ErrNotFound)
		}
		return putJSON(b, k, j)
	})
}

// Archived records a job's success: its article.archived event and the event's deliveries
// are stored and the job leaves the queue, in one transaction.
func (s *Store) Archived(j watcher.ArchiveJob, ev watcher.Event, ds []watcher.Delivery) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bArchive).Delete(binary.BigEndian.AppendUint64(nil, j.Seq)); err != nil {
			return err
		}
		if err := putEvent(tx, ev); err != nil {
			return err
		}
		return queue(tx, ds)
	})
}
