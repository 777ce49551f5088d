package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"hanoiwatch/watcher"
)

// The Wayback Machine's queue: a job is written in the transaction of the check that
// found its version, and deleted in the transaction that records its article.archived
// event and that event's deliveries.

// putArchive queues a check's archive jobs in tx. A job's Seq is its number, taken first
// since the stored job holds it.
func putArchive(ctx context.Context, tx pgx.Tx, jobs []watcher.ArchiveJob) error {
	for _, j := range jobs {
		if err := tx.QueryRow(ctx, "SELECT nextval(pg_get_serial_sequence('archive', 'seq'))").Scan(&j.Seq); err != nil {
			return err
		}
		if err := putJob(ctx, tx, j); err != nil {
			return err
		}
	}
	return nil
}

// putJob writes a job at its Seq, replacing the one there.
func putJob(ctx context.Context, tx pgx.Tx, j watcher.ArchiveJob) error {
	body, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO archive (seq, dead, next_attempt, body) VALUES ($1, $2, $3, $4)
		ON CONFLICT (seq) DO UPDATE SET dead = excluded.dead, next_attempt = excluded.next_attempt, body = excluded.body`,
		int64(j.Seq), j.Dead, nanos(j.NextAttempt), body)
	return err
}

// DueArchive returns the archive job to try next: of those due at now and not dead, the
// first queued. ok is false when none is due.
func (db *DB) DueArchive(now time.Time) (j watcher.ArchiveJob, ok bool, err error) {
	ctx, cancel := op()
	defer cancel()
	var body []byte
	err = db.pool.QueryRow(ctx, "SELECT body FROM archive WHERE NOT dead AND next_attempt <= $1 ORDER BY seq LIMIT 1",
		nanos(now)).Scan(&body)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return j, false, nil
	case err != nil:
		return j, false, db.wrap("archive queue", err)
	}
	if err := json.Unmarshal(body, &j); err != nil {
		return j, false, fmt.Errorf("archive job: %w", err)
	}
	return j, true, nil
}

// ArchiveJobs lists the archive jobs still queued, dead ones included, in queue order.
func (db *DB) ArchiveJobs() ([]watcher.ArchiveJob, error) {
	return queryJSON[watcher.ArchiveJob](db, "archive queue", "SELECT body FROM archive ORDER BY seq")
}

// UpdateArchive writes back a job after an attempt.
func (db *DB) UpdateArchive(j watcher.ArchiveJob) error {
	body, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return db.write("archive queue", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE archive SET dead = $2, next_attempt = $3, body = $4 WHERE seq = $1",
			int64(j.Seq), j.Dead, nanos(j.NextAttempt), body)
		if err == nil && tag.RowsAffected() == 0 {
			err = fmt.Errorf("archive job %d: %w", j.Seq, watcher.ErrNotFound)
		}
		return err
	})
}

// Archived records a job's success: its article.archived event and the event's deliveries
// are stored and the job leaves the queue, in one transaction.
func (db *DB) Archived(j watcher.ArchiveJob, ev watcher.Event, ds []watcher.Delivery) error {
	return db.write("archive queue", func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM archive WHERE seq = $1", int64(j.Seq)); err != nil {
			return err
		}
		if err := putEvents(ctx, tx, []watcher.Event{ev}); err != nil {
			return err
		}
		return queue(ctx, tx, ds)
	})
}
