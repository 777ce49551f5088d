package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

// streamBatch is how many entries a streaming read (EachCapture, EachEvent) takes per read
// transaction. Between two, the file's mapped pages are released (see release): an export
// reads the whole file, and pages once read would otherwise stay in its resident memory.
const streamBatch = 32

// Names lists the sources that have history in the database (snapshots, checks or
// captures), by name, watched now or not.
func (s *Store) Names() ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bSources, bCaptures} {
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			if err := b.ForEachBucket(func(k []byte) error {
				if !seen[string(k)] {
					seen[string(k)] = true
					out = append(out, string(k))
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// EachCapture calls fn with each capture that keep accepts (nil: all), its body read and
// checked against its hash: source by source, oldest first within each. It reads a few
// captures at a time, so its memory does not grow with the database. fn must not keep
// the capture's Body after it returns.
func (s *Store) EachCapture(keep func(*watcher.Capture) bool, fn func(watcher.Capture) error) error {
	names, err := s.Names()
	if err != nil {
		return err
	}
	var buf []byte // the bodies' memory, reused: fn does not keep them
	for _, name := range names {
		var after []byte // the last key read
		for more := true; more; {
			var batch []watcher.Capture
			var zs [][]byte
			err := s.db.View(func(tx *bbolt.Tx) error {
				b := captureBucket(tx, name)
				more = false
				if b == nil {
					return nil
				}
				c := b.Cursor()
				k, v := c.First()
				if after != nil {
					if k, v = c.Seek(after); bytes.Equal(k, after) {
						k, v = c.Next()
					}
				}
				for ; k != nil; k, v = c.Next() {
					if len(batch) == streamBatch {
						more = true
						return nil
					}
					after = bytes.Clone(k)
					var cp watcher.Capture
					if err := json.Unmarshal(v, &cp); err != nil {
						return fmt.Errorf("capture %x of %s: %w", k, name, err)
					}
					if keep != nil && !keep(&cp) {
						continue
					}
					sum, err := hex.DecodeString(cp.SHA256)
					if err != nil {
						return fmt.Errorf("capture %x of %s: bad sha256 %q", k, name, cp.SHA256)
					}
					z := tx.Bucket(bBodies).Get(sum)
					if z == nil {
						return fmt.Errorf("capture %x of %s: body %s: %w", k, name, cp.SHA256, watcher.ErrNotFound)
					}
					batch, zs = append(batch, cp), append(zs, bytes.Clone(z))
				}
				return nil
			})
			s.release() // a failure only leaves the pages mapped
			if err != nil {
				return err
			}
			for i, cp := range batch {
				body, err := DecompressBody(cp.SHA256, zs[i], buf)
				if err != nil {
					return fmt.Errorf("capture of %s at %s: %w", name, cp.Time.Format("2006-01-02T15:04:05Z07:00"), err)
				}
				zs[i], buf = nil, body
				cp.Body = body
				if err := fn(cp); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// EachEvent calls fn with each stored event, oldest first, reading a few at a time so that
// its memory does not grow with the database.
func (s *Store) EachEvent(fn func(watcher.Event) error) error {
	var after []byte
	for more := true; more; {
		var batch []watcher.Event
		err := s.db.View(func(tx *bbolt.Tx) error {
			more = false
			c := tx.Bucket(bEvents).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for ; k != nil; k, v = c.Next() {
				if len(batch) == streamBatch {
					more = true
					return nil
				}
				after = bytes.Clone(k)
				var e watcher.Event
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("event %x: %w", k, err)
				}
				batch = append(batch, e)
			}
			return nil
		})
		s.release() // a failure only leaves the pages mapped
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}
