package figures

import (
	"strings"
	"testing"
)

// claimAt returns the claim whose Raw is raw, or false.
func claimAt(cs []Claim, raw string) (Claim, bool) {
	for _, c := range cs {
		if c.Raw == raw {
			return c, true
		}
	}
	return Claim{}, false
}

func TestNumberFormats(t *testing.T) {
	x := realExtractor()
	tests := []struct {
		lang, text, raw string
		value           float64
		unit            string
	}{
		// decimal-comma languages
		{"fr", "plus de 2 500 délégués", "2 500", 2500, ""},
		{"fr", "plus de 2\u00a0500 délégués", "2\u00a0500", 2500, ""},
		{"fr", "plus de 2\u202f500 délégués", "2\u202f500", 2500, ""},
		{"fr", "2.500 personnes", "2.500", 2500, ""},
		{"fr", "100.000 cas", "100.000", 100000, ""},
		{"fr", "une note de 12.5 points", "12.5", 12.5, ""},
		{"fr", "une hausse de 3,5 % du PIB", "3,5", 3.5, "%"},
		{"fr", "une hausse de 3,5% du PIB", "3,5", 3.5, "%"},
		{"fr", "soit 1,234,567 habitants", "1,234,567", 1234567, ""},
		{"fr", "le CAC gagne à 7.612,52 points", "7.612,52", 7612.52, ""},
		{"fr", "un marché de 2,3 milliards de dollars", "2,3", 2.3e9, "USD"},
		{"fr", "un bénéfice de 773 millions d'euros", "773", 773e6, "EUR"},
		{"fr", "le bol à 100\u00a0000 VND", "100\u00a0000", 100000, "VND"},
		{"fr", "en baisse de -3,5 %", "-3,5", -3.5, "%"},
		{"fr", "1,41 enfant par femme", "1,41", 1.41, ""},
		{"fr", "1.154.700 unités", "1.154.700", 1154700, ""},
		{"vi", "2.500 đại biểu", "2.500", 2500, ""},
		{"vi", "khoảng 5,6 ca trên 100.000 dân", "5,6", 5.6, ""},
		{"vi", "khoảng 5,6 ca trên 100.000 dân", "100.000", 100000, ""},
		{"vi", "thiệt hại 3 tỷ đồng", "3", 3e9, "VND"},
		{"vi", "1,5 triệu người", "1,5", 1.5e6, ""},
		{"vi", "10 nghìn tỷ đồng", "10", 1e13, "VND"},
		{"vi", "giá 100.000đ một bát", "100.000", 100000, "VND"},
		{"vi", "gần 5% ca ung thư", "5", 5, "%"},
		{"de", "15.000 Menschen", "15.000", 15000, ""},
		{"de", "1,5 Millionen Menschen", "1,5", 1.5e6, ""},
		{"de", "um 3,5 Prozent", "3,5", 3.5, "%"},
		{"de", "2,3 Milliarden Euro", "2,3", 2.3e9, "EUR"},
		{"de", "knapp 50 Euro im Store", "50", 50, "EUR"},
		{"es", "cerca de 40.000 vidas", "40.000", 40000, ""},
		{"es", "el 1,3% de la superficie", "1,3", 1.3, "%"},
		{"es", "10 millones de dólares", "10", 1e7, "USD"},
		{"es", "unas 2300 reservas", "2300", 2300, ""},
		{"pt", "2,5 bilhões de pessoas", "2,5", 2.5e9, ""},
		{"pt", "mais de 300 pessoas", "300", 300, ""},
		// comma-thousands languages
		{"en", "2,300 people", "2,300", 2300, ""},
		{"en", "up 12.5 percent", "12.5", 12.5, "%"},
		{"en", "a 2.8 per cent discount", "2.8", 2.8, "%"},
		{"en", "1.5 million people", "1.5", 1.5e6, ""},
		{"en", "sold at $39,014, up", "39,014", 39014, "USD"},
		{"en", "raise £10bn in the listing", "10", 1e10, "GBP"},
		{"en", "to 27,934.02, the", "27,934.02", 27934.02, ""},
		{"en", "1 200 delegates", "1 200", 1200, ""},
		{"en", "rose 0.35%.", "0.35", 0.35, "%"},
		{"en", "12.9 billion dollars", "12.9", 12.9e9, "USD"},
		{"en", "HK$176 a share", "176", 176, "HKD"},
		{"en", "a 10km run", "10", 10, "km"},
		{"zh", "共有72个国家签署", "72", 72, ""},
		{"zh", "大约3000万记录", "3000", 3e7, ""},
		{"zh", "增长12.5%。", "12.5", 12.5, "%"},
		{"zh", "2,300人", "2,300", 2300, ""},
		// the language guessed from the text
		{"", "Selon l'ONU, le marché a atteint 2.500 unités dans les pays de la région.", "2.500", 2500, ""},
		{"", "The market reached 2.5 units in the countries of the region and this was new.", "2.5", 2.5, ""},
		{"fr-FR", "2.500 personnes", "2.500", 2500, ""},
		{"vi_VN", "2.500 người", "2.500", 2500, ""},
		// numbers written as words
		{"fr", "un événement de deux jours", "deux", 2, ""},
		{"fr", "Deux pays ont signé.", "Deux", 2, ""},
		{"fr", "une centaine de plans", "centaine", 100, ""},
		{"en", "two countries signed", "two", 2, ""},
		{"en", "five million households", "five", 5e6, ""},
		{"vi", "hai quốc gia", "hai", 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.lang+"/"+tc.text, func(t *testing.T) {
			cs := x.Extract(tc.text, tc.lang)
			c, ok := claimAt(cs, tc.raw)
			if !ok {
				t.Fatalf("no claim %q in %+v", tc.raw, cs)
			}
			if c.Value != tc.value || c.Unit != tc.unit || c.Kind != "" {
				t.Errorf("%q = %v %q kind %q, want %v %q", tc.raw, c.Value, c.Unit, c.Kind, tc.value, tc.unit)
			}
			if tc.text[c.Start:c.End] != c.Raw {
				t.Errorf("offsets %d:%d give %q, Raw %q", c.Start, c.End, tc.text[c.Start:c.End], c.Raw)
			}
		})
	}
}

