// Package web is hanoiwatch's HTTP face: health and readiness probes, Prometheus metrics
// and the JSON API that reads the store the daemon writes. Mutating routes need the API
// token.
package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hanoiwatch/diff"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

// Store is what the server reads.
type Store interface {
	State(source string) (watcher.State, error)
	Snapshots(source string) ([]watcher.Snapshot, error)
	Text(source, id string) (string, error)
	Checks(source string, n int) ([]watcher.Check, error)
	Events(since time.Time, types ...string) ([]watcher.Event, error)
}

// Daemon is what the server asks of the running daemon.
type Daemon interface {
	Sources() []watcher.Source
	Next(name string) time.Time
	CheckNow(name string) error
	Add(s watcher.Source) error
	Remove(name string) error
}

// Server serves the API. Its zero Token refuses every mutating request.
type Server struct {
	Store    Store
	Daemon   Daemon
	Token    string
	Gatherer prometheus.Gatherer
	Ready    func() error
	Log      *slog.Logger
	Figures  *figures.Extractor // the dashboard's figures: the canonical subjects the CLI uses
	Captures CaptureStore       // the responses as served; nil: their routes are not served
	// Screenshots are the images of rendered snapshots; nil: their route is not served.
	Screenshots ScreenshotStore
}

// Errors the handlers map to HTTP statuses.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("unauthorized")
	ErrConflict     = errors.New("conflict")
)

