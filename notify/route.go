package notify

import (
	"fmt"
	"math"
	"path"
	"slices"

	"hanoiwatch/config"
	"hanoiwatch/watcher"
)

// Router names the endpoints whose filter lets an event through; it implements
// watcher.Router.
type Router struct {
	routes []route
}

// route is one endpoint's filter.
type route struct {
	name         string
	types        []string // empty: all
	sources      []string // names or path.Match globs; empty: all
	figures      bool     // the event must have moved a figure passing the tests below
	subjects     []string // figure keys; empty: any
	minChange    float64
	minChangePct float64
}

// NewRouter builds the router of the configured endpoints, in their configured order.
func NewRouter(eps []config.Endpoint) (*Router, error) {
	r := &Router{}
	for _, e := range eps {
		for _, g := range e.Sources {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("notify: endpoint %s: source pattern %q: %w", e.Name, g, err)
			}
		}
		r.routes = append(r.routes, route{
			name:    e.Name,
			types:   e.Types,
			sources: e.Sources,
			// Asking for subjects or amounts only makes sense of figures: it implies
			// figures_only.
			figures:      e.FiguresOnly || len(e.Subjects) > 0 || e.MinChange > 0 || e.MinChangePct > 0,
			subjects:     e.Subjects,
			minChange:    e.MinChange,
			minChangePct: e.MinChangePct,
		})
	}
	return r, nil
}

// Route returns the names of the endpoints that want e, in configuration order.
func (r *Router) Route(e watcher.Event) []string {
	var out []string
	for _, rt := range r.routes {
		if rt.wants(e) {
			out = append(out, rt.name)
		}
	}
	return out
}

func (rt route) wants(e watcher.Event) bool {
	if len(rt.types) > 0 && !slices.Contains(rt.types, e.Type) {
		return false
	}
	if len(rt.sources) > 0 && !slices.ContainsFunc(rt.sources, func(g string) bool {
		ok, _ := path.Match(g, e.Source.Name) // patterns were checked by NewRouter
		return ok
	}) {
		return false
	}
	if !rt.figures {
		return true
	}
	for _, f := range e.Figures {
		if f.Kind != "" { // an edited date or reference number is not a figure
			continue
		}
		if len(rt.subjects) > 0 && !slices.Contains(rt.subjects, f.Key) {
			continue
		}
		if f.Before == nil || f.After == nil {
			// A figure that appeared or disappeared moved by any amount one cares to name.
			return true
		}
		delta := math.Abs(*f.After - *f.Before)
		if delta == 0 || delta < rt.minChange {
			continue
		}
		if rt.minChangePct > 0 && *f.Before != 0 && delta/math.Abs(*f.Before)*100 < rt.minChangePct {
			continue
		}
		return true
	}
	return false
}
