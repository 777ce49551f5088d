package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// owe records one check of source whose n events are owed to the endpoints, as the
// watcher does: the deliveries go in with the check. Event i of source s has id s-a, s-b...
func owe(t *testing.T, db store.DB, source string, n int, endpoints ...string) []watcher.Delivery {
	t.Helper()
	r := failed(source, "HTTP 500", at(0))
	for i := range n {
		e := event(watcher.ArticleChanged, source, at(0), "")
		e.ID = source + "-" + string(rune('a'+i))
		r.Events = append(r.Events, e)
		for _, ep := range endpoints {
			r.Deliveries = append(r.Deliveries, watcher.Delivery{ID: e.ID + "@" + ep, Endpoint: ep, Event: e, Created: e.Time,
				NextAttempt: e.Time, State: watcher.DeliveryPending})
		}
	}
	record(t, db, r)
	return r.Deliveries
}

func ids(t *testing.T, db store.DB, state watcher.DeliveryState) string {
	t.Helper()
	ds, err := db.Deliveries(state)
	must(t, err)
	return strings.Join(deliveryIDs(ds), " ")
}

func head(t *testing.T, db store.DB, ep string, now time.Time) (watcher.Delivery, bool) {
	t.Helper()
	d, due, err := db.Due(ep, now)
	must(t, err)
	return d, due
}

// between reports whether when lies in [from, to].
func between(when, from, to time.Time) bool { return !when.Before(from) && !when.After(to) }

// The outbox: each endpoint's queue in event order, its head due at its NextAttempt;
// Delivered, Retry (in place), Dead (to the dead-letter list), Requeue (a dead one to the
// end of its queue, a pending one due now; by id or unambiguous prefix).
func testOutbox(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	owe(t, db, "vtv", 2, "hook", "slack")
	owe(t, db, "nhandan", 1, "hook")
	db = reopen(t, s, db, store.Options{})
	eps, err := db.Endpoints()
	must(t, err)
	same(t, "Endpoints", eps, []string{"hook", "slack"})
	if got := ids(t, db, watcher.DeliveryPending); got != "vtv-a@hook vtv-b@hook nhandan-a@hook vtv-a@slack vtv-b@slack" {
		t.Errorf("pending, by endpoint then in queue order: %s", got)
	}
	if d, due := head(t, db, "nobody", at(0)); due || d.ID != "" {
		t.Errorf("Due of an endpoint with no queue: %+v, %v", d, due)
	}
	if d, due := head(t, db, "hook", at(0).Add(-time.Second)); due || d.ID != "vtv-a@hook" {
		t.Errorf("Due before the head's NextAttempt: %s, due %v; want the head, not due", d.ID, due)
	}
	d, due := head(t, db, "hook", at(0))
	if !due || d.ID != "vtv-a@hook" || d.Event.Source.Name != "vtv" || d.State != watcher.DeliveryPending {
		t.Fatalf("Due = %+v, %v", d, due)
	}
	must(t, db.Delivered(d))
	if h, _ := head(t, db, "hook", at(0)); h.ID != "vtv-b@hook" {
		t.Errorf("the head after Delivered: %s", h.ID)
	}
	notFound(t, "Delivered twice", db.Delivered(d))

	// Retry keeps the head, with its attempt written.
	d, _ = head(t, db, "hook", at(0))
	d.Attempts, d.NextAttempt, d.LastError = 1, at(1), "HTTP 500"
	must(t, db.Retry(d))
	if got, due := head(t, db, "hook", at(1).Add(-time.Second)); due || got.ID != d.ID || got.Attempts != 1 || got.LastError != "HTTP 500" || !got.NextAttempt.Equal(at(1)) {
		t.Errorf("after Retry: %+v, due %v", got, due)
	}
	if _, due := head(t, db, "hook", at(1)); !due {
		t.Error("not due at its NextAttempt")
	}
	notFound(t, "Retry of a delivery not pending", db.Retry(watcher.Delivery{ID: "nope@hook", Endpoint: "hook"}))

	// Dead moves it to the dead-letter list.
	d, _ = head(t, db, "hook", at(1))
	d.Attempts, d.LastError = 2, "HTTP 400 Bad Request"
	must(t, db.Dead(d))
	notFound(t, "Dead of a delivery not pending", db.Dead(d))
	dead, err := db.Deliveries(watcher.DeliveryDead)
	must(t, err)
	want := d
	want.State = watcher.DeliveryDead
	same(t, "dead", dead, []watcher.Delivery{want})
	all, err := db.Deliveries("")
	must(t, err)
	if got := strings.Join(slices.Sorted(slices.Values(deliveryIDs(all))), " "); got != "nhandan-a@hook vtv-a@slack vtv-b@hook vtv-b@slack" {
		t.Errorf("Deliveries of every state: %s", got)
	}
	if _, err := db.Deliveries("lost"); err == nil {
		t.Error("Deliveries(lost): no error")
	}

	// A dead delivery re-queued goes to the end of its queue, its attempts reset, due now.
	before := time.Now()
	r, err := db.Requeue("vtv-b@hook")
	must(t, err)
	after := time.Now()
	if r.State != watcher.DeliveryPending || r.Attempts != 0 || r.LastError != "" || !between(r.NextAttempt, before, after) {
		t.Errorf("Requeue of a dead one = %+v; want pending, no attempt, due now", r)
	}
	if got := ids(t, db, watcher.DeliveryPending); got != "nhandan-a@hook vtv-b@hook vtv-a@slack vtv-b@slack" {
		t.Errorf("pending after Requeue: %s", got)
	}
	if got := ids(t, db, watcher.DeliveryDead); got != "" {
		t.Errorf("dead after Requeue: %s", got)
	}
	if _, err := db.Requeue("vtv-"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("Requeue of an ambiguous prefix: %v", err)
	}
	_, err = db.Requeue("nope")
	notFound(t, "Requeue of an unknown id", err)
	_, err = db.Requeue("")
	notFound(t, "Requeue of no id", err)

	// A pending delivery waiting for its retry is made due now, in its place, by a prefix.
	d, _ = head(t, db, "slack", at(0))
	d.Attempts, d.NextAttempt = 3, at(48*60)
	must(t, db.Retry(d))
	before = time.Now()
	r, err = db.Requeue("vtv-a@sl")
	must(t, err)
	after = time.Now()
	if r.ID != "vtv-a@slack" || r.Attempts != 3 || !between(r.NextAttempt, before, after) {
		t.Errorf("Requeue of a pending one = %+v; want its attempts kept, due now", r)
	}
	if h, due := head(t, db, "slack", after); !due || h.ID != "vtv-a@slack" {
		t.Errorf("the head after Requeue: %s, due %v", h.ID, due)
	}
	// An exact id wins over the longer ids it is a prefix of.
	owe(t, db, "x", 1, "h", "h2")
	if r, err := db.Requeue("x-a@h"); err != nil || r.ID != "x-a@h" {
		t.Errorf("Requeue of an exact id that prefixes another: %+v, %v", r, err)
	}
}

