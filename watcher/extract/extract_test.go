package extract

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// bodyParas are ordinary article paragraphs for synthetic pages.
var bodyParas = []string{
	"The ministry said on Monday that exports rose by 12 percent in the first nine months of the year, driven by electronics and textiles.",
	"Officials expect the growth to continue into next year, although they warned that demand in the main markets remains uncertain.",
	"Economists interviewed for this article said the figures were in line with their forecasts and did not change the outlook.",
	"The government plans to publish a detailed report on trade flows before the end of the quarter, a spokesperson added.",
}

// article builds a page: site furniture around an <article> with a title, extra markup after
// the title (lead, byline...), the body paragraphs and extra markup after them.
func article(lang, afterTitle, afterBody string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html lang=%q><head><meta charset="utf-8"><title>Exports rise 12%% | Example News</title>`, lang)
	b.WriteString(`<meta property="og:title" content="Exports rise 12% in nine months">`)
	b.WriteString(`<meta name="author" content="Jane Doe"><meta property="article:published_time" content="2024-03-05T08:30:00+07:00">`)
	b.WriteString(`</head><body><header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/business">Business</a></li></ul></nav></header>`)
	b.WriteString(`<main><article><h1>Exports rise 12% in nine months</h1>`)
	b.WriteString(afterTitle)
	b.WriteString(`<div class="article-body">`)
	for _, p := range bodyParas {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString(afterBody)
	b.WriteString(`</div></article></main><aside><h3>Most read</h3><ul><li><a href="/a">Another story</a></li><li><a href="/b">Yet another story</a></li></ul></aside>`)
	b.WriteString(`<footer><p>© 2024 Example News. All rights reserved.</p></footer></body></html>`)
	return b.String()
}

func TestText(t *testing.T) {
	tests := []struct {
		name string
		a    Article
		want string
	}{
		{"order and lines", Article{Title: "T", Lead: "L", Body: []string{"a", "b"}, Date: "2024-01-01", Author: "X"}, "T\nL\na\nb"},
		{"empty parts dropped", Article{Title: "T", Body: []string{"", "  ", "a"}}, "T\na"},
		{"whitespace collapsed", Article{Body: []string{"  a \t b\n\nc  "}}, "a b c"},
		{"hard spaces kept", Article{Body: []string{"2\u00a0500 tỷ, 3\u202f000 €"}}, "2\u00a0500 tỷ, 3\u202f000 €"},
		{"hard space absorbs spaces around it", Article{Body: []string{"2 \u00a0 500"}}, "2\u00a0500"},
		{"invisible characters dropped", Article{Body: []string{"a\u200bb\u00adc\ufeff"}}, "abc"},
		{"NFC", Article{Title: "Vie\u0323\u0302t Nam"}, "Việt Nam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Text(); got != tt.want {
				t.Errorf("Text() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHTMLErrors(t *testing.T) {
	tests := []struct {
		name, page string
		sel        string
		notHTML    bool
		want       string
	}{
		{"empty", "", "", true, ""},
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "", true, ""},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "", true, ""},
		{"JSON", `{"title": "<b>not a page</b>", "items": [1, 2]}`, "", true, ""},
		{"JSON array", `[{"a": 1}]`, "", true, ""},
		{"plain text", "Just some words, no markup at all.", "", true, ""},
		{"selector matches nothing", article("en", "", ""), "div.story-text", false, `selector "div.story-text" matches nothing`},
		{"invalid selector", article("en", "", ""), "div[", false, `invalid selector "div["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := HTML(tt.page, Options{Selector: tt.sel})
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrNotHTML) != tt.notHTML {
				t.Errorf("errors.Is(%v, ErrNotHTML) = %v", err, !tt.notHTML)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	// An HTML page without article text is not an error.
	a, err := HTML("<html><head><title></title></head><body><div><img src=x.png></div></body></html>", Options{})
	if err != nil {
		t.Fatalf("empty page: %v", err)
	}
	if len(a.Body) != 0 {
		t.Errorf("empty page has body %q", a.Body)
	}
}

func TestHTMLFields(t *testing.T) {
	a, err := HTML(article("vi-VN", "", ""), Options{URL: "https://example.com/news/exports"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Exports rise 12% in nine months" {
		t.Errorf("Title = %q", a.Title)
	}
	if strings.Join(a.Body, "\n") != strings.Join(bodyParas, "\n") {
		t.Errorf("Body = %q", a.Body)
	}
	if a.Lang != "vi" || a.Author != "Jane Doe" || !strings.HasPrefix(a.Date, "2024-03-0") {
		t.Errorf("Lang %q, Author %q, Date %q", a.Lang, a.Author, a.Date)
	}
	for _, boiler := range []string{"Home", "Most read", "Another story", "rights reserved"} {
		if strings.Contains(a.Text(), boiler) {
			t.Errorf("boilerplate %q in Text", boiler)
		}
	}
}

// TestLead checks that the standfirst is found by its class in several languages, or by its
// place between title and body, and never repeated or mixed with bylines and dates.
func TestLead(t *testing.T) {
	const lead = "Strong electronics sales pushed exports to a record, the ministry said, but officials warned of slower demand ahead."
	tests := []struct {
		name, afterTitle, afterBody string
		want                        string
	}{
		{"standfirst class", `<p class="standfirst">` + lead + `</p>`, "", lead},
		{"French chapo", `<div class="article__chapo"><p>` + lead + `</p></div>`, "", lead},
		{"Vietnamese sapo", `<h2 class="sapo">` + lead + `</h2>`, "", lead},
		{"Spanish bajada", `<h2 class="nota-bajada">` + lead + `</h2>`, "", lead},
		{"German Vorspann", `<p class="article-vorspann">` + lead + `</p>`, "", lead},
		{"camel-case summary", `<div class="ArticleSummary">` + lead + `</div>`, "", lead},
		{"data attribute", `<div data-component="standfirst" class="x1y2z3">` + lead + `</div>`, "", lead},
		{"by place, no class", `<div class="hd"><p>` + lead + `</p></div>`, "", lead},
		{"with byline and date around it",
			`<p class="byline">By Jane Doe</p><p class="chapo">` + lead + `</p><p>Published 5 March 2024, 08:30 · Updated 2 hours ago</p><span>1,234 views</span>`,
			"", lead},
		{"already in the body", `<p class="lead">` + bodyParas[0] + `</p>`, "", ""},
		{"caption is not a lead", `<figure><img src="x.jpg"><figcaption>A worker packs electronics for export at a factory near Hanoi, on March 3.</figcaption></figure>`, "", ""},
		{"author bio is not a lead", `<div class="author-description">Jane Doe covers trade and the economy for Example News, from Hanoi.</div>`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := HTML(article("en", tt.afterTitle, tt.afterBody), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if a.Lead != tt.want {
				t.Errorf("Lead = %q, want %q", a.Lead, tt.want)
			}
			if n := strings.Count(a.Text(), bodyParas[0]); n != 1 {
				t.Errorf("first paragraph %d times in Text", n)
			}
			if strings.Join(a.Body, "\n") != strings.Join(bodyParas, "\n") {
				t.Errorf("Body = %q", a.Body)
			}
		})
	}
}

// TestFurnitureNotInText checks that dates, bylines, counters and in-article link lists stay
// out of Text while the metadata fields still carry date and author.
func TestFurnitureNotInText(t *testing.T) {
	afterTitle := `<div class="meta"><span class="author">By Jane Doe</span> <time datetime="2024-03-05">5 March 2024</time></div>
		<p>Cập nhật lúc 08:30, 05/03/2024</p><p>Mis à jour le 5 mars 2024 à 10h12</p><p>3 hours ago</p><p>1,234 views · 56 comments</p>`
	afterBody := `<p>Advertisement</p><p>Read more: <a href="/x">Rice exports hit a ten-year high as prices climb</a></p>
		<ul class="tags"><li><a href="/t/trade">Trade</a></li><li><a href="/t/asia">Asia</a></li></ul>
		<div class="share">Share this article <a href="#">Facebook</a> <a href="#">X</a></div>`
	a, err := HTML(article("en", afterTitle, afterBody), Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := a.Text()
	for _, s := range []string{"Jane Doe", "March 2024", "05/03/2024", "10h12", "hours ago", "views", "Advertisement", "Read more", "Rice exports", "Trade", "Facebook"} {
		if strings.Contains(text, s) {
			t.Errorf("%q in Text:\n%s", s, text)
		}
	}
	if a.Author == "" || a.Date == "" {
		t.Errorf("metadata lost: author %q date %q", a.Author, a.Date)
	}
}

func TestIsFurniture(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"3 hours ago", true},
		{"Updated 2 hours ago", true},
		{"1,234 views", true},
		{"12 comments · 300 shares", true},
		{"Comments (12)", true},
		{"Bình luận (3)", true},
		{"Thứ tư, 22/10/2025, 14:57 (GMT+7)", true},
		{"Mis à jour le 5 mars 2024 à 10h12", true},
		{"Publié le 30 août 2023 à 14h52, modifié le 30 août 2023 à 15h54", true},
		{"12.08.2015 04:46 Uhr", true},
		{"il y a 5 minutes", true},
		{"5 phút trước", true},
		{"By Jane Doe", true},
		{"Par Bertrand Bissuel", true},
		{"Lecture 4 min.", true},
		{"Advertisement", true},
		{"2024年10月14日 07:17", true},
		{"The rate rose to 5% on 12/03/2024, the bank said in a statement.", false},
		{"Exports rose by 12 percent in the first nine months.", false},
		{"By Monday, prices had fallen by a third across the region.", false},
		{"Giá lúa tăng 200 đồng/kg so với tuần trước, theo Bộ Nông nghiệp.", false},
		{"Le 14 mars 2020, Olivier Véran a mis en garde les Français.", false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := isFurniture(tt.line); got != tt.want {
				t.Errorf("isFurniture(%q) = %v", tt.line, got)
			}
		})
	}
}

// TestSelector checks that a selector replaces body extraction, leaving its share boxes out,
// while the title and a lead the page names as such are still found, and nothing else
// from outside the selection.
func TestSelector(t *testing.T) {
	const lead = "Strong electronics sales pushed exports to a record, the ministry said, but officials warned of slower demand ahead."
	page := article("en", `<p class="standfirst">`+lead+`</p>`, `<div class="share-tools">Share <a href="#">Facebook</a></div><p>Short closing line.</p>`)
	a, err := HTML(page, Options{Selector: "div.article-body"})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]string{}, bodyParas...), "Short closing line.")
	if strings.Join(a.Body, "\n") != strings.Join(want, "\n") {
		t.Errorf("Body = %q", a.Body)
	}
	if a.Title != "Exports rise 12% in nine months" || a.Lead != lead {
		t.Errorf("Title %q, Lead %q", a.Title, a.Lead)
	}
	// A selector that leaves paragraphs out keeps them out: the text is the title, the lead
	// the page names and the selection, not the paragraphs between them.
	c, err := HTML(page, Options{Selector: "div.article-body p:nth-child(n+3)"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Text(); got != strings.Join(append(append([]string{a.Title, lead}, bodyParas[2:]...), "Short closing line."), "\n") {
		t.Errorf("nth-child selection: Text =\n%s", got)
	}
	plain := article("en", "", "")
	d, err := HTML(plain, Options{Selector: "div.article-body p:nth-child(n+3)"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Lead != "" || strings.Join(d.Body, "\n") != strings.Join(bodyParas[2:], "\n") {
		t.Errorf("nth-child selection without a named lead: Lead %q, Body %q", d.Lead, d.Body)
	}
	// A selector for every paragraph gives each once.
	b, err := HTML(page, Options{Selector: "div.article-body, div.article-body p"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(b.Body, "\n") != strings.Join(want, "\n") {
		t.Errorf("nested matches: Body = %q", b.Body)
	}
}

func TestPageLang(t *testing.T) {
	tests := []struct{ page, want string }{
		{`<html lang="vi-VN"><body><p>x</p></body></html>`, "vi"},
		{`<html><head><meta property="og:locale" content="fr_FR"></head><body><p>x</p></body></html>`, "fr"},
		{`<html xml:lang="de"><body><p>x</p></body></html>`, "de"},
		{`<html lang="x-default"><body><p>x</p></body></html>`, ""},
		{`<html><body><p>x</p></body></html>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := pageLang(parseDoc(t, tt.page)); got != tt.want {
				t.Errorf("pageLang = %q, want %q", got, tt.want)
			}
		})
	}
}

// A page of more paragraphs than trafilatura is given is read whole from the element that
// holds them, in order, without the page's menus and footer.
func TestManyParagraphs(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html lang="fr"><head><title>Rapport</title></head><body><nav><p>Accueil</p><p>Monde</p></nav><main><h1>Rapport</h1>`)
	for i := range maxParagraphs + 500 {
		fmt.Fprintf(&b, "<p>Paragraphe %d du rapport sur la convention, signée par %d pays.</p>\n", i, i%90)
	}
	b.WriteString(`</main><footer><p>Mentions légales du site.</p></footer></body></html>`)
	a, err := HTML(b.String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Body) != maxParagraphs+500 || a.Title != "Rapport" {
		t.Fatalf("title %q, %d paragraphs", a.Title, len(a.Body))
	}
	for i, p := range a.Body {
		if !strings.HasPrefix(p, fmt.Sprintf("Paragraphe %d ", i)) {
			t.Fatalf("paragraph %d is %q", i, p)
		}
	}
}

// A page that does not state its language gets the detector's, when it is sure of it.
func TestDetectLang(t *testing.T) {
	a, err := HTML(article("", "", ""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Lang != "en" {
		t.Errorf("undeclared English page: Lang = %q, want en", a.Lang)
	}
	if got := detectLang([]string{"OK 12"}); got != "" {
		t.Errorf("detectLang of a two-word text = %q, want \"\" (not sure)", got)
	}
	// The real pages' file names start with their language.
	pages := loadCorpus(t)
	sure := 0
	for _, pg := range pages {
		a := mustHTML(t, pg.html)
		want, _, _ := strings.Cut(pg.name, "_")
		switch got := detectLang(a.Body); got {
		case want:
			sure++
		case "":
		default:
			t.Errorf("%s: detected %q", pg.name, got)
		}
	}
	if sure*10 < len(pages)*9 {
		t.Errorf("language detected on %d of %d pages", sure, len(pages))
	}
}
