package watcher

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/net/html"

	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
)

// ErrNoText marks an extraction that found no article text (an empty page, a selector that
// no longer matches). Such a check is suspect, not a change: see Watcher.SuspectAfter.
var ErrNoText = errors.New("no article text")

// Watcher runs the pipeline fetch → extract → snapshot → diff → figures → events.
type Watcher struct {
	Fetcher   Fetcher
	Extractor Extractor
	Store     Store
	Figures   *figures.Extractor
	Router    Router // nil: no notifications
	// Archive queues the URL of every new version for the Wayback Machine (see ArchiveJob).
	Archive bool
	// Interpreters give sources of other kinds (Source.Kind) their own events.
	Interpreters map[Kind]Interpreter

	// SuspectAfter is how many checks in a row must see an article's text empty or
	// collapsed (below a fifth of the previous text) before that is taken as a change.
	// A single such answer is far more often an anti-bot page, an error page served with
	// 200 or a broken selector than an article losing its text.
	SuspectAfter int
	// FailAfter is how many consecutive failures make one fetch.failed event.
	FailAfter int
	// BackoffBase and BackoffMax bound the wait after a failure: BackoffBase doubled for
	// each failure in a row, capped at BackoffMax, and never shorter than the server's
	// Retry-After. The scheduler skips a source's turns until then.
	BackoffBase, BackoffMax time.Duration

	Now func() time.Time
	Log *slog.Logger
}

// extracting bounds the extractions in progress in the process to the number of CPUs.
// Extraction is CPU-bound, so more at once would not finish sooner: they would only hold
// more page trees in memory.
//
// full bounds the checks under way that have no fast path (a first check, a page whose
// regions were lost), so that thousands of them due at once (10 000 new sources) do not
// each fetch a page to wait with it for extracting: memory is held by at most len(full)
// pages. Eight per CPU keeps the CPUs busy while others fetch.
var (
	extracting = make(chan struct{}, runtime.GOMAXPROCS(0))
	full       = make(chan struct{}, 8*runtime.GOMAXPROCS(0))
)

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Check checks one source and records the outcome. The error is only for a failure to
// record (the store) or an interrupted check (ctx done), which records nothing; a failing
// source is a recorded check with a fetch.failed event.
func (w *Watcher) Check(ctx context.Context, src Source) (Record, error) {
	prev, err := w.Store.State(src.Name)
	if err != nil {
		return Record{}, err
	}
	if prev.Fingerprint == "" && prev.Failures == 0 && src.Render == "" {
		// No fast path: this check will extract in full. Those wait for their turn before
		// fetching, not holding a fetched page while extractions run. A failing source
		// does not wait: it would hold a turn through its timeouts, and a page seldom.
		// Nor does a rendered one: its fetcher bounds its tabs, and holding a turn through
		// a render would hold up plain sources behind it.
		select {
		case full <- struct{}{}:
			defer func() { <-full }()
		case <-ctx.Done():
			return Record{Source: src.Name, State: prev}, ctx.Err()
		}
	}
	if src.OnMove == OnMoveAdopt && prev.MovedTo != "" {
		// The article moved, and the source follows it: it lives at its new URL now, which
		// every rule below (redirects away, moves, events) takes as the source's own.
		src.URL = prev.MovedTo
	}
	c := &checkRun{w: w, src: src, prev: prev, rec: Record{Source: src.Name, State: prev}}
	c.rec.Check.Time = w.now()
	c.rec.State.LastCheck = c.rec.Check.Time
	start := time.Now()
	p, err := w.Fetcher.Fetch(ctx, src, Validators{ETag: prev.ETag, LastModified: prev.LastModified})
	if err == nil && p.Release != nil {
		defer p.Release()
	}
	if ctx.Err() != nil {
		// Interrupted (shutdown): the source did not fail, so nothing is recorded.
		return c.rec, ctx.Err()
	}
	if err != nil {
		c.rec.Check.Duration = time.Since(start)
		c.fail(0, err.Error())
	} else {
		c.retryAfter = p.RetryAfter
		c.rec.Check.Duration = p.Duration
		c.rec.Check.Status = p.Status
		c.rec.Check.Bytes = len(p.Body)
		if p.URL != src.URL {
			c.rec.Check.URL = p.URL
		}
		c.page(p)
		c.moved(p)
	}
	if err := errors.Join(c.interpret(), c.track()); err != nil {
		c.rec.Events = nil
		c.rec.Snapshot, c.rec.Text, c.rec.Screenshot, c.rec.Figures = nil, "", nil, nil
		c.rec.State = prev
		c.rec.State.LastCheck = c.rec.Check.Time
		c.fail(c.rec.Check.Status, err.Error())
	}
	// Only a failing source keeps its result: the others' status says it all, and every
	// check writes the state.
	c.rec.State.Result = ""
	if c.rec.State.Status == StatusFailing {
		c.rec.State.Result = c.rec.Check.Result
	}
	c.capture(p)
	c.route()
	c.queueArchive()
	err = w.Store.Record(c.rec)
	if c.rec.Capture != nil {
		// The store has the body now. Callers keep the records of a round (check's summary):
		// with the bodies, a first round of 300 pages kept 30 MB alive, and the collector
		// ran without pause under the one-shot commands' memory limit.
		c.rec.Capture.Body = nil
	}
	if err != nil {
		return c.rec, fmt.Errorf("record %s: %w", src.Name, err)
	}
	if w.Log != nil {
		w.Log.Debug("checked", "source", src.Name, "result", c.rec.Check.Result, "status", c.rec.Check.Status,
			"duration", c.rec.Check.Duration, "events", len(c.rec.Events))
	}
	return c.rec, nil
}

