// Package wayback submits new versions of the watched articles to the Internet Archive's
// Save Page Now, so that a third party holds its own copy of each version: it works through
// the queue of archive jobs the checks write to the database (watcher.ArchiveJob), one job
// at a time, and records each success as an article.archived event, routed and delivered
// like the others.
//
// Save Page Now's API (SPN2): POST /save with the form field url and the header "Authorization: LOW ACCESS:SECRET"
// answers {"url", "job_id"}; GET /save/status/JOB answers {"status": "pending"}, then
// {"status": "success", "timestamp", "original_url"} or {"status": "error", "status_ext",
// "message"}. It limits how many captures an account runs at once and per day, and
// answers 429 when asked too often.
package wayback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// Store is the queue and where successes are recorded.
type Store interface {
	DueArchive(now time.Time) (watcher.ArchiveJob, bool, error)
	UpdateArchive(j watcher.ArchiveJob) error
	Archived(j watcher.ArchiveJob, ev watcher.Event, ds []watcher.Delivery) error
}

// Options tune the pace; zero fields take the defaults.
type Options struct {
	Idle        time.Duration // how often an empty queue is looked at again; default 10 s
	Gap         time.Duration // least time between two submissions; default 10 s
	Poll        time.Duration // between two status requests of a running job; default 5 s
	JobTimeout  time.Duration // a job pending longer is abandoned and submitted again; default 15 min
	Backoff     time.Duration // wait after the first failure, doubled for each; default 1 min
	MaxBackoff  time.Duration // default 6 h
	MaxAttempts int           // failed submissions before a job is dead; default 12 (some 2.5 days)
	Timeout     time.Duration // per request; default 60 s (Save Page Now is slow to answer a submission)
}

// Archiver works through the queue.
type Archiver struct {
	Endpoint             string // https://web.archive.org
	AccessKey, SecretKey string
	Store                Store
	Router               watcher.Router // nil: the events go to no endpoint
	Client               *http.Client   // nil: a client of its own
	Options              Options
	Now                  func() time.Time
	Log                  *slog.Logger

	lastSave time.Time // the last submission, for Gap
	paused   time.Time // no request before this: the service asked to slow down (429)
}

func (a *Archiver) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Archiver) opts() Options {
	o := a.Options
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Idle, 10*time.Second)
	def(&o.Gap, 10*time.Second)
	def(&o.Poll, 5*time.Second)
	def(&o.JobTimeout, 15*time.Minute)
	def(&o.Backoff, time.Minute)
	def(&o.MaxBackoff, 6*time.Hour)
	def(&o.Timeout, 60*time.Second)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	return o
}