func TestExclusions(t *testing.T) {
	x := realExtractor()
	tests := []struct {
		lang, text string
		kinds      map[string]string // Raw -> Kind of the claims found; a Raw absent here must not be found
	}{
		{"fr", "le 25 octobre, à Hanoï", map[string]string{"25": "date"}},
		{"fr", "les 25 et 26 octobre 2025", map[string]string{"25": "date", "26": "date"}},
		{"fr", "du 25 au 26 octobre", map[string]string{"25": "date", "26": "date"}},
		{"fr", "le 26/10/2025 à 14h30", nil},
		{"fr", "à 10:45 précises", nil},
		{"fr", "un réseau 24h/24 et 7j/7", nil},
		{"fr", "24 heures sur 24, 7 jours sur 7", map[string]string{"24": "time", "7": "time"}},
		{"fr", "en 2025, depuis 2019-2020", nil},
		{"fr", "la Résolution 57 relative", map[string]string{"57": "ref"}},
		{"fr", "l'article 5 de la loi", map[string]string{"5": "ref"}},
		{"fr", "le décret n° 12 du", map[string]string{"12": "ref"}},
		{"fr", "son 80e anniversaire, le 1er mai, au 16e rang", nil},
		{"fr", "la COVID-19 et le G20, un A320", nil},
		{"fr", "Tél. : 01 23 45 67 89", nil},
		{"fr", "appelez le 0912 345 678", nil},
		{"fr", "au (024) 3825 1234", nil},
		{"fr", "au +84 24 3825 1234", nil},
		{"fr", "Source : https://www.vietnamplus.vn/72-pays-post1072855.vnp", nil},
		{"fr", "les années 90", map[string]string{"90": "year"}},
		{"fr", "Photo 1.", map[string]string{"1": "ref"}},
		{"fr", "Garantir la sécurité - Photo 1.", map[string]string{"1": "ref"}},
		{"en", "on Oct. 25 in Hanoi", map[string]string{"25": "date"}},
		{"en", "on October 25, 2025", map[string]string{"25": "date"}},
		{"en", "on 25 October", map[string]string{"25": "date"}},
		{"en", "in 2019 and in 1848", map[string]string{"1848": "year"}},
		{"en", "the 50th anniversary", nil},
		{"en", "No. 12 on the list", map[string]string{"12": "ref"}},
		{"en", "iOS 13.1 and Windows 10", nil},
		{"en", "version 2.0.1 of the app", nil},
		{"en", "at 3 p.m. today", map[string]string{"3": "time"}},
		{"en", "rose 7/32 in price", nil},
		{"en", "the 1990s and 5G", nil},
		{"de", "am 15. März", map[string]string{"15": "date"}},
		{"de", "um 15 Uhr", map[string]string{"15": "time"}},
		{"de", "für OS X 10.10 verfügbar", nil},
		{"es", "el 15 de marzo", map[string]string{"15": "date"}},
		{"vi", "ngày 25/10, năm 2025", nil},
		{"vi", "ngày 25 tháng 10", map[string]string{"25": "date", "10": "date"}},
		{"vi", "Điều 5 của Công ước, số 3", map[string]string{"5": "ref", "3": "ref"}},
		{"vi", "lần thứ 5", nil},
		{"vi", "con số 72 quốc gia", map[string]string{"72": ""}},
		{"zh", "2016年10月14日07:17", map[string]string{"10": "date", "14": "date"}},
		{"zh", "新一网（08008.HK）", nil},
	}
	for _, tc := range tests {
		t.Run(tc.lang+"/"+tc.text, func(t *testing.T) {
			cs := x.Extract(tc.text, tc.lang)
			for _, c := range cs {
				want, ok := tc.kinds[c.Raw]
				if !ok {
					t.Errorf("unexpected claim %q (kind %q)", c.Raw, c.Kind)
				} else if c.Kind != want {
					t.Errorf("%q: kind %q, want %q", c.Raw, c.Kind, want)
				}
			}
			for raw := range tc.kinds {
				if _, ok := claimAt(cs, raw); !ok {
					t.Errorf("no claim %q", raw)
				}
			}
		})
	}
}

