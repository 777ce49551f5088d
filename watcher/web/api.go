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
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/report"
	"hanoiwatch/watcher/watchlist"
)

// Changes is what the server asks of the running daemon: the changes to the watch list
// and checks on demand. nil (as under `hanoiwatch serve`) refuses every change.
type Changes interface {
	Add(r watchlist.Request) (watcher.Source, error)
	Remove(name string) error
	CheckNow(name string) error
}

// Server serves the API and the dashboard. Every read goes through Reports, the read
// models the CLI prints too. Its zero Token refuses every mutating request.
type Server struct {
	Reports  report.Reader
	Changes  Changes
	Outbox   Outbox   // nil: the store keeps no outbox
	Requeuer Requeuer // nil: dead deliveries cannot be re-queued here
	Token    string
	Gatherer prometheus.Gatherer
	Ready    func() error
	Log      *slog.Logger
	Now      func() time.Time // the dashboard's clock; nil for time.Now
	Captures CaptureStore     // the responses as served; nil: their routes are not served
	// Notice is a warning about the whole database, shown at the top of every dashboard
	// page and sent with every API answer as the Hanoiwatch-Notice header: a database
	// made by `hanoiwatch demo` says so. Empty for none.
	Notice string
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
	case errors.Is(err, ErrBadRequest), errors.Is(err, report.ErrInvalid), errors.Is(err, watchlist.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrConflict), errors.Is(err, watchlist.ErrExists):
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
	m.HandleFunc("GET /api/sources", func(w http.ResponseWriter, r *http.Request) {
		s.api(func(r *http.Request) (int, any, error) { return s.listSources(w, r) })(w, r)
	})
	m.HandleFunc("GET /api/sources/{name}", s.api(s.getSource))
	m.HandleFunc("GET /api/sources/{name}/snapshots", s.api(s.snapshots))
	m.HandleFunc("GET /api/sources/{name}/snapshots/{id}", s.api(s.snapshotText))
	m.HandleFunc("GET /api/sources/{name}/diff", s.api(s.diff))
	m.HandleFunc("GET /api/sources/{name}/figures", s.api(s.sourceFigures))
	m.HandleFunc("GET /api/sources/{name}/timeline", s.api(s.timeline))
	m.HandleFunc("GET /api/figures", s.api(s.board))
	m.HandleFunc("GET /api/coverage", s.api(s.coverage))
	m.HandleFunc("GET /api/treaty", s.api(s.treaty))
	m.HandleFunc("GET /api/events", s.api(s.events))
	m.HandleFunc("GET /api/outbox", s.api(s.outbox))
	m.HandleFunc("GET /api/outbox/gone", s.api(s.gone))
	m.HandleFunc("POST /api/sources", s.api(s.auth(s.addSource)))
	m.HandleFunc("DELETE /api/sources/{name}", s.api(s.auth(s.removeSource)))
	m.HandleFunc("POST /api/sources/{name}/check", s.api(s.auth(s.checkSource)))
	m.HandleFunc("POST /api/outbox/requeue", s.api(s.auth(s.requeue)))
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
		if s.Notice != "" {
			w.Header().Set("Hanoiwatch-Notice", s.Notice)
		}
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

// NextHeader carries the cursor of the next page of a list answered as a JSON array
// (GET /api/sources): absent on the last page.
const NextHeader = "Hanoiwatch-Next"

// listSources answers a page of the watch list: ?limit= (report.DefaultSources by
// default) after ?after= (the NextHeader of the page before).
func (s *Server) listSources(w http.ResponseWriter, r *http.Request) (int, any, error) {
	limit, err := intParam(r.URL.Query(), "limit", report.DefaultSources)
	if err != nil || limit < 1 {
		return 0, nil, fmt.Errorf("%w: limit=%q, want a number from 1", ErrBadRequest, r.URL.Query().Get("limit"))
	}
	all, err := s.Reports.Sources()
	if err != nil {
		return 0, nil, err
	}
	page, next := report.PageSources(all, r.URL.Query().Get("after"), limit)
	if next != "" {
		w.Header().Set(NextHeader, next)
	}
	return http.StatusOK, page, nil
}

func (s *Server) getSource(r *http.Request) (int, any, error) {
	v, err := s.Reports.Source(r.PathValue("name"))
	return http.StatusOK, v, err
}

func (s *Server) snapshots(r *http.Request) (int, any, error) {
	v, err := s.Reports.Snapshots(r.PathValue("name"))
	return http.StatusOK, v, err
}

// latest names the latest snapshot in /api/sources/{name}/snapshots/{id}: ids are hex,
// so no prefix of one reads "latest".
const latest = "latest"

func (s *Server) snapshotText(r *http.Request) (int, any, error) {
	id := r.PathValue("id")
	if id == latest {
		id = ""
	}
	v, err := s.Reports.Snapshot(r.PathValue("name"), id)
	return http.StatusOK, v, err
}

func (s *Server) diff(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	v, err := s.Reports.Diff(r.PathValue("name"), q.Get("from"), q.Get("to"))
	return http.StatusOK, v, err
}

func (s *Server) sourceFigures(r *http.Request) (int, any, error) {
	v, err := s.Reports.Figures(r.PathValue("name"))
	return http.StatusOK, v, err
}

func (s *Server) timeline(r *http.Request) (int, any, error) {
	v, err := s.Reports.Timeline(r.PathValue("name"))
	return http.StatusOK, v, err
}

func (s *Server) board(r *http.Request) (int, any, error) {
	v, err := s.Reports.Board()
	return http.StatusOK, v, err
}

func (s *Server) coverage(r *http.Request) (int, any, error) {
	v, err := s.Reports.Coverage()
	return http.StatusOK, v, err
}

// treaty answers ?name=N (repeatable) and ?latest=K as `hanoiwatch treaty` does.
func (s *Server) treaty(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	latest, err := intParam(q, "latest", 5)
	if err != nil {
		return 0, nil, err
	}
	v, err := s.Reports.Treaty(q["name"], latest)
	return http.StatusOK, v, err
}

// intParam reads an integer query parameter, def when absent.
func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q is not a number", ErrBadRequest, name, v)
	}
	return n, nil
}

