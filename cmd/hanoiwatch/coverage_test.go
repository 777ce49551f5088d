package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/seeds"
	"hanoiwatch/watcher"
	"hanoiwatch/watcher/discover"
	"hanoiwatch/watcher/report"
)

// newsSite is a small news site on 127.0.0.1 for coverage discovery: a feed, listing pages,
// and articles about the Convention or not, linked with tracking parameters, through an
// AMP copy and through an id URL whose page names its canonical URL. Articles can be made
// to answer another status, or to redirect.
type newsSite struct {
	*httptest.Server
	mu       sync.Mutex
	pages    map[string]string // path → HTML
	items    []string          // RSS <item>s
	status   map[string]int    // path → forced status
	redirect map[string]string // path → Location
}

// Paths of the site's articles.
const (
	pathVi72      = "/vi/cong-uoc-ha-noi-72-quoc-gia-da-ky-100251026.htm"
	pathViNoMarks = "/vi/cong-uoc-ha-noi-duoc-mo-ky-100251025.htm"
	pathViText    = "/vi/viet-nam-du-le-mo-ky-100251028.htm" // the title does not say it, the text does
	pathViGold    = "/vi/gia-vang-hom-nay-100251027.htm"
	pathViPM      = "/vi/thu-tuong-cong-uoc-ha-noi-hop-tac-toan-cau-100251025.htm" // linked as /a?id=7
	pathViDecoy   = "/vi/hoi-nghi-nong-nghiep-100251020.htm"
	pathFrAccents = "/fr/la-convention-de-hanoi-ouverte-a-la-signature-100251025.html"
	pathFrPlain   = "/fr/convention-des-nations-unies-contre-la-cybercriminalite-100251027.html"
	pathFrWeather = "/fr/meteo-a-hanoi-100251027.html"
	pathViRatify  = "/vi/phe-chuan-cong-uoc-ha-noi-100251101.htm" // on the disabled job's page only
	pathViLater   = "/vi/viet-nam-phe-chuan-cong-uoc-ha-noi-100251122.htm"
	pathViMoved   = "/vi/2025/viet-nam-du-le-mo-ky-100251028.htm"
)

// serveLoopback starts h on 127.0.0.1 only, never another address.
func serveLoopback(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// newsArticle is an article page: its text is long enough for the extractor, and names
// the Convention in its lead only when the story is about it.
func newsArticle(lang, title, published, canonical string, paras ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html lang=%q><head><meta charset=utf-8><title>%s</title>\n", lang, html.EscapeString(title))
	if published != "" {
		fmt.Fprintf(&b, "<meta property=\"article:published_time\" content=%q>\n", published)
	}
	if canonical != "" {
		fmt.Fprintf(&b, "<link rel=\"canonical\" href=%q>\n", canonical)
	}
	b.WriteString("</head><body><header><a href=\"/\">Báo Mẫu</a> <a href=\"/vi/\">Thời sự</a></header><main><article>\n")
	fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(title))
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(p))
	}
	b.WriteString("</article></main><footer>© Báo Mẫu</footer></body></html>\n")
	return b.String()
}

