// Package client is a client of the daemon's JSON API. It answers report.Reader with the
// values the daemon's read models give, so that a command run while `hanoiwatch run`
// holds the database prints what it prints without the daemon; and it forwards changes
// (add, remove, check now, outbox retry) with the API token.
package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/watchlist"
	"hanoiwatch/watcher/web"
)

// Client talks to one daemon.
type Client struct {
	base  string
	token string
	http  *http.Client
}

var _ report.Reader = (*Client)(nil)

// Dial returns a client of the daemon listening on addr (host:port), or nil when none
// answers its health probe. token is sent with changes.
func Dial(addr, token string) *Client {
	if addr == "" || addr == "off" {
		return nil
	}
	c := &Client{base: "http://" + addr, token: token, http: &http.Client{Timeout: 30 * time.Second}}
	resp, err := c.http.Get(c.base + "/healthz")
	if err != nil {
		return nil
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return c
}

// Error is an error the daemon answered: its message as the daemon wrote it, and the
// domain error its status stands for, for errors.Is.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap maps the status back to the domain error the API's status table took it from.
func (e *Error) Unwrap() error {
	switch e.Status {
	case http.StatusNotFound:
		return watcher.ErrNotFound
	case http.StatusBadRequest:
		return report.ErrInvalid
	case http.StatusConflict:
		return watchlist.ErrExists
	case http.StatusUnauthorized:
		return web.ErrUnauthorized
	}
	return nil
}

func (c *Client) do(method, path string, body, v any) error {
	_, err := c.request(method, path, body, v, "")
	return err
}

// getHeader is get that also returns the value of one header of the answer.
func (c *Client) getHeader(path string, v any, header string) (string, error) {
	return c.request(http.MethodGet, path, nil, v, header)
}

// request sends a request and decodes its JSON answer into v; it returns the value of
// the header named (none when "").
func (c *Client) request(method, path string, body, v any, header string) (string, error) {
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return "", err
		}
	}
	req, err := http.NewRequest(method, c.base+path, &buf)
	if err != nil {
		return "", err
	}
	if method != http.MethodGet {
		if c.token == "" {
			return "", errors.New("the daemon holds the database and takes changes through its API, which needs http.token in the config")
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("daemon API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		if json.NewDecoder(resp.Body).Decode(&e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("daemon API %s %s: %s", method, path, resp.Status)
		}
		return "", &Error{Status: resp.StatusCode, Msg: e.Error}
	}
	h := ""
	if header != "" {
		h = resp.Header.Get(header)
	}
	if v == nil {
		return h, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return "", fmt.Errorf("daemon API %s %s: %w", method, path, err)
	}
	return h, nil
}

func (c *Client) get(path string, v any) error { return c.do(http.MethodGet, path, nil, v) }

func src(name string) string { return "/api/sources/" + url.PathEscape(name) }

// Sources lists the watch list with each source's state, every page of it.
func (c *Client) Sources() ([]report.SourceView, error) {
	var all []report.SourceView
	after := ""
	for {
		var page []report.SourceView
		h, err := c.getHeader("/api/sources?after="+url.QueryEscape(after), &page, web.NextHeader)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if h == "" {
			return all, nil
		}
		after = h
	}
}

// Source is one source with its state and check log.
func (c *Client) Source(name string) (report.SourceView, error) {
	var v report.SourceView
	return v, c.get(src(name), &v)
}

// Snapshots lists a source's snapshots.
func (c *Client) Snapshots(name string) ([]watcher.Snapshot, error) {
	var v []watcher.Snapshot
	return v, c.get(src(name)+"/snapshots", &v)
}

// Snapshot is one snapshot with its text; id "" is the latest.
func (c *Client) Snapshot(name, id string) (report.SnapshotText, error) {
	if id == "" {
		id = "latest"
	}
	var v report.SnapshotText
	return v, c.get(src(name)+"/snapshots/"+url.PathEscape(id), &v)
}

