package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/export"
)

// CaptureStore is what the server reads of the captures (see watcher.Capture).
type CaptureStore interface {
	Captures(source string) ([]watcher.Capture, error)
	Body(sha string) ([]byte, error)
	export.Captures
}

// CaptureView is a capture as the API lists it: the capture without its body, and where
// to get the body and its WARC file.
type CaptureView struct {
	watcher.Capture
	BodyURL string `json:"body_url"`
	WARCURL string `json:"warc_url"`
}

// captureCSP lets nothing in a captured page run or load: it is the site's HTML, scripts
// and all, shown as evidence. "sandbox" without allow-scripts puts the page in a unique
// origin where scripts, forms, plugins and pop-ups are off; default-src 'none' stops every
// subresource, so that viewing a capture fetches nothing from the site either.
const captureCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

// archivedURL is the Wayback Machine's copy an article.archived event announces, "" for
// other events. Only an http(s) URL is returned: it becomes a link.
func archivedURL(e watcher.Event) string {
	if e.Type != watcher.ArticleArchived {
		return ""
	}
	var d struct {
		ArchiveURL string `json:"archive_url"`
	}
	if json.Unmarshal(e.Detail, &d) != nil || !(strings.HasPrefix(d.ArchiveURL, "https://") || strings.HasPrefix(d.ArchiveURL, "http://")) {
		return ""
	}
	return d.ArchiveURL
}

func (s *Server) captureRoutes(m *http.ServeMux) {
	if s.Captures == nil {
		return
	}
	m.HandleFunc("GET /api/sources/{name}/captures", s.api(s.listCaptures))
	m.HandleFunc("GET /api/captures/{sha}", s.captureBody)
	m.HandleFunc("GET /api/captures/{sha}/warc", s.captureWARC)
}

func (s *Server) listCaptures(r *http.Request) (int, any, error) {
	cs, err := s.Captures.Captures(r.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]CaptureView, 0, len(cs))
	for _, c := range cs {
		out = append(out, CaptureView{Capture: c, BodyURL: "/api/captures/" + c.SHA256, WARCURL: "/api/captures/" + c.SHA256 + "/warc"})
	}
	return http.StatusOK, out, nil
}

// captureBody serves a captured body as served, under captureCSP; ?download=1 makes it an
// attachment.
func (s *Server) captureBody(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("sha")
	body, err := s.Captures.Body(sha)
	if err != nil {
		http.Error(w, err.Error(), status(err))
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", captureCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	if r.URL.Query().Get("type") == "text" {
		h.Set("Content-Type", "text/plain; charset=utf-8") // the source, as text
	}
	if r.URL.Query().Get("download") != "" {
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", sha+".html"))
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// captureWARC serves the captures of one body as a WARC file (see export.WARC).
func (s *Server) captureWARC(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("sha")
	if _, err := s.Captures.Body(sha); err != nil {
		http.Error(w, err.Error(), status(err))
		return
	}
	w.Header().Set("Content-Type", "application/warc")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", sha[:16]+".warc.gz"))
	bw := bufio.NewWriter(w)
	if _, err := export.WARC(bw, s.Captures, export.Filter{SHA256: sha}, "hanoiwatch"); err != nil {
		// The status is sent: all that is left is to cut the file short and say why.
		if s.Log != nil {
			s.Log.Error("warc", "capture", sha, "err", err)
		}
		return
	}
	bw.Flush()
}