// MarkGone buries an endpoint's whole queue with the reason and marks it gone, until a
// re-queue or ClearGone says it is back.
func testOutboxGone(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	owe(t, db, "vtv", 3, "hook", "slack")
	d, _ := head(t, db, "hook", at(0))
	d.Attempts, d.LastError = 1, "endpoint gone: HTTP 410 Gone"
	before := time.Now()
	must(t, db.MarkGone(d))
	after := time.Now()
	db = reopen(t, s, db, store.Options{})
	eps, err := db.Endpoints()
	must(t, err)
	same(t, "Endpoints after one is gone", eps, []string{"slack"})
	dead, err := db.Deliveries(watcher.DeliveryDead)
	must(t, err)
	if got := strings.Join(deliveryIDs(dead), " "); got != "vtv-a@hook vtv-b@hook vtv-c@hook" {
		t.Fatalf("dead: %s", got)
	}
	for i, x := range dead {
		if x.LastError != d.LastError || x.State != watcher.DeliveryDead {
			t.Errorf("dead[%d] = %+v", i, x)
		}
	}
	if dead[0].Attempts != 1 || dead[1].Attempts != 0 {
		t.Errorf("attempts %d, %d: only the attempted one counts one", dead[0].Attempts, dead[1].Attempts)
	}
	g, gone, err := db.IsGone("hook")
	if err != nil || !gone || g.Reason != d.LastError || !between(g.Since, before.Add(-time.Second), after.Add(time.Second)) {
		t.Errorf("IsGone(hook) = %+v, %v, %v", g, gone, err)
	}
	if _, gone, err := db.IsGone("slack"); gone || err != nil {
		t.Errorf("IsGone(slack) = %v, %v", gone, err)
	}
	m, err := db.GoneEndpoints()
	if err != nil || len(m) != 1 || m["hook"].Reason != d.LastError {
		t.Errorf("GoneEndpoints = %v, %v", m, err)
	}
	notFound(t, "MarkGone of a delivery not pending", db.MarkGone(watcher.Delivery{ID: "nope@slack", Endpoint: "slack"}))
	// Re-queueing says the endpoint is back.
	_, err = db.Requeue("vtv-a@hook")
	must(t, err)
	if _, gone, _ := db.IsGone("hook"); gone {
		t.Error("still gone after Requeue")
	}
	d, _ = head(t, db, "hook", time.Now())
	d.LastError = "gone again"
	must(t, db.MarkGone(d))
	must(t, db.ClearGone("hook"))
	if _, gone, _ := db.IsGone("hook"); gone {
		t.Error("still gone after ClearGone")
	}
	if m, err := db.GoneEndpoints(); err != nil || len(m) != 0 {
		t.Errorf("GoneEndpoints after ClearGone = %v, %v", m, err)
	}
}