// eventQuery reads the event filters and paging of /api/events, the events page and the
// feeds: since (RFC 3339 time or a duration back from now), type (repeatable), source,
// limit and after (the next cursor of the page before).
func eventQuery(q url.Values, now time.Time) (watcher.EventQuery, error) {
	eq := watcher.EventQuery{Types: q["type"], Source: q.Get("source"), After: q.Get("after")}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := time.ParseDuration(v)
			if derr != nil {
				return eq, fmt.Errorf("%w: since=%q is neither an RFC 3339 time nor a duration", ErrBadRequest, v)
			}
			t = now.Add(-d)
		}
		eq.Since = t
	}
	var err error
	eq.Limit, err = intParam(q, "limit", 0)
	return eq, err
}

func (s *Server) events(r *http.Request) (int, any, error) {
	q, err := eventQuery(r.URL.Query(), s.now())
	if err != nil {
		return 0, nil, err
	}
	v, err := s.Reports.Events(q)
	return http.StatusOK, v, err
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// changes returns the daemon's Changes, or the error that says why there are none.
func (s *Server) changes() (Changes, error) {
	if s.Changes == nil {
		return nil, errBrowse
	}
	return s.Changes, nil
}

// errBrowse explains why a server without a daemon refuses changes.
var errBrowse = fmt.Errorf("%w: `hanoiwatch serve` only browses the database; checks and changes need the daemon (`hanoiwatch run`) or the CLI", ErrConflict)

func (s *Server) addSource(r *http.Request) (int, any, error) {
	c, err := s.changes()
	if err != nil {
		return 0, nil, err
	}
	var n watchlist.Request
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil {
		return 0, nil, fmt.Errorf("%w: body: %v", ErrBadRequest, err)
	}
	src, err := c.Add(n)
	if err != nil {
		return 0, nil, err
	}
	v, err := s.Reports.Source(src.Name)
	return http.StatusCreated, v, err
}

func (s *Server) removeSource(r *http.Request) (int, any, error) {
	c, err := s.changes()
	if err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	if err := c.Remove(name); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"removed": name}, nil
}

func (s *Server) checkSource(r *http.Request) (int, any, error) {
	c, err := s.changes()
	if err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	if err := c.CheckNow(name); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]string{"checking": name}, nil
}

// Requeued is the answer of POST /api/outbox/requeue: the delivery asked for by id, or
// the counts of --all.
type Requeued struct {
	Delivery *watcher.Delivery `json:"delivery,omitempty"`
	Dead     int               `json:"dead"`    // dead deliveries put back in their queue
	Pending  int               `json:"pending"` // pending ones made due now
}

// RequeueRequest is the body of POST /api/outbox/requeue: one delivery by id, or all.
type RequeueRequest struct {
	ID  string `json:"id,omitempty"`
	All bool   `json:"all,omitempty"`
}

func (s *Server) requeue(r *http.Request) (int, any, error) {
	if s.Requeuer == nil {
		return 0, nil, errBrowse
	}
	var q RequeueRequest
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<12))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil || (q.ID == "") == !q.All {
		return 0, nil, fmt.Errorf(`%w: body: want {"id": "..."} or {"all": true}`, ErrBadRequest)
	}
	if q.All {
		dead, pending, err := s.Requeuer.RequeueAll()
		return http.StatusOK, Requeued{Dead: dead, Pending: pending}, err
	}
	d, err := s.Requeuer.Requeue(q.ID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Requeued{Delivery: &d}, nil
}

// outbox lists deliveries: ?state=pending or dead, all when absent.
func (s *Server) outbox(r *http.Request) (int, any, error) {
	if s.Outbox == nil {
		return 0, nil, fmt.Errorf("outbox: %w (this store keeps none)", watcher.ErrNotFound)
	}
	state := watcher.DeliveryState(r.URL.Query().Get("state"))
	if state != "" && state != watcher.DeliveryPending && state != watcher.DeliveryDead {
		return 0, nil, fmt.Errorf("%w: state=%q, want pending or dead", ErrBadRequest, state)
	}
	ds, err := s.Outbox.Deliveries(state)
	if ds == nil {
		ds = []watcher.Delivery{}
	}
	return http.StatusOK, ds, err
}

// gone lists the endpoints marked gone (410), by name.
func (s *Server) gone(r *http.Request) (int, any, error) {
	if s.Outbox == nil {
		return 0, nil, fmt.Errorf("outbox: %w (this store keeps none)", watcher.ErrNotFound)
	}
	g, err := s.Outbox.GoneEndpoints()
	if g == nil {
		g = map[string]watcher.EndpointGone{}
	}
	return http.StatusOK, g, err
}
