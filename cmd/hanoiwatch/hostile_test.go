package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
	"hanoiwatch/watcher/store"
)

// The hostile web, through the real `check` command: each case serves its page at one URL
// of a server on 127.0.0.1, next to a good fixture article (vtv) in the same config, which
// must be checked normally whatever the other one does.

// answer is what the hostile server sends for its article.
type answer struct {
	status int
	header map[string]string
	body   []byte
	serve  http.HandlerFunc // instead of status, header and body
}

// hostile serves one answer at /article, which a test may change between checks.
type hostile struct {
	mu sync.Mutex
	a  answer
}

func (h *hostile) set(a answer) {
	h.mu.Lock()
	h.a = a
	h.mu.Unlock()
}

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	a := h.a
	h.mu.Unlock()
	if a.serve != nil {
		a.serve(w, r)
		return
	}
	for k, v := range a.header {
		w.Header()[k] = []string{v} // as given: no canonical names, no Content-Type sniffing
	}
	if _, ok := a.header["Content-Type"]; !ok {
		w.Header()["Content-Type"] = nil // net/http would sniff one; the test wants none sent
	}
	w.WriteHeader(orOK(a.status, http.StatusOK))
	w.Write(a.body)
}

func orOK(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// hostileEnv is a fixture site and a hostile server, both watched by one config.
type hostileEnv struct {
	*env
	h *hostile
}

// newHostile starts a hostile server answering a, and a config (with extra before its
// sources) that watches it as "hostile" besides the fixture's articles.
func newHostile(t *testing.T, extra string, a answer) *hostileEnv {
	t.Helper()
	h := &hostile{a: a}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(srv.CloseClientConnections) // a slow or endless answer must not hold Close up
	e := newEnv(t, fixture.New(), extra)
	f, err := os.OpenFile(e.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// sources: is the config's last section (see newEnv): one more item goes at the end.
	fmt.Fprintf(f, "  - name: hostile\n    url: %s/article\n", srv.URL)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return &hostileEnv{env: e, h: h}
}

// run checks the good article and the hostile one in one run, asserts that the good one
// went as it should (article.new the first time, nothing after), and returns the hostile
// source's events and the run's summary.
func (e *hostileEnv) run(first bool) ([]watcher.Event, string) {
	t := e.t
	t.Helper()
	out, summary, err := hw(t, "check", "--json", "--config", e.cfg, "--db", e.db, "vtv", "hostile")
	if err := ran(err); err != nil {
		t.Fatalf("check: %v\n%s", err, summary)
	}
	var good, bad []watcher.Event
	for _, ev := range events(t, out) {
		if ev.Source.Name == "vtv" {
			good = append(good, ev)
		} else {
			bad = append(bad, ev)
		}
	}
	if first && (len(good) != 1 || good[0].Type != watcher.ArticleNew) || !first && len(good) != 0 {
		t.Fatalf("the good source beside the hostile one: %v\n%s", byType(good), summary)
	}
	return bad, summary
}

// last returns the hostile source's last check, its state and its latest snapshot's text.
func (e *hostileEnv) last() (watcher.Check, watcher.State, string) {
	t := e.t
	t.Helper()
	s, err := store.Open(e.db, store.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cs, err := s.Checks("hostile", 1)
	if err != nil || len(cs) != 1 {
		t.Fatalf("checks of hostile: %v, %v", cs, err)
	}
	st, err := s.State("hostile")
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	if st.Snapshot != "" {
		if text, err = s.Text("hostile", st.Snapshot); err != nil {
			t.Fatal(err)
		}
	}
	return cs[0], st, text
}

// page is an ordinary news article, for the hostile server to mangle.
func page(lang, charset, title string, paras []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html lang=%q><head>", lang)
	if charset != "" {
		fmt.Fprintf(&b, "<meta charset=%q>", charset)
	}
	fmt.Fprintf(&b, "<title>%s | News</title></head><body><header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav></header>", title)
	fmt.Fprintf(&b, "<main><article><h1>%s</h1><div class=\"article-body\">\n", title)
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString("</div></article></main><footer><p>(c) 2025 News. All rights reserved.</p></footer></body></html>")
	return b.String()
}

var (
	viTitle = "Việt Nam ký Công ước Hà Nội về chống tội phạm mạng"
	viParas = []string{
		"Ngày 25 tháng 10, tại Hà Nội, 65 quốc gia đã ký Công ước của Liên hợp quốc về chống tội phạm mạng, một văn kiện pháp lý toàn cầu đầu tiên trong lĩnh vực này.",
		"Thủ tướng Phạm Minh Chính nhấn mạnh rằng an ninh mạng là vấn đề của toàn dân, toàn diện và toàn cầu, không phải vấn đề của riêng quốc gia nào.",
		"Tổng thư ký Liên hợp quốc António Guterres đánh giá cao vai trò của Việt Nam trong việc tổ chức lễ mở ký, với sự tham dự của hơn 100 đoàn đại biểu.",
		"Công ước sẽ có hiệu lực sau khi có 40 quốc gia phê chuẩn, tạo khuôn khổ hợp tác quốc tế trong điều tra, truy tố và dẫn độ tội phạm mạng.",
	}
	frTitle = "Convention de Hanoï : la coopération contre la cybercriminalité s'organise"
	frParas = []string{
		"À Hanoï, déjà 65 pays ont signé la Convention des Nations Unies contre la cybercriminalité, a indiqué le vice-ministre à l'issue de la cérémonie.",
		"Le texte prévoit un réseau de points de contact joignables à toute heure, afin que les enquêteurs échangent leurs données sans délai ni détour.",
		"Les délégués ont salué une étape décisive : l'entrée en vigueur suivra la quarantième ratification, espérée avant Noël de l'année prochaine.",
		"Pour le Vietnam, hôte de l'événement, la priorité reste la formation des forces de l'ordre des pays en développement et le partage d'expérience.",
	}
)

// windows1258 encodes NFC Vietnamese the way Windows-1258 writes it: the letters with a
// circumflex, breve or horn precomposed, the tone marks as combining characters after them.
func windows1258(t *testing.T, s string) []byte {
	t.Helper()
	tone := func(r rune) bool { return r == 0x300 || r == 0x301 || r == 0x303 || r == 0x309 || r == 0x323 }
	var b strings.Builder
	for _, r := range s {
		var base, tones []rune
		for _, d := range norm.NFD.String(string(r)) {
			if tone(d) {
				tones = append(tones, d)
			} else {
				base = append(base, d)
			}
		}
		b.WriteString(norm.NFC.String(string(base)))
		b.WriteString(string(tones))
	}
	out, err := charmap.Windows1258.NewEncoder().Bytes([]byte(b.String()))
	if err != nil {
		t.Fatalf("windows-1258: %v", err)
	}
	return out
}

func latin1(t *testing.T, s string) []byte {
	t.Helper()
	out, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("iso-8859-1: %v", err)
	}
	return out
}

// mojibake finds the marks of text decoded with the wrong charset: UTF-8 read as Latin-1
// ("Ã©", "á»"), undecodable bytes, or stray C1 controls.
func mojibake(s string) string {
	for _, m := range []string{"\ufffd", "Ã", "Â", "á»", "Æ°", "Ä\u0090"} {
		if strings.Contains(s, m) {
			return m
		}
	}
	for _, r := range s {
		if r >= 0x80 && r < 0xa0 {
			return fmt.Sprintf("%U", r)
		}
	}
	return ""
}

func TestHostileCharsets(t *testing.T) {
	viUTF8 := page("vi", "utf-8", viTitle, viParas)
	frUTF8 := page("fr", "utf-8", frTitle, frParas)
	tests := []struct {
		name        string
		contentType string
		body        []byte
		lang        string
	}{
		{"windows-1258 labelled in the header, utf-8 in the meta", "text/html; charset=windows-1258", windows1258(t, viUTF8), "vi"},
		{"windows-1258 labelled in the meta only", "text/html", windows1258(t, page("vi", "windows-1258", viTitle, viParas)), "vi"},
		{"iso-8859-1 bytes labelled utf-8 in the header and the meta", "text/html; charset=UTF-8", latin1(t, frUTF8), "fr"},
		{"iso-8859-1 bytes, no label at all", "text/html", latin1(t, page("fr", "", frTitle, frParas)), "fr"},
		{"iso-8859-1 bytes, no Content-Type", "", latin1(t, page("fr", "", frTitle, frParas)), "fr"},
		{"utf-8 labelled iso-8859-1", "text/html; charset=iso-8859-1", []byte(page("fr", "iso-8859-1", frTitle, frParas)), "fr"},
		{"utf-8 labelled gb2312", "text/html; charset=gb2312", []byte(viUTF8), "vi"},
		{"utf-8 with a BOM, unlabelled", "text/html", append([]byte("\xef\xbb\xbf"), viUTF8...), "vi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.contentType != "" {
				hdr["Content-Type"] = tt.contentType
			}
			e := newHostile(t, "", answer{header: hdr, body: tt.body})
			evs, summary := e.run(true)
			if len(evs) != 1 || evs[0].Type != watcher.ArticleNew {
				t.Fatalf("events %v\n%s", byType(evs), summary)
			}
			_, _, text := e.last()
			title, paras := viTitle, viParas
			if tt.lang == "fr" {
				title, paras = frTitle, frParas
			}
			for _, want := range append([]string{title}, paras...) {
				if !strings.Contains(text, norm.NFC.String(want)) {
					t.Errorf("snapshot lacks %q", want)
				}
			}
			if m := mojibake(text); m != "" {
				t.Errorf("mojibake %q in the snapshot", m)
			}
			if !norm.NFC.IsNormalString(text) {
				t.Errorf("snapshot is not NFC")
			}
			if t.Failed() {
				t.Logf("snapshot:\n%s", text)
			}
		})
	}
}

