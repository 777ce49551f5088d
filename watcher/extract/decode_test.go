package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

func encode(t *testing.T, cm *charmap.Charmap, s string) []byte {
	t.Helper()
	b, err := cm.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestDecode(t *testing.T) {
	// Windows-1258 writes Vietnamese with combining tone marks: "ệ" is ê + U+0323.
	vi1258 := "<p>Vi\u00ea\u0323t Nam t\u0103ng tr\u01b0\u01a1\u0309ng</p>"
	viNFC := "Việt Nam tăng trưởng"
	fr := "<p>Le café coûte 2 500 € à Noël.</p>"
	frWant := "Le café coûte 2 500 € à Noël."

	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string // substring of the NFC decoded text
	}{
		{"utf-8 unlabelled", []byte("<p>Hà Nội</p>"), "", "Hà Nội"},
		{"utf-8 with BOM", []byte("\xef\xbb\xbf<p>Hà Nội</p>"), "", "<p>Hà Nội</p>"},
		{"utf-8 under a wrong meta gb2312", []byte(`<meta charset="gb2312"><p>腾讯科技 Hà Nội</p>`), "", "腾讯科技 Hà Nội"},
		{"utf-8 under a wrong header", []byte("<p>Hà Nội</p>"), "text/html; charset=iso-8859-1", "Hà Nội"},
		{"iso-8859-1 from header", encode(t, charmap.ISO8859_1, strings.ReplaceAll(fr, "€", "EUR")), "text/html; charset=ISO-8859-1", "Le café coûte 2 500 EUR à Noël."},
		{"iso-8859-1 from meta charset", append([]byte(`<meta charset="iso-8859-1">`), encode(t, charmap.ISO8859_1, "<p>déjà vu</p>")...), "", "déjà vu"},
		{"windows-1252 from http-equiv meta", append([]byte(`<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">`), encode(t, charmap.Windows1252, fr)...), "text/html", frWant},
		{"windows-1258 from header", encode(t, charmap.Windows1258, vi1258), "text/html; charset=windows-1258", viNFC},
		{"windows-1258 from meta", append([]byte(`<meta charset="windows-1258">`), encode(t, charmap.Windows1258, vi1258)...), "", viNFC},
		{"iso-8859-1 labelled utf-8", append([]byte(`<meta charset="utf-8">`), encode(t, charmap.ISO8859_1, "<p>déjà vu</p>")...), "text/html; charset=UTF-8", "déjà vu"},
		{"unlabelled legacy bytes", encode(t, charmap.Windows1252, "<p>naïve “quotes”</p>"), "", "naïve “quotes”"},
		{"malformed header", encode(t, charmap.ISO8859_1, "<p>été</p>"), `text/html; charset="latin1`, "été"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.body, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(norm.NFC.String(got), tt.want) {
				t.Errorf("Decode = %q, want it to contain %q", got, tt.want)
			}
			if strings.HasPrefix(got, "\ufeff") {
				t.Error("BOM kept")
			}
		})
	}
}

// TestDecodeCorpusWrongMeta uses the corpus page that declares gb2312 over UTF-8 bytes.
func TestDecodeCorpusWrongMeta(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "zh_qq_readability.html"))
	if err != nil {
		t.Skipf("corpus page absent: %v", err)
	}
	got, err := Decode(raw, "text/html; charset=gb2312")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(raw) {
		t.Fatal("valid UTF-8 bytes were transcoded")
	}
	a, err := HTML(got, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text(), "DeepMind") || !strings.Contains(a.Text(), "人工智能") {
		t.Errorf("text not decoded: %.200q", a.Text())
	}
}

// TestNFC checks that decomposed Vietnamese (as typed on some systems, or decoded from
// windows-1258) comes out composed, identical to the composed page.
func TestNFC(t *testing.T) {
	page := func(s string) string {
		return `<html lang="vi"><head><title>` + s + `</title></head><body><article><h1>` + s + `</h1>` +
			strings.Repeat(`<p>`+s+` là một câu dài về kinh tế, với con số 2 500 tỷ đồng được công bố hôm nay.</p>`, 4) +
			`</article></body></html>`
	}
	composed := "Người đàn ông 63 tuổi ở Hà Nội"
	decomposed := norm.NFD.String(composed)
	if decomposed == composed {
		t.Fatal("test string has nothing to decompose")
	}
	a, err := HTML(page(composed), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := HTML(page(decomposed), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Text() != b.Text() {
		t.Errorf("NFD page gives other text:\n%q\n%q", a.Text(), b.Text())
	}
	if !norm.NFC.IsNormalString(b.Text()) || !strings.Contains(b.Text(), composed) {
		t.Errorf("text not NFC: %q", b.Text())
	}
	// windows-1258 bytes end up composed too.
	vi := "Vi\u00ea\u0323t Nam" // ê + combining dot below, as windows-1258 writes it
	raw := encode(t, charmap.Windows1258, "<html><head><title>"+vi+"</title></head><body><article><h1>"+vi+"</h1>"+
		strings.Repeat("<p>"+vi+" t\u0103ng tr\u01b0\u01a1\u0309ng nhanh, and this sentence makes the paragraph long enough.</p>", 3)+
		"</article></body></html>")
	s, err := Decode(raw, "text/html; charset=windows-1258")
	if err != nil {
		t.Fatal(err)
	}
	c, err := HTML(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.Text(), "Việt Nam\n") {
		t.Errorf("windows-1258 page text = %.80q", c.Text())
	}
}