// RequeueAll re-queues every dead delivery and makes every pending one due now.
func testRequeueAll(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	owe(t, db, "vtv", 3, "hook")
	for range 2 {
		d, _ := head(t, db, "hook", at(0))
		d.Attempts, d.LastError = 18, "gave up"
		must(t, db.Dead(d))
	}
	d, _ := head(t, db, "hook", at(0))
	d.Attempts, d.NextAttempt = 4, at(24*60)
	must(t, db.Retry(d))
	before := time.Now()
	dead, pending, err := db.RequeueAll()
	after := time.Now()
	if err != nil || dead != 2 || pending != 1 {
		t.Fatalf("RequeueAll = %d, %d, %v; want 2 dead, 1 pending", dead, pending, err)
	}
	db = reopen(t, s, db, store.Options{})
	all, err := db.Deliveries("")
	must(t, err)
	if got := strings.Join(deliveryIDs(all), " "); got != "vtv-c@hook vtv-a@hook vtv-b@hook" {
		t.Fatalf("after RequeueAll: %s", got)
	}
	for _, x := range all {
		if x.State != watcher.DeliveryPending || !between(x.NextAttempt, before, after) {
			t.Errorf("%s: %+v; want pending, due now", x.ID, x)
		}
	}
	if all[0].Attempts != 4 || all[1].Attempts != 0 {
		t.Errorf("attempts: a pending one keeps its count (%d), a dead one restarts (%d)", all[0].Attempts, all[1].Attempts)
	}
}

// QueueStats counts each endpoint's pending and dead deliveries, with its head's creation.
func testQueueStats(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	if qs, err := db.QueueStats(); err != nil || len(qs) != 0 {
		t.Fatalf("empty outbox: QueueStats = %+v, %v", qs, err)
	}
	owe(t, db, "vtv", 3, "hook", "slack")
	d, _ := head(t, db, "hook", at(0))
	must(t, db.Dead(d))
	d, _ = head(t, db, "slack", at(0))
	d.LastError = "endpoint gone: HTTP 410 Gone"
	must(t, db.MarkGone(d))
	qs, err := db.QueueStats()
	must(t, err)
	var got []string
	for _, q := range qs {
		got = append(got, fmt.Sprintf("%s %d %d %s", q.Endpoint, q.Pending, q.Dead, q.Head.UTC().Format(time.RFC3339Nano)))
	}
	same(t, "QueueStats", got, []string{"hook 2 1 " + at(0).Format(time.RFC3339Nano), "slack 0 3 0001-01-01T00:00:00Z"})
}

// Robots keeps the fetcher's entry per origin, replaced by the next; nil when none.
func testRobots(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	if e, err := db.Robots("https://news.example"); err != nil || e != nil {
		t.Fatalf("Robots of an origin never asked = %q, %v", e, err)
	}
	must(t, db.PutRobots("https://news.example", []byte(`{"body":"User-agent: *\nDisallow: /a"}`)))
	must(t, db.PutRobots("https://news.example", []byte(`{"body":"User-agent: *\nDisallow: /b"}`)))
	must(t, db.PutRobots("http://other.example", []byte{0, 1, 2}))
	db = reopen(t, s, db, store.Options{})
	if e, err := db.Robots("https://news.example"); err != nil || string(e) != `{"body":"User-agent: *\nDisallow: /b"}` {
		t.Errorf("Robots = %q, %v; want the last entry", e, err)
	}
	if e, err := db.Robots("http://other.example"); err != nil || string(e) != "\x00\x01\x02" {
		t.Errorf("Robots of the other origin = %q, %v", e, err)
	}
}

// The demo's mark: none, then what MarkDemo recorded.
func testDemo(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	if d, ok, err := db.Demo(); err != nil || ok {
		t.Fatalf("Demo of a new database = %+v, %v, %v", d, ok, err)
	}
	mark := store.Demo{Site: "http://127.0.0.1:8123", Made: at(0), Sources: []store.DemoSource{{Name: "vtv", URL: "http://127.0.0.1:8123/vtv"}}}
	must(t, db.MarkDemo(mark))
	db = reopen(t, s, db, store.Options{})
	d, ok, err := db.Demo()
	if err != nil || !ok {
		t.Fatalf("Demo after MarkDemo = %v, %v", ok, err)
	}
	same(t, "Demo", d, mark)
}
