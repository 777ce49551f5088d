package discover

import (
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// fixtureSite is a small news site on 127.0.0.1: an RSS feed, an Atom feed, listing pages
// and articles, some about the Convention and some not, linked in all the ways real sites
// link them. It counts the requests it gets per path (with query).
type fixtureSite struct {
	*httptest.Server
	mu    sync.Mutex
	hits  map[string]int
	pages map[string]string // path with query → HTML
	feeds map[string]string // path → XML
	other string            // the other host's base URL
}

// serveLocal starts h on 127.0.0.1 only, never another address.
func serveLocal(t *testing.T, h http.Handler) *httptest.Server {
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

func (s *fixtureSite) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// requests is the number of requests, robots.txt left out.
func (s *fixtureSite) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if p != "/robots.txt" {
			n += c
		}
	}
	return n
}

func (s *fixtureSite) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits = map[string]int{}
}

// articleHTML is an article page.
func articleHTML(lang, title, date, canonical string, paras ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html lang=%q><head><meta charset=utf-8><title>%s - Báo Mẫu</title>\n", lang, html.EscapeString(title))
	fmt.Fprintf(&b, "<meta property=\"og:title\" content=\"%s\">\n", html.EscapeString(title))
	if date != "" {
		fmt.Fprintf(&b, "<meta property=\"article:published_time\" content=%q>\n", date)
	}
	if canonical != "" {
		fmt.Fprintf(&b, "<link rel=\"canonical\" href=%q>\n", canonical)
	}
	b.WriteString("</head><body><nav><a href=\"/\">Trang chủ</a></nav><article>\n")
	fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(title))
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(p))
	}
	// Far below the lead, as in a "read more" box: not coverage by itself.
	b.WriteString("</article><aside><p>Đọc thêm: Công ước Hà Nội về chống tội phạm mạng</p></aside></body></html>\n")
	return b.String()
}