func newNewsSite(t *testing.T) *newsSite {
	s := &newsSite{pages: map[string]string{}, status: map[string]int{}, redirect: map[string]string{}}
	s.Server = serveLoopback(t, http.HandlerFunc(s.serve))
	base := s.URL
	vi := []string{
		"Lễ mở ký diễn ra trong hai ngày tại Trung tâm Hội nghị Quốc gia, với sự tham dự của hơn 2.500 đại biểu đến từ nhiều quốc gia và tổ chức quốc tế.",
		"Các đại biểu đánh giá cao vai trò của Việt Nam trong quá trình đàm phán, kéo dài gần năm năm tại Vienna và New York.",
		"Văn kiện sẽ có hiệu lực chín mươi ngày sau khi quốc gia thứ bốn mươi nộp văn kiện phê chuẩn cho Tổng Thư ký.",
	}
	fr := []string{
		"La cérémonie s'est tenue pendant deux jours au Centre national des congrès, en présence de plus de 2 500 délégués venus du monde entier.",
		"Les délégations ont salué le rôle du Viêt Nam pendant les cinq années de négociations, à Vienne puis à New York.",
		"Le texte entrera en vigueur quatre-vingt-dix jours après le dépôt du quarantième instrument de ratification.",
	}
	s.pages["/"] = `<!doctype html><html lang="vi"><head><title>Báo Mẫu - Trang chủ</title></head><body>
<h1>Báo Mẫu</h1><ul><li><a href="/vi/">Thời sự</a></li><li><a href="/fr/">Le Courrier</a></li></ul>
<p>Tin tức trong ngày, cập nhật liên tục.</p></body></html>`
	s.pages["/vi/"] = `<!doctype html><html lang="vi"><head><title>Thời sự - Báo Mẫu</title></head><body>
<h1>Thời sự</h1><p>Tin thời sự mới nhất.</p></body></html>`
	s.pages[pathVi72] = newsArticle("vi", "Công ước Hà Nội: 72 quốc gia đã ký", "2025-10-26T08:00:00+07:00", base+pathVi72,
		append([]string{"Ngày 26/10, 72 quốc gia đã ký Công ước của Liên hợp quốc về chống tội phạm mạng tại lễ mở ký ở Hà Nội."}, vi...)...)
	s.pages["/amp"+pathVi72] = newsArticle("vi", "Công ước Hà Nội: 72 quốc gia đã ký", "", base+pathVi72, vi[0])
	s.pages[pathViNoMarks] = newsArticle("vi", "Cong uoc Ha Noi duoc mo ky", "2025-10-25T09:00:00+07:00", "",
		append([]string{"Le mo ky Cong uoc Ha Noi dien ra tai Trung tam Hoi nghi Quoc gia, voi su tham du cua nhieu nguyen thu quoc gia."}, vi...)...)
	s.pages[pathViText] = newsArticle("vi", "Việt Nam dự lễ mở ký tại Trung tâm Hội nghị Quốc gia", "2025-10-28T10:00:00+07:00", "",
		append([]string{"Đoàn Việt Nam đã ký Công ước của Liên hợp quốc về chống tội phạm mạng ngay trong phiên khai mạc."}, vi...)...)
	s.pages[pathViMoved] = s.pages[pathViText]
	s.pages[pathViGold] = newsArticle("vi", "Giá vàng hôm nay tăng mạnh", "2025-10-27T08:00:00+07:00", "",
		"Giá vàng trong nước sáng nay tăng mạnh theo đà tăng của giá vàng thế giới, vượt mốc kỷ lục cũ.",
		"Các doanh nghiệp kinh doanh vàng điều chỉnh giá mua vào và bán ra, chênh lệch giữa hai chiều vẫn ở mức cao.",
		"Giới phân tích cho rằng giá vàng còn biến động trong những phiên tới, theo diễn biến của đồng đô la Mỹ.")
	s.pages[pathViDecoy] = newsArticle("vi", "Hội nghị về nông nghiệp bền vững", "", "",
		"Nông dân và các nhà khoa học bàn về giống lúa mới chịu mặn, phù hợp với vùng đồng bằng sông Cửu Long.",
		"Hội nghị kéo dài hai ngày, với nhiều mô hình canh tác được giới thiệu và chia sẻ kinh nghiệm thực tế.",
		"Các địa phương cam kết hỗ trợ nông dân tiếp cận vốn vay để chuyển đổi cơ cấu cây trồng.")
	pm := newsArticle("vi", "Thủ tướng: Công ước Hà Nội mở ra hợp tác toàn cầu", "2025-10-25T16:13:28+07:00", base+pathViPM+"?utm_source=canonical",
		append([]string{"Phát biểu tại lễ mở ký Công ước Hà Nội, Thủ tướng nhấn mạnh an ninh mạng có tính toàn cầu."}, vi...)...)
	s.pages[pathViPM] = pm
	s.pages["/a"] = pm // the same article under its id URL: ?id=7
	s.pages[pathViRatify] = newsArticle("vi", "Phê chuẩn Công ước Hà Nội: những bước tiếp theo", "2025-11-01T08:00:00+07:00", "",
		append([]string{"Quốc hội sẽ xem xét phê chuẩn Công ước Hà Nội tại kỳ họp tới."}, vi...)...)
	s.pages[pathViLater] = newsArticle("vi", "Việt Nam phê chuẩn Công ước Hà Nội", "2025-11-22T08:30:00+07:00", "",
		append([]string{"Việt Nam đã nộp văn kiện phê chuẩn Công ước Hà Nội cho Tổng Thư ký Liên hợp quốc."}, vi...)...)
	s.pages[pathFrAccents] = newsArticle("fr", "La Convention de Hanoï ouverte à la signature", "2025-10-25T10:00:00+07:00", "",
		append([]string{"La Convention de Hanoï a été signée par 72 pays lors de la cérémonie d'ouverture."}, fr...)...)
	s.pages[pathFrPlain] = newsArticle("fr", "Convention des Nations Unies contre la cybercriminalite : ce qui change", "2025-10-27T08:30:00Z", "",
		append([]string{"Ce que change la Convention des Nations Unies contre la cybercriminalite, texte signe a Hanoi."}, fr...)...)
	s.pages[pathFrWeather] = newsArticle("fr", "Météo à Hanoï : fortes pluies attendues", "", "",
		"De fortes pluies sont attendues sur la capitale et le delta du fleuve Rouge à partir de demain soir.",
		"Les autorités appellent les habitants à la prudence et à éviter les zones basses exposées aux inondations.",
		"Les températures resteront douces, entre vingt-deux et vingt-huit degrés, jusqu'à la fin de la semaine.")

	s.pages["/thoi-su"] = `<!doctype html><html lang="vi"><head><title>Thời sự</title></head><body>
<a href="/">Trang chủ</a>
<a href="` + pathFrAccents + `?utm_campaign=x&amp;fbclid=abc">La Convention de Hanoï ouverte à la signature</a>
<a href="` + pathFrPlain + `#commentaires">Convention des Nations Unies contre la cybercriminalite : ce qui change</a>
<a href="` + pathFrWeather + `">Météo à Hanoï : fortes pluies attendues</a>
<a href="/amp` + pathVi72 + `">Công ước Hà Nội: 72 quốc gia đã ký</a>
<a href="/a?utm_source=zalo&amp;id=7"><img src="/i/7.jpg" alt="Thủ tướng: Công ước Hà Nội mở ra hợp tác toàn cầu"></a>
<a href="` + pathViDecoy + `">Hội nghị về nông nghiệp bền vững</a>
</body></html>`
	s.pages["/chuyen-de"] = `<!doctype html><html lang="vi"><body>
<a href="` + pathViRatify + `">Phê chuẩn Công ước Hà Nội: những bước tiếp theo</a></body></html>`

	item := func(title, link, date string) string {
		return fmt.Sprintf("<item><title>%s</title><link>%s</link><pubDate>%s</pubDate></item>", html.EscapeString(title), html.EscapeString(link), date)
	}
	s.items = []string{
		item("Công ước Hà Nội: 72 quốc gia đã ký", base+pathVi72+"?utm_source=rss&utm_medium=feed", "Sun, 26 Oct 2025 08:00:00 +07"),
		item("Cong uoc Ha Noi duoc mo ky", base+pathViNoMarks, "Sat, 25 Oct 2025 09:00:00 +07"),
		item("Việt Nam dự lễ mở ký tại Trung tâm Hội nghị Quốc gia", base+pathViText, "Tue, 28 Oct 2025 10:00:00 +07"),
		item("Giá vàng hôm nay tăng mạnh", base+pathViGold, "Mon, 27 Oct 2025 08:00:00 +07"),
	}
	return s
}

