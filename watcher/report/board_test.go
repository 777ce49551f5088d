package report

import (
	"fmt"
	"testing"
)

func TestFits(t *testing.T) {
	for _, tc := range []struct {
		v        float64
		qual     string
		official int
		want     bool
	}{
		{65, "", 65, true},
		{65, "", 72, false},
		{60, "plus de", 72, true},
		{72, "plus de", 72, false},
		{72, "au moins", 72, true},
		{100, "près de", 72, false},
		{70, "près de", 72, true},
		{80, "moins de", 72, true},
		{72, "up to", 72, true},
	} {
		t.Run(fmt.Sprint(tc.qual, tc.v, "/", tc.official), func(t *testing.T) {
			if got := fits(tc.v, tc.qual, tc.official); got != tc.want {
				t.Fatalf("fits = %v", got)
			}
		})
	}
}