// Diff compares two snapshots.
func (c *Client) Diff(name, from, to string) (report.DiffView, error) {
	q := url.Values{}
	if from != "" {
		q.Set("from", from)
	}
	if to != "" {
		q.Set("to", to)
	}
	var v report.DiffView
	return v, c.get(src(name)+"/diff?"+q.Encode(), &v)
}

// Figures is a source's figures over time.
func (c *Client) Figures(name string) ([]figures.Series, error) {
	var v []figures.Series
	return v, c.get(src(name)+"/figures", &v)
}

// Board is the figures board.
func (c *Client) Board() (report.Board, error) {
	var v report.Board
	return v, c.get("/api/figures", &v)
}

// Coverage is the coverage report.
func (c *Client) Coverage() (report.Coverage, error) {
	var v report.Coverage
	return v, c.get("/api/coverage", &v)
}

// Treaty is the official status from the treaty-status sources.
func (c *Client) Treaty(names []string, latest int) ([]report.Treaty, error) {
	q := url.Values{"name": names, "latest": {strconv.Itoa(latest)}}
	var v []report.Treaty
	return v, c.get("/api/treaty?"+q.Encode(), &v)
}

// Timeline is a source's snapshots and events, newest first.
func (c *Client) Timeline(name string) ([]report.Moment, error) {
	var v []report.Moment
	return v, c.get(src(name)+"/timeline", &v)
}

// Events is one page of events.
func (c *Client) Events(q watcher.EventQuery) (report.EventPage, error) {
	v := url.Values{"type": q.Types}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if q.Source != "" {
		v.Set("source", q.Source)
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.After != "" {
		v.Set("after", q.After)
	}
	var p report.EventPage
	return p, c.get("/api/events?"+v.Encode(), &p)
}

// Add adds a source to the daemon's watch list.
func (c *Client) Add(r watchlist.Request) (report.SourceView, error) {
	var v report.SourceView
	return v, c.do(http.MethodPost, "/api/sources", r, &v)
}

// Remove removes a source from the daemon's watch list.
func (c *Client) Remove(name string) error {
	return c.do(http.MethodDelete, src(name), nil, nil)
}

// CheckNow asks the daemon to check a source now.
func (c *Client) CheckNow(name string) error {
	return c.do(http.MethodPost, src(name)+"/check", nil, nil)
}

// Requeue re-queues one delivery (id or a unique prefix), or all with all.
func (c *Client) Requeue(id string, all bool) (web.Requeued, error) {
	var v web.Requeued
	return v, c.do(http.MethodPost, "/api/outbox/requeue", web.RequeueRequest{ID: id, All: all}, &v)
}

// Deliveries lists the daemon's outbox: state "pending", "dead" or "" for both.
func (c *Client) Deliveries(state watcher.DeliveryState) ([]watcher.Delivery, error) {
	var v []watcher.Delivery
	return v, c.get("/api/outbox?state="+url.QueryEscape(string(state)), &v)
}

// GoneEndpoints lists the endpoints the daemon's outbox marked gone.
func (c *Client) GoneEndpoints() (map[string]watcher.EndpointGone, error) {
	var v map[string]watcher.EndpointGone
	return v, c.get("/api/outbox/gone", &v)
}

// Captures lists a source's captures: the responses as served.
func (c *Client) Captures(source string) ([]watcher.Capture, error) {
	var vs []web.CaptureView
	err := c.get(src(source)+"/captures", &vs)
	out := make([]watcher.Capture, len(vs))
	for i, v := range vs {
		out[i] = v.Capture
	}
	return out, err
}

// Body reads a captured body, as served.
func (c *Client) Body(sha string) ([]byte, error) {
	resp, err := c.http.Get(c.base + "/api/captures/" + url.PathEscape(sha))
	if err != nil {
		return nil, fmt.Errorf("daemon API: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return io.ReadAll(resp.Body)
	case http.StatusNotFound:
		return nil, &Error{Status: resp.StatusCode, Msg: fmt.Sprintf("capture %s: not found", sha)}
	}
	return nil, fmt.Errorf("daemon API /api/captures/%s: %s", sha, resp.Status)
}