// addItem puts a new item at the top of the feed.
func (s *newsSite) addItem(title, path, date string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = append([]string{fmt.Sprintf("<item><title>%s</title><link>%s</link><pubDate>%s</pubDate></item>",
		html.EscapeString(title), s.URL+path, date)}, s.items...)
}

// set forces a status (0: none) or a redirect ("": none) on a path.
func (s *newsSite) set(path string, status int, location string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[path], s.redirect[path] = status, location
}

func (s *newsSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	status, location := s.status[r.URL.Path], s.redirect[r.URL.Path]
	page, ok := s.pages[r.URL.Path]
	feed := `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Mẫu</title><link>` + s.URL +
		`/</link><language>vi</language>` + strings.Join(s.items, "\n") + `</channel></rss>`
	s.mu.Unlock()
	if r.URL.Path == "/a" && r.URL.Query().Get("id") != "7" {
		ok = false
	}
	switch {
	case r.URL.Path == "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nDisallow:\n")
	case location != "":
		http.Redirect(w, r, location, http.StatusFound)
	case status != 0:
		http.Error(w, http.StatusText(status), status)
	case r.URL.Path == "/rss.xml":
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, feed)
	case ok:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	default:
		http.NotFound(w, r)
	}
}

// coverageEnv is a config watching one article of the site, with discovery jobs on the
// site, and a database.
type coverageEnv struct {
	site    *newsSite
	cfg, db string
	t       *testing.T
}

