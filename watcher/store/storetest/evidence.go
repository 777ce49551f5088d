package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// capture is the response as served behind record r (its snapshot's, or the latest one's
// for article.gone).
func capture(r watcher.Record, body []byte) *watcher.Capture {
	sum := sha256.Sum256(body)
	snap, ev := r.Check.Snapshot, ""
	if r.Snapshot != nil {
		snap = r.Snapshot.ID
	}
	if len(r.Events) > 0 {
		ev = r.Events[0].Type
	}
	when := r.Check.Time
	return &watcher.Capture{Time: when, Source: r.Source, URL: "https://news.example/" + r.Source, Snapshot: snap, Event: ev,
		Exchanges: []watcher.Exchange{{Time: when, Method: http.MethodGet, URL: "https://news.example/" + r.Source,
			Request: http.Header{"User-Agent": {"hanoiwatch"}}, Proto: "HTTP/1.1", Status: r.Check.Status,
			Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Date": {when.Format(http.TimeFormat)}}}},
		SHA256: hex.EncodeToString(sum[:]), Size: len(body), Body: body}
}

// bodiless is c as listed: without its body.
func bodiless(c *watcher.Capture) watcher.Capture {
	x := *c
	x.Body = nil
	return x
}

// Captures are listed without their bodies, oldest first; a body is stored once however
// many captures hold it, and kept while one does; Body checks its name.
func testCaptures(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	page := []byte("<html><p>65 pays</p></html>")
	r1 := changed("x", text(65), at(0))
	r1.Capture = capture(r1, page)
	record(t, db, r1)
	r2 := changed("y", text(65), at(1)) // the same page served for another source
	r2.Capture = capture(r2, page)
	record(t, db, r2)
	gone := watcher.Record{Source: "x", Check: watcher.Check{Time: at(2), Status: 404, Result: watcher.ResultGone, Snapshot: r1.Snapshot.ID},
		State:  watcher.State{Snapshot: r1.Snapshot.ID, Status: watcher.StatusGone, LastCheck: at(2)},
		Events: []watcher.Event{event(watcher.ArticleGone, "x", at(2), "")}}
	gone.Capture = capture(gone, []byte("<html>Not found</html>"))
	record(t, db, gone)
	db = reopen(t, s, db, store.Options{})
	caps, err := db.Captures("x")
	must(t, err)
	same(t, "Captures of x", caps, []watcher.Capture{bodiless(r1.Capture), bodiless(gone.Capture)})
	if caps, err := db.Captures("nobody"); err != nil || len(caps) != 0 {
		t.Errorf("Captures of a source never captured = %v, %v", caps, err)
	}
	for _, c := range []*watcher.Capture{r1.Capture, gone.Capture} {
		if body, err := db.Body(c.SHA256); err != nil || string(body) != string(c.Body) {
			t.Errorf("Body(%s) = %q, %v; want %q", c.SHA256, body, err, c.Body)
		}
	}
	_, err = db.Body(strings.Repeat("0", 64))
	notFound(t, "Body of an unknown sha256", err)
	_, err = db.Body("not-a-sha")
	notFound(t, "Body of a malformed sha256", err)
}

// EachCapture streams the captures keep accepts, with their bodies, source by source and
// oldest first within each, however many there are.
func testEachCapture(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	var want []string
	for i := range 70 {
		src := []string{"a", "b"}[i/40] // 40 of a, then 30 of b
		r := changed(src, text(i), at(i))
		r.Capture = capture(r, []byte(fmt.Sprintf("<html>%d</html>", i%50))) // some bodies are shared
		record(t, db, r)
		want = append(want, fmt.Sprintf("%s %d <html>%d</html>", src, i, i%50))
	}
	var got []string
	must(t, db.EachCapture(nil, func(c watcher.Capture) error {
		got = append(got, fmt.Sprintf("%s %d %s", c.Source, int(c.Time.Sub(t0)/time.Minute), c.Body))
		return nil
	}))
	same(t, "EachCapture", got, want)
	got = nil
	must(t, db.EachCapture(func(c *watcher.Capture) bool { return c.Source == "b" && c.Time.Before(at(45)) }, func(c watcher.Capture) error {
		got = append(got, fmt.Sprintf("%s %d %s", c.Source, int(c.Time.Sub(t0)/time.Minute), c.Body))
		return nil
	}))
	same(t, "EachCapture of b before minute 45", got, want[40:45])
	stop := errors.New("enough")
	if err := db.EachCapture(nil, func(watcher.Capture) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("EachCapture stopped by fn: %v", err)
	}
}

// A snapshot's screenshot is kept by its id; none is ErrNotFound.
func testScreenshots(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	r := changed("x", text(65), at(0))
	r.Screenshot = []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3}
	record(t, db, r)
	plain := changed("x", text(72), at(1))
	record(t, db, plain)
	db = reopen(t, s, db, store.Options{})
	if img, err := db.Screenshot("x", r.Snapshot.ID); err != nil || string(img) != string(r.Screenshot) {
		t.Errorf("Screenshot = %x, %v; want %x", img, err, r.Screenshot)
	}
	_, err := db.Screenshot("x", plain.Snapshot.ID)
	notFound(t, "Screenshot of a snapshot taken without one", err)
	_, err = db.Screenshot("nobody", r.Snapshot.ID)
	notFound(t, "Screenshot of an unknown source", err)
}

// The archive queue: jobs in the order queued (Seq set by the store), the first due and
// not dead is next, an attempt is written back, and success stores its event and
// deliveries as the job leaves.
func testArchive(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	var jobs []watcher.ArchiveJob
	for i := range 3 {
		r := changed(fmt.Sprint("s", i), text(i), at(i))
		j := watcher.ArchiveJob{Event: r.Events[0].ID, Source: r.Source, URL: "https://news.example/" + r.Source, Snapshot: r.Snapshot.ID,
			Created: at(i), NextAttempt: at(i)}
		r.Archive = []watcher.ArchiveJob{j}
		record(t, db, r)
		jobs = append(jobs, j)
	}
	db = reopen(t, s, db, store.Options{})
	list, err := db.ArchiveJobs()
	must(t, err)
	if len(list) != 3 {
		t.Fatalf("ArchiveJobs: %d jobs, want 3", len(list))
	}
	for i := range list {
		if i > 0 && list[i].Seq <= list[i-1].Seq {
			t.Errorf("job %d's Seq %d does not follow %d", i, list[i].Seq, list[i-1].Seq)
		}
		jobs[i].Seq = list[i].Seq
	}
	same(t, "ArchiveJobs, in queue order", list, jobs)
	if _, ok, err := db.DueArchive(at(0).Add(-time.Second)); err != nil || ok {
		t.Errorf("DueArchive before any is due: %v, %v", ok, err)
	}
	j, ok, err := db.DueArchive(at(5))
	if err != nil || !ok || j.Seq != jobs[0].Seq {
		t.Fatalf("DueArchive = %+v, %v, %v; want the first job", j, ok, err)
	}
	// The first fails and waits; the second runs out of attempts.
	j.Attempts, j.NextAttempt, j.LastError = 1, at(60), "HTTP 520"
	must(t, db.UpdateArchive(j))
	dead := jobs[1]
	dead.Attempts, dead.Dead, dead.LastError = 5, true, "HTTP 520"
	must(t, db.UpdateArchive(dead))
	if got, ok, err := db.DueArchive(at(5)); err != nil || !ok || got.Seq != jobs[2].Seq {
		t.Errorf("DueArchive after a retry and a dead job = %+v, %v, %v; want the third job", got, ok, err)
	}
	if got, ok, err := db.DueArchive(at(60)); err != nil || !ok || got.Seq != jobs[0].Seq || got.Attempts != 1 || got.LastError != "HTTP 520" {
		t.Errorf("DueArchive at the retry's time = %+v, %v, %v; want the first job, its attempt written", got, ok, err)
	}
	err = db.UpdateArchive(watcher.ArchiveJob{Seq: 999})
	notFound(t, "UpdateArchive of an unknown job", err)
	// Success: the event and its delivery are stored, the job leaves.
	ev := event(watcher.ArticleArchived, jobs[2].Source, at(70), jobs[2].Snapshot)
	d := watcher.Delivery{ID: ev.ID + "@hook", Endpoint: "hook", Event: ev, Created: ev.Time, NextAttempt: ev.Time, State: watcher.DeliveryPending}
	must(t, db.Archived(jobs[2], ev, []watcher.Delivery{d}))
	db = reopen(t, s, db, store.Options{})
	list, err = db.ArchiveJobs()
	must(t, err)
	if len(list) != 2 || list[0].Seq != jobs[0].Seq || list[1].Seq != jobs[1].Seq || !list[1].Dead {
		t.Errorf("ArchiveJobs after one archived: %+v", list)
	}
	if evs, err := db.Events(at(70), watcher.ArticleArchived); err != nil || len(evs) != 1 || evs[0].ID != ev.ID {
		t.Errorf("article.archived events: %v, %v", eventIDs(evs), err)
	}
	if ds, err := db.Deliveries(watcher.DeliveryPending); err != nil || len(ds) != 1 || ds[0].ID != d.ID {
		t.Errorf("its delivery: %v, %v", deliveryIDs(ds), err)
	}
}
