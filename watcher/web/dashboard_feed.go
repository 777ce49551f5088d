package web

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"

	"hanoiwatch/watcher"
)

// feedEntries is how many events a feed carries: feed readers poll and keep what they
// have seen, so the latest ones suffice.
const feedEntries = 50

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	Title    string       `xml:"title"`
	ID       string       `xml:"id"`
	Updated  string       `xml:"updated"`
	Links    []atomLink   `xml:"link"`
	Category atomCategory `xml:"category"`
	Content  atomText     `xml:"content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// atomText is always type="text": article text is untrusted, and a feed reader shows
// plain text as text whatever it holds.
type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// feed serves the Atom feed of events: all of them at /feed.atom, one source's at
// /sources/{name}/feed.atom; ?type= filters as on the events page.
func (d *dash) feed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name != "" {
		if _, err := d.s.Reports.Source(name); err != nil {
			http.Error(w, err.Error(), status(err))
			return
		}
	}
	page, err := d.s.Reports.Events(watcher.EventQuery{Types: r.URL.Query()["type"], Source: name, Limit: feedEntries})
	if err != nil {
		if d.s.Log != nil {
			d.s.Log.Error("feed", "err", err)
		}
		http.Error(w, "cannot read the events", http.StatusInternalServerError)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	f := atomFeed{Title: "hanoiwatch: changes in the coverage", ID: "urn:hanoiwatch:feed",
		Author: atomAuthor{Name: "hanoiwatch"},
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + r.URL.RequestURI()}, {Rel: "alternate", Type: "text/html", Href: base + "/events"}}}
	if name != "" {
		f.Title = "hanoiwatch: " + name
		f.ID += ":source:" + name
		f.Links[1].Href = base + srcURL(name)
	}
	for _, e := range page.Events {
		f.Entries = append(f.Entries, entry(base, e))
	}
	f.Updated = d.s.now().UTC().Format(time.RFC3339)
	if len(f.Entries) > 0 {
		f.Updated = f.Entries[0].Updated
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil && d.s.Log != nil {
		d.s.Log.Error("feed", "err", err)
	}
}

// entry turns an event into a feed entry: what happened, the figures that moved and the
// lines added and removed.
func entry(base string, e watcher.Event) atomEntry {
	title := e.Source.Name + ": " + strings.TrimPrefix(e.Type, "article.")
	if e.Title != "" {
		title += " — " + e.Title
	}
	link := base + srcURL(e.Source.Name)
	if e.Snapshot != "" && e.Previous != "" {
		link = base + diffURL(e.Source.Name, e.Previous, e.Snapshot)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s at %s\n%s\n", e.Source.Name, e.Type, e.Time.UTC().Format(time.RFC3339), e.Source.URL)
	if e.Error != "" {
		fmt.Fprintf(&b, "\nerror: %s\n", e.Error)
	}
	if len(e.Figures) > 0 {
		b.WriteString("\nFigures:\n")
		for _, c := range e.Figures {
			fmt.Fprintf(&b, "  %s: %s → %s\n", figureLabel(c.Subject, c.Key), nump(c.Before), nump(c.After))
		}
	}
	if e.Diff != nil {
		b.WriteString("\n")
		for _, l := range e.Diff.Removed {
			b.WriteString("− " + l + "\n")
		}
		for _, l := range e.Diff.Added {
			b.WriteString("+ " + l + "\n")
		}
	}
	links := []atomLink{{Rel: "alternate", Type: "text/html", Href: link}}
	if e.Source.URL != "" {
		links = append(links, atomLink{Rel: "related", Type: "text/html", Href: e.Source.URL})
	}
	return atomEntry{Title: title, ID: "urn:hanoiwatch:event:" + e.ID, Updated: e.Time.UTC().Format(time.RFC3339),
		Links: links, Category: atomCategory{Term: e.Type}, Content: atomText{Type: "text", Body: b.String()}}
}

// figureLabel names a figure by its subject, with its canonical key when it differs.
func figureLabel(subject, key string) string {
	if key != "" && key != subject {
		return subject + " [" + key + "]"
	}
	return subject
}
