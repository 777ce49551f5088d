package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// channel sends events as short messages through a shoutrrr service.
type channel struct {
	url    string // never printed
	scheme string
	// subject: the message's subject is set from the event (email); false when the URL
	// sets its own.
	subject bool

	// mu serialises the use of the service: shoutrrr services are not documented as safe
	// for concurrent use, and an attempt abandoned at its timeout may still be running
	// when the next one starts.
	mu  sync.Mutex
	svc types.Service
}

// newChannel checks that the URL names a shoutrrr service. The service itself is set up
// at the first send, not here: some (matrix) log in to their server when set up, which
// must neither slow down nor fail a `check` that has nothing to send.
func newChannel(rawURL string) (*channel, error) {
	var r router.ServiceRouter
	scheme, _, err := r.ExtractServiceName(rawURL)
	if err != nil {
		return nil, errors.New("not a service URL") // shoutrrr's message quotes the URL
	}
	if _, err := r.NewService(scheme); err != nil {
		return nil, fmt.Errorf("unknown shoutrrr service %q", scheme)
	}
	c := &channel{url: rawURL, scheme: scheme}
	if scheme == "smtp" {
		// shoutrrr's smtp service sends an empty Subject unless the URL sets one ("subject"
		// or its alias "title", any case).
		c.subject = true
		if u, err := url.Parse(rawURL); err == nil {
			for k := range u.Query() {
				if k = strings.ToLower(k); k == "subject" || k == "title" {
					c.subject = false
				}
			}
		}
	}
	return c, nil
}

// Notify sends the message of e. Shoutrrr's services take no context: the send runs in a
// goroutine, and an attempt that outlives ctx is abandoned (it ends at the service's own
// timeout). Every failure is worth a retry: shoutrrr does not tell a refusal from an
// outage, and the attempts are bounded anyway.
func (c *channel) Notify(ctx context.Context, e watcher.Event) (bool, error) {
	msg := Message(e)
	params := types.Params{}
	if c.subject {
		// shoutrrr writes the header as given: non-ASCII text is encoded here (RFC 2047).
		params["subject"] = mime.QEncoding.Encode("utf-8", Subject(e))
	}
	done := make(chan error, 1)
	go func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if ctx.Err() != nil { // waited for an abandoned attempt past our own deadline
			done <- ctx.Err()
			return
		}
		if c.svc == nil {
			var r router.ServiceRouter
			svc, err := r.Locate(c.url)
			if err != nil {
				// shoutrrr's errors here carry no detail worth the risk of quoting the URL.
				done <- fmt.Errorf("set up the %s service: check its URL against the shoutrrr documentation", c.scheme)
				return
			}
			c.svc = svc
		}
		done <- c.svc.Send(msg, &params)
	}()
	select {
	case err := <-done:
		if err != nil {
			return true, fmt.Errorf("%s: %w", c.scheme, err)
		}
		return false, nil
	case <-ctx.Done():
		return true, fmt.Errorf("%s: %w", c.scheme, ctx.Err())
	}
}

// Message limits: chat services cut or refuse long messages (Telegram at 4096 characters,
// Slack blocks at 3000), and a notification is a pointer to the article, not a copy.
const (
	maxDiffLines = 3   // added and removed lines each
	maxLine      = 240 // characters of one diff line or error
	maxFigures   = 10
)

// Message is the text a person reads: source and what happened, the title, each figure
// "before → after", the first lines of the diff, the link.
func Message(e watcher.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "hanoiwatch: %s %s", e.Source.Name, headline(e))
	if e.Title != "" {
		fmt.Fprintf(&b, "\n%s", cut(e.Title, maxLine))
	}
	if e.Error != "" {
		fmt.Fprintf(&b, "\nerror: %s", cut(e.Error, maxLine))
	}
	n := 0
	for _, f := range e.Figures {
		if f.Kind != "" {
			continue
		}
		if n++; n > maxFigures {
			fmt.Fprintf(&b, "\n• … and more figures")
			break
		}
		name := f.Subject
		if f.Key != "" && f.Key != f.Subject {
			name += " [" + f.Key + "]"
		}
		fmt.Fprintf(&b, "\n• %s: %s → %s", name, amount(f.Before, f), amount(f.After, f))
	}
	if d := e.Diff; d != nil && e.Type != watcher.ArticleNew {
		for _, side := range []struct {
			mark  string
			lines []string
		}{{"+", d.Added}, {"-", d.Removed}} {
			for i, l := range side.lines {
				if i == maxDiffLines {
					fmt.Fprintf(&b, "\n%s … %d more", side.mark, len(side.lines)-i)
					break
				}
				fmt.Fprintf(&b, "\n%s %s", side.mark, cut(l, maxLine))
			}
		}
	}
	fmt.Fprintf(&b, "\n%s", e.Source.URL)
	return b.String()
}

// maxSubject is the length of an email subject, in characters: mail clients show less.
const maxSubject = 150

// Subject is the subject of an email notification: the event type, the source and the
// first figure that moved, e.g. "hanoiwatch: article.changed vtv: signatories 65 → 72".
func Subject(e watcher.Event) string {
	s := fmt.Sprintf("hanoiwatch: %s %s", e.Type, e.Source.Name)
	for _, f := range e.Figures {
		if f.Kind != "" { // a date or reference number, not a figure
			continue
		}
		name := f.Key
		if name == "" {
			name = f.Subject
		}
		s += fmt.Sprintf(": %s %s → %s", name, amount(f.Before, f), amount(f.After, f))
		break
	}
	return cut(s, maxSubject)
}

// headline says what happened, in words.
func headline(e watcher.Event) string {
	switch e.Type {
	case watcher.ArticleNew:
		return "is now watched"
	case watcher.ArticleChanged:
		s := "changed"
		if e.Diff != nil {
			s += fmt.Sprintf(" (+%d −%d lines)", e.Diff.Stats.Added, e.Diff.Stats.Removed)
		}
		return s
	case watcher.ArticleGone:
		if e.Status != 0 {
			return fmt.Sprintf("is gone (HTTP %d)", e.Status)
		}
		return "is gone"
	case watcher.ArticleRestored:
		return "is back"
	case watcher.ArticleMoved:
		var d watcher.MoveDetail
		if json.Unmarshal(e.Detail, &d) == nil && d.To != "" {
			return "moved to " + d.To
		}
		return "moved"
	case watcher.FetchFailed:
		return "cannot be fetched"
	}
	return e.Type
}

func amount(v *float64, f figures.Change) string {
	if v == nil {
		return "∅"
	}
	s := strconv.FormatFloat(*v, 'f', -1, 64)
	switch f.Unit {
	case "":
	case "%":
		s += "%"
	default:
		s += " " + f.Unit
	}
	return s
}

// cut shortens s to n characters on one line.
func cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