// interpret replaces the article events of a source of another kind by that kind's own.
func (c *checkRun) interpret() error {
	in := c.w.Interpreters[c.src.Kind]
	if in == nil || c.rec.Snapshot == nil {
		return nil
	}
	var out []Event
	for _, e := range c.rec.Events {
		// A source that comes back changed (article.restored with a new snapshot) changed too:
		// its kind's events must not be lost with the failure before.
		changedBack := e.Type == ArticleRestored && e.Snapshot != e.Previous
		if e.Type != ArticleNew && e.Type != ArticleChanged && !changedBack {
			out = append(out, e)
			continue
		}
		evs, err := in.Interpret(c.src, c.old, c.rec.Text, e)
		if err != nil {
			return err
		}
		out = append(out, evs...)
	}
	c.rec.Events = out
	return nil
}

// track follows the source's figures onto the snapshot this check stores, so that its
// figure history is recorded with the snapshot (and outlives it, under retention). A news
// article only: the official record's counts are read by its own kind. A track missing
// while the source has snapshots (a database from before tracks) starts from the previous
// snapshot when it was read.
func (c *checkRun) track() error {
	if c.rec.Snapshot == nil || c.src.Kind != KindArticle || c.w.Figures == nil {
		return nil
	}
	t, err := c.w.Store.Figures(c.src.Name)
	if err != nil {
		return fmt.Errorf("read the figures of %s: %w", c.src.Name, err)
	}
	if t.Version == "" && c.old != "" {
		t = c.w.Figures.Follow(t, figures.Version{ID: c.prev.Snapshot, Time: c.prev.LastChange, Text: c.old, Lang: c.prev.Lang})
	}
	s := c.rec.Snapshot
	v := figures.Version{ID: s.ID, Time: s.Time, Text: c.rec.Text, Lang: s.Lang}
	if c.claims != nil {
		t = figures.FollowClaims(t, v, c.claims)
	} else {
		t = c.w.Figures.Follow(t, v)
	}
	c.rec.Figures = &t
	return nil
}

// route queues each event for the endpoints that want it.
func (c *checkRun) route() {
	for _, e := range c.rec.Events {
		c.rec.Deliveries = append(c.rec.Deliveries, Deliveries(c.w.Router, e)...)
	}
}

// checkRun is the state of one check while it is decided.
type checkRun struct {
	w          *Watcher
	src        Source
	prev       State
	rec        Record
	retryAfter time.Duration
	old        string          // the previous snapshot's text, once read for a change
	claims     []figures.Claim // the new text's claims, once extracted for a change's figures
}

