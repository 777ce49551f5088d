package discover

import (
	"regexp"
	"strings"
	"time"
)

// vietnam is the zone of a date that states none: every seed site is Vietnamese and writes
// local time (UTC+7, no daylight saving).
var vietnam = time.FixedZone("ICT", 7*3600)

// dateLayouts are tried in order by parseDate, after its clean-up. None has a named zone
// ("MST"): time.Parse gives an unknown name a zero offset, and reads "+07" as a name, the
// very bug that shifts VTV's dates by seven hours in strict parsers. Day before month
// comes first, as Vietnamese sites write it; month first only with AM/PM, the .NET en-US
// form some of their CMSs print.
var dateLayouts = []string{
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05",
	time.RFC3339Nano,
	"2006-01-02T15:04:05-0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2/1/2006 15:04:05 -0700",
	"2/1/2006 15:04 -0700",
	"2/1/2006 15:04:05",
	"2/1/2006 15:04",
	"2/1/2006",
	"15:04 2/1/2006",
	"15:04:05 2/1/2006",
	"2-1-2006 15:04:05",
	"2-1-2006 15:04",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 3:04 PM",
	"2/1/2006 3:04:05 PM",
	"2/1/2006 3:04 PM",
}

// zoneNames are the zone names parseDate reads, with their offsets.
var zoneNames = map[string]string{"GMT": "+0000", "UTC": "+0000", "UT": "+0000", "Z": "+0000", "ICT": "+0700"}

var (
	// offsetRE is the zone at the end of a date: a name, "GMT+7", "+07", "+07:00", "+0700".
	offsetRE = regexp.MustCompile(`\s*(?:([A-Za-z]{1,5})?([+-])(\d{1,2})(?::?(\d{2}))?|\s([A-Z]{1,5}))$`)
	spaces   = regexp.MustCompile(`\s+`)
)

// parseDate reads the dates feeds and pages really carry, not only RFC 822 and RFC 3339:
// "+07" and "GMT+7" offsets, zone names, day/month/year, a leading weekday in any
// language ("Thứ bảy, 25/10/2025 16:13"). A date without a zone is Vietnamese local time.
// It returns the zero time when nothing fits.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	for _, c := range []string{s, withoutWeekday(s)} {
		if c == "" {
			continue
		}
		if t, ok := tryLayouts(c); ok {
			return t
		}
		if f, ok := numericZone(c); ok {
			if t, ok := tryLayouts(f); ok {
				return t
			}
		}
	}
	return time.Time{}
}

// numericZone rewrites the zone at the end of a date as " +hhmm". Only a date with a time
// has one: "2025-10-07" ends in -07 too.
func numericZone(s string) (string, bool) {
	if !strings.Contains(s, ":") {
		return "", false
	}
	m := offsetRE.FindStringSubmatchIndex(s)
	if m == nil || m[0] == 0 {
		return "", false
	}
	g := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	rest := s[:m[0]]
	if name := g(5); name != "" {
		z, ok := zoneNames[name]
		return rest + " " + z, ok
	}
	if name := strings.ToUpper(g(1)); name != "" && name != "GMT" && name != "UTC" {
		return "", false // "EST+5" and the like: not worth guessing
	}
	hh, mm := g(3), g(4)
	if len(hh) == 1 {
		hh = "0" + hh
	}
	if mm == "" {
		mm = "00"
	}
	return rest + " " + g(2) + hh + mm, true
}

// withoutWeekday drops what comes before the first comma when it has no digit: a weekday
// name, "Thứ bảy" or "samedi" as well as "Sat".
func withoutWeekday(s string) string {
	head, rest, ok := strings.Cut(s, ",")
	if !ok || strings.ContainsAny(head, "0123456789") {
		return ""
	}
	return strings.TrimSpace(rest)
}

func tryLayouts(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, vietnam); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
