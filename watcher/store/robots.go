package store

import (
	"bytes"

	"go.etcd.io/bbolt"
)

// The fetcher keeps the sites' robots.txt answers here, so that a `check` run from cron
// does not ask every site for its robots.txt again. Layout, next to the buckets listed in
// the package comment:
//
//	robots  <origin, scheme://host> → the fetcher's entry, opaque here (it says itself when it expires)
//
// The bucket is made by the first write: files without it read as holding no answers.
var bRobots = []byte("robots")

// Robots returns the entry kept for the origin, nil when there is none.
func (s *Store) Robots(origin string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bRobots); b != nil {
			out = bytes.Clone(b.Get([]byte(origin)))
		}
		return nil
	})
	return out, err
}

// PutRobots keeps the entry for the origin, replacing the one before. A read-only store
// keeps nothing: `serve` fetches nothing either.
func (s *Store) PutRobots(origin string, entry []byte) error {
	if s.ro {
		return nil
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bRobots)
		if err != nil {
			return err
		}
		return b.Put([]byte(origin), entry)
	})
}
