package watcher

import "time"

// ArchiveJob is a version's URL owed to the Wayback Machine (Save Page Now), queued in
// the database with the check that found the version, so that it survives restarts, and
// submitted by the daemon in the background (see package wayback), never holding up checks.
type ArchiveJob struct {
	Seq         uint64    `json:"seq"`   // its place in the queue, set by the store
	Event       string    `json:"event"` // the id of the article.new or article.changed it archives
	Source      string    `json:"source"`
	URL         string    `json:"url"`
	Snapshot    string    `json:"snapshot"`
	Created     time.Time `json:"created"`
	Attempts    int       `json:"attempts"`         // failed submissions so far
	NextAttempt time.Time `json:"next_attempt"`     // not tried before
	JobID       string    `json:"job_id,omitempty"` // Save Page Now's job, once submitted and while it runs
	Polled      time.Time `json:"polled,omitzero"`  // when the job was submitted, for its time limit
	LastError   string    `json:"last_error,omitempty"`
	Dead        bool      `json:"dead,omitempty"` // the attempts ran out: kept for the operator, no longer tried
}

// queueArchive queues the URL of each new version for the Wayback Machine when the
// watcher archives (Watcher.Archive).
func (c *checkRun) queueArchive() {
	if !c.w.Archive {
		return
	}
	for _, e := range c.rec.Events {
		if (e.Type == ArticleNew || e.Type == ArticleChanged) && e.Snapshot != "" {
			c.rec.Archive = append(c.rec.Archive, ArchiveJob{Event: e.ID, Source: c.src.Name, URL: c.src.URL,
				Snapshot: e.Snapshot, Created: c.rec.Check.Time, NextAttempt: c.rec.Check.Time})
		}
	}
}
