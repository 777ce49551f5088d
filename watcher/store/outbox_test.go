package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"hanoiwatch/watcher"
)

var t0 = time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)

// owe records one check of source whose events are owed to the given endpoints, as
// Watcher.Check does: the deliveries go in with the check, in one transaction.
func owe(t *testing.T, s *Store, source string, n int, endpoints ...string) []watcher.Delivery {
	t.Helper()
	r := watcher.Record{Source: source, Check: watcher.Check{Time: t0, Result: watcher.ResultChanged},
		State: watcher.State{LastCheck: t0}}
	for i := range n {
		e := watcher.Event{ID: source + "-" + string(rune('a'+i)), Type: watcher.ArticleChanged, Time: t0,
			Source: watcher.EventSource{Name: source}}
		r.Events = append(r.Events, e)
		r.Deliveries = append(r.Deliveries, watcher.Deliveries(routeTo(endpoints), e)...)
	}
	if err := s.Record(r); err != nil {
		t.Fatal(err)
	}
	return r.Deliveries
}

// routeTo routes every event to its endpoints.
type routeTo []string

func (r routeTo) Route(watcher.Event) []string { return r }

func ids(ds []watcher.Delivery) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return strings.Join(out, " ")
}

func list(t *testing.T, s *Store, state watcher.DeliveryState) []watcher.Delivery {
	t.Helper()
	ds, err := s.Deliveries(state)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func endpoints(t *testing.T, s *Store) string {
	t.Helper()
	eps, err := s.Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(eps, " ")
}

func head(t *testing.T, s *Store, ep string, now time.Time) (watcher.Delivery, bool) {
	t.Helper()
	d, due, err := s.Due(ep, now)
	if err != nil {
		t.Fatal(err)
	}
	return d, due
}

func TestOutboxQueue(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
	owe(t, s, "vtv", 2, "hook", "slack")
	owe(t, s, "nhandan", 1, "hook")

	if got := endpoints(t, s); got != "hook slack" {
		t.Errorf("Endpoints = %q", got)
	}
	if got := ids(list(t, s, watcher.DeliveryPending)); got != "vtv-a@hook vtv-b@hook nhandan-a@hook vtv-a@slack vtv-b@slack" {
		t.Errorf("pending = %s", got)
	}
	if d, due := head(t, s, "nobody", t0); due || d.ID != "" {
		t.Errorf("unknown endpoint: %+v %v", d, due)
	}
	if d, due := head(t, s, "hook", t0.Add(-time.Second)); due || d.ID != "vtv-a@hook" {
		t.Errorf("before NextAttempt: %s due %v", d.ID, due)
	}

	t.Run("delivered", func(t *testing.T) {
		d, due := head(t, s, "hook", t0)
		if !due || d.ID != "vtv-a@hook" || d.Event.Source.Name != "vtv" {
			t.Fatalf("head = %+v due %v", d, due)
		}
		if err := s.Delivered(d); err != nil {
			t.Fatal(err)
		}
		if d, _ := head(t, s, "hook", t0); d.ID != "vtv-b@hook" {
			t.Errorf("next head = %s", d.ID)
		}
		if err := s.Delivered(d); !errors.Is(err, watcher.ErrNotFound) {
			t.Errorf("Delivered twice: %v", err)
		}
	})

	t.Run("retry keeps the head", func(t *testing.T) {
		d, _ := head(t, s, "hook", t0)
		d.Attempts, d.NextAttempt, d.LastError = 1, t0.Add(time.Minute), "HTTP 500"
		if err := s.Retry(d); err != nil {
			t.Fatal(err)
		}
		got, due := head(t, s, "hook", t0.Add(30*time.Second))
		if due || got.ID != d.ID || got.Attempts != 1 || got.LastError != "HTTP 500" || !got.NextAttempt.Equal(d.NextAttempt) {
			t.Errorf("after Retry: %+v due %v", got, due)
		}
		if _, due := head(t, s, "hook", t0.Add(time.Minute)); !due {
			t.Error("not due at NextAttempt")
		}
	})

	t.Run("dead", func(t *testing.T) {
		d, _ := head(t, s, "hook", t0.Add(time.Minute))
		d.Attempts, d.LastError = 2, "HTTP 400 Bad Request"
		if err := s.Dead(d); err != nil {
			t.Fatal(err)
		}
		dead := list(t, s, watcher.DeliveryDead)
		if len(dead) != 1 || dead[0].ID != d.ID || dead[0].State != watcher.DeliveryDead || dead[0].Attempts != 2 || dead[0].LastError != d.LastError {
			t.Errorf("dead = %+v", dead)
		}
		if got := ids(list(t, s, "")); got != "nhandan-a@hook vtv-a@slack vtv-b@slack vtv-b@hook" {
			t.Errorf("all = %s", got)
		}
		if _, err := s.Deliveries("lost"); err == nil {
			t.Error("Deliveries(lost) succeeded")
		}
	})

	t.Run("requeue dead goes to the end", func(t *testing.T) {
		s.now = func() time.Time { return t0.Add(time.Hour) }
		d, err := s.Requeue("vtv-b@hook")
		if err != nil {
			t.Fatal(err)
		}
		if d.State != watcher.DeliveryPending || d.Attempts != 0 || d.LastError != "" || !d.NextAttempt.Equal(t0.Add(time.Hour)) {
			t.Errorf("requeued = %+v", d)
		}
		if got := ids(list(t, s, watcher.DeliveryPending)); got != "nhandan-a@hook vtv-b@hook vtv-a@slack vtv-b@slack" {
			t.Errorf("pending = %s", got)
		}
		if len(list(t, s, watcher.DeliveryDead)) != 0 {
			t.Error("still dead")
		}
	})

	t.Run("requeue by prefix", func(t *testing.T) {
		if _, err := s.Requeue("vtv-"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
			t.Errorf("ambiguous prefix: %v", err)
		}
		if _, err := s.Requeue("nope"); !errors.Is(err, watcher.ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
		if _, err := s.Requeue(""); !errors.Is(err, watcher.ErrNotFound) {
			t.Errorf("empty id: %v", err)
		}
		// A pending delivery waiting for its retry is made due now, in its place.
		d, _ := head(t, s, "slack", t0)
		d.Attempts, d.NextAttempt = 3, t0.Add(48*time.Hour)
		if err := s.Retry(d); err != nil {
			t.Fatal(err)
		}
		got, err := s.Requeue("vtv-a@sl")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "vtv-a@slack" || got.Attempts != 3 || !got.NextAttempt.Equal(t0.Add(time.Hour)) {
			t.Errorf("hurried = %+v", got)
		}
		if h, due := head(t, s, "slack", t0.Add(time.Hour)); !due || h.ID != "vtv-a@slack" {
			t.Errorf("head %s due %v", h.ID, due)
		}
	})
}

func TestOutboxGone(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
	s.now = func() time.Time { return t0.Add(time.Minute) }
	owe(t, s, "vtv", 3, "hook", "slack")

	d, _ := head(t, s, "hook", t0)
	d.Attempts, d.LastError = 1, "endpoint gone: HTTP 410 Gone"
	if err := s.MarkGone(d); err != nil {
		t.Fatal(err)
	}
	if got := endpoints(t, s); got != "slack" {
		t.Errorf("Endpoints = %q, want the gone one emptied", got)
	}
	dead := list(t, s, watcher.DeliveryDead)
	if ids(dead) != "vtv-a@hook vtv-b@hook vtv-c@hook" {
		t.Fatalf("dead = %s", ids(dead))
	}
	for i, x := range dead {
		if x.LastError != d.LastError || x.State != watcher.DeliveryDead {
			t.Errorf("dead[%d] = %+v", i, x)
		}
	}
	if dead[0].Attempts != 1 || dead[1].Attempts != 0 {
		t.Errorf("attempts %d %d: only the attempted one counts one", dead[0].Attempts, dead[1].Attempts)
	}
	g, gone, err := s.IsGone("hook")
	if err != nil || !gone || g.Reason != d.LastError || !g.Since.Equal(t0.Add(time.Minute)) {
		t.Errorf("IsGone = %+v %v %v", g, gone, err)
	}
	if _, gone, _ := s.IsGone("slack"); gone {
		t.Error("slack gone too")
	}
	if m, err := s.GoneEndpoints(); err != nil || len(m) != 1 || m["hook"].Reason != d.LastError {
		t.Errorf("GoneEndpoints = %v", m)
	}

	// Re-queueing says the endpoint is back.
	if _, err := s.Requeue("vtv-a@hook"); err != nil {
		t.Fatal(err)
	}
	if _, gone, _ := s.IsGone("hook"); gone {
		t.Error("still gone after Requeue")
	}

	d, _ = head(t, s, "hook", t0.Add(time.Hour))
	d.LastError = "gone again"
	if err := s.MarkGone(d); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearGone("hook"); err != nil {
		t.Fatal(err)
	}
	if _, gone, _ := s.IsGone("hook"); gone {
		t.Error("still gone after ClearGone")
	}
}

func TestOutboxRequeueAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	owe(t, s, "vtv", 3, "hook")
	for range 2 {
		d, _ := head(t, s, "hook", t0)
		d.Attempts, d.LastError = 18, "gave up"
		if err := s.Dead(d); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := head(t, s, "hook", t0)
	d.Attempts, d.NextAttempt = 4, t0.Add(24*time.Hour)
	if err := s.Retry(d); err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return t0.Add(time.Hour) }
	dead, pending, err := s.RequeueAll()
	if err != nil || dead != 2 || pending != 1 {
		t.Fatalf("RequeueAll = %d, %d, %v", dead, pending, err)
	}
	s.Close()

	// Everything survives a reopen: the outbox is the database, not memory.
	s = open(t, path, Options{})
	all := list(t, s, "")
	if ids(all) != "vtv-c@hook vtv-a@hook vtv-b@hook" {
		t.Fatalf("after RequeueAll = %s", ids(all))
	}
	for _, x := range all {
		if x.State != watcher.DeliveryPending || !x.NextAttempt.Equal(t0.Add(time.Hour)) {
			t.Errorf("%s: %+v", x.ID, x)
		}
	}
	if all[0].Attempts != 4 || all[1].Attempts != 0 {
		t.Errorf("attempts: pending keeps its count (%d), dead restarts (%d)", all[0].Attempts, all[1].Attempts)
	}
}

// TestOutboxOldDatabase opens read-only a database without the dead and gone buckets, as
// written before they existed.
func TestOutboxOldDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hw.db")
	s := open(t, path, Options{})
	owe(t, s, "vtv", 1, "hook")
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(bDead); err != nil {
			return err
		}
		return tx.DeleteBucket(bGone)
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path, Options{ReadOnly: true})
	if got := ids(list(t, s, "")); got != "vtv-a@hook" {
		t.Errorf("Deliveries = %s", got)
	}
	if _, gone, err := s.IsGone("hook"); gone || err != nil {
		t.Errorf("IsGone = %v %v", gone, err)
	}
	if m, err := s.GoneEndpoints(); len(m) != 0 || err != nil {
		t.Errorf("GoneEndpoints = %v %v", m, err)
	}
}