// Minimal but genuine file headers: what a CMS serves at an article URL by mistake.
var (
	pdf = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	png = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"),
		bytes.Repeat([]byte{0, 0xff, 0x10, 0x80}, 256)...)
)

func TestHostileNotHTML(t *testing.T) {
	tests := []struct {
		name, contentType string
		body              []byte
		want              string
	}{
		{"PDF", "application/pdf", pdf, "not an HTML page (Content-Type application/pdf)"},
		{"PDF without a Content-Type", "", pdf, "not an HTML page (Content-Type application/pdf)"},
		{"PDF served as text/html", "text/html; charset=utf-8", pdf, "not an HTML document: PDF document"},
		{"PNG", "image/png", png, "not an HTML page (Content-Type image/png)"},
		{"PNG without a Content-Type", "", png, "not an HTML page (Content-Type image/png)"},
		{"PNG served as text/html", "text/html", png, "not an HTML document: binary data"},
		{"JSON", "application/json", []byte(`{"title":"Hanoi Convention","body":"65 countries signed"}`), "not an HTML page (Content-Type application/json)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.contentType != "" {
				hdr["Content-Type"] = tt.contentType
			}
			e := newHostile(t, "", answer{header: hdr, body: tt.body})
			evs, summary := e.run(true)
			// fail_after is 1 by default: the failure is reported at once, never as an article.
			if len(evs) != 1 || evs[0].Type != watcher.FetchFailed || !strings.Contains(evs[0].Error, tt.want) {
				t.Fatalf("events %+v\n%s", evs, summary)
			}
			c, st, _ := e.last()
			if c.Result != watcher.ResultFailed || !strings.Contains(c.Error, tt.want) || st.Snapshot != "" {
				t.Fatalf("check %+v, state %+v; want failed with %q", c, st, tt.want)
			}
			if !strings.Contains(summary, "hostile") || !strings.Contains(summary, tt.want) {
				t.Fatalf("summary does not name the source and its error:\n%s", summary)
			}
		})
	}
}

