package discover

import (
	"context"
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
	// run, short enough for the next run to ask again.
	robotsRetry = 5 * time.Minute
)

// ErrRobots means the site's robots.txt forbids the page to our User-Agent.
var ErrRobots = errors.New("disallowed by robots.txt")

type robotsEntry struct {
	data    *robotstxt.RobotsData // nil when err is set
	err     error
	expires time.Time
}

// allowed checks the page against its site's robots.txt, fetching the file through the
// same collector as the pages (so with the same limits, timeout and body cap) and keeping
// it for a while. colly's own robots support is left off: it keeps the file for the life
// of the process and fetches it outside the per-host limits.
func (d *Discoverer) allowed(ctx context.Context, u *url.URL) error {
	key := u.Scheme + "://" + u.Host
	d.mu.Lock()
	e, ok := d.robots[key]
	d.mu.Unlock()
	if !ok || !d.now().Before(e.expires) {
		e = d.fetchRobots(ctx, key)
		if ctx.Err() != nil {
			return ctx.Err() // a cancelled run teaches nothing about the site
		}
		d.mu.Lock()
		d.robots[key] = e
		d.mu.Unlock()
	}
	if e.err != nil {
		return e.err
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !e.data.TestAgent(path, d.opt.UserAgent) {
		return ErrRobots
	}
	return nil
}

func (d *Discoverer) fetchRobots(ctx context.Context, origin string) robotsEntry {
	resp, err := d.get(ctx, origin+"/robots.txt", "text/plain,*/*;q=0.5")
	if err != nil {
		return robotsEntry{err: fmt.Errorf("robots.txt: %w", err), expires: d.now().Add(robotsRetry)}
	}
	data, err := robotstxt.FromStatusAndBytes(resp.status, resp.body)
	if err != nil {
		// An unreadable file, or an odd status, says nothing: allow, as for a missing file.
		data, _ = robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	}
	ttl := robotsTTL
	if resp.status >= 500 {
		ttl = robotsRetry
	}
	return robotsEntry{data: data, expires: d.now().Add(ttl)}
}
