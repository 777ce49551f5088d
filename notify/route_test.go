package notify

import (
	"slices"
	"strings"
	"testing"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"

	"hanoiwatch/config"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/treaty"
)

func fig(key string, before, after *float64) figures.Change {
	return figures.Change{Subject: key, Key: key, Before: before, After: after}
}

func f(v float64) *float64 { return &v }

func TestRoute(t *testing.T) {
	eps := []config.Endpoint{
		{Name: "all"},
		{Name: "changes", Types: []string{watcher.ArticleChanged, watcher.ArticleRestored}},
		{Name: "bao", Sources: []string{"bao*", "vtv"}},
		{Name: "figures", FiguresOnly: true},
		{Name: "signatories", Subjects: []string{"signatories"}},
		{Name: "big", MinChange: 5},
		{Name: "pct", MinChangePct: 10},
		{Name: "both", Types: []string{watcher.ArticleChanged}, Sources: []string{"vtv"}, FiguresOnly: true, Subjects: []string{"delegates"}, MinChange: 100},
	}
	r, err := NewRouter(eps)
	if err != nil {
		t.Fatal(err)
	}
	ev := func(typ, source string, fs ...figures.Change) watcher.Event {
		if fs == nil {
			fs = []figures.Change{}
		}
		return watcher.Event{ID: "e", Type: typ, Source: watcher.EventSource{Name: source}, Figures: fs}
	}
	tests := []struct {
		name string
		e    watcher.Event
		want string
	}{
		{"gone, no figures", ev(watcher.ArticleGone, "nhandan"), "all"},
		{"changed text only", ev(watcher.ArticleChanged, "baotintuc"), "all changes bao"},
		{"glob and name", ev(watcher.FetchFailed, "vtv"), "all bao"},
		{"signatories 65 → 72", ev(watcher.ArticleChanged, "nhandan", fig("signatories", f(65), f(72))), "all changes figures signatories big pct"},
		{"small move", ev(watcher.ArticleChanged, "nhandan", fig("signatories", f(65), f(66))), "all changes figures signatories"},
		{"relative but not absolute", ev(watcher.ArticleChanged, "nhandan", fig("cases", f(2), f(4))), "all changes figures pct"},
		{"absolute but not relative", ev(watcher.ArticleChanged, "nhandan", fig("delegates", f(2500), f(2600))), "all changes figures big"},
		{"added figure", ev(watcher.ArticleChanged, "nhandan", fig("signatories", nil, f(72))), "all changes figures signatories big pct"},
		{"from zero", ev(watcher.ArticleChanged, "nhandan", fig("cases", f(0), f(1))), "all changes figures pct"},
		{"date edit is no figure", ev(watcher.ArticleChanged, "nhandan", figures.Change{Subject: "octobre", Before: f(25), After: f(26), Kind: "date"}), "all changes"},
		{"same value", ev(watcher.ArticleChanged, "nhandan", fig("signatories", f(65), f(65))), "all changes"},
		{"every filter", ev(watcher.ArticleChanged, "vtv", fig("signatories", f(65), f(72)), fig("delegates", f(2500), f(3000))), "all changes bao figures signatories big pct both"},
		{"every filter but the type", ev(watcher.ArticleRestored, "vtv", fig("delegates", f(2500), f(3000))), "all changes bao figures big pct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(r.Route(tt.e), " "); got != tt.want {
				t.Errorf("Route = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := NewRouter([]config.Endpoint{{Name: "x", Sources: []string{"[bad"}}}); err == nil {
		t.Error("NewRouter accepted a bad glob")
	}
}

// TestConfigLists keeps the lists config checks against in step with what they mirror.
func TestConfigLists(t *testing.T) {
	types := []string{watcher.ArticleNew, watcher.ArticleChanged, watcher.ArticleGone, watcher.ArticleRestored, watcher.ArticleMoved,
		watcher.FetchFailed, watcher.CoverageFound, treaty.Signed, treaty.Ratified, treaty.CountsChanged, watcher.ArticleArchived}
	if !slices.Equal(config.EventTypes, types) {
		t.Errorf("config.EventTypes = %v, watcher has %v", config.EventTypes, types)
	}
	var r router.ServiceRouter
	services := r.ListServices()
	slices.Sort(services)
	schemes := slices.Clone(config.ChannelSchemes)
	slices.Sort(schemes)
	if !slices.Equal(schemes, services) {
		t.Errorf("config.ChannelSchemes = %v, shoutrrr has %v", schemes, services)
	}
}
