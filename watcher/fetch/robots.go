package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/temoto/robotstxt"
)

const (
	// robotsTTL is how long a robots.txt is trusted, as the big crawlers do: a daemon
	// must see a new Disallow within a day, and must not ask for the file before every page.
	robotsTTL = 24 * time.Hour
	// robotsRetry is how long a failure to get robots.txt (no answer, or a 5xx, which
	// forbids everything) holds: long enough to spare a struggling site the rest of a
	// round, short enough for the next round to ask again.
	robotsRetry = 5 * time.Minute
)

// ErrRobots means the site's robots.txt forbids the page to our User-Agent.
var ErrRobots = errors.New("disallowed by robots.txt")

// RobotsCache keeps the robots.txt answers of sites between processes. An entry is this
// package's own encoding, opaque to the cache, and says itself when it expires; Robots
// returns nil when it holds none for the origin (scheme://host).
type RobotsCache interface {
	Robots(origin string) ([]byte, error)
	PutRobots(origin string, entry []byte) error
}

// robotsEntry is a site's robots.txt as last read. ready is closed once the other fields
// are set: the fetches that need the file while it is being read wait for that one read.
type robotsEntry struct {
	ready   chan struct{}
	data    *robotstxt.RobotsData // nil when err is set
	err     error
	expires time.Time
}

// storedRobots is a robots.txt answer as kept in a RobotsCache.
type storedRobots struct {
	Status  int       `json:"status"`
	Body    []byte    `json:"body,omitempty"`
	Expires time.Time `json:"expires"`
}

// Allowed reports whether the site's robots.txt lets the fetcher's User-Agent fetch the
// URL: nil, ErrRobots, or the failure to read robots.txt (which holds for robotsRetry).
// The file is read once per site and kept robotsTTL (in the RobotsCache too, when there is
// one); it is fetched through the site's collector, so it counts against the site's
// parallelism and delay like any page.
func (f *Fetcher) Allowed(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad URL %q", rawURL)
	}
	e, err := f.robotsOf(ctx, u.Scheme+"://"+u.Host)
	if err != nil {
		return err
	}
	if e.err != nil {
		return e.err
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !e.data.TestAgent(path, f.opt.UserAgent) {
		return ErrRobots
	}
	return nil
}

// robotsOf returns the origin's entry, reading the file when there is none or it expired.
func (f *Fetcher) robotsOf(ctx context.Context, origin string) (*robotsEntry, error) {
	for {
		f.robotsMu.Lock()
		e := f.robots[origin]
		if e != nil {
			f.robotsMu.Unlock()
			select {
			case <-e.ready:
				if f.opt.Now().Before(e.expires) {
					return e, nil
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			f.robotsMu.Lock()
			if f.robots[origin] == e { // expired: the first to see it reads the file again
				delete(f.robots, origin)
			}
			f.robotsMu.Unlock()
			continue
		}
		e = &robotsEntry{ready: make(chan struct{})}
		f.robots[origin] = e
		f.robotsMu.Unlock()
		f.readRobots(ctx, origin, e)
		if err := ctx.Err(); err != nil {
			// A cancelled read teaches nothing about the site: the next fetch asks again.
			f.robotsMu.Lock()
			delete(f.robots, origin)
			f.robotsMu.Unlock()
			close(e.ready)
			return nil, err
		}
		close(e.ready)
		return e, nil
	}
}

// readRobots fills e from the cache or, failing that, from the site.
func (f *Fetcher) readRobots(ctx context.Context, origin string, e *robotsEntry) {
	now := f.opt.Now()
	if f.opt.RobotsCache != nil {
		raw, err := f.opt.RobotsCache.Robots(origin)
		var s storedRobots
		switch {
		case err != nil:
			f.opt.Logger.Warn("robots.txt cache unreadable; asking the site", "origin", origin, "err", err)
		case raw != nil && json.Unmarshal(raw, &s) == nil && now.Before(s.Expires):
			e.data, e.expires = parseRobots(s.Status, s.Body), s.Expires
			return
		}
	}
	p, err := f.get(ctx, Request{URL: origin + "/robots.txt", Accept: "text/plain,*/*;q=0.5"})
	if err != nil {
		e.err, e.expires = fmt.Errorf("cannot read robots.txt: %w", err), now.Add(robotsRetry)
		return
	}
	ttl := robotsTTL
	if p.Status >= 500 {
		ttl = robotsRetry
	}
	e.data, e.expires = parseRobots(p.Status, p.Body), now.Add(ttl)
	if f.opt.RobotsCache != nil {
		raw, _ := json.Marshal(storedRobots{Status: p.Status, Body: p.Body, Expires: e.expires}) // bytes, an int and a time: cannot fail
		if err := f.opt.RobotsCache.PutRobots(origin, raw); err != nil {
			f.opt.Logger.Warn("robots.txt not cached", "origin", origin, "err", err)
		}
	}
}

// parseRobots reads an answer for /robots.txt: a 4xx allows everything, a 5xx forbids
// everything (RFC 9309), and an unreadable file says nothing, so allows everything too.
func parseRobots(status int, body []byte) *robotstxt.RobotsData {
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		data, _ = robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	}
	return data
}
