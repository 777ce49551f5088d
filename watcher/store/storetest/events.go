package storetest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
)

// thirty records 30 events, a minute apart, over sources a, b and c in turn; every fifth is
// a fetch.failed, the others article.changed. Event i has id "i".
func thirty(t *testing.T, db store.DB) {
	t.Helper()
	for i := range 30 {
		src := []string{"a", "b", "c"}[i%3]
		typ := watcher.ArticleChanged
		if i%5 == 0 {
			typ = watcher.FetchFailed
		}
		e := event(typ, src, at(i), "")
		e.ID = strconv.Itoa(i)
		r := failed(src, "timeout", at(i))
		r.Events = []watcher.Event{e}
		record(t, db, r)
	}
}

// Events lists the events at or after since, oldest first, of the types asked for.
func testEvents(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	thirty(t, db)
	for _, c := range []struct {
		since time.Time
		types []string
		want  string
	}{
		{time.Time{}, nil, "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29"},
		{at(25), nil, "25 26 27 28 29"},
		{at(10), []string{watcher.FetchFailed}, "10 15 20 25"},
		{at(24), []string{watcher.FetchFailed, watcher.ArticleChanged}, "24 25 26 27 28 29"},
		{at(0), []string{watcher.ArticleGone}, ""},
		{at(30), nil, ""},
	} {
		evs, err := db.Events(c.since, c.types...)
		if err != nil || strings.Join(eventIDs(evs), " ") != c.want {
			t.Errorf("Events(minute %d, %v) = %v, %v; want %s", int(c.since.Sub(t0)/time.Minute), c.types, eventIDs(evs), err, c.want)
		}
	}
}

// EventsPage pages the events newest first; a page's cursor asks for the page after it,
// whatever was recorded since; a cursor of no page is ErrCursor.
func testEventsPage(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	thirty(t, db)
	pages := func(q watcher.EventQuery, during func()) []string {
		t.Helper()
		var got []string
		for n := 0; ; n++ {
			evs, next, err := db.EventsPage(q)
			if err != nil || n > 40 {
				t.Fatalf("%+v: page %d: %v", q, n, err)
			}
			if q.Limit > 0 && len(evs) > q.Limit {
				t.Fatalf("%+v: page %d holds %d events", q, n, len(evs))
			}
			got = append(got, eventIDs(evs)...)
			if n == 0 && during != nil {
				during()
			}
			if next == "" {
				return got
			}
			q.After = next
		}
	}
	for _, c := range []struct {
		q    watcher.EventQuery
		want string
	}{
		{watcher.EventQuery{}, "29 28 27 26 25 24 23 22 21 20 19 18 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0"},
		{watcher.EventQuery{Limit: 7}, "29 28 27 26 25 24 23 22 21 20 19 18 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0"},
		{watcher.EventQuery{Source: "b", Limit: 4}, "28 25 22 19 16 13 10 7 4 1"},
		{watcher.EventQuery{Types: []string{watcher.FetchFailed}, Since: at(10)}, "25 20 15 10"},
		{watcher.EventQuery{Types: []string{watcher.FetchFailed}, Limit: 1}, "25 20 15 10 5 0"},
		{watcher.EventQuery{Source: "a", Types: []string{watcher.FetchFailed}, Limit: 1}, "15 0"},
		{watcher.EventQuery{Source: "c", Since: at(20), Limit: 2}, "29 26 23 20"},
		{watcher.EventQuery{Source: "nobody"}, ""},
		{watcher.EventQuery{Types: []string{watcher.ArticleGone}}, ""},
	} {
		if got := strings.Join(pages(c.q, nil), " "); got != c.want {
			t.Errorf("EventsPage(%+v), every page: %s; want %s", c.q, got, c.want)
		}
	}
	// A page's cursor asks for the same events when more were recorded after it.
	more := func() {
		for i := 30; i < 33; i++ {
			e := event(watcher.ArticleChanged, "b", at(i), "")
			e.ID = strconv.Itoa(i)
			r := failed("b", "timeout", at(i))
			r.Events = []watcher.Event{e}
			record(t, db, r)
		}
	}
	if got := strings.Join(pages(watcher.EventQuery{Source: "b", Limit: 3}, more), " "); got != "28 25 22 19 16 13 10 7 4 1" {
		t.Errorf("source b, events recorded after the first page: %s", got)
	}
	if evs, next, err := db.EventsPage(watcher.EventQuery{Source: "b", Limit: 3}); err != nil || strings.Join(eventIDs(evs), " ") != "32 31 30" || next == "" {
		t.Errorf("the first page of source b now: %v %q %v", eventIDs(evs), next, err)
	}
	for _, bad := range []string{"x", "0", "-1"} {
		if _, _, err := db.EventsPage(watcher.EventQuery{After: bad}); !errors.Is(err, watcher.ErrCursor) {
			t.Errorf("cursor %q: %v, want an error wrapping watcher.ErrCursor", bad, err)
		}
	}
}

