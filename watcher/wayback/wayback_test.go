package wayback

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// spn is a fake Save Page Now on 127.0.0.1. Each submission of a URL and each status
// request of a job takes the next answer of its script.
type spn struct {
	mu       sync.Mutex
	saves    map[string][]func(w http.ResponseWriter, url string) // URL → its submissions' answers, in turn
	statuses map[string][]string                                  // job id → the statuses it answers, in turn
	requests []string
	auth     []string
}

func (s *spn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/save":
		r.ParseForm()
		u := r.PostForm.Get("url")
		if len(s.saves[u]) == 0 {
			http.Error(w, "unscripted submission of "+u, http.StatusTeapot)
			return
		}
		next := s.saves[u][0]
		s.saves[u] = s.saves[u][1:]
		next(w, u)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/save/status/"):
		id := strings.TrimPrefix(r.URL.Path, "/save/status/")
		st := s.statuses[id]
		if len(st) == 0 {
			http.NotFound(w, r)
			return
		}
		s.statuses[id] = st[1:]
		switch st[0] {
		case "429":
			w.WriteHeader(http.StatusTooManyRequests)
		case "success":
			fmt.Fprintf(w, `{"status":"success","job_id":%q,"timestamp":"20251025093000","original_url":"http://127.0.0.1/%s"}`, id, id)
		case "error":
			fmt.Fprintf(w, `{"status":"error","job_id":%q,"status_ext":"error:service-unavailable","message":"Service temporarily unavailable"}`, id)
		default:
			fmt.Fprintf(w, `{"status":%q,"job_id":%q}`, st[0], id)
		}
	default:
		http.NotFound(w, r)
	}
}

func (s *spn) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func job(id string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, u string) { fmt.Fprintf(w, `{"url":%q,"job_id":%q}`, u, id) }
}

func status(code int, retryAfter string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, _ string) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(code)
	}
}

type routeAll struct{}

func (routeAll) Route(watcher.Event) []string { return []string{"rx"} }