func TestQueueStats(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "hw.db"), Options{})
	if qs, err := s.QueueStats(); err != nil || len(qs) != 0 {
		t.Fatalf("empty outbox: QueueStats = %+v, %v", qs, err)
	}
	owe(t, s, "vtv", 3, "hook", "slack")
	d, _ := head(t, s, "hook", t0)
	if err := s.Dead(d); err != nil {
		t.Fatal(err)
	}
	d, _ = head(t, s, "slack", t0)
	d.LastError = "endpoint gone: HTTP 410 Gone"
	if err := s.MarkGone(d); err != nil {
		t.Fatal(err)
	}
	qs, err := s.QueueStats()
	want := []watcher.QueueStats{
		{Endpoint: "hook", Pending: 2, Dead: 1, Head: t0},
		{Endpoint: "slack", Dead: 3},
	}
	if err != nil || len(qs) != len(want) {
		t.Fatalf("QueueStats = %+v, %v; want %+v", qs, err, want)
	}
	for i := range want {
		if qs[i].Endpoint != want[i].Endpoint || qs[i].Pending != want[i].Pending || qs[i].Dead != want[i].Dead || !qs[i].Head.Equal(want[i].Head) {
			t.Errorf("QueueStats[%d] = %+v, want %+v", i, qs[i], want[i])
		}
	}
}