// status is the one table from domain errors to HTTP statuses.
func status(err error) int {
	switch {
	case errors.Is(err, watcher.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	m.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if s.Ready != nil {
			if err := s.Ready(); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	if s.Gatherer != nil {
		m.Handle("GET /metrics", promhttp.HandlerFor(s.Gatherer, promhttp.HandlerOpts{}))
	}
	m.HandleFunc("GET /api/sources", s.api(s.listSources))
	m.HandleFunc("GET /api/sources/{name}", s.api(s.getSource))
	m.HandleFunc("GET /api/sources/{name}/snapshots", s.api(s.snapshots))
	m.HandleFunc("GET /api/sources/{name}/snapshots/{id}", s.api(s.snapshotText))
	m.HandleFunc("GET /api/sources/{name}/diff", s.api(s.diff))
	m.HandleFunc("GET /api/events", s.api(s.events))
	m.HandleFunc("POST /api/sources", s.api(s.auth(s.addSource)))
	m.HandleFunc("DELETE /api/sources/{name}", s.api(s.auth(s.removeSource)))
	m.HandleFunc("POST /api/sources/{name}/check", s.api(s.auth(s.checkSource)))
	s.captureRoutes(m)
	s.screenshotRoutes(m)
	s.dashboard(m)
	return m
}

type handler func(r *http.Request) (int, any, error)

// api writes a handler's value as JSON, or its error as {"error": ...} with the status
// the error maps to.
func (s *Server) api(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		code, v, err := h(r)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if err != nil {
			code = status(err)
			if code == http.StatusInternalServerError && s.Log != nil {
				s.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			v = map[string]string{"error": err.Error()}
		}
		w.WriteHeader(code)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
	}
}

func (s *Server) auth(h handler) handler {
	return func(r *http.Request) (int, any, error) {
		if s.Token == "" {
			return 0, nil, fmt.Errorf("%w: no API token is configured (http.token), so changes through the API are disabled", ErrUnauthorized)
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1 {
			return 0, nil, fmt.Errorf("%w: a valid bearer token is required", ErrUnauthorized)
		}
		return h(r)
	}
}

// SourceView is a source as the API shows it.
type SourceView struct {
	Name       string          `json:"name"`
	URL        string          `json:"url"`
	Origin     string          `json:"origin,omitempty"`
	Lang       string          `json:"lang,omitempty"`
	Schedule   string          `json:"schedule,omitempty"`
	Status     string          `json:"status"`
	LastCheck  time.Time       `json:"last_check,omitzero"`
	LastChange time.Time       `json:"last_change,omitzero"`
	NextCheck  time.Time       `json:"next_check,omitzero"`
	Snapshots  int             `json:"snapshots"`
	State      watcher.State   `json:"state"`
	Checks     []watcher.Check `json:"checks,omitempty"`
}

func (s *Server) view(src watcher.Source, checks int) (SourceView, error) {
	st, err := s.Store.State(src.Name)
	if err != nil {
		return SourceView{}, err
	}
	snaps, err := s.Store.Snapshots(src.Name)
	if err != nil {
		return SourceView{}, err
	}
	v := SourceView{Name: src.Name, URL: src.URL, Origin: src.Origin, Lang: src.Lang, Schedule: src.Schedule,
		Status: st.Status, LastCheck: st.LastCheck, LastChange: st.LastChange, NextCheck: s.Daemon.Next(src.Name),
		Snapshots: len(snaps), State: st}
	if v.Status == "" {
		v.Status = "new"
	}
	if checks > 0 {
		v.Checks, err = s.Store.Checks(src.Name, checks)
	}
	return v, err
}

func (s *Server) source(name string) (watcher.Source, error) {
	for _, src := range s.Daemon.Sources() {
		if src.Name == name {
			return src, nil
		}
	}
	return watcher.Source{}, fmt.Errorf("source %q: %w", name, watcher.ErrNotFound)
}

func (s *Server) listSources(r *http.Request) (int, any, error) {
	out := []SourceView{}
	for _, src := range s.Daemon.Sources() {
		v, err := s.view(src, 0)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, v)
	}
	return http.StatusOK, out, nil
}

func (s *Server) getSource(r *http.Request) (int, any, error) {
	src, err := s.source(r.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	v, err := s.view(src, 50)
	return http.StatusOK, v, err
}

func (s *Server) snapshots(r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	snaps, err := s.Store.Snapshots(name)
	if err != nil {
		return 0, nil, err
	}
	if snaps == nil {
		if _, err := s.source(name); err != nil {
			return 0, nil, err
		}
		snaps = []watcher.Snapshot{}
	}
	return http.StatusOK, snaps, nil
}

// SnapshotText is one snapshot with its text.
type SnapshotText struct {
	watcher.Snapshot
	Text string `json:"text"`
}

func (s *Server) snapshotText(r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	snaps, err := s.Store.Snapshots(name)
	if err != nil {
		return 0, nil, err
	}
	id, err := resolve(name, snaps, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	text, err := s.Store.Text(name, id)
	if err != nil {
		return 0, nil, err
	}
	for _, sn := range snaps {
		if sn.ID == id {
			return http.StatusOK, SnapshotText{sn, text}, nil
		}
	}
	return 0, nil, fmt.Errorf("snapshot %s: %w", id, watcher.ErrNotFound)
}

// DiffView is the answer of the diff route.
type DiffView struct {
	From string      `json:"from"`
	To   string      `json:"to"`
	Diff diff.Result `json:"diff"`
}

func (s *Server) diff(r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	snaps, err := s.Store.Snapshots(name)
	if err != nil {
		return 0, nil, err
	}
	if len(snaps) == 0 {
		return 0, nil, fmt.Errorf("snapshots of %q: %w", name, watcher.ErrNotFound)
	}
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if to == "" {
		to = snaps[len(snaps)-1].ID
	}
	if from == "" {
		if len(snaps) < 2 {
			return 0, nil, fmt.Errorf("%w: %s has a single snapshot", ErrBadRequest, name)
		}
		from = snaps[len(snaps)-2].ID
	}
	if from, err = resolve(name, snaps, from); err != nil {
		return 0, nil, err
	}
	if to, err = resolve(name, snaps, to); err != nil {
		return 0, nil, err
	}
	a, err := s.Store.Text(name, from)
	if err != nil {
		return 0, nil, err
	}
	b, err := s.Store.Text(name, to)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, DiffView{From: from, To: to, Diff: diff.Compute(a, b)}, nil
}

// resolve finds the snapshot id a unique prefix names.
func resolve(source string, snaps []watcher.Snapshot, prefix string) (string, error) {
	var found string
	for _, sn := range snaps {
		if strings.HasPrefix(sn.ID, prefix) && sn.ID != found {
			if found != "" {
				return "", fmt.Errorf("%w: snapshot prefix %q of %s is ambiguous", ErrBadRequest, prefix, source)
			}
			found = sn.ID
		}
	}
	if found == "" {
		return "", fmt.Errorf("snapshot %q of %s: %w", prefix, source, watcher.ErrNotFound)
	}
	return found, nil
}

func (s *Server) events(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := time.ParseDuration(v)
			if derr != nil {
				return 0, nil, fmt.Errorf("%w: since=%q is neither an RFC 3339 time nor a duration", ErrBadRequest, v)
			}
			t = time.Now().Add(-d)
		}
		since = t
	}
	evs, err := s.Store.Events(since, q["type"]...)
	if err != nil {
		return 0, nil, err
	}
	if src := q.Get("source"); src != "" {
		kept := evs[:0]
		for _, e := range evs {
			if e.Source.Name == src {
				kept = append(kept, e)
			}
		}
		evs = kept
	}
	if evs == nil {
		evs = []watcher.Event{}
	}
	return http.StatusOK, evs, nil
}

// NewSource is the body of POST /api/sources.
type NewSource struct {
	Name     string `json:"name"`
	URL      string `json:"url"`
	Schedule string `json:"schedule,omitempty"`
	Selector string `json:"selector,omitempty"`
	Lang     string `json:"lang,omitempty"`
}

func (s *Server) addSource(r *http.Request) (int, any, error) {
	var n NewSource
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil {
		return 0, nil, fmt.Errorf("%w: body: %v", ErrBadRequest, err)
	}
	u, err := url.Parse(n.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return 0, nil, fmt.Errorf("%w: url %q is not an absolute http(s) URL", ErrBadRequest, n.URL)
	}
	if n.Name == "" {
		return 0, nil, fmt.Errorf("%w: name is required", ErrBadRequest)
	}
	if _, err := s.source(n.Name); err == nil {
		return 0, nil, fmt.Errorf("%w: a source named %q exists", ErrConflict, n.Name)
	}
	src := watcher.Source{Name: n.Name, URL: n.URL, Schedule: n.Schedule, Selector: n.Selector, Lang: n.Lang, Origin: "added"}
	if err := s.Daemon.Add(src); err != nil {
		return 0, nil, err
	}
	v, err := s.view(src, 0)
	return http.StatusCreated, v, err
}

func (s *Server) removeSource(r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	if _, err := s.source(name); err != nil {
		return 0, nil, err
	}
	if err := s.Daemon.Remove(name); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"removed": name}, nil
}

func (s *Server) checkSource(r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	if err := s.Daemon.CheckNow(name); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]string{"checking": name}, nil
}