func newCoverageEnv(t *testing.T, site *newsSite, extra string) *coverageEnv {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`defaults:
  fail_after: 2
  schedule: "@every 1h"
%sdiscovery:
  jobs:
    - name: site-feed
      url: %[2]s/rss.xml
      kind: feed
    - name: site-list
      url: %[2]s/thoi-su
      kind: listing
    - name: special-list
      url: %[2]s/chuyen-de
      kind: listing
      enabled: false
sources:
  - name: courrier-sans-accents
    url: %[2]s%[3]s?utm_source=newsletter#haut
    lang: fr
    reports: 2025-10-27
`, extra, site.URL, pathFrPlain)
	path := filepath.Join(dir, "hw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &coverageEnv{site: site, cfg: path, db: filepath.Join(dir, "hw.db"), t: t}
}

func (e *coverageEnv) hw(args ...string) (string, string) {
	e.t.Helper()
	out, errOut, err := hw(e.t, append(args, "--config", e.cfg, "--db", e.db)...)
	if err := ran(err); err != nil {
		e.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out, errOut
}

// discover runs `discover --json` and returns its events.
func (e *coverageEnv) discover(args ...string) ([]watcher.Event, string) {
	e.t.Helper()
	out, errOut := e.hw(append([]string{"discover", "--json"}, args...)...)
	return events(e.t, out), errOut
}

func (e *coverageEnv) check(names ...string) []watcher.Event {
	e.t.Helper()
	out, _ := e.hw(append([]string{"check", "--json"}, names...)...)
	return events(e.t, out)
}

// urls returns the source URLs of events, sorted.
func urls(evs []watcher.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Source.URL)
	}
	slices.Sort(out)
	return out
}