func TestHostileInvalidHTML(t *testing.T) {
	body := strings.Join(frParas, "")
	tests := []struct {
		name string
		page string
	}{
		{"unclosed tags soup", "<html><head><title>" + frTitle + "</title><body><div><div><article><h1>" + frTitle +
			"<p>" + strings.Join(frParas, "<p><b><i>") + "<table><td><tr><li>" + "</span></div></div></div></div></html></html>"},
		{"tags closed in the wrong order", "<html><body><article><h1>" + frTitle + "</article></h1><b><p>" + frParas[0] +
			"</b></p><i><p>" + frParas[1] + "</i><p>" + frParas[2] + "<p>" + frParas[3] + "</body></html></article>"},
		{"50 000 nested divs", "<html><body>" + strings.Repeat("<div>", 50000) + "<h1>" + frTitle + "</h1><p>" + body + "</p>"},
		{"50 000 unclosed tables", "<html><body><h1>" + frTitle + "</h1>" + strings.Repeat("<table><tr><td>", 50000) + "<p>" + body},
		// An unclosed <title> holds the rest of the document as its text, as in a browser.
		{"unclosed title", "<html><head><title>" + frTitle + "<body><article><h1>" + frTitle + "</h1><p>" + body + "</p>"},
		{"broken attributes and comments", "<html><body <<<>>> class=\"x><!-- unclosed comment <p>" + body + "<h1 title='" + frTitle},
		{"NUL bytes and stray ampersands", "<html><body><h1>" + frTitle + "</h1>\x00<p>" + frParas[0] + " &&&amp &#xFFFFFF; &#0;</p>\x00<p>" + frParas[1] + "</p>"},
		{"a script that never ends", "<html><body><h1>" + frTitle + "</h1><p>" + body + "</p><script>var a = '</scr' + 'ipt>'; " + strings.Repeat("x", 100000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHostile(t, "", answer{header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: []byte(tt.page)})
			start := time.Now()
			evs, summary := e.run(true)
			took := time.Since(start)
			c, _, text := e.last()
			t.Logf("%s in %s: %s %q", c.Result, took.Round(time.Millisecond), c.Error, truncate(text, 120))
			switch c.Result {
			case watcher.ResultNew:
				// Whatever it kept, it must be text, not markup.
				if len(evs) != 1 || evs[0].Type != watcher.ArticleNew || strings.TrimSpace(text) == "" ||
					(tt.name != "unclosed title" && strings.Contains(text, "<p>")) {
					t.Fatalf("events %v, text %q", byType(evs), truncate(text, 500))
				}
			case watcher.ResultFailed:
				if c.Error == "" || len(evs) != 1 || evs[0].Type != watcher.FetchFailed {
					t.Fatalf("a failure without its error: check %+v, events %v", c, byType(evs))
				}
			default:
				t.Fatalf("result %q\n%s", c.Result, summary)
			}
			if took > 20*time.Second {
				t.Fatalf("took %s", took)
			}
		})
	}
}