// newFixtureSite builds the site. other is the address of another host: links to it must
// never be followed.
func newFixtureSite(t *testing.T, other string) *fixtureSite {
	s := &fixtureSite{hits: map[string]int{}, pages: map[string]string{}, feeds: map[string]string{}, other: other}
	s.Server = serveLocal(t, http.HandlerFunc(s.serve))
	base := s.URL
	filler := "Hà Nội, ngày 25/10 - Phóng viên đưa tin."
	s.pages["/vi/cong-uoc-ha-noi-72.html"] = articleHTML("vi", "Công ước Hà Nội: 72 quốc gia đã ký", "2025-10-26T08:00:00+07:00", "",
		"72 quốc gia đã ký Công ước Hà Nội tại lễ mở ký.", filler)
	// The AMP copy says it is a copy; it must never be fetched anyway.
	s.pages["/amp/vi/cong-uoc-ha-noi-72.html"] = articleHTML("vi", "Công ước Hà Nội: 72 quốc gia đã ký", "", base+"/vi/cong-uoc-ha-noi-72.html")
	// The same article under an id URL, with its canonical link.
	s.pages["/a?id=3"] = articleHTML("vi", "Công ước Hà Nội: 72 quốc gia đã ký", "", base+"/vi/cong-uoc-ha-noi-72.html?utm_source=canonical",
		"72 quốc gia đã ký Công ước Hà Nội.")
	s.pages["/vi/cong-uoc-khong-dau.html"] = articleHTML("vi", "Cong uoc Ha Noi duoc mo ky", "", "",
		"Le mo ky Cong uoc Ha Noi dien ra tai Trung tam Hoi nghi Quoc gia.")
	s.pages["/vi/nfd.html"] = articleHTML("vi-VN", norm.NFD.String("Công ước Hà Nội có hiệu lực khi nào?"), "", "",
		norm.NFD.String("Công ước Hà Nội cần 40 nước phê chuẩn."))
	s.pages["/vi/thu-tuong.html"] = articleHTML("vi", "Thủ tướng: An ninh mạng có tính toàn cầu", "2025-10-25T16:13:28+07:00", "",
		"Phát biểu tại lễ mở ký Công ước của Liên hợp quốc về chống tội phạm mạng, Thủ tướng nhấn mạnh...", filler)
	s.pages["/vi/gia-vang.html"] = articleHTML("vi", "Giá vàng hôm nay tăng mạnh", "", "", "Giá vàng trong nước tăng.", filler)
	s.pages["/vi/cong-uoc-cua-lhq-ve-chong-toi-pham-mang-123.html"] = articleHTML("vi", "Bảo đảm an ninh cho lễ mở ký", "", "",
		"Bảo đảm tuyệt đối an ninh cho lễ mở ký Công ước của LHQ về chống tội phạm mạng.")
	s.pages["/vi/decoy.html"] = articleHTML("vi", "Hội nghị về nông nghiệp", "", "", "Nông dân bàn về lúa gạo.", filler)
	s.pages["/vi/page2-cong-uoc-ha-noi.html"] = articleHTML("vi", "Công ước Hà Nội và Việt Nam", "", "", "Công ước Hà Nội.")
	s.pages["/vi/page3-cong-uoc-ha-noi.html"] = articleHTML("vi", "Công ước Hà Nội, ba tháng sau", "", "", "Công ước Hà Nội.")
	s.pages["/private/cong-uoc-ha-noi.html"] = articleHTML("vi", "Công ước Hà Nội (nội bộ)", "", "", "Công ước Hà Nội.")
	s.pages["/fr/convention-de-hanoi.html"] = articleHTML("fr-FR", "La Convention de Hanoï ouverte à la signature", "2025-10-25T10:00:00+07:00", "",
		"La Convention de Hanoï a été signée par 72 pays.")
	s.pages["/fr/sans-accents.html"] = articleHTML("fr", "Convention des Nations Unies contre la cybercriminalite : ce qui change", "", "",
		"Le texte entre en vigueur apres 40 ratifications.")
	s.pages["/fr/meteo.html"] = articleHTML("fr", "Météo à Hanoï", "", "", "Il pleut à Hanoï.")

	s.pages["/list"] = `<!doctype html><html lang="vi"><body>
<nav><a href="/">Trang chủ</a> <a href="/list?page=2">Trang 2</a></nav>
<a href="/fr/convention-de-hanoi.html?utm_campaign=x&amp;fbclid=abc">La Convention de Hanoï</a>
<a href="/a?utm_source=zalo&amp;id=3"><img src="/i/1.jpg" alt="Công ước Hà Nội: 72 quốc gia đã ký"></a>
<a href="/vi/cong-uoc-ha-noi-72.html#binh-luan">Bình luận</a>
<a href="/amp/vi/cong-uoc-khong-dau.html">Cong uoc Ha Noi duoc mo ky</a>
<a href="/vi/cong-uoc-cua-lhq-ve-chong-toi-pham-mang-123.html"><img src="/i/2.jpg"></a>
<a href="/vi/gia-vang.html">Giá vàng hôm nay</a>
<a href="/vi/decoy.html" title="Công ước Hà Nội">Xem thêm</a>
<a href="/private/cong-uoc-ha-noi.html">Công ước Hà Nội (nội bộ)</a>
<a href="` + other + `/vi/cong-uoc-ha-noi-ngoai.html">Công ước Hà Nội (báo khác)</a>
<a href="/go/elsewhere">Công ước Hà Nội: bài liên kết</a>
<a href="/i/cong-uoc-ha-noi.jpg">Ảnh Công ước Hà Nội</a>
<a href="mailto:toa-soan@example.com">Công ước Hà Nội: liên hệ</a>
</body></html>`
	s.pages["/list?page=2"] = `<!doctype html><html><body>
<a href="/vi/page2-cong-uoc-ha-noi.html">Công ước Hà Nội và Việt Nam</a>
<a href="/list?page=3">Trang 3</a></body></html>`
	s.pages["/list?page=3"] = `<!doctype html><html><body>
<a href="/vi/page3-cong-uoc-ha-noi.html">Công ước Hà Nội, ba tháng sau</a></body></html>`

	s.feeds["/rss.xml"] = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Báo Mẫu</title><link>` + base + `/</link><language>vi</language>
<item><title>Công ước Hà Nội: 72 quốc gia đã ký</title><link>` + base + `/vi/cong-uoc-ha-noi-72.html?utm_source=rss&amp;utm_medium=feed</link>
 <description><![CDATA[<p>Lễ mở ký thành công.</p>]]></description><pubDate>Sat, 25 Oct 2025 16:13:28 +07</pubDate></item>
<item><title>Cong uoc Ha Noi duoc mo ky</title><link>` + base + `/vi/cong-uoc-khong-dau.html</link>
 <pubDate>Sun, 5 Oct 2025 09:00:00 +07</pubDate></item>
<item><title>` + norm.NFD.String("Công ước Hà Nội có hiệu lực khi nào?") + `</title><link>/vi/nfd.html</link>
 <pubDate>07/10/2025 10:48</pubDate></item>
<item><title>Thủ tướng: An ninh mạng có tính toàn cầu</title><link>` + base + `/vi/thu-tuong.html</link>
 <description>Phát biểu của Thủ tướng.</description><pubDate>Thứ bảy, 25/10/2025 16:13 GMT+7</pubDate></item>
<item><title>Giá vàng hôm nay tăng mạnh</title><link>` + base + `/vi/gia-vang.html</link><pubDate>Sat, 25 Oct 2025 10:00:00 +0700</pubDate></item>
<item><title>Tin nội bộ</title><link>` + base + `/private/cong-uoc-ha-noi.html</link></item>
<item><title>Công ước Hà Nội (báo khác)</title><link>` + other + `/vi/cong-uoc-ha-noi-ngoai.html</link></item>
<item><title>Công ước Hà Nội: 72 quốc gia đã ký (AMP)</title><link>` + base + `/amp/vi/cong-uoc-ha-noi-72.html</link></item>
</channel></rss>`
	s.feeds["/atom.xml"] = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>Le Courrier</title><id>urn:x</id><updated>2025-10-26T00:00:00Z</updated>
<entry><title>La Convention de Hanoï ouverte à la signature</title><id>urn:1</id>
 <link rel="alternate" href="` + base + `/fr/convention-de-hanoi.html?fbclid=xyz#haut"/><updated>2025-10-25T10:00:00+07:00</updated></entry>
<entry><title>Convention des Nations Unies contre la cybercriminalite : ce qui change</title><id>urn:2</id>
 <link href="` + base + `/fr/sans-accents.html"/><updated>2025-10-27T08:30:00Z</updated></entry>
<entry><title>Météo à Hanoï</title><id>urn:3</id><link href="` + base + `/fr/meteo.html"/><updated>2025-10-27T09:00:00Z</updated>
 <summary>Pluie sur la capitale.</summary></entry>
</feed>`
	return s
}

func (s *fixtureSite) serve(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	s.mu.Lock()
	s.hits[key]++
	page, isPage := s.pages[key]
	feed, isFeed := s.feeds[key]
	s.mu.Unlock()
	switch {
	case key == "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	case key == "/go/elsewhere":
		http.Redirect(w, r, s.other+"/vi/cong-uoc-ha-noi-ngoai.html", http.StatusFound)
	case isFeed:
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, feed)
	case isPage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	default:
		http.NotFound(w, r)
	}
}
