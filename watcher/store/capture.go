package store

// Captures: the responses as served that back snapshots and article.gone events (see
// watcher.Capture). Layout, next to store.go's:
//
//	captures   <name>/ <snapshot seq><seq> → JSON Capture, without its body
//	bodies     <sha256> → zstd(body), once per distinct body
//	bodyrefs   <sha256> → count of captures that hold it (uint64)
//
// A capture's key starts with the sequence number of the snapshot entry it backs (the new
// snapshot, or the latest one for article.gone), so that retention, which drops snapshot
// entries, drops their captures with a prefix scan; a body goes with its last capture.
// Bodies are compressed with zstd: on the 25 real pages of the corpus its default level is
// 0.98 of gzip -6's size at four times the speed (gzip -6 would cost a third more CPU in
// the side-by-side benchmark's real10 round, BestSpeed 1.18 of the size).

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

var (
	bCaptures = []byte("captures")
	bBodies   = []byte("bodies")
	bBodyRefs = []byte("bodyrefs")
)

// The codecs are made on first use, so that a process that never captures does not hold
// their tables, and shared: each encoder and decoder state holds a few megabytes. One of
// each suffices: captures are made a few a minute, and an export reads one at a time.
var (
	codecOnce sync.Once
	zenc      *zstd.Encoder
	zdec      *zstd.Decoder
)

func codecs() (*zstd.Encoder, *zstd.Decoder) {
	codecOnce.Do(func() {
		var err error
		zenc, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
		if err != nil {
			panic(err) // options fixed above: cannot fail
		}
		zdec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			panic(err)
		}
	})
	return zenc, zdec
}

// CompressBody compresses a capture's body as both drivers store it (zstd). Record calls
// it before its transaction, so that the commit other checks wait on does not include it.
func CompressBody(body []byte) []byte {
	enc, _ := codecs()
	return enc.EncodeAll(body, make([]byte, 0, len(body)/4))
}

// putCapture stores a capture in tx under the source's latest snapshot entry, and its body
// unless another capture holds the same one. z is the compressed body.
func putCapture(tx *bbolt.Tx, c *watcher.Capture, z []byte) error {
	src := sourceBucket(tx, c.Source)
	if src == nil {
		return fmt.Errorf("capture of %s: the source has no snapshot", c.Source)
	}
	snapSeq := src.Bucket(bSnaps).Sequence() // the latest entry: retention always keeps it
	b, err := tx.Bucket(bCaptures).CreateBucketIfNotExists([]byte(c.Source))
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	sum, err := hex.DecodeString(c.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return fmt.Errorf("capture of %s: bad sha256 %q", c.Source, c.SHA256)
	}
	if err := putJSON(b, binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, snapSeq), seq), c); err != nil {
		return err
	}
	refs := tx.Bucket(bBodyRefs)
	n := uint64(0)
	if v := refs.Get(sum); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	} else if err := tx.Bucket(bBodies).Put(sum, z); err != nil {
		return err
	}
	return refs.Put(sum, binary.BigEndian.AppendUint64(nil, n+1))
}

// dropCaptures deletes the captures of one snapshot entry (its key in the source's
// snapshots bucket), and the bodies no capture holds any more.
func dropCaptures(tx *bbolt.Tx, source string, snapKey []byte) error {
	b := tx.Bucket(bCaptures).Bucket([]byte(source))
	if b == nil {
		return nil
	}
	var keys [][]byte
	var sums []string
	c := b.Cursor()
	for k, v := c.Seek(snapKey); k != nil && bytes.HasPrefix(k, snapKey); k, v = c.Next() {
		var m struct {
			SHA256 string `json:"sha256"`
		}
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("capture %x of %s: %w", k, source, err)
		}
		keys, sums = append(keys, bytes.Clone(k)), append(sums, m.SHA256)
	}
	for i, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
		if err := unref(tx, sums[i]); err != nil {
			return err
		}
	}
	return nil
}

// unref counts one capture less for a body, and deletes the body with its last capture.
func unref(tx *bbolt.Tx, sha string) error {
	sum, err := hex.DecodeString(sha)
	if err != nil {
		return fmt.Errorf("capture: bad sha256 %q", sha)
	}
	refs := tx.Bucket(bBodyRefs)
	v := refs.Get(sum)
	if len(v) != 8 {
		return nil
	}
	if n := binary.BigEndian.Uint64(v); n > 1 {
		return refs.Put(sum, binary.BigEndian.AppendUint64(nil, n-1))
	}
	if err := refs.Delete(sum); err != nil {
		return err
	}
	return tx.Bucket(bBodies).Delete(sum)
}

// Captures lists a source's captures without their bodies, oldest first.
func (s *Store) Captures(source string) ([]watcher.Capture, error) {
	var out []watcher.Capture
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := captureBucket(tx, source)
		if b == nil {
			return nil
		}
		return eachJSON(b, func(c watcher.Capture) { out = append(out, c) })
	})
	return out, err
}

// Body returns the body of a capture, named by its SHA-256 (hex).
func (s *Store) Body(sha string) ([]byte, error) {
	sum, err := hex.DecodeString(sha)
	if err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("capture %q: %w", sha, watcher.ErrNotFound)
	}
	var z []byte
	err = s.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bBodies); b != nil {
			z = bytes.Clone(b.Get(sum))
		}
		if z == nil {
			return fmt.Errorf("capture %s: %w", sha, watcher.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return DecompressBody(sha, z, nil)
}

// DecompressBody decodes a stored body into dst's memory (nil: new memory) and checks it
// against its hash: a body that does not match is damage, never evidence.
func DecompressBody(sha string, z, dst []byte) ([]byte, error) {
	_, dec := codecs()
	body, err := dec.DecodeAll(z, dst[:0])
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", sha, err)
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != sha {
		return nil, fmt.Errorf("capture %s: the stored body does not match its SHA-256 (damaged database)", sha)
	}
	return body, nil
}

func captureBucket(tx *bbolt.Tx, source string) *bbolt.Bucket {
	b := tx.Bucket(bCaptures)
	if b == nil { // a read-only file that no writer has opened since captures came in
		return nil
	}
	return b.Bucket([]byte(source))
}