func TestHostileEmptyBody(t *testing.T) {
	good := answer{header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: []byte(page("fr", "utf-8", frTitle, frParas))}
	empties := []struct {
		name string
		a    answer
	}{
		{"empty", answer{header: map[string]string{"Content-Type": "text/html; charset=utf-8"}}},
		{"empty, no Content-Type", answer{}},
		{"white space", answer{header: map[string]string{"Content-Type": "text/html"}, body: []byte("\n\n   \r\n\t")}},
		{"an empty document", answer{header: map[string]string{"Content-Type": "text/html"}, body: []byte("<!doctype html><html><head></head><body></body></html>")}},
	}
	for _, tt := range empties {
		t.Run(tt.name+", first check: a failure, no article.new", func(t *testing.T) {
			e := newHostile(t, "", tt.a)
			evs, summary := e.run(true)
			c, st, _ := e.last()
			if len(evs) != 1 || evs[0].Type != watcher.FetchFailed || c.Result != watcher.ResultFailed || st.Snapshot != "" {
				t.Fatalf("events %v, check %+v\n%s", byType(evs), c, summary)
			}
		})
		t.Run(tt.name+", after a snapshot: suspect or failed, never a change", func(t *testing.T) {
			e := newHostile(t, "", good)
			if evs, _ := e.run(true); len(evs) != 1 || evs[0].Type != watcher.ArticleNew {
				t.Fatalf("first events %v", byType(evs))
			}
			_, before, text := e.last()
			e.h.set(tt.a)
			evs, summary := e.run(false)
			c, st, now := e.last()
			t.Logf("%s: %s", c.Result, c.Error)
			// A page with markup and no text is suspect (the text collapsed); bytes that are no
			// HTML document at all fail to extract, which fail_after 1 reports at once.
			ok := c.Result == watcher.ResultSuspect && len(evs) == 0 ||
				c.Result == watcher.ResultFailed && len(evs) == 1 && evs[0].Type == watcher.FetchFailed
			if !ok || st.Snapshot != before.Snapshot || now != text {
				t.Fatalf("events %v, check %+v\n%s", byType(evs), c, summary)
			}
		})
	}
}

