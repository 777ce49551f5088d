// Package watchlist is the list of watched sources: the ones the configuration declares
// (the embedded seeds when it declares none), plus those added from the CLI, the API or
// by coverage discovery, less the removed ones; and the rules for adding a source. The
// CLI and the daemon both go through it, so a source accepted by one is accepted by the
// other, and a URL is never watched twice.
package watchlist

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/seeds"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/discover"
)

// Origins of a source: where it was declared.
const (
	OriginSeed       = "seed"
	OriginConfig     = "config"
	OriginAdded      = "added"
	OriginDiscovered = watcher.OriginDiscovered
)

// Store is what the watch list keeps in the database.
type Store interface {
	AddedSources() ([]watcher.Added, error)
	Removed() (map[string]bool, error)
	AddSource(a watcher.Added) error
	RemoveSource(name string) error
	RecordCoverage(found []watcher.Discovered, known []watcher.Source, canonical func(string) string) ([]watcher.Outcome, error)
}

// List is the watch list of one database.
type List struct {
	// Declared are the sources of the configuration, converted once (Declared).
	Declared []watcher.Source
	Store    Store
	// Render is how the sources added at run time are loaded (watcher.Source.Render): the
	// config's defaults.render.
	Render string
}

// Declared converts a configuration's sources into the pipeline's, or returns the
// embedded seeds when it names none. The result is clipped: List.Sources returns it
// uncopied, and a caller's append must not write into it.
func Declared(c config.Config) ([]watcher.Source, error) {
	var out []watcher.Source
	for _, s := range c.Sources {
		src, err := FromConfig(s, c.Defaults, OriginConfig)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	if len(c.Sources) == 0 {
		for _, s := range seeds.Sources() {
			out = append(out, watcher.Source{Name: s.Name, URL: s.URL, Lang: s.Lang, Reports: s.Reports, Kind: watcher.Kind(s.Kind), Origin: OriginSeed,
				Render: RenderMode(c.Defaults.Render)})
		}
	}
	return slices.Clip(out), nil
}

// RenderMode is the watcher's Source.Render for a config's render value.
func RenderMode(r string) string {
	if r == config.RenderBrowser {
		return watcher.RenderBrowser
	}
	return ""
}

// FromConfig converts one configured source, with the config's defaults.
func FromConfig(s config.Source, d config.Defaults, origin string) (watcher.Source, error) {
	src := watcher.Source{Name: s.Name, URL: s.URL, Lang: s.Lang, Reports: s.Reports, Schedule: s.Schedule,
		Selector: s.Selector, Kind: watcher.Kind(s.Kind), Origin: origin, Robots: s.Robots,
		Render: RenderMode(s.EffectiveRender(d)), Wait: s.Wait, Screenshot: s.Screenshot, OnMove: s.OnMove}
	if src.Kind == "article" {
		src.Kind = ""
	}
	for _, p := range s.Ignore {
		re, err := regexp.Compile(p)
		if err != nil {
			return src, fmt.Errorf("source %s: ignore %q: %w", s.Name, p, err)
		}
		src.Ignore = append(src.Ignore, re)
	}
	return src, nil
}

// Sources returns the watch list: the declared sources and the added ones, less the
// removed ones, in that order.
func (l *List) Sources() ([]watcher.Source, error) {
	added, err := l.Store.AddedSources()
	if err != nil {
		return nil, err
	}
	removed, err := l.Store.Removed()
	if err != nil {
		return nil, err
	}
	if len(added) == 0 && len(removed) == 0 {
		return l.Declared, nil // not copied: callers only read it
	}
	out := make([]watcher.Source, 0, len(l.Declared)+len(added))
	for _, s := range l.Declared {
		if !removed[s.Name] {
			out = append(out, s)
		}
	}
	for _, ad := range added {
		if !removed[ad.Name] {
			src := fromAdded(ad)
			src.Render = RenderMode(l.Render)
			out = append(out, src)
		}
	}
	return out, nil
}

func fromAdded(ad watcher.Added) watcher.Source {
	origin := OriginAdded
	if ad.Origin != "" {
		origin = ad.Origin
	}
	return watcher.Source{Name: ad.Name, URL: ad.URL, Schedule: ad.Schedule, Selector: ad.Selector, Lang: ad.Lang, Origin: origin}
}

// Request is a source to add, as the user gave it.
type Request struct {
	URL      string `json:"url"`
	Name     string `json:"name,omitempty"` // "" derives one from the URL
	Schedule string `json:"schedule,omitempty"`
	Selector string `json:"selector,omitempty"`
	Lang     string `json:"lang,omitempty"`
}

// ErrInvalid marks a request that breaks the rules for a source: a bad URL, name,
// schedule or selector.
var ErrInvalid = errors.New("invalid source")

// ErrExists marks a request for a name or a URL already watched.
var ErrExists = errors.New("already watched")

// Prepare checks a request against the watch list and returns the source it adds: the
// URL absolute http(s); the name given, or one derived from the URL that no source has;
// the fields valid by the rules of a config file's sources, so that what is accepted
// always loads; and neither the name nor the URL (compared in canonical form, as
// discovery compares them) already watched. flag names a field in errors as the user
// typed it: "--schedule" on the command line, "schedule" in the API.
func Prepare(r Request, watched []watcher.Source, flag func(field string) string) (watcher.Source, error) {
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return watcher.Source{}, fmt.Errorf("%q is not an absolute http(s) URL: %w", r.URL, ErrInvalid)
	}
	canon := discover.Canonical(u.String())
	names := map[string]bool{}
	for _, s := range watched {
		names[s.Name] = true
		if discover.Canonical(s.URL) == canon {
			return watcher.Source{}, fmt.Errorf("%s is already watched as %q (%s): %w", r.URL, s.Name, s.URL, ErrExists)
		}
	}
	name := r.Name
	if name == "" {
		name = Name(u, names)
	} else if names[name] {
		return watcher.Source{}, fmt.Errorf("a source named %q already exists; give another with %s: %w", name, flag("name"), ErrExists)
	}
	src := watcher.Source{Name: name, URL: u.String(), Schedule: r.Schedule, Selector: r.Selector, Lang: r.Lang, Origin: OriginAdded}
	c := config.Default()
	c.Sources = []config.Source{{Name: src.Name, URL: src.URL, Schedule: src.Schedule, Selector: src.Selector, Lang: src.Lang}}
	if err := c.Validate(); err != nil {
		return watcher.Source{}, fmt.Errorf("%w: %w", rename(err, flag), ErrInvalid)
	}
	return src, nil
}