func TestCoverageDiscovery(t *testing.T) {
	site := newNewsSite(t)
	e := newCoverageEnv(t, site, "")
	base := site.URL
	names := map[string]string{} // path → discovered source name

	t.Run("only matching articles, each once, under their canonical URL", func(t *testing.T) {
		evs, errOut := e.discover()
		want := []string{base + pathFrAccents, base + pathVi72, base + pathViNoMarks, base + pathViPM, base + pathViText}
		slices.Sort(want)
		if got := urls(evs); !slices.Equal(got, want) {
			t.Fatalf("coverage.found for\n\t%s\nwant\n\t%s\nstderr:\n%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"), errOut)
		}
		ids := map[string]bool{}
		for _, ev := range evs {
			var d struct {
				Job       string    `json:"job"`
				FoundAt   string    `json:"found_at"`
				Found     time.Time `json:"found"`
				Published time.Time `json:"published"`
				Lang      string    `json:"lang"`
				Keyword   string    `json:"keyword"`
			}
			dec := json.NewDecoder(bytes.NewReader(ev.Detail))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&d); err != nil {
				t.Fatalf("detail %s: %v", ev.Detail, err)
			}
			if ev.Type != watcher.CoverageFound || ev.Title == "" || ev.Time.IsZero() || ev.Figures == nil {
				t.Errorf("incomplete event %+v", ev)
			}
			if ev.ID != watcher.EventID(watcher.CoverageFound, ev.Source.URL) || ids[ev.ID] {
				t.Errorf("id %s of %s: not the stable one, or repeated", ev.ID, ev.Source.URL)
			}
			ids[ev.ID] = true
			if ev.Source.Name != (discover.Found{URL: ev.Source.URL}).SourceName() {
				t.Errorf("source name %q of %s", ev.Source.Name, ev.Source.URL)
			}
			if d.Job == "" || !strings.HasPrefix(d.FoundAt, base) || d.Found.IsZero() || d.Keyword == "" || d.Published.IsZero() {
				t.Errorf("detail of %s: %+v", ev.Source.URL, d)
			}
			wantLang := "vi"
			if strings.Contains(ev.Source.URL, "/fr/") {
				wantLang = "fr"
			}
			if d.Lang != wantLang {
				t.Errorf("lang of %s = %q, want %q", ev.Source.URL, d.Lang, wantLang)
			}
			names[strings.TrimPrefix(ev.Source.URL, base)] = ev.Source.Name
		}
		// The configured article is found, but watched already: under its own name.
		if !regexp.MustCompile(`(?m)^watched\s+courrier-sans-accents\s+site-list\s+` + regexp.QuoteMeta(base+pathFrPlain)).MatchString(errOut) {
			t.Errorf("the configured article is not reported as watched:\n%s", errOut)
		}
		out, _ := e.hw("sources")
		if n := strings.Count(out, " discovered "); n != 5 {
			t.Errorf("%d discovered sources, want 5:\n%s", n, out)
		}
	})

	t.Run("a second run adds nothing", func(t *testing.T) {
		out, errOut := e.hw("discover")
		if strings.Contains(out, "\nnew ") || !strings.Contains(out, "site-feed: 3 found, 0 new") || !strings.Contains(out, "site-list: 4 found, 0 new") {
			t.Errorf("second run:\n%s%s", out, errOut)
		}
		if evs, _ := e.discover(); len(evs) != 0 {
			t.Errorf("third run: %v", urls(evs))
		}
	})

	t.Run("a new feed item gives exactly one coverage.found", func(t *testing.T) {
		site.addItem("Việt Nam phê chuẩn Công ước Hà Nội", pathViLater+"?utm_source=rss", "Sat, 22 Nov 2025 08:30:00 +07")
		evs, _ := e.discover()
		if got := urls(evs); len(got) != 1 || got[0] != base+pathViLater {
			t.Fatalf("coverage.found for %v", got)
		}
		names[pathViLater] = evs[0].Source.Name
	})

	t.Run("a disabled job runs only when named", func(t *testing.T) {
		evs, errOut := e.discover("special-list")
		if got := urls(evs); len(got) != 1 || got[0] != base+pathViRatify {
			t.Fatalf("coverage.found for %v\n%s", got, errOut)
		}
		if strings.Contains(errOut, "site-feed") {
			t.Errorf("other jobs ran:\n%s", errOut)
		}
		if _, _, err := hw(t, "discover", "nosuch", "--config", e.cfg, "--db", e.db); err == nil || !strings.Contains(err.Error(), "unknown job nosuch") {
			t.Errorf("unknown job: %v", err)
		}
	})

	t.Run("check watches the discovered articles", func(t *testing.T) {
		evs := e.check()
		got := byType(evs)
		if len(got[watcher.ArticleNew]) != 8 || len(evs) != 8 {
			t.Fatalf("events %v", got)
		}
		for _, n := range names {
			if !slices.Contains(got[watcher.ArticleNew], n) {
				t.Errorf("discovered %s not checked", n)
			}
		}
	})

	t.Run("404 gives article.gone, back gives article.restored", func(t *testing.T) {
		n := names[pathVi72]
		site.set(pathVi72, http.StatusNotFound, "")
		if got := byType(e.check(n)); fmt.Sprint(got) != fmt.Sprintf("map[article.gone:[%s]]", n) {
			t.Fatalf("events: %v", got)
		}
		site.set(pathVi72, 0, "")
		if got := byType(e.check(n)); fmt.Sprint(got) != fmt.Sprintf("map[article.restored:[%s]]", n) {
			t.Fatalf("events: %v", got)
		}
	})

	t.Run("503 gives neither gone nor restored", func(t *testing.T) {
		n := names[pathViNoMarks]
		site.set(pathViNoMarks, http.StatusServiceUnavailable, "")
		if got := byType(e.check(n)); len(got) != 0 {
			t.Fatalf("events on a 503: %v", got)
		}
		if out, _ := e.hw("sources"); !regexp.MustCompile(`(?m)^` + n + `\s+discovered\s+failing\s`).MatchString(out) {
			t.Errorf("not failing after a 503:\n%s", out)
		}
		site.set(pathViNoMarks, 0, "")
		if got := byType(e.check(n)); len(got) != 0 {
			t.Fatalf("events after a 503: %v", got)
		}
	})

	t.Run("a redirect to the home page gives article.gone", func(t *testing.T) {
		n := names[pathFrAccents]
		site.set(pathFrAccents, 0, "/")
		if got := byType(e.check(n)); fmt.Sprint(got) != fmt.Sprintf("map[article.gone:[%s]]", n) {
			t.Fatalf("events: %v", got)
		}
		if got := byType(e.check(n)); len(got) != 0 {
			t.Fatalf("gone twice: %v", got)
		}
		site.set(pathFrAccents, 0, "")
		if got := byType(e.check(n)); fmt.Sprint(got) != fmt.Sprintf("map[article.restored:[%s]]", n) {
			t.Fatalf("events: %v", got)
		}
	})

	t.Run("a redirect to a section page gives article.gone", func(t *testing.T) {
		n := names[pathViPM]
		site.set(pathViPM, 0, "/vi/")
		if got := byType(e.check(n)); fmt.Sprint(got) != fmt.Sprintf("map[article.gone:[%s]]", n) {
			t.Fatalf("events: %v", got)
		}
	})

	t.Run("a redirect to the article's new address is a move, no disappearance", func(t *testing.T) {
		n := names[pathViText]
		site.set(pathViText, 0, pathViMoved)
		// Back, so that the subtests after this one see the site as it was.
		defer site.set(pathViText, 0, "")
		if got := byType(e.check(n)); fmt.Sprint(got) != fmt.Sprintf("map[article.moved:[%s]]", n) {
			t.Fatalf("events: %v", got)
		}
	})

	t.Run("coverage report", func(t *testing.T) {
		out, _ := e.hw("coverage", "--json")
		var rep report.Coverage
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("coverage --json: %v\n%s", err, out)
		}
		site := strings.TrimPrefix(base, "http://")
		total, gone := 0, 0
		weeks := map[string]int{}
		for _, w := range rep.Weeks {
			if w.Site != site {
				t.Errorf("site %q, want %q", w.Site, site)
			}
			total += w.Articles
			gone += w.Gone
			weeks[w.Lang+" "+w.Week] += w.Articles
		}
		// Published on Sat 25 and Sun 26 October 2025 (week 43), 28 October (week 44)...
		want := map[string]int{"fr 2025-W43": 1, "fr 2025-W44": 1, "vi 2025-W43": 3, "vi 2025-W44": 2, "vi 2025-W47": 1}
		if fmt.Sprint(weeks) != fmt.Sprint(want) || total != 8 || gone != 1 {
			t.Errorf("weeks %v (total %d, gone %d), want %v, 8 articles, 1 gone", weeks, total, gone, want)
		}
		n := map[string]int{}
		for _, ev := range rep.Recent {
			n[ev.Type]++
		}
		if n[watcher.CoverageFound] != 7 || n[watcher.ArticleGone] != 3 || n[watcher.ArticleRestored] != 2 {
			t.Errorf("recent %v", n)
		}
		out, _ = e.hw("coverage")
		for _, s := range []string{"SITE", "2025-W43", "7 found, 3 lost, 2 restored", names[pathViLater]} {
			if !strings.Contains(out, s) {
				t.Errorf("coverage output lacks %q:\n%s", s, out)
			}
		}
	})

	t.Run("a removed article is not discovered again", func(t *testing.T) {
		e.hw("remove", names[pathVi72])
		if evs, errOut := e.discover(); len(evs) != 0 || !strings.Contains(errOut, "watched  "+names[pathVi72]) {
			t.Errorf("after remove: %v\n%s", urls(evs), errOut)
		}
		out, _ := e.hw("sources")
		if strings.Contains(out, names[pathVi72]) {
			t.Errorf("removed source is back:\n%s", out)
		}
	})
}

