package web

import (
	"net/http"
	"strconv"
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