// heapPeak runs f while sampling the heap, and returns how far the heap grew above what it
// was before (after a collection) at its highest, and the bytes f allocated in all.
func heapPeak(f func()) (peak, total uint64) {
	var base, m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	var (
		mu  sync.Mutex
		top = base.HeapAlloc
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var s runtime.MemStats
		for {
			runtime.ReadMemStats(&s)
			mu.Lock()
			top = max(top, s.HeapAlloc)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&m)
	top = max(top, m.HeapAlloc)
	return top - base.HeapAlloc, m.TotalAlloc - base.TotalAlloc
}

// mib formats bytes as MiB.
func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func TestHostileLimits(t *testing.T) {
	// Five megabytes of article: 10 000 paragraphs of about 500 bytes.
	var big strings.Builder
	for i := 0; big.Len() < 5<<20; i++ {
		fmt.Fprintf(&big, "Paragraphe %d. %s %s %s\n", i, frParas[i%4], frParas[(i+1)%4], frParas[(i+2)%4])
	}
	bigParas := strings.Split(strings.TrimSuffix(big.String(), "\n"), "\n")
	bigPage := []byte(page("fr", "utf-8", frTitle, bigParas))
	bomb := func() []byte {
		var b bytes.Buffer
		z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zeros := make([]byte, 1<<20)
		for range 64 {
			z.Write(zeros)
		}
		z.Close()
		return b.Bytes()
	}()
	tests := []struct {
		name   string
		extra  string
		a      answer
		result string
		want   string // in the check's error
		// heap is the bound on the heap's growth during the check: 64 MiB, 96 for the 5 MB
		// page, whose tree and index hold about ten times its size while it is read.
		heap uint64
	}{
		{"endless body", "", answer{serve: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			chunk := bytes.Repeat([]byte("<p>Convention de Hanoï, encore et encore.</p>\n"), 1024)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}}, watcher.ResultFailed, "body too large: more than 10485760 bytes", 64 << 20},
		{"gzip bomb: 64 KB for 64 MiB, as x-gzip", "defaults:\n  max_body: 1MiB\n", answer{
			header: map[string]string{"Content-Type": "text/html", "Content-Encoding": "x-gzip"}, body: bomb},
			watcher.ResultFailed, "body too large: more than 1048576 bytes", 64 << 20},
		{"one byte a second", "defaults:\n  timeout: 2s\n", answer{serve: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			for range 60 {
				if _, err := w.Write([]byte("<")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		}}, watcher.ResultFailed, "timed out after 2s", 64 << 20},
		{"5 MB of text", "", answer{header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: bigPage},
			watcher.ResultNew, "", 96 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHostile(t, tt.extra, tt.a)
			var (
				evs     []watcher.Event
				summary string
			)
			start := time.Now()
			peak, total := heapPeak(func() { evs, summary = e.run(true) })
			took := time.Since(start)
			t.Logf("%s: check in %s, heap peak +%s, %s allocated", tt.name, took.Round(time.Millisecond), mib(peak), mib(total))
			c, _, text := e.last()
			if c.Result != tt.result || !strings.Contains(c.Error, tt.want) {
				t.Fatalf("check %+v; want %s with %q\n%s", c, tt.result, tt.want, summary)
			}
			switch tt.result {
			case watcher.ResultNew:
				if len(evs) != 1 || evs[0].Type != watcher.ArticleNew || len(text) < 4<<20 || !strings.Contains(text, "Paragraphe 9000.") {
					t.Fatalf("events %v, text of %d bytes", byType(evs), len(text))
				}
			case watcher.ResultFailed:
				if len(evs) != 1 || evs[0].Type != watcher.FetchFailed {
					t.Fatalf("events %v", byType(evs))
				}
			}
			if peak > tt.heap {
				t.Errorf("the heap grew by %s, more than %s", mib(peak), mib(tt.heap))
			}
		})
	}
}

