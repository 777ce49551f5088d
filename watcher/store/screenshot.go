package store

import (
	"fmt"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// bScreenshots holds a bucket per source of the images of its rendered snapshots, keyed by
// snapshot id: JPEGs as the browser made them (already compressed; gzip would gain nothing).
// They live apart from the sources' buckets so that the check path, which reads those,
// never maps pages of images, and an image is written and dropped (by retention, with its
// text) in the transaction of its snapshot. A text that comes back keeps the latest image.
var bScreenshots = []byte("screenshots")

func putScreenshot(tx *bbolt.Tx, source, id string, img []byte) error {
	b, err := tx.Bucket(bScreenshots).CreateBucketIfNotExists([]byte(source))
	if err != nil {
		return err
	}
	return b.Put([]byte(id), img)
}

func dropScreenshot(tx *bbolt.Tx, source, id string) error {
	b := tx.Bucket(bScreenshots).Bucket([]byte(source))
	if b == nil {
		return nil
	}
	return b.Delete([]byte(id))
}

// Screenshot returns the image (a JPEG) of a source's snapshot, or watcher.ErrNotFound when
// none was taken or it was dropped. The id is a full snapshot id.
func (s *Store) Screenshot(source, id string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		// A file opened read-only that an older version wrote has no such bucket.
		if root := tx.Bucket(bScreenshots); root != nil {
			if b := root.Bucket([]byte(source)); b != nil {
				if v := b.Get([]byte(id)); v != nil {
					out = append([]byte(nil), v...)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: screenshot %s/%s: %w", source, id, err)
	}
	if out == nil {
		return nil, fmt.Errorf("screenshot of %s %s: %w", source, id, watcher.ErrNotFound)
	}
	return out, nil
}