func (c *checkRun) page(p *Page) {
	switch {
	case p.Status == http.StatusNotModified:
		if c.prev.Snapshot == "" {
			c.fail(p.Status, "HTTP 304 without a stored snapshot")
			return
		}
		c.rec.Check.Result = ResultNotModified
		c.recovered()
	case p.Status == http.StatusNotFound || p.Status == http.StatusGone:
		c.gone(p.Status)
	case refused(p):
		// Told apart from other failures so that an operator sees the site refusing the
		// watcher (and may slow it down or ask for access), but handled as one: the page is
		// the site's refusal, not the article, so it can never be a change or a disappearance.
		c.fail(p.Status, fmt.Sprintf("blocked by the site (HTTP %d): a bot challenge or access rule", p.Status))
		c.rec.Check.Result = ResultBlocked
	case p.Status < 200 || p.Status > 299:
		c.fail(p.Status, fmt.Sprintf("HTTP %d %s", p.Status, http.StatusText(p.Status)))
	case redirectedAway(c.src.URL, p.URL):
		// Sites take articles down by sending their readers to the home or a section
		// page, with a 200: that is a disappearance, not an edit of the text.
		c.gone(p.Status)
		c.rec.Check.Error = "redirected to " + p.URL + ", not an article"
	default:
		c.content(p)
	}
}

// refused reports whether a response is the site refusing the watcher rather than
// failing: 401 and 403 (an access rule, Cloudflare's "Attention Required"), 429 (a rate
// limit), and a 503 whose page is a bot challenge (Cloudflare's "Just a moment..."). Any
// other 503 is an outage, a failure like a 500, which the operator should not take for
// a refusal to chase with the site.
func refused(p *Page) bool {
	switch p.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		return true
	case http.StatusServiceUnavailable:
		return challenge(visibleText(p.Body, 64<<10))
	}
	return false
}

// visibleText is the text a reader would see in the first max bytes of an HTML page,
// its title included, without scripts and styles: enough to read an error page by.
func visibleText(body []byte, max int) string {
	if len(body) > max {
		body = body[:max]
	}
	var b strings.Builder
	z := html.NewTokenizer(bytes.NewReader(body))
	skip := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.StartTagToken:
			name, _ := z.TagName()
			skip = string(name) == "script" || string(name) == "style"
		case html.EndTagToken:
			skip = false
		case html.TextToken:
			if !skip {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		}
	}
}

// moved notes a move of the article when the page the request ended at was the article
// (see moveOf): State.MovedTo, and article.moved the first time it moved there. An answer
// at the source's own URL ends a move, unless the source adopted it (its URL is then the
// new one, and the old one is not asked again).
func (c *checkRun) moved(p *Page) {
	switch c.rec.Check.Result {
	case ResultNew, ResultChanged, ResultUnchanged, ResultNotModified:
	default:
		return // gone, failed, blocked, suspect: the page is not the article, or not surely
	}
	to, status := moveOf(c.src.URL, p)
	st := &c.rec.State
	if to == "" {
		if c.src.OnMove != OnMoveAdopt {
			st.MovedTo = ""
		}
		return
	}
	st.MovedTo = to
	if to == c.prev.MovedTo {
		return
	}
	ev := c.event(ArticleMoved)
	ev.Snapshot = st.Snapshot
	// Plain strings, an int and a bool: it cannot fail.
	ev.Detail, _ = json.Marshal(MoveDetail{From: c.src.URL, To: to, Status: status, Adopted: c.src.OnMove == OnMoveAdopt})
	c.rec.Events = append(c.rec.Events, ev)
}

// MoveDetail is the Detail of an article.moved event.
type MoveDetail struct {
	From    string `json:"from"`    // the URL requested
	To      string `json:"to"`      // where the redirects ended: the article's new URL
	Status  int    `json:"status"`  // the first redirect's status (301, 302, 303, 307, 308); 0 if unknown
	Adopted bool   `json:"adopted"` // the source is fetched at To from the next check on (on_move: adopt)
}

// moveOf returns the URL the article at src moved to, and the first redirect's status, when
// the request ended at another article: "" when it did not. A redirect to the same article
// (another scheme, "www." added or dropped, a trailing slash) is no move. A chain of
// permanent redirects (301, 308) to another URL is a move; one with a temporary redirect
// (302, 303, 307) is a move only to a different path that names an article (see
// articleSlug), not to a consent or login page nor to the same path with a session
// parameter. A redirect to a home or section page is no move but a disappearance, which
// redirectedAway decided before. A fetcher that does not record the hops (Page.Exchanges)
// gets the temporary rule.
func moveOf(src string, p *Page) (string, int) {
	if p.URL == "" || p.URL == src {
		return "", 0
	}
	from, err1 := url.Parse(src)
	to, err2 := url.Parse(p.URL)
	if err1 != nil || err2 != nil || sameArticle(from, to) {
		return "", 0
	}
	status, permanent := 0, len(p.Exchanges) > 1
	for _, x := range p.Exchanges[:max(len(p.Exchanges)-1, 0)] { // the last is the final answer
		if status == 0 {
			status = x.Status
		}
		permanent = permanent && (x.Status == http.StatusMovedPermanently || x.Status == http.StatusPermanentRedirect)
	}
	if permanent {
		return p.URL, status
	}
	dest := strings.TrimSuffix(to.Path, "/")
	if strings.TrimSuffix(from.Path, "/") == dest || !articleSlug(dest[strings.LastIndexByte(dest, '/')+1:]) {
		return "", 0
	}
	return p.URL, status
}