// rename rewrites the fields of configuration errors about the one source of a request
// ("sources[0].schedule") as flag names them.
func rename(err error, flag func(string) string) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var msgs []string
	for _, e := range errs {
		var ce *config.Error
		if errors.As(e, &ce) {
			if f, ok := strings.CutPrefix(ce.Field, "sources[0]."); ok {
				msgs = append(msgs, flag(f)+": "+ce.Msg)
				continue
			}
		}
		msgs = append(msgs, e.Error())
	}
	return errors.New(strings.Join(msgs, "; "))
}

// Add adds a prepared source to the database's watch list (see Prepare).
func (l *List) Add(src watcher.Source, now time.Time) error {
	return l.Store.AddSource(watcher.Added{Name: src.Name, URL: src.URL, Schedule: src.Schedule, Selector: src.Selector,
		Lang: src.Lang, Time: now.UTC()})
}

// Remove stops watching a source of the watch list; its history stays.
func (l *List) Remove(name string) error {
	srcs, err := l.Sources()
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(srcs, func(s watcher.Source) bool { return s.Name == name }) {
		return fmt.Errorf("unknown source %q (see `hanoiwatch sources`): %w", name, watcher.ErrNotFound)
	}
	return l.Store.RemoveSource(name)
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// maxName bounds a derived name: long enough to recognise the article, short enough
// for a table column.
const maxName = 40

// Name derives a readable source name from a URL that no name in taken has: the slug of
// the last meaningful path segment (its words, without extension or trailing article
// number), after the site's main label when the host is a name; a number is appended
// when the name is taken.
func Name(u *url.URL, taken map[string]bool) string {
	var parts []string
	host := strings.TrimPrefix(u.Hostname(), "www.")
	if !isIP(host) {
		if i := strings.Index(host, "."); i > 0 {
			host = host[:i]
		}
		parts = append(parts, slug(host))
	}
	if s := pathSlug(u.Path); s != "" {
		parts = append(parts, s)
	}
	name := strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "-")
	if len(name) > maxName {
		name = name[:maxName]
		if i := strings.LastIndexByte(name, '-'); i > maxName/2 {
			name = name[:i] // cut between words
		}
		name = strings.TrimRight(name, "-")
	}
	if name == "" {
		name = "source"
	}
	base := name
	for n := 2; taken[name]; n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	return name
}

// pathSlug is the slug of the last path segment with words in it: "/vi1.html" → "vi1",
// "/news/thu-tuong-an-ninh-mang-post1071234.vnp" → "thu-tuong-an-ninh-mang".
func pathSlug(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		seg := segs[i]
		seg = strings.TrimSuffix(seg, path.Ext(seg))
		s := slug(seg)
		// A trailing article number ("-post1071234", "-100251025161328459") names
		// nothing a reader recognises.
		if i := strings.LastIndexByte(s, '-'); i > 0 && hasLongNumber(s[i+1:]) {
			s = s[:i]
		}
		if s != "" && !isNumber(s) {
			return s
		}
	}
	return ""
}

func slug(s string) string {
	return strings.Trim(nonName.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// hasLongNumber reports whether s holds a run of five or more digits: an id, not a word.
func hasLongNumber(s string) bool {
	run := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if run++; run >= 5 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func isNumber(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

func isIP(host string) bool {
	return strings.Trim(host, "0123456789.") == "" || strings.Contains(host, ":")
}
