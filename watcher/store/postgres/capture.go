package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// Captures: the responses as served that back snapshots and article.gone events. A
// capture belongs to the snapshot entry that was its source's latest when it was made
// (snap_seq), and goes with it when retention drops it; a body is stored once per SHA-256
// with the count of captures that hold it, and goes with its last capture.
//
// Bodies are compressed with zstd by the daemon, and the server is told not to compress
// them again (STORAGE EXTERNAL). Left to the server (TOAST's pglz), the corpus's real
// pages (220 KB on average) took 72 KB each and a capture cost 1.1 ms of the daemon's CPU
// and 3.2 ms of the server's; with zstd, 45 KB, 1.3 to 1.8 ms and 0.3 to 0.4 ms: half the
// CPU in all (BenchmarkRecordCapture, medians of 3 in two runs).

// putCapture stores a capture in tx under the source's latest snapshot entry, and its body
// (z, compressed) unless another capture holds the same one.
func putCapture(ctx context.Context, tx pgx.Tx, c *watcher.Capture, z []byte) error {
	sum, err := hex.DecodeString(c.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return fmt.Errorf("capture of %s: bad sha256 %q", c.Source, c.SHA256)
	}
	var snap *int64
	if err := tx.QueryRow(ctx, "SELECT max(seq) FROM snapshots WHERE source = $1", c.Source).Scan(&snap); err != nil {
		return err
	}
	if snap == nil {
		return fmt.Errorf("capture of %s: the source has no snapshot", c.Source)
	}
	meta, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO captures (source, snap_seq, sha, body) VALUES ($1, $2, $3, $4)",
		c.Source, *snap, sum, meta); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO bodies (sha, refs, body) VALUES ($1, 1, $2)
		ON CONFLICT (sha) DO UPDATE SET refs = bodies.refs + 1`, sum, z)
	return err
}

// unref counts one capture less for each body of shas (one entry per capture dropped),
// and deletes the bodies no capture holds any more.
func unref(ctx context.Context, tx pgx.Tx, shas [][]byte) error {
	for _, sum := range shas {
		if _, err := tx.Exec(ctx, "UPDATE bodies SET refs = refs - 1 WHERE sha = $1", sum); err != nil {
			return err
		}
	}
	if len(shas) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, "DELETE FROM bodies WHERE sha = ANY($1) AND refs <= 0", shas)
	return err
}

// Captures lists a source's captures without their bodies, oldest first.
func (db *DB) Captures(source string) ([]watcher.Capture, error) {
	return queryJSON[watcher.Capture](db, "captures of "+source, "SELECT body FROM captures WHERE source = $1 ORDER BY seq", source)
}

// Body returns the body of a capture, named by its SHA-256 (hex), checked against it.
func (db *DB) Body(sha string) ([]byte, error) {
	sum, err := hex.DecodeString(sha)
	if err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("capture %q: %w", sha, watcher.ErrNotFound)
	}
	ctx, cancel := op()
	defer cancel()
	var z []byte
	err = db.pool.QueryRow(ctx, "SELECT body FROM bodies WHERE sha = $1", sum).Scan(&z)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("capture %s: %w", sha, watcher.ErrNotFound)
	}
	if err != nil {
		return nil, db.wrap("capture "+sha, err)
	}
	return store.DecompressBody(sha, z, nil)
}

// captureBatch is how many captures EachCapture reads per query: their bodies are pages,
// up to the fetcher's cap each.
const captureBatch = 32

// EachCapture calls fn with each capture that keep accepts (nil: all), its body read and
// checked against its hash: source by source, oldest first within each. It reads a few
// captures at a time, so its memory does not grow with the database. fn must not keep
// the capture's Body after it returns.
func (db *DB) EachCapture(keep func(*watcher.Capture) bool, fn func(watcher.Capture) error) error {
	after := struct {
		source string
		seq    int64
	}{"", 0}
	for {
		type row struct {
			source string
			seq    int64
			meta   []byte
		}
		// The captures' metadata first, then the bodies of those kept: a capture that
		// keep refuses costs no body.
		var batch []row
		err := func() error {
			ctx, cancel := op()
			defer cancel()
			rows, _ := db.pool.Query(ctx, `SELECT source, seq, body FROM captures WHERE (source, seq) > ($1, $2)
				ORDER BY source, seq LIMIT $3`, after.source, after.seq, captureBatch)
			var err error
			batch, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (x row, err error) {
				err = r.Scan(&x.source, &x.seq, &x.meta)
				return x, err
			})
			return err
		}()
		if err != nil {
			return db.wrap("captures", err)
		}
		for _, x := range batch {
			after.source, after.seq = x.source, x.seq
			var cp watcher.Capture
			if err := json.Unmarshal(x.meta, &cp); err != nil {
				return fmt.Errorf("capture %d of %s: %w", x.seq, x.source, err)
			}
			if keep != nil && !keep(&cp) {
				continue
			}
			body, err := db.Body(cp.SHA256)
			if err != nil {
				return fmt.Errorf("capture of %s at %s: %w", x.source, cp.Time.Format("2006-01-02T15:04:05Z07:00"), err)
			}
			cp.Body = body
			if err := fn(cp); err != nil {
				return err
			}
		}
		if len(batch) < captureBatch {
			return nil
		}
	}
}

// Screenshot returns the image (a JPEG) of a source's snapshot, or watcher.ErrNotFound when
// none was taken or it was dropped. The id is a full snapshot id.
func (db *DB) Screenshot(source, id string) ([]byte, error) {
	ctx, cancel := op()
	defer cancel()
	var img []byte
	err := db.pool.QueryRow(ctx, "SELECT image FROM screenshots WHERE source = $1 AND id = $2", source, id).Scan(&img)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("screenshot of %s %s: %w", source, id, watcher.ErrNotFound)
	}
	return img, db.wrap("screenshot "+source+"/"+id, err)
}
