package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/web"
)

// reader is what the read-only commands need of the database. It is the store itself,
// or, while `hanoiwatch run` holds the database, the daemon's API (see remote).
type reader interface {
	State(source string) (watcher.State, error)
	Snapshots(source string) ([]watcher.Snapshot, error)
	Text(source, id string) (string, error)
	Captures(source string) ([]watcher.Capture, error)
	Body(sha string) ([]byte, error)
}

// remote reads through the JSON API of a running daemon. bbolt lets one process open a
// database for writing and no other open it at all, so while the daemon runs the read
// commands ask it instead.
type remote struct {
	base   string
	client *http.Client
}

// dialDaemon returns a remote for the daemon listening on addr, or nil when none answers.
func dialDaemon(addr string) *remote {
	if addr == "" || addr == "off" {
		return nil
	}
	r := &remote{base: "http://" + addr, client: &http.Client{Timeout: 10 * time.Second}}
	resp, err := r.client.Get(r.base + "/healthz")
	if err != nil {
		return nil
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return r
}

func (r *remote) get(path string, v any) error {
	resp, err := r.client.Get(r.base + path)
	if err != nil {
		return fmt.Errorf("daemon API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %w", path, watcher.ErrNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("daemon API %s: %s: %s", path, resp.Status, e.Error)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// State reads a source's state.
func (r *remote) State(source string) (watcher.State, error) {
	var v web.SourceView
	err := r.get("/api/sources/"+url.PathEscape(source), &v)
	return v.State, err
}

// Snapshots lists a source's snapshots.
func (r *remote) Snapshots(source string) ([]watcher.Snapshot, error) {
	var v []watcher.Snapshot
	err := r.get("/api/sources/"+url.PathEscape(source)+"/snapshots", &v)
	return v, err
}

// Text reads one snapshot's text.
func (r *remote) Text(source, id string) (string, error) {
	var v web.SnapshotText
	err := r.get("/api/sources/"+url.PathEscape(source)+"/snapshots/"+url.PathEscape(id), &v)
	return v.Text, err
}

// Captures lists a source's captures.
func (r *remote) Captures(source string) ([]watcher.Capture, error) {
	var vs []web.CaptureView
	err := r.get("/api/sources/"+url.PathEscape(source)+"/captures", &vs)
	out := make([]watcher.Capture, len(vs))
	for i, v := range vs {
		out[i] = v.Capture
	}
	return out, err
}

// Body reads a captured body, as served.
func (r *remote) Body(sha string) ([]byte, error) {
	resp, err := r.client.Get(r.base + "/api/captures/" + url.PathEscape(sha))
	if err != nil {
		return nil, fmt.Errorf("daemon API: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return io.ReadAll(resp.Body)
	case http.StatusNotFound:
		return nil, fmt.Errorf("capture %s: %w", sha, watcher.ErrNotFound)
	}
	return nil, fmt.Errorf("daemon API /api/captures/%s: %s", sha, resp.Status)
}

// sources reads the daemon's watch list.
func (r *remote) sources() ([]watcher.Source, error) {
	var vs []web.SourceView
	if err := r.get("/api/sources", &vs); err != nil {
		return nil, err
	}
	out := make([]watcher.Source, len(vs))
	for i, v := range vs {
		out[i] = watcher.Source{Name: v.Name, URL: v.URL, Origin: v.Origin, Lang: v.Lang, Schedule: v.Schedule}
	}
	return out, nil
}

// change sends a change (POST /api/sources, DELETE /api/sources/NAME) with the config's
// bearer token, and fails with the API's own message.
func (r *remote) change(method, path, token string, body any) error {
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return err
		}
	}
	req, err := http.NewRequest(method, r.base+path, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("daemon API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("daemon API %s %s: %s: %s", method, path, resp.Status, e.Error)
	}
	return nil
}

// changeThroughDaemon is load for the commands that change the watch list: while a running
// daemon holds the database, it returns the daemon to send the change to instead. The
// change needs the config's http.token, which the daemon checks.
func (a *app) changeThroughDaemon() (*remote, error) {
	err := a.load()
	if !errors.Is(err, store.ErrLocked) {
		return nil, err
	}
	r := dialDaemon(a.cfg.HTTP.Listen)
	if r == nil {
		return nil, err
	}
	if a.cfg.HTTP.Token == "" {
		return nil, fmt.Errorf("%w\n(the daemon holds the database and takes changes through its API, which needs http.token in the config)", err)
	}
	return r, nil
}