// queue records a change of each source with its archive job, as a check does.
func queue(t *testing.T, s *store.Store, at time.Time, names ...string) {
	t.Helper()
	for _, name := range names {
		text := "texte de " + name
		id := watcher.SnapshotID(text)
		ev := watcher.Event{ID: "ev-" + name, Type: watcher.ArticleNew, Time: at, Source: watcher.EventSource{Name: name}, Snapshot: id}
		if err := s.Record(watcher.Record{Source: name, Check: watcher.Check{Time: at, Result: watcher.ResultNew, Snapshot: id},
			State: watcher.State{Snapshot: id}, Snapshot: &watcher.Snapshot{ID: id, Time: at}, Text: text, Events: []watcher.Event{ev},
			Archive: []watcher.ArchiveJob{{Event: ev.ID, Source: name, URL: "http://127.0.0.1/" + name, Snapshot: id, Created: at, NextAttempt: at}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestArchiver drives the queue against a fake Save Page Now that answers 429, pending,
// success and error, on a clock of its own: rate limits are honoured, a running job
// survives a restart, errors are retried with backoff until the attempts run out, and
// each success is an article.archived event with its deliveries.
func TestArchiver(t *testing.T) {
	fake := &spn{statuses: map[string][]string{"job-vtv": {"pending", "429", "pending", "success"},
		"job-nd1": {"error"}, "job-nd2": {"success"}}}
	type answers = []func(http.ResponseWriter, string)
	fake.saves = map[string]answers{
		"http://127.0.0.1/vtv":     {status(http.StatusTooManyRequests, "30"), job("job-vtv")},                      // rate limited, then submitted
		"http://127.0.0.1/nhandan": {job("job-nd1"), job("job-nd2")},                                                // the first job fails, the second succeeds
		"http://127.0.0.1/vnp":     {status(http.StatusInternalServerError, ""), status(http.StatusBadGateway, "")}, // down twice: dead
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	path := filepath.Join(t.TempDir(), "hw.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 10, 25, 9, 0, 0, 0, time.UTC)
	queue(t, st, now, "vtv", "nhandan", "vnp")
	opts := Options{Gap: 2 * time.Second, Poll: time.Second, Backoff: 10 * time.Second, MaxAttempts: 2}
	newArchiver := func(s *store.Store) *Archiver {
		return &Archiver{Endpoint: srv.URL, AccessKey: "key", SecretKey: "secret", Store: s, Router: routeAll{},
			Options: opts, Now: func() time.Time { return now }}
	}
	a := newArchiver(st)
	ctx := context.Background()
	step := func() time.Duration {
		t.Helper()
		wait, err := a.Step(ctx)
		if err != nil {
			t.Logf("step: %v", err) // failures of the service are reported, and handled
		}
		return wait
	}

	// 429 on the first submission: no request at all until its Retry-After is over.
	if wait := step(); wait != time.Second {
		t.Fatalf("after the first submission: wait %s", wait)
	}
	before := fake.count()
	wait := step()
	if fake.count() != before || wait < 29*time.Second {
		t.Fatalf("after a 429: %d requests more, wait %s; want none and 30 s", fake.count()-before, wait)
	}
	now = now.Add(wait)
	step() // vtv submitted: job-vtv

	// A restart while job-vtv runs: the job and its id are in the database.
	st.Close()
	if st, err = store.Open(path, store.Options{}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a = newArchiver(st)
	for range 60 {
		now = now.Add(step())
		if jobs, _ := st.ArchiveJobs(); len(jobs) == 1 && jobs[0].Dead {
			break
		}
	}

	jobs, err := st.ArchiveJobs()
	if err != nil || len(jobs) != 1 || jobs[0].Source != "vnp" || !jobs[0].Dead || jobs[0].Attempts != 2 ||
		!strings.Contains(jobs[0].LastError, "HTTP 502") {
		t.Fatalf("jobs left %+v (%v); want vnp's alone, dead after 2 attempts", jobs, err)
	}
	evs, err := st.Events(time.Time{}, watcher.ArticleArchived)
	if err != nil || len(evs) != 2 {
		t.Fatalf("%d article.archived (%v), want 2", len(evs), err)
	}
	for _, ev := range evs {
		var d struct {
			ArchiveURL string `json:"archive_url"`
		}
		json.Unmarshal(ev.Detail, &d)
		want := srv.URL + "/web/20251025093000/http://127.0.0.1/job-"
		if !strings.HasPrefix(d.ArchiveURL, want) || ev.Snapshot != watcher.SnapshotID("texte de "+ev.Source.Name) ||
			ev.ID != watcher.EventID(watcher.ArticleArchived, ev.Source.Name, "ev-"+ev.Source.Name) {
			t.Fatalf("event %+v, detail %s", ev, ev.Detail)
		}
	}
	if ds, err := st.Deliveries(""); err != nil || len(ds) != 2 || ds[0].Endpoint != "rx" || ds[0].Event.Type != watcher.ArticleArchived {
		t.Fatalf("deliveries %+v (%v)", ds, err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	saves := 0
	for i, r := range fake.requests {
		if fake.auth[i] != "LOW key:secret" {
			t.Fatalf("request %s sent Authorization %q", r, fake.auth[i])
		}
		if r == "POST /save" {
			saves++
		}
	}
	// vtv twice (429, then its job; none after the restart), nhandan twice, vnp twice.
	left := 0
	for _, a := range fake.saves {
		left += len(a)
	}
	if saves != 6 || left != 0 {
		t.Fatalf("%d submissions, %d scripted left: %v", saves, left, fake.requests)
	}
	if _, ok, _ := st.DueArchive(now.Add(365 * 24 * time.Hour)); ok {
		t.Fatal("a dead job is still due")
	}
}
