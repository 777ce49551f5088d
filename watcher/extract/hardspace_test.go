package extract

import (
	"strings"
	"testing"
)

func TestHardSpacesKept(t *testing.T) {
	page := "<html lang=fr><head><title>T</title></head><body><article><h1>T</h1><p>Plus de 2\u202f500 délégués et 100\u00a0000 cas, selon un long paragraphe qui doit être assez long pour être extrait par trafilatura sans problème aucun.</p><p>Un autre paragraphe assez long pour que la page ressemble à un article de presse, avec des phrases.</p></article></body></html>"
	a, err := HTML(page, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text(), "2\u202f500") || !strings.Contains(a.Text(), "100\u00a0000") {
		t.Fatalf("%q", a.Text())
	}
}