// EachEvent streams every event, oldest first, however many there are.
func testEachEvent(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	var want []string
	for i := range 75 {
		r := changed("x", text(i), at(i))
		r.Events[0].ID = strconv.Itoa(i)
		want = append(want, r.Events[0].ID)
		record(t, db, r)
	}
	var got []string
	must(t, db.EachEvent(func(e watcher.Event) error {
		got = append(got, e.ID)
		return nil
	}))
	if !slices.Equal(got, want) {
		t.Errorf("EachEvent: %v; want %v", got, want)
	}
	stop := errors.New("enough")
	n := 0
	err := db.EachEvent(func(watcher.Event) error {
		if n++; n == 40 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 40 {
		t.Errorf("EachEvent stopped by fn after %d events: %v; want fn's error after 40", n, err)
	}
}

// Added sources are listed by name; a removal forgets an added source and marks the name
// removed; adding it again undoes the removal.
func testSources(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	b := watcher.Added{Name: "b", URL: "https://news.example/b", Schedule: "@every 1h", Selector: "div.body p", Lang: "vi", Time: at(0)}
	a := watcher.Added{Name: "a", URL: "https://news.example/a", Time: at(1), Origin: watcher.OriginDiscovered}
	must(t, db.AddSource(b))
	must(t, db.AddSource(a))
	added, err := db.AddedSources()
	must(t, err)
	same(t, "AddedSources, by name", added, []watcher.Added{a, b})
	must(t, db.RemoveSource("a"))
	must(t, db.RemoveSource("seeded"))
	db = reopen(t, s, db, store.Options{})
	added, err = db.AddedSources()
	must(t, err)
	same(t, "AddedSources after removing a", added, []watcher.Added{b})
	removed, err := db.Removed()
	must(t, err)
	same(t, "Removed", removed, map[string]bool{"a": true, "seeded": true})
	a.Time = at(2)
	must(t, db.AddSource(a))
	removed, err = db.Removed()
	must(t, err)
	same(t, "Removed after adding a again", removed, map[string]bool{"seeded": true})
	added, err = db.AddedSources()
	must(t, err)
	same(t, "AddedSources after adding a again", added, []watcher.Added{a, b})
}

// RecordCoverage adds the new articles (their coverage, added source, event and
// deliveries) and tells what each found article is; Coverage lists them by URL.
func testCoverage(t *testing.T, s Storage) {
	db := open(t, s, store.Options{})
	canonical := func(u string) string { return strings.TrimSuffix(strings.ToLower(u), "/") }
	known := []watcher.Source{{Name: "seed", URL: "https://news.example/Seed"}}
	// An added source, and one added then removed (its URL is in its events).
	must(t, db.AddSource(watcher.Added{Name: "added", URL: "https://news.example/added", Time: at(0)}))
	must(t, db.AddSource(watcher.Added{Name: "gone", URL: "https://news.example/gone", Time: at(0)}))
	r := changed("gone", text(1), at(1))
	r.Events[0].Source.URL = "https://news.example/gone"
	record(t, db, r)
	must(t, db.RemoveSource("gone"))
	// A source that moved is known at its new URL too.
	mv := changed("moved", text(2), at(2))
	mv.State.MovedTo = "https://news.example/moved-here"
	record(t, db, mv)
	found := func(u, name string, i int) watcher.Discovered {
		e := event(watcher.CoverageFound, name, at(10+i), "")
		e.Source.URL = u
		return watcher.Discovered{
			Coverage: watcher.Coverage{URL: u, Source: name, Title: "Titre " + name, Job: "feeds", FoundAt: "https://news.example/rss",
				Found: at(10 + i), Lang: "fr", Keyword: "Hanoi"},
			Event:      e,
			Deliveries: []watcher.Delivery{{ID: e.ID + "@hook", Endpoint: "hook", Event: e, Created: e.Time, NextAttempt: e.Time, State: watcher.DeliveryPending}},
		}
	}
	list := []watcher.Discovered{
		found("https://news.example/new-one/", "new1", 0),
		found("https://news.example/seed", "other", 1),        // a known source, in another form
		found("https://news.example/added", "other2", 2),      // an added source
		found("https://news.example/gone", "other3", 3),       // a source added then removed
		found("https://news.example/moved-here", "other4", 4), // a moved source's new URL
		found("https://news.example/NEW-ONE", "new1bis", 5),   // found twice in one run
		found("https://news.example/taken", "added", 6),       // a name in use for another URL
		found("https://news.example/new-two", "new2", 7),
	}
	out, err := db.RecordCoverage(list, known, canonical)
	must(t, err)
	same(t, "outcomes", out, []watcher.Outcome{{New: true, Source: "new1"}, {Source: "seed"}, {Source: "added"}, {Source: "gone"},
		{Source: "moved"}, {Source: "new1"}, {Source: "added"}, {New: true, Source: "new2"}})
	// Found again by a later run: known now.
	out, err = db.RecordCoverage([]watcher.Discovered{found("https://news.example/new-two", "new2", 8)}, known, canonical)
	must(t, err)
	same(t, "outcomes of a second run", out, []watcher.Outcome{{Source: "new2"}})
	db = reopen(t, s, db, store.Options{})
	cov, err := db.Coverage()
	must(t, err)
	c1, c2 := list[0].Coverage, list[7].Coverage
	c1.URL = canonical(c1.URL)
	same(t, "Coverage, by URL", cov, []watcher.Coverage{c1, c2})
	added, err := db.AddedSources()
	must(t, err)
	same(t, "AddedSources", added, []watcher.Added{
		{Name: "added", URL: "https://news.example/added", Time: at(0)},
		{Name: "new1", URL: c1.URL, Lang: "fr", Time: c1.Found, Origin: watcher.OriginDiscovered},
		{Name: "new2", URL: c2.URL, Lang: "fr", Time: c2.Found, Origin: watcher.OriginDiscovered},
	})
	evs, err := db.Events(at(10), watcher.CoverageFound)
	must(t, err)
	same(t, "coverage.found events", eventIDs(evs), []string{list[0].Event.ID, list[7].Event.ID})
	ds, err := db.Deliveries(watcher.DeliveryPending)
	must(t, err)
	same(t, "their deliveries", deliveryIDs(ds), []string{list[0].Deliveries[0].ID, list[7].Deliveries[0].ID})
	// A removed discovered article is not found again.
	must(t, db.RemoveSource("new1"))
	out, err = db.RecordCoverage([]watcher.Discovered{found("https://news.example/new-one", "new1", 9)}, known, canonical)
	must(t, err)
	same(t, "outcome of a removed article found again", out, []watcher.Outcome{{Source: "new1"}})
}
