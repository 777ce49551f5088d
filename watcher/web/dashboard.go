package web

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hanoiwatch/watcher"
)

// The dashboard's templates and assets are compiled into the binary, so that a copied
// binary serves the same pages with no files beside it and no network.
//
//go:embed templates static
var assets embed.FS

// Outbox is the part of the store the outbox view reads. Server.Store is asked for it at
// run time: a store without an outbox simply has no outbox page.
type Outbox interface {
	Deliveries(state watcher.DeliveryState) ([]watcher.Delivery, error)
	GoneEndpoints() (map[string]watcher.EndpointGone, error)
}

// Requeuer puts dead deliveries back in their queue (and makes pending ones due now),
// for the outbox view's retry button and POST /api/outbox/requeue.
type Requeuer interface {
	Requeue(id string) (watcher.Delivery, error)
	RequeueAll() (dead, pending int, err error)
}

// csp allows nothing but this server's own scripts, styles and forms: article text is
// untrusted, and even if some of it slipped past escaping, the browser would run no inline
// script, load nothing from elsewhere, and post nowhere else.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// dash serves the dashboard's HTML pages, their JSON twins that the API lacks, and the
// Atom feeds.
type dash struct {
	s     *Server
	pages map[string]*template.Template
}

// dashboard registers the dashboard's routes on m.
func (s *Server) dashboard(m *http.ServeMux) {
	d := &dash{s: s, pages: parsePages()}
	static, _ := fs.Sub(assets, "static")
	m.Handle("GET /static/", secure(http.StripPrefix("/static/", http.FileServerFS(static))))
	m.Handle("GET /{$}", d.page(d.sourcesPage))
	m.Handle("GET /sources", d.page(d.sourcesPage))
	m.Handle("GET /sources/{name}", d.page(d.sourcePage))
	m.Handle("GET /figures", d.page(d.figuresPage))
	m.Handle("GET /events", d.page(d.eventsPage))
	m.Handle("GET /coverage", d.page(d.coveragePage))
	m.Handle("GET /outbox", d.page(d.outboxPage))
	m.Handle("GET /feed.atom", secure(http.HandlerFunc(d.feed)))
	m.Handle("GET /sources/{name}/feed.atom", secure(http.HandlerFunc(d.feed)))

	// Forms: the token is typed by the user, never kept in a cookie, so a page elsewhere
	// cannot make the browser post it; CrossOriginProtection also refuses any cross-origin
	// POST outright (Sec-Fetch-Site, else Origin against Host).
	xo := http.NewCrossOriginProtection()
	m.Handle("POST /sources/{name}/check", xo.Handler(d.page(d.checkNow)))
	m.Handle("POST /outbox/requeue", xo.Handler(d.page(d.requeue)))

}

// secure sets the headers every dashboard response carries.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		// Links lead to the news sites: they need not learn the dashboard's address.
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// view is what every page template receives: the layout's needs and the page's data.
type view struct {
	Title  string // in <title> and <h1>
	Nav    string // the highlighted menu entry
	JSON   string // the page's JSON twin
	Feed   string // an Atom feed to announce, if any
	Flash  string // a notice after a redirect
	Notice string // Server.Notice
	Status int
	Data   any
}

// pageFunc builds a page; an error is rendered as an error page with the status the one
// table in api.go maps it to.
type pageFunc func(w http.ResponseWriter, r *http.Request) (name string, v view, err error)

func (d *dash) page(f pageFunc) http.Handler {
	return secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, v, err := f(w, r)
		if err != nil {
			code := status(err)
			if code == http.StatusInternalServerError && d.s.Log != nil {
				d.s.Log.Error("dashboard", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			name, v = "error.html", view{Title: http.StatusText(code), Status: code, Data: err.Error()}
		}
		if name == "" { // the handler answered itself (a redirect)
			return
		}
		v.Notice = d.s.Notice
		// Render to a buffer first: a template error must give a clean 500, not half a page.
		var buf bytes.Buffer
		if err := d.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
			if d.s.Log != nil {
				d.s.Log.Error("dashboard: template", "page", name, "err", err)
			}
			http.Error(w, "template error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if v.Status != 0 {
			w.WriteHeader(v.Status)
		}
		w.Write(buf.Bytes())
	}))
}

// parsePages parses each page template with the layout. The templates are embedded, so a
// parse error is a build defect that every test run catches.
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		pages[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(assets, "templates/layout.html", n))
	}
	return pages
}

// funcs are the helpers templates use to format values.
var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Local().Format("2006-01-02 15:04 MST")
	},
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ago":  ago,
	"host": host,
	"short": func(id string) string {
		if len(id) > 8 {
			return id[:8]
		}
		return id
	},
	"num":      num,
	"nump":     func(f *float64) string { return nump(f) },
	"value":    value,
	"srcURL":   srcURL,
	"diffURL":  diffURL,
	"cls":      func(s string) string { return strings.ReplaceAll(s, ".", "-") },
	"archived": archivedURL,
}

func ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = "now"
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d h", int(d.Hours()))
	default:
		s = fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	switch {
	case s == "now":
		return s
	case future:
		return "in " + s
	}
	return s + " ago"
}

// host is the site of a URL, without "www.", for grouping sources by site.
func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func nump(f *float64) string {
	if f == nil {
		return "∅"
	}
	return num(*f)
}

func value(f float64, unit string) string {
	if unit != "" {
		return num(f) + " " + unit
	}
	return num(f)
}

func srcURL(name string) string { return "/sources/" + url.PathEscape(name) }

// diffURL links to a source page comparing two snapshots.
func diffURL(name, from, to string) string {
	q := url.Values{}
	if from != "" {
		q.Set("from", from)
	}
	if to != "" {
		q.Set("to", to)
	}
	return srcURL(name) + "?" + q.Encode() + "#diff"
}

// checkNow asks the daemon for a check of one source, from the form on the sources and
// source pages.
func (d *dash) checkNow(w http.ResponseWriter, r *http.Request) (string, view, error) {
	name := r.PathValue("name")
	if _, err := d.s.Reports.Source(name); err != nil {
		return "", view{}, err
	}
	c, err := d.s.changes()
	if err != nil {
		return "", view{}, err
	}
	if err := d.formToken(r); err != nil {
		return "", view{}, err
	}
	if err := c.CheckNow(name); err != nil {
		return "", view{}, err
	}
	http.Redirect(w, r, srcURL(name)+"?checked=1", http.StatusSeeOther)
	return "", view{}, nil
}

// requeue puts a dead delivery back in its queue.
func (d *dash) requeue(w http.ResponseWriter, r *http.Request) (string, view, error) {
	rq := d.s.Requeuer
	if rq == nil {
		return "", view{}, errBrowse
	}
	if err := d.formToken(r); err != nil {
		return "", view{}, err
	}
	id := r.PostFormValue("id")
	if id == "" {
		return "", view{}, fmt.Errorf("%w: no delivery id", ErrBadRequest)
	}
	if _, err := rq.Requeue(id); err != nil {
		return "", view{}, err
	}
	http.Redirect(w, r, "/outbox?requeued=1", http.StatusSeeOther)
	return "", view{}, nil
}

// formToken checks the API token typed in a form, as auth checks the bearer header.
func (d *dash) formToken(r *http.Request) error {
	if d.s.Token == "" {
		return fmt.Errorf("%w: no API token is configured (http.token), so changes from the dashboard are disabled", ErrUnauthorized)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<12)
	got := r.PostFormValue("token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(d.s.Token)) != 1 {
		return fmt.Errorf("%w: the API token is wrong", ErrUnauthorized)
	}
	return nil
}