// sameArticle reports whether two URLs name one page: the same host but for "www.", the
// same path but for a trailing slash, the same query; the scheme aside.
func sameArticle(a, b *url.URL) bool {
	return strings.TrimPrefix(strings.ToLower(a.Hostname()), "www.") == strings.TrimPrefix(strings.ToLower(b.Hostname()), "www.") &&
		a.Port() == b.Port() && strings.TrimSuffix(a.EscapedPath(), "/") == strings.TrimSuffix(b.EscapedPath(), "/") &&
		a.RawQuery == b.RawQuery
}

// redirectedAway reports whether a request for the article at src ended, after redirects,
// at final, a home or section page instead of an article. The rule is the URL's shape,
// the same for every site: final differs from src, and its path is "/" (a home page, with
// whatever query), or a directory above the article's own path ("/thoi-su" for
// "/thoi-su/bai-viet-123.htm", "/2025/10/" for "/2025/10/25/slug/") whose last segment
// does not look like an article (see articleSlug): "/2025/10/25/slug" for
// "/2025/10/25/slug/amp" is the article itself. A redirect elsewhere (another slug, the
// same path on https or on www) is a move, and the page is compared as usual.
func redirectedAway(src, final string) bool {
	if final == "" || final == src {
		return false
	}
	from, err1 := url.Parse(src)
	to, err2 := url.Parse(final)
	if err1 != nil || err2 != nil {
		return false
	}
	orig := strings.TrimSuffix(from.Path, "/")
	dest := strings.TrimSuffix(to.Path, "/")
	if orig == "" {
		return false // the source is a home page itself: it has nowhere higher to go
	}
	if dest == "" {
		return true
	}
	if !strings.HasPrefix(orig, dest+"/") {
		return false
	}
	return !articleSlug(dest[strings.LastIndexByte(dest, '/')+1:])
}

// articleIDRE is a long number, as the ids in article URLs are ("...-100251025161328459.htm",
// "post917901"); dates and page numbers are shorter.
var articleIDRE = regexp.MustCompile(`\d{5,}`)

// articleSlug reports whether a path segment names an article rather than a section: a
// file name (".htm", ".html", ".vnp", ".php"...), a long numeric id, or a headline slug of
// six words or more. Section names are short ("the-gioi", "khoa-hoc-cong-nghe").
func articleSlug(seg string) bool {
	if i := strings.LastIndexByte(seg, '.'); i > 0 && i < len(seg)-1 {
		return true
	}
	return articleIDRE.MatchString(seg) || len(strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '_' })) >= 6
}

