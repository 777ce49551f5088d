package discover

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestTopicMatch(t *testing.T) {
	topic := NewTopic(keywordsFromSeeds(t))
	for _, tc := range []struct {
		text string
		want bool
	}{
		// Vietnamese
		{"Công ước Hà Nội: 72 quốc gia đã ký", true},
		{"CÔNG ƯỚC HÀ NỘI", true},
		{"Cong uoc Ha Noi duoc mo ky", true},
		{"cong-uoc-ha-noi-duoc-mo-ky-post123", true},
		{norm.NFD.String("Lễ mở ký Công ước Hà Nội"), true},
		{"Công ước Hà Nọi", true}, // a wrong tone mark still reads as the same words without diacritics
		{"Lễ mở ký Công ước của Liên hợp quốc về chống tội phạm mạng", true},
		{"Công ước của Liên Hợp Quốc về chống tội phạm mạng", true},
		{"Đảm bảo an ninh cho lễ mở ký Công ước của LHQ về chống tội phạm mạng", true},
		{"Công ước Budapest về tội phạm mạng", false},
		{"Hà Nội tổ chức hội nghị về an ninh mạng", false},
		{"Công ước", false},
		// French
		{"La Convention de Hanoï ouverte à la signature", true},
		{"La Convention de Hanoi ouverte a la signature", true},
		{"LA CONVENTION DE HANOÏ", true},
		{"Convention des Nations unies contre la cybercriminalité", true},
		{"Convention des Nations Unies contre la cybercriminalite", true},
		{"la Convention de l’ONU contre la cybercriminalité", true},
		{"la Convention sur la cybercriminalité du Conseil de l'Europe", false},
		{"Conventions de Hanoïennes", false},
		// English
		{"Vietnam hosts signing of the Hanoi Convention", true},
		{"Ha Noi Convention opens for signature", true},
		{"the UN Convention against Cybercrime", true},
		{"United Nations Convention against Cybercrime", true},
		{"Council of Europe Convention on Cybercrime", false},
		{"Hanoi conventions", false}, // whole words only
		{"", false},
	} {
		if got := topic.Match(tc.text); got != tc.want {
			t.Errorf("Match(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestTopicFind(t *testing.T) {
	topic := NewTopic([]string{"Công ước Hà Nội", "Hanoi Convention"})
	for _, tc := range []struct{ text, want string }{
		{"Cong uoc Ha Noi", "Công ước Hà Nội"},
		{"the Hanoi Convention", "Hanoi Convention"},
		{"The Hanoi Convention, Công ước Hà Nội", "Công ước Hà Nội"},
	} {
		if got, _ := topic.Find(tc.text); got != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	// A literal Topic works too, and an empty keyword matches nothing.
	lit := &Topic{Keywords: []string{"", "  ", "Hanoi Convention"}}
	if !lit.Match("HANOI CONVENTION") || lit.Match("anything") {
		t.Error("literal Topic")
	}
	if (&Topic{}).Match("anything") {
		t.Error("empty Topic matches")
	}
}