// Bot challenges as sites serve them: Cloudflare's managed challenge and block page, a
// captcha wall, a bare refusal.
var (
	justAMoment = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>` +
		`<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow">` +
		`</head><body><div class="main-wrapper" role="main"><div class="main-content"><h1 class="zone-name-title h1">vtv.vn</h1>` +
		`<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2><noscript><div class="h2">` +
		`<span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript>` +
		`<div id="challenge-body-text" class="core-msg spacer">vtv.vn needs to review the security of your connection before proceeding.</div>` +
		`</div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "vtv.vn",cType: 'managed'};var cpo = document.createElement('script');` +
		`cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b2c3d4e5f6789';document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>`
	attentionRequired = `<!DOCTYPE html><html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head><body>` +
		`<div id="cf-wrapper"><div class="cf-alert cf-alert-error cf-cookie-error" id="cookie-alert">Please enable cookies.</div>` +
		`<div id="cf-error-details" class="cf-error-details-wrapper"><div class="cf-wrapper cf-header cf-error-overview">` +
		`<h1 data-translate="block_headline">Sorry, you have been blocked</h1><h2 class="cf-subheadline">You are unable to access vtv.vn</h2></div>` +
		`<div class="cf-section cf-wrapper"><div class="cf-columns two"><div class="cf-column"><h2>Why have I been blocked?</h2>` +
		`<p>This website is using a security service to protect itself from online attacks. The action you just performed triggered ` +
		`the security solution. There are several actions that could trigger this block including submitting a certain word or phrase, ` +
		`a SQL command or malformed data.</p></div><div class="cf-column"><h2>What can I do to resolve this?</h2><p>You can email the ` +
		`site owner to let them know you were blocked. Please include what you were doing when this page came up and the Cloudflare ` +
		`Ray ID found at the bottom of this page.</p></div></div></div><div class="cf-error-footer cf-wrapper"><p>Cloudflare Ray ID: ` +
		`<strong>8a1b2c3d4e5f6789</strong> • Performance &amp; security by Cloudflare</p></div></div></div></body></html>`
	captcha = `<html><head><title>Captcha</title></head><body><h1>Please verify you are a human</h1>` +
		`<p>Complete the captcha below to continue to the site. Automated access to this page is not allowed.</p>` +
		`<div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"></div></body></html>`
)