func (c *checkRun) content(p *Page) {
	bodyHash := hashBytes(p.Body)
	if bodyHash == c.prev.BodyHash && c.prev.Snapshot != "" {
		// Same bytes as last time: the text cannot have changed, skip extraction.
		c.rec.Check.Result = ResultUnchanged
		c.keepValidators(p, bodyHash)
		c.recovered()
		return
	}
	if c.fastUnchanged(p) {
		c.rec.Check.Result = ResultUnchanged
		c.keepValidators(p, bodyHash)
		c.rec.State.FastChecks = c.prev.FastChecks + 1
		c.recovered()
		return
	}
	extracting <- struct{}{}
	art, err := c.w.Extractor.Extract(p, c.src)
	<-extracting
	if err != nil && !errors.Is(err, ErrNoText) {
		c.fail(p.Status, err.Error())
		return
	}
	text := diff.Normalize(ignore(art.Text, c.src))
	lang := art.Lang
	if lang == "" {
		lang = c.src.Lang
	}
	// A challenge or an application shell is never the article, however long it stays:
	// stored, it would become the text the real article is compared with when it returns.
	// Both are failures (fail_after and the backoff apply), so that the operator hears of
	// them, and neither touches the validators, so that the next check fetches in full.
	if says, ok := challengePage(art.Title, text); ok {
		c.fail(p.Status, fmt.Sprintf("blocked by the site: a bot challenge was recognised (%q), not the article", says))
		c.rec.Check.Result = ResultBlocked
		return
	}
	if c.src.Render == "" && len(text) < shellText+len(art.Title)*2 && scriptShell(p.Body) {
		c.fail(p.Status, NeedsScriptHint)
		c.rec.Check.Result = ResultNeedsScript
		return
	}
	if c.prev.Snapshot == "" {
		if text == "" {
			c.fail(p.Status, "no article text found in the page")
			return
		}
		c.snapshot(p, bodyHash, art, text, lang, ArticleNew, nil)
		return
	}
	id := SnapshotID(text)
	if id == c.prev.Snapshot {
		c.rec.Check.Result = ResultUnchanged
		c.keepValidators(p, bodyHash)
		c.remember(p, art)
		c.recovered()
		return
	}
	old, err := c.w.Store.Text(c.src.Name, c.prev.Snapshot)
	c.old = old
	if err != nil {
		c.fail(p.Status, fmt.Sprintf("read previous snapshot %s: %v", c.prev.Snapshot, err))
		return
	}
	if collapsed(old, text) && c.prev.Suspects+1 < c.suspectAfter() {
		// Validators and body hash are left as they were, so that the next check fetches
		// and extracts again instead of being told "not modified".
		c.rec.Check.Result = ResultSuspect
		c.rec.Check.Error = fmt.Sprintf("article text collapsed from %d to %d bytes: suspect (%d of %d before it counts)",
			len(old), len(text), c.prev.Suspects+1, c.suspectAfter())
		c.rec.State.Suspects = c.prev.Suspects + 1
		c.rec.State.Status = StatusSuspect
		return
	}
	d := diff.Compute(old, text)
	typ := ArticleChanged
	if c.wasDown() {
		typ = ArticleRestored
	}
	c.snapshot(p, bodyHash, art, text, lang, typ, &d)
	ev := &c.rec.Events[len(c.rec.Events)-1]
	c.claims = c.w.Figures.Extract(text, lang)
	ev.Figures = figures.Compare(c.w.Figures.Extract(old, lang), c.claims)
	if ev.Figures == nil {
		ev.Figures = []figures.Change{}
	}
}

// backoff is the wait after the n-th failure in a row.
func (w *Watcher) backoff(n int) time.Duration {
	base, most := w.BackoffBase, w.BackoffMax
	if base <= 0 {
		base = time.Minute
	}
	if most <= 0 {
		most = 6 * time.Hour
	}
	d := base
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

func (c *checkRun) suspectAfter() int {
	if c.w.SuspectAfter > 0 {
		return c.w.SuspectAfter
	}
	return 3
}

// challengeRE matches what the bot-challenge and access-denied pages of CDNs and firewalls
// say instead of the article.
var challengeRE = regexp.MustCompile(`(?i)just a moment|attention required|checking (if the site connection is secure|your browser)|` +
	`verify (that )?you are (a )?human|enable (javascript and )?cookies to continue|captcha|access denied|` +
	`request (was )?blocked|you have been blocked|ddos protection|are you a robot`)

// challenge reports whether a short text is such a page. An article that merely mentions
// a captcha is longer than the pages that consist of one.
func challenge(text string) bool {
	return len(text) < 1500 && challengeRE.MatchString(text)
}

// challengePage reports whether an article extracted from a page served with a 2xx is a
// bot challenge, and what gave it away. Such a page is never stored, so the rule is
// narrower than challenge's, which reads pages whose status already says they are no
// article: a short text under a challenge's title ("Just a moment...", "Attention
// Required! | Cloudflare", "Captcha"), or a text under 300 bytes in a challenge's words. A
// news brief that mentions a captcha or an "access denied" has a headline of its own and
// more words than a challenge.
func challengePage(title, text string) (string, bool) {
	if len(text) >= 1500 {
		return "", false
	}
	if len(title) < 100 && challengeRE.MatchString(title) {
		return title, true
	}
	if len(text) < 300 {
		if m := challengeRE.FindString(text); m != "" {
			return m, true
		}
	}
	return "", false
}

// NeedsScriptHint is the error of a check whose page is an application shell (see
// scriptShell): what it means and what to do about it.
const NeedsScriptHint = "the page holds no article text without JavaScript: set render: browser"

// shellText bounds the text of an application shell: the visible text of its body, and the
// extracted text besides twice its title (a title and a headline taken from the head).
const shellText = 200

// scriptShell reports whether a page is an application shell: its article is drawn by
// scripts, so that read without running them it holds nothing but its title. (A page
// rendered in a browser has run them: an empty one is no shell but an empty page.) It has a
// script, and its body shows less than shellText bytes of text outside scripts, styles,
// <noscript> (which holds the "enable JavaScript" notice) and <template>. A page whose
// menus are in the markup and whose article comes from a script is not told apart from a
// page that lost its article: that is a collapse, suspect as any other.
func scriptShell(body []byte) bool {
	z := html.NewTokenizer(bytes.NewReader(body))
	scripts, text, skip := false, 0, 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return scripts && text < shellText
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script":
				scripts = true
				skip++
			case "style", "noscript", "template", "title":
				skip++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript", "template", "title":
				skip = max(skip-1, 0)
			}
		case html.TextToken:
			if skip == 0 {
				text += len(bytes.TrimSpace(z.Text()))
				if text >= shellText {
					return false
				}
			}
		}
	}
}