// BenchmarkQueueStats is one scrape's read of the outbox for /metrics: 4 endpoints with
// 2 500 pending and 2 500 dead deliveries each (an endpoint down for days, another gone).
func BenchmarkQueueStats(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "hw.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	eps := routeTo{"hook", "slack", "mail", "ntfy"}
	text := strings.Repeat("Tính đến nay, 72 quốc gia đã ký Công ước. ", 40) // a diff line of 1.7 KB
	for i := range 2500 {
		e := watcher.Event{ID: fmt.Sprintf("e%05d", i), Type: watcher.ArticleChanged, Time: t0, Source: watcher.EventSource{Name: "vtv"},
			Title: text}
		ds := watcher.Deliveries(eps, e)
		r := watcher.Record{Source: "vtv", Check: watcher.Check{Time: t0, Result: watcher.ResultChanged}, State: watcher.State{LastCheck: t0},
			Events: []watcher.Event{e}, Deliveries: ds}
		if err := s.Record(r); err != nil {
			b.Fatal(err)
		}
	}
	err = s.db.Update(func(tx *bbolt.Tx) error { // copy every queue to the dead-letter list
		for _, ep := range eps {
			q := tx.Bucket(bOutbox).Bucket([]byte(ep))
			err := q.ForEach(func(k, v []byte) error {
				var d watcher.Delivery
				if err := decodeDelivery(k, v, &d); err != nil {
					return err
				}
				return bury(tx, d)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		qs, err := s.QueueStats()
		if err != nil || len(qs) != 4 || qs[0].Pending != 2500 || qs[0].Dead != 2500 {
			b.Fatalf("QueueStats = %+v, %v", qs, err)
		}
	}
}