func TestHostileBlocked(t *testing.T) {
	good := answer{header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: []byte(page("fr", "utf-8", frTitle, frParas))}
	html := func(status int, body string, header ...string) answer {
		a := answer{status: status, header: map[string]string{"Content-Type": "text/html; charset=UTF-8"}, body: []byte(body)}
		for i := 0; i+1 < len(header); i += 2 {
			a.header[header[i]] = header[i+1]
		}
		return a
	}
	inAnHour := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	maintenance := `<html><head><title>Maintenance</title><style>h1{color:red}</style></head><body><h1>Back soon</h1>` +
		`<p>The site is down for scheduled maintenance.</p><script>var captcha = 0;</script></body></html>`
	tests := []struct {
		name       string
		a          answer
		retryAfter time.Duration // the least wait the state must keep before the next check
		outage     bool          // a 503 that is no challenge: a failure, not "blocked"
	}{
		{"403 Just a moment...", html(403, justAMoment, "Server", "cloudflare", "Cf-Mitigated", "challenge"), 0, false},
		{"503 Just a moment..., Retry-After seconds", html(503, justAMoment, "Retry-After", "600"), 10 * time.Minute, false},
		{"403 Attention Required", html(403, attentionRequired), 0, false},
		{"429 captcha, Retry-After date", html(429, captcha, "Retry-After", inAnHour), 59 * time.Minute, false},
		{"401 with an empty body", answer{status: 401, header: map[string]string{"WWW-Authenticate": `Basic realm="members"`}}, 0, false},
		{"503 plain text", answer{status: 503, header: map[string]string{"Content-Type": "text/plain", "Retry-After": "600"}, body: []byte("Service Unavailable")}, 10 * time.Minute, true},
		{"503 maintenance page", html(503, maintenance, "Retry-After", "600"), 10 * time.Minute, true},
		{"503 empty", answer{status: 503, header: map[string]string{"Retry-After": "600"}}, 10 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHostile(t, "", good)
			if evs, _ := e.run(true); len(evs) != 1 || evs[0].Type != watcher.ArticleNew {
				t.Fatalf("first events %v", byType(evs))
			}
			_, before, text := e.last()

			e.h.set(tt.a)
			evs, summary := e.run(false)
			c, st, now := e.last()
			status := orOK(tt.a.status, 200)
			result, want, counts := watcher.ResultBlocked, fmt.Sprintf("blocked by the site (HTTP %d): a bot challenge or access rule", status), "0 failed, 1 blocked"
			if tt.outage {
				result, want, counts = watcher.ResultFailed, "HTTP 503 Service Unavailable", "1 failed, 0 blocked"
			}
			if c.Result != result || c.Error != want || c.Status != status {
				t.Fatalf("check %+v; want %s, %q", c, result, want)
			}
			// Reported once as a failure, never as a change or a disappearance.
			if len(evs) != 1 || evs[0].Type != watcher.FetchFailed || evs[0].Error != want || evs[0].Status != status {
				t.Fatalf("events %+v", evs)
			}
			if st.Snapshot != before.Snapshot || now != text || st.Status != "failing" {
				t.Fatalf("state %+v after a block", st)
			}
			if tt.retryAfter > 0 && st.RetryAt.Sub(c.Time) < tt.retryAfter {
				t.Fatalf("retry at %s, %s after the check; the site asked for %s", st.RetryAt, st.RetryAt.Sub(c.Time), tt.retryAfter)
			}
			if !strings.Contains(summary, counts) || !strings.Contains(summary, "hostile  "+result) {
				t.Fatalf("summary:\n%s", summary)
			}

			// Blocked again: no second alert. Then let through: restored, same text.
			if evs, _ := e.run(false); len(evs) != 0 {
				t.Fatalf("second block: %v", byType(evs))
			}
			e.h.set(good)
			evs, _ = e.run(false)
			if len(evs) != 1 || evs[0].Type != watcher.ArticleRestored || evs[0].Snapshot != before.Snapshot {
				t.Fatalf("after the block: %+v", evs)
			}
		})
	}
}