func TestSubjectsAndQualifiers(t *testing.T) {
	x := realExtractor()
	tests := []struct {
		lang, text, raw, subject, key, qualifier string
	}{
		{"fr", "65 pays ont signé la Convention.", "65", "pays", "signatories", ""},
		{"fr", "plus de 100 pays à Hanoï, dont 65 signataires.", "65", "signataires", "signatories", ""},
		{"fr", "plus de 100 pays à Hanoï, dont 65 signataires.", "100", "pays", "countries", "plus de"},
		{"fr", "plus de 2 500 délégués de 110 délégations", "2 500", "délégués", "delegates", "plus de"},
		{"fr", "plus de 2 500 délégués de 110 délégations", "110", "délégations", "delegations", ""},
		{"fr", "près de 100 000 cas", "100 000", "cas", "cases", "près de"},
		{"fr", "au moins 40 signatures", "40", "signatures", "signatories", "au moins"},
		{"fr", "jusqu'à 3 % de leur produit intérieur brut (PIB)", "3", "de leur produit intérieur brut", "gdp_loss", "jusqu'à"},
		{"fr", "3 % du PIB", "3", "du pib", "gdp_loss", ""},
		{"fr", "les signataires sont désormais 72.", "72", "", "signatories", ""},
		{"fr", "28 millions d'habitants", "28", "habitants", "", ""},
		{"vi", "72 quốc gia đã ký Công ước", "72", "quốc gia", "signatories", ""},
		{"vi", "hơn 2.500 đại biểu", "2.500", "đại biểu", "delegates", "hơn"},
		{"vi", "ít nhất 40 quốc gia", "40", "quốc gia", "countries", "ít nhất"},
		{"vi", "hơn 30 nhiệm vụ cụ thể", "30", "nhiệm vụ cụ thể", "tasks", "hơn"},
		{"vi", "hơn 100.000 vụ lừa đảo", "100.000", "vụ lừa đảo", "cases", "hơn"},
		{"en", "72 countries signed the Convention", "72", "countries signed", "signatories", ""},
		{"en", "nearly 400 journalists", "400", "journalists", "journalists", "nearly"},
		{"en", "at least 3% of GDP", "3", "of gdp", "gdp_loss", "at least"},
		{"en", "up to 15 per cent of shares", "15", "of shares", "", "up to"},
	}
	for _, tc := range tests {
		t.Run(tc.lang+"/"+tc.text+"/"+tc.raw, func(t *testing.T) {
			c, ok := claimAt(x.Extract(tc.text, tc.lang), tc.raw)
			if !ok {
				t.Fatalf("no claim %q", tc.raw)
			}
			if c.Subject != tc.subject || c.Key != tc.key || c.Qualifier != tc.qualifier {
				t.Errorf("subject %q key %q qualifier %q, want %q %q %q", c.Subject, c.Key, c.Qualifier, tc.subject, tc.key, tc.qualifier)
			}
		})
	}
}