// TestCoverageKnownURLs checks that an article watched by another name, before discovery
// existed, is not added again: added from the CLI with tracking parameters, or removed.
func TestCoverageKnownURLs(t *testing.T) {
	site := newNewsSite(t)
	e := newCoverageEnv(t, site, "")
	e.hw("add", site.URL+"/amp"+pathVi72+"?utm_source=zalo", "--name", "by-hand")
	e.hw("add", site.URL+pathViNoMarks, "--name", "gone-by-hand")
	e.check("gone-by-hand") // leaves its URL in its events
	e.hw("remove", "gone-by-hand")
	evs, errOut := e.discover("site-feed")
	if got := urls(evs); len(got) != 1 || got[0] != site.URL+pathViText {
		t.Errorf("coverage.found for %v\n%s", got, errOut)
	}
	for _, s := range []string{"watched  by-hand ", "watched  gone-by-hand "} {
		if !strings.Contains(errOut, s) {
			t.Errorf("output lacks %q:\n%s", s, errOut)
		}
	}
}

// TestCoverageDeliveries checks that coverage.found goes through the outbox like the
// pipeline's events when a router wants it.
func TestCoverageDeliveries(t *testing.T) {
	site := newNewsSite(t)
	e := newCoverageEnv(t, site, "")
	a := &app{out: &bytes.Buffer{}, errOut: &bytes.Buffer{}, cfgPath: e.cfg, dbPath: e.db}
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	defer a.close()
	found := []discover.Found{{URL: site.URL + pathVi72 + "?utm_source=x", Title: "Công ước Hà Nội", Job: "site-feed", FoundAt: site.URL + "/rss.xml", Lang: "vi", Keyword: "Công ước Hà Nội"}}
	recs, outs, err := a.list.RecordFound(found, routeAll{"hook"}, time.Now())
	if err != nil || len(outs) != 1 || !outs[0].New {
		t.Fatalf("recordFound: %v %+v", err, outs)
	}
	ds, err := a.store.Deliveries(watcher.DeliveryPending)
	if err != nil || len(ds) != 1 || ds[0].Event.ID != recs[0].Event.ID || ds[0].Endpoint != "hook" || ds[0].ID != recs[0].Event.ID+"@hook" {
		t.Fatalf("deliveries %+v, %v", ds, err)
	}
	evs, err := a.store.Events(time.Time{}, watcher.CoverageFound)
	if err != nil || len(evs) != 1 || evs[0].Source.URL != site.URL+pathVi72 {
		t.Fatalf("events %+v, %v", evs, err)
	}
	// Found again: nothing more, not even a delivery.
	if _, outs, err = a.list.RecordFound(found, routeAll{"hook"}, time.Now()); err != nil || outs[0].New {
		t.Fatalf("again: %v %+v", err, outs)
	}
	if ds, _ = a.store.Deliveries(watcher.DeliveryPending); len(ds) != 1 {
		t.Errorf("%d deliveries after a second sighting", len(ds))
	}
}

