package discover

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	ict := time.FixedZone("+07", 7*3600)
	at := func(y int, mo time.Month, d, h, mi, s int, z *time.Location) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, z).UTC()
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"Sat, 25 Oct 2025 16:13:28 +0700", at(2025, 10, 25, 16, 13, 28, ict)},
		{"Sat, 25 Oct 2025 16:13:28 +07", at(2025, 10, 25, 16, 13, 28, ict)}, // VTV
		{"Sun, 5 Oct 2025 09:00:00 +07", at(2025, 10, 5, 9, 0, 0, ict)},
		{"Sat, 25 Oct 2025 16:13:28 +07:00", at(2025, 10, 25, 16, 13, 28, ict)},
		{"Sat, 25 Oct 2025 09:13:28 GMT", at(2025, 10, 25, 9, 13, 28, time.UTC)},
		{"Sat, 25 Oct 2025 16:13:28 ICT", at(2025, 10, 25, 16, 13, 28, ict)},
		{"Sat, 25 Oct 2025 16:13:28", at(2025, 10, 25, 16, 13, 28, ict)},
		{"2025-10-25T16:13:28+07:00", at(2025, 10, 25, 16, 13, 28, ict)},
		{"2025-10-25T09:13:28Z", at(2025, 10, 25, 9, 13, 28, time.UTC)},
		{"2025-10-25T16:13:28", at(2025, 10, 25, 16, 13, 28, ict)},
		{"2025-10-25 16:13", at(2025, 10, 25, 16, 13, 0, ict)},
		{"2025-10-07", at(2025, 10, 7, 0, 0, 0, ict)},
		{"07/10/2025 10:48", at(2025, 10, 7, 10, 48, 0, ict)},
		{"7/10/2025 10:48:48", at(2025, 10, 7, 10, 48, 48, ict)},
		{"10/7/2025 10:48:48 AM", at(2025, 10, 7, 10, 48, 48, ict)},  // .NET en-US: month first
		{"25/10/2025 4:13:28 PM", at(2025, 10, 25, 16, 13, 28, ict)}, // no month 25: day first
		{"16:13 25/10/2025", at(2025, 10, 25, 16, 13, 0, ict)},
		{"Thứ bảy, 25/10/2025 16:13 GMT+7", at(2025, 10, 25, 16, 13, 0, ict)},
		{"samedi, 25/10/2025 16:13", at(2025, 10, 25, 16, 13, 0, ict)},
		{"  Sat,  25 Oct 2025\n16:13:28 +07 ", at(2025, 10, 25, 16, 13, 28, ict)},
		{"", time.Time{}},
		{"hôm qua", time.Time{}},
		{"Sat, 25 Oct 2025 16:13:28 EST+5", time.Time{}},
		{"Sat, 25 Oct 2025 16:13:28 XYZ", time.Time{}},
	} {
		if got := parseDate(tc.in); !got.Equal(tc.want) {
			t.Errorf("parseDate(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