func TestSentenceAndLines(t *testing.T) {
	x := realExtractor()
	text := "Titre : 65 pays\nM. Guterres a parlé. Au total, 72 pays ont signé le 26 oct. 2025. Puis 64 pays."
	cs := x.Extract(text, "fr")
	want := map[string]string{
		"65": "Titre : 65 pays",
		"72": "Au total, 72 pays ont signé le 26 oct. 2025.",
		"64": "Puis 64 pays.",
	}
	for raw, sent := range want {
		c, ok := claimAt(cs, raw)
		if !ok {
			t.Fatalf("no claim %q", raw)
		}
		if c.Sentence != sent {
			t.Errorf("%s: sentence %q, want %q", raw, c.Sentence, sent)
		}
		line := strings.Split(text, "\n")[c.Line]
		if line[c.Start:c.End] != raw {
			t.Errorf("%s: line %d offsets %d:%d give %q", raw, c.Line, c.Start, c.End, line[c.Start:c.End])
		}
	}
}

func TestDecomposedVietnamese(t *testing.T) {
	x := realExtractor()
	// "72 quốc gia đã ký" with its diacritics decomposed (NFD)
	nfd := "Theo Lie\u0302n Ho\u031b\u0323p Quo\u0302\u0301c, 72 quo\u0302\u0301c gia \u0111a\u0303 ky\u0301 Co\u0302ng u\u031bo\u031b\u0301c, ngày 25 tha\u0301ng 10."
	cs := x.Extract(nfd, "vi")
	c, ok := claimAt(cs, "72")
	if !ok || c.Value != 72 || c.Key != "signatories" {
		t.Errorf("72 in NFD text: %+v", c)
	}
}

func TestNeverPanics(t *testing.T) {
	x := realExtractor()
	inputs := []string{"", "\n\n", "\xff\xfe 12 \xc3", "1", "-", "1.", ".1", "1,", "1 ", "٣ ١٢", "\u0301 5\u0301",
		strings.Repeat("9", 400), strings.Repeat("1 ", 10000), strings.Repeat("1.", 5000), "$", "US$", "deux",
		"une centaine de", "72个", "25 et", "24 heures sur", "n°", "le 5 h"}
	for _, in := range inputs {
		for _, lang := range []string{"", "fr", "en", "vi", "zh", "de"} {
			for _, c := range x.Extract(in, lang) {
				if c.Start < 0 || c.End < c.Start {
					t.Errorf("%q: bad offsets %d:%d", in, c.Start, c.End)
				}
			}
		}
	}
}