type routeAll []string

func (r routeAll) Route(watcher.Event) []string { return r }

// TestDaemonDiscovery runs `run` in-process with a discovery job every second: the
// articles it finds become sources, and the scheduler checks them.
func TestDaemonDiscovery(t *testing.T) {
	site := newNewsSite(t)
	e := newCoverageEnv(t, site, "http:\n  listen: \"off\"\n")
	feedEverySecond(t, e.cfg)
	a, _ := runDaemon(t, e)
	eventually(t, "three discovered articles checked", 30*time.Second, func() bool {
		evs, err := a.store.Events(time.Time{}, watcher.ArticleNew)
		if err != nil {
			return false
		}
		n := 0
		for _, ev := range evs {
			if ev.Source.Name != "courrier-sans-accents" {
				n++
			}
		}
		return n == 3
	})
	found, err := a.store.Events(time.Time{}, watcher.CoverageFound)
	if err != nil || len(found) != 3 {
		t.Errorf("coverage.found: %d, %v", len(found), err)
	}
}

// TestDaemonDiscoveryReload: SIGHUP applies the discovery jobs of the new config. The
// daemon starts with the feed on the default hourly schedule, which runs nothing during
// the test; the reloaded config runs it every second.
func TestDaemonDiscoveryReload(t *testing.T) {
	// The test process must not die of a SIGHUP that comes before the daemon listens.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	site := newNewsSite(t)
	e := newCoverageEnv(t, site, "http:\n  listen: \"off\"\n")
	a, logs := runDaemon(t, e)
	eventually(t, "the daemon running", 10*time.Second, func() bool { return strings.Contains(logs.String(), "hanoiwatch running") })
	time.Sleep(2 * time.Second)
	if found, _ := a.store.Events(time.Time{}, watcher.CoverageFound); len(found) != 0 {
		t.Fatalf("%d articles discovered before the reload", len(found))
	}

	feedEverySecond(t, e.cfg)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	eventually(t, "articles discovered after the reload", 30*time.Second, func() bool {
		found, err := a.store.Events(time.Time{}, watcher.CoverageFound)
		return err == nil && len(found) > 0
	})
}