// collapsed reports whether new is empty or below a fifth of old: the signature of an
// error or challenge page rather than an edit. Short articles are exempt from the ratio.
func collapsed(old, new string) bool {
	return new == "" || (len(old) >= 500 && len(new)*5 < len(old))
}

func (c *checkRun) snapshot(p *Page, bodyHash string, art Article, text, lang, typ string, d *diff.Result) {
	id := SnapshotID(text)
	s := &Snapshot{ID: id, Time: c.rec.Check.Time, Size: len(text), Title: art.Title, Date: art.Date,
		Author: art.Author, Lang: lang}
	if d != nil {
		s.Added, s.Removed = d.Stats.Added, d.Stats.Removed
	}
	var shot []byte
	if p.Shoot != nil { // a rendered page whose source keeps screenshots, and a new version
		var err error
		if shot, err = p.Shoot(); err != nil && c.w.Log != nil {
			c.w.Log.Warn("screenshot not taken", "source", c.src.Name, "err", err)
		}
	}
	c.rec.Snapshot, c.rec.Text, c.rec.Screenshot = s, text, shot
	c.rec.Check.Snapshot = id
	c.rec.Check.Result = ResultChanged
	if typ == ArticleNew {
		c.rec.Check.Result = ResultNew
	}
	c.keepValidators(p, bodyHash)
	c.remember(p, art)
	st := &c.rec.State
	st.Snapshot, st.Lang, st.LastChange = id, lang, c.rec.Check.Time
	st.Status, st.Failures, st.Alerted, st.Suspects, st.LastError, st.RetryAt = StatusOK, 0, false, 0, "", time.Time{}
	ev := c.event(typ)
	ev.Snapshot, ev.Previous, ev.Title, ev.Diff = id, c.prev.Snapshot, art.Title, d
	c.rec.Events = append(c.rec.Events, ev)
}

// FullEvery and FullAfter bound the fast path: once both this many fast verdicts in a row
// and this long since the last full extraction have passed, the page is extracted in full
// again, so that a change the regions cannot see (the article growing a paragraph outside
// its old container) is found within max(24 checks, 1 hour). Both, not either: on a tight
// schedule the hour keeps full extractions to one an hour per source, on a slow one the
// count keeps them to one in 24 checks.
const (
	FullEvery = 24
	FullAfter = time.Hour
)

// fastUnchanged reports whether the fast path proves the article unchanged.
func (c *checkRun) fastUnchanged(p *Page) bool {
	fp, ok := c.w.Extractor.(Fingerprinter)
	if !ok || c.prev.Fingerprint == "" || c.prev.Snapshot == "" || c.wasDown() ||
		c.prev.FastChecks >= FullEvery && c.rec.Check.Time.Sub(c.prev.FullAt) >= FullAfter {
		return false
	}
	h, ok := fp.Fingerprint(p, c.prev.Regions)
	return ok && h == c.prev.Fingerprint
}

// remember keeps where the article lay after a full extraction, for the fast path.
func (c *checkRun) remember(p *Page, art Article) {
	st := &c.rec.State
	st.Regions, st.Fingerprint, st.FastChecks, st.FullAt = nil, "", 0, c.rec.Check.Time
	if fp, ok := c.w.Extractor.(Fingerprinter); ok && art.Regions != nil {
		if h, ok := fp.Fingerprint(p, art.Regions); ok {
			st.Regions, st.Fingerprint = art.Regions, h
		}
	}
}

