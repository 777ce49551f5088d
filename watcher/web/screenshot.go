package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"hanoiwatch/watcher"
)

// ScreenshotStore is what the server reads of the screenshots of rendered snapshots.
type ScreenshotStore interface {
	// Screenshot returns the JPEG of a source's snapshot (a full id), or an error wrapping
	// watcher.ErrNotFound when it has none.
	Screenshot(source, id string) ([]byte, error)
}

func (s *Server) screenshotRoutes(m *http.ServeMux) {
	if s.Screenshots == nil {
		return
	}
	m.HandleFunc("GET /api/sources/{name}/snapshots/{id}/screenshot", s.screenshot)
}

// screenshot serves the image of one snapshot of a rendered source; the id may be
// abbreviated or "latest", as elsewhere in the API.
func (s *Server) screenshot(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	img, err := func() ([]byte, error) {
		id := r.PathValue("id")
		if id == latest {
			id = ""
		}
		sn, err := s.Reports.Snapshot(name, id)
		if err != nil {
			return nil, err
		}
		return s.Screenshots.Screenshot(name, sn.ID)
	}()
	if err != nil {
		http.Error(w, err.Error(), status(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("X-Content-Type-Options", "nosniff")
	// A snapshot's image changes only if its text comes back in a later version.
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Length", strconv.Itoa(len(img)))
	w.Write(img)
}

// Shots are the screenshots the source page shows: those of the two snapshots it compares
// that have one, before then after.
type Shots struct {
	List []Shot
}

// Shot is one snapshot's screenshot on the source page.
type Shot struct {
	Label string // "Before" or "After"; "Snapshot" for one shown alone
	ID    string
	Time  time.Time
	URL   string
}

// shots finds the screenshots of from and to (either may be nil); nil when neither has one
// or the server serves none.
func (d *dash) shots(name string, from, to *watcher.Snapshot) (*Shots, error) {
	if d.s.Screenshots == nil {
		return nil, nil
	}
	var out Shots
	for _, c := range []struct {
		label string
		sn    *watcher.Snapshot
	}{{"Before", from}, {"After", to}} {
		if c.sn == nil {
			continue
		}
		_, err := d.s.Screenshots.Screenshot(name, c.sn.ID)
		if errors.Is(err, watcher.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		label := c.label
		if from == nil {
			label = "Snapshot"
		}
		out.List = append(out.List, Shot{Label: label, ID: c.sn.ID, Time: c.sn.Time,
			URL: "/api/sources/" + url.PathEscape(name) + "/snapshots/" + c.sn.ID + "/screenshot"})
	}
	if len(out.List) == 0 {
		return nil, nil
	}
	return &out, nil
}
