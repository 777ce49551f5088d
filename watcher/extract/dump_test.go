package extract

import (
	"os"
	"testing"
)

func TestDumpPage(t *testing.T) {
	name := os.Getenv("PAGE")
	if name == "" {
		t.Skip()
	}
	raw, _ := os.ReadFile(corpusDir + "/" + name + ".html")
	s, _ := Decode(raw, "")
	a, err := HTML(s, Options{Selector: os.Getenv("SEL")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("title=%q\nlead=%q\ndate=%q author=%q lang=%q", a.Title, a.Lead, a.Date, a.Author, a.Lang)
	os.WriteFile("/tmp/text.txt", []byte(a.Text()), 0o644)
}