func (c *checkRun) keepValidators(p *Page, bodyHash string) {
	c.rec.State.ETag, c.rec.State.LastModified, c.rec.State.BodyHash = p.ETag, p.LastModified, bodyHash
}

// wasDown reports whether the source had been reported gone or failing.
func (c *checkRun) wasDown() bool {
	return c.prev.Status == StatusGone || (c.prev.Status == StatusFailing && c.prev.Alerted)
}

// recovered ends a gone or failing state on an answer that did not change the text.
func (c *checkRun) recovered() {
	st := &c.rec.State
	if c.wasDown() {
		ev := c.event(ArticleRestored)
		ev.Snapshot, ev.Previous = c.prev.Snapshot, c.prev.Snapshot
		c.rec.Events = append(c.rec.Events, ev)
	}
	st.Status, st.Failures, st.Alerted, st.Suspects, st.LastError, st.RetryAt = StatusOK, 0, false, 0, "", time.Time{}
}

func (c *checkRun) gone(status int) {
	if c.prev.Snapshot == "" {
		c.fail(status, fmt.Sprintf("HTTP %d %s", status, http.StatusText(status)))
		return
	}
	c.rec.Check.Result = ResultGone
	st := &c.rec.State
	if c.prev.Status != StatusGone {
		ev := c.event(ArticleGone)
		ev.Previous, ev.Status = c.prev.Snapshot, status
		c.rec.Events = append(c.rec.Events, ev)
	}
	// Forget the validators: when the article comes back it must be fetched whole.
	st.Status, st.ETag, st.LastModified, st.BodyHash = StatusGone, "", "", ""
	st.Failures, st.Alerted, st.Suspects, st.LastError, st.RetryAt = 0, false, 0, "", time.Time{}
}

func (c *checkRun) fail(status int, msg string) {
	c.rec.Check.Result = ResultFailed
	c.rec.Check.Error = msg
	st := &c.rec.State
	if c.prev.Status == StatusGone {
		// A gone article that now times out is still gone; the failure is only logged.
		st.LastError = msg
		return
	}
	st.Status, st.Failures, st.LastError = StatusFailing, c.prev.Failures+1, msg
	st.RetryAt = c.rec.Check.Time.Add(max(c.w.backoff(st.Failures), c.retryAfter))
	failAfter := max(c.w.FailAfter, 1)
	if st.Failures >= failAfter && !c.prev.Alerted {
		st.Alerted = true
		ev := c.event(FetchFailed)
		ev.Previous, ev.Status, ev.Error = c.prev.Snapshot, status, msg
		c.rec.Events = append(c.rec.Events, ev)
	}
}

// event starts an event of the given type. Its id derives from the source's state before
// this check, which a crash before the commit leaves untouched (a re-run of the same check
// yields the same id), and from the new snapshot, so that the first snapshots of a source
// in two databases get the same id only when they are the same text.
func (c *checkRun) event(typ string) Event {
	return Event{
		ID: EventID(typ, c.src.Name, c.prev.Snapshot, c.prev.LastCheck.UTC().Format(time.RFC3339Nano),
			c.rec.Check.Snapshot),
		Type:    typ,
		Time:    c.rec.Check.Time.UTC(),
		Source:  EventSource{Name: c.src.Name, URL: c.src.URL},
		Figures: []figures.Change{},
	}
}

func ignore(text string, src Source) string {
	for _, re := range src.Ignore {
		text = re.ReplaceAllString(text, "")
	}
	return text
}

// hashBytes tells a byte-identical page from another. It need not resist forgery, only be
// fast: it runs over every page fetched, and sha256 cost as much as the fast path itself.
func hashBytes(b []byte) string {
	return strconv.FormatUint(xxhash.Sum64(b), 16)
}

// CheckAll checks the sources with at most parallel checks at a time (per-host limits are
// the fetcher's business) and calls done after each. A failing source never stops the
// others; the error joins store failures only.
func (w *Watcher) CheckAll(ctx context.Context, sources []Source, parallel int, done func(Source, Record, error)) error {
	sem := make(chan struct{}, max(parallel, 1))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, s := range sources {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			rec, err := w.Check(ctx, s)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if done != nil {
				done(s, rec, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