// feedEverySecond rewrites the config at path so that the feed job runs every second.
func feedEverySecond(t *testing.T, path string) {
	t.Helper()
	cfg, _ := os.ReadFile(path)
	cfg = bytes.Replace(cfg, []byte("      kind: feed\n"), []byte("      kind: feed\n      schedule: \"@every 1s\"\n"), 1)
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
}

// runDaemon runs `run` in-process on e until the test ends, and returns the app (whose
// store the test may read) and the daemon's log, shown when the test fails.
func runDaemon(t *testing.T, e *coverageEnv) (*app, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	a := &app{out: &bytes.Buffer{}, errOut: logs, cfgPath: e.cfg, dbPath: e.db, daemon: true}
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not stop")
		}
		a.close()
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	return a, logs
}

// lockedBuffer is a bytes.Buffer safe for the daemon's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDiscoverySeeds checks the embedded jobs and keywords by the config's rules, and the
// limits config mirrors from discover.
func TestDiscoverySeeds(t *testing.T) {
	if config.MaxJobDepth != discover.MaxDepth || config.MaxJobMaxPages != discover.MaxMaxPages {
		t.Errorf("config limits %d, %d; discover has %d, %d", config.MaxJobDepth, config.MaxJobMaxPages, discover.MaxDepth, discover.MaxMaxPages)
	}
	if config.JobFeed != discover.KindFeed || config.JobListing != discover.KindListing {
		t.Error("config job kinds differ from discover's")
	}
	jobs, err := discover.ParseJobs(seeds.Feeds())
	if err != nil || len(jobs) == 0 {
		t.Fatalf("seeds/feeds.yaml: %d jobs, %v", len(jobs), err)
	}
	c := config.Default()
	for _, j := range jobs {
		c.Discovery.Jobs = append(c.Discovery.Jobs, config.Job{Name: j.Name, URL: j.URL, Kind: j.Kind, Depth: j.Depth,
			MaxPages: j.MaxPages, Schedule: j.Schedule, Enabled: !j.Disabled})
	}
	kws, err := discover.ParseKeywords(seeds.Keywords())
	if err != nil {
		t.Fatalf("seeds/keywords.yaml: %v", err)
	}
	c.Discovery.Keywords = kws
	if err := c.Validate(); err != nil {
		t.Errorf("the seeds break the config's rules: %v", err)
	}
	a := &app{cfg: config.Default()}
	if _, err := a.newDiscoverer(); err != nil {
		t.Error(err)
	}
}