// TestHostileChallengeWith200: a challenge page served with a 200 is not recognised by its
// status, but by its title or its few words (a challenge, a captcha, "you have been
// blocked"). It is never stored as the article, however long it stays: a blocked check,
// reported once by fetch.failed (fail_after 1), before any snapshot and after one, and the
// article that comes back is restored, not changed.
func TestHostileChallengeWith200(t *testing.T) {
	var long []string
	for i := range 8 {
		for _, p := range frParas {
			long = append(long, fmt.Sprintf("%d. %s", i+1, p))
		}
	}
	html := func(body string) answer {
		return answer{header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: []byte(body)}
	}
	articles := map[string]answer{"long": html(page("fr", "utf-8", frTitle, long)), "short": html(page("fr", "utf-8", frTitle, frParas[:2]))}
	for _, body := range []string{justAMoment, attentionRequired, captcha} {
		title := body[strings.Index(body, "<title>")+7 : strings.Index(body, "</title>")]
		for size, good := range articles {
			t.Run(title+" after a "+size+" article", func(t *testing.T) {
				e := newHostile(t, "", good)
				e.run(true)
				_, before, _ := e.last()
				e.h.set(html(body))
				for i := range 5 { // past suspect_after (3)
					evs, summary := e.run(false)
					c, st, _ := e.last()
					alert := len(evs) == 1 && evs[0].Type == watcher.FetchFailed
					if (i == 0) != alert || i > 0 && len(evs) != 0 || st.Snapshot != before.Snapshot || c.Result != watcher.ResultBlocked ||
						!strings.Contains(c.Error, "a bot challenge was recognised") || !strings.Contains(summary, "1 blocked") {
						t.Fatalf("check %d: events %v, check %+v\n%s", i+1, byType(evs), c, summary)
					}
				}
				e.h.set(good)
				if evs, _ := e.run(false); len(evs) != 1 || evs[0].Type != watcher.ArticleRestored || evs[0].Snapshot != before.Snapshot {
					t.Fatalf("the article back: %+v", evs)
				}
			})
		}
		t.Run(title+" first", func(t *testing.T) {
			e := newHostile(t, "", html(body))
			for i := range 5 {
				evs, summary := e.run(i == 0) // first run: the good source is new
				c, st, _ := e.last()
				if alert := len(evs) == 1 && evs[0].Type == watcher.FetchFailed; (i == 0) != alert || i > 0 && len(evs) != 0 {
					t.Fatalf("check %d: events %v\n%s", i+1, byType(evs), summary)
				}
				if c.Result != watcher.ResultBlocked || st.Snapshot != "" || !strings.Contains(c.Error, "a bot challenge was recognised") {
					t.Fatalf("check %d: %+v\n%s", i+1, c, summary)
				}
			}
		})
	}
}

// TestHostileScriptShell: a page whose article is drawn by a script is reported as such,
// in `check` and in `sources`, and never stored.
func TestHostileScriptShell(t *testing.T) {
	shell := `<!doctype html><html><head><title>` + frTitle + `</title><meta name="description" content="La Convention de Hanoi.">` +
		`<link rel="stylesheet" href="/static/css/main.css"></head><body><div id="root"></div>` +
		`<noscript>You need to enable JavaScript to run this app.</noscript><script src="/static/js/main.4f2a.js"></script></body></html>`
	e := newHostile(t, "", answer{header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: []byte(shell)})
	evs, summary := e.run(true)
	c, st, _ := e.last()
	if len(evs) != 1 || evs[0].Type != watcher.FetchFailed || evs[0].Error != watcher.NeedsScriptHint ||
		c.Result != watcher.ResultNeedsScript || st.Snapshot != "" || !strings.Contains(summary, "1 need JavaScript") {
		t.Fatalf("events %+v, check %+v\n%s", evs, c, summary)
	}
	out, _, err := hw(t, "sources", "--config", e.cfg, "--db", e.db)
	if err != nil || !regexp.MustCompile(`(?m)^hostile\s+config\s+needs-js\s`).MatchString(out) {
		t.Fatalf("sources (%v):\n%s", err, out)
	}
}