// Run works through the queue until ctx ends. A store error is logged and tried again
// later: the queue is durable, nothing is lost by waiting.
func (a *Archiver) Run(ctx context.Context) error {
	if a.Client == nil {
		a.Client = &http.Client{}
	}
	for {
		wait, err := a.Step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && a.Log != nil {
			a.Log.Error("wayback", "err", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// Step makes at most one request for the first job due, and returns how long to wait
// before the next step.
func (a *Archiver) Step(ctx context.Context) (time.Duration, error) {
	o := a.opts()
	now := a.now()
	if now.Before(a.paused) {
		return a.paused.Sub(now), nil
	}
	j, ok, err := a.Store.DueArchive(now)
	if err != nil || !ok {
		return o.Idle, err
	}
	if j.JobID == "" {
		if wait := a.lastSave.Add(o.Gap).Sub(now); wait > 0 {
			return wait, nil
		}
		a.lastSave = now
		return o.Poll, a.submit(ctx, o, j)
	}
	return min(o.Poll, o.Gap), a.poll(ctx, o, j)
}

// answer is what Save Page Now's two routes answer, both in one.
type answer struct {
	JobID       string `json:"job_id"`
	Status      string `json:"status"`
	StatusExt   string `json:"status_ext"`
	Message     string `json:"message"`
	Timestamp   string `json:"timestamp"`
	OriginalURL string `json:"original_url"`
}

func (a *Archiver) submit(ctx context.Context, o Options, j watcher.ArchiveJob) error {
	form := url.Values{"url": {j.URL}}
	res, err := a.do(ctx, o, http.MethodPost, "/save", strings.NewReader(form.Encode()))
	if err != nil {
		return a.failed(o, j, err)
	}
	if res.limited {
		return a.later(o, j, res.retryAfter)
	}
	if res.ans.JobID == "" {
		return a.failed(o, j, fmt.Errorf("save %s: %s", j.URL, res.problem()))
	}
	j.JobID, j.Polled, j.NextAttempt = res.ans.JobID, a.now(), a.now().Add(o.Poll)
	return a.Store.UpdateArchive(j)
}

func (a *Archiver) poll(ctx context.Context, o Options, j watcher.ArchiveJob) error {
	res, err := a.do(ctx, o, http.MethodGet, "/save/status/"+url.PathEscape(j.JobID), nil)
	if err != nil {
		// The job may well still run: ask again later, as after a pending answer.
		j.LastError, j.NextAttempt = err.Error(), a.now().Add(o.Poll)
		return errors.Join(err, a.Store.UpdateArchive(j))
	}
	if res.limited {
		return a.later(o, j, res.retryAfter)
	}
	switch res.ans.Status {
	case "success":
		return a.archived(j, res.ans)
	case "pending":
		if a.now().Sub(j.Polled) > o.JobTimeout {
			j.JobID = ""
			return a.failed(o, j, fmt.Errorf("save %s: job %s still pending after %s", j.URL, res.ans.JobID, o.JobTimeout))
		}
		j.NextAttempt = a.now().Add(o.Poll)
		return a.Store.UpdateArchive(j)
	}
	j.JobID = ""
	return a.failed(o, j, fmt.Errorf("save %s: %s", j.URL, res.problem()))
}

// archived records the copy as an article.archived event.
func (a *Archiver) archived(j watcher.ArchiveJob, ans answer) error {
	orig := ans.OriginalURL
	if orig == "" {
		orig = j.URL
	}
	copyURL := strings.TrimSuffix(a.Endpoint, "/") + "/web/" + ans.Timestamp + "/" + orig
	detail, err := json.Marshal(map[string]string{"archive_url": copyURL, "timestamp": ans.Timestamp, "job_id": j.JobID, "event": j.Event})
	if err != nil {
		return err
	}
	ev := watcher.Event{ID: watcher.EventID(watcher.ArticleArchived, j.Source, j.Event), Type: watcher.ArticleArchived,
		Time: a.now().UTC(), Source: watcher.EventSource{Name: j.Source, URL: j.URL}, Snapshot: j.Snapshot,
		Title: "Archived by the Wayback Machine: " + copyURL, Figures: []figures.Change{}, Detail: detail}
	if a.Log != nil {
		a.Log.Info("wayback: archived", "source", j.Source, "snapshot", j.Snapshot, "copy", copyURL)
	}
	return a.Store.Archived(j, ev, watcher.Deliveries(a.Router, ev))
}

// later puts a job back after a 429: the service asked the whole account to slow down,
// so no request at all goes out before the wait is over. It is not the job's failure.
func (a *Archiver) later(o Options, j watcher.ArchiveJob, retryAfter time.Duration) error {
	wait := max(retryAfter, o.Backoff)
	a.paused = a.now().Add(wait)
	j.NextAttempt, j.LastError = a.paused, fmt.Sprintf("rate limited by Save Page Now: waiting %s", wait)
	return a.Store.UpdateArchive(j)
}

// failed counts a failed submission: the job is tried again after a backoff, or is dead
// once its attempts have run out.
func (a *Archiver) failed(o Options, j watcher.ArchiveJob, cause error) error {
	j.Attempts++
	j.LastError = cause.Error()
	if j.Attempts >= o.MaxAttempts {
		j.Dead = true
	}
	d := o.Backoff
	for i := 1; i < j.Attempts && d < o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.MaxBackoff)
	// Equal jitter: jobs that failed together do not come back together.
	j.NextAttempt = a.now().Add(d/2 + rand.N(d/2+1))
	if a.Log != nil {
		a.Log.Warn("wayback: failed", "source", j.Source, "url", j.URL, "attempts", j.Attempts, "dead", j.Dead, "err", cause)
	}
	return a.Store.UpdateArchive(j)
}

type result struct {
	ans        answer
	status     int
	limited    bool
	retryAfter time.Duration
}

func (r result) problem() string {
	switch {
	case r.ans.Message != "" || r.ans.StatusExt != "":
		return strings.TrimSpace(r.ans.StatusExt + " " + r.ans.Message)
	case r.status != http.StatusOK:
		return fmt.Sprintf("HTTP %d %s", r.status, http.StatusText(r.status))
	}
	return "no job id in the answer"
}

// do makes one request to Save Page Now. The keys go in the header and never into an
// error message.
func (a *Archiver) do(ctx context.Context, o Options, method, path string, body io.Reader) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(a.Endpoint, "/")+path, body)
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "LOW "+a.AccessKey+":"+a.SecretKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := a.Client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return result{}, fmt.Errorf("wayback: save page now %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	r := result{status: res.StatusCode}
	if res.StatusCode == http.StatusTooManyRequests {
		r.limited = true
		if n, err := strconv.Atoi(strings.TrimSpace(res.Header.Get("Retry-After"))); err == nil && n > 0 {
			r.retryAfter = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(res.Header.Get("Retry-After")); err == nil {
			r.retryAfter = time.Until(t)
		}
		return r, nil
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return r, fmt.Errorf("wayback: save page now %s %s: %w", method, path, err)
	}
	if json.Unmarshal(data, &r.ans) != nil && res.StatusCode == http.StatusOK {
		return r, fmt.Errorf("wayback: save page now %s %s: the answer is not JSON", method, path)
	}
	return r, nil
}
