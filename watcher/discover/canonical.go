package discover

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Canonical returns the one URL an article is known by, however it was linked: scheme and
// host in lower case, the default port, user info and fragment dropped, tracking parameters
// (utm_*, fbclid, gclid, Zalo's gidzl...) removed and the other parameters sorted by name;
// AMP copies (an "amp" path segment, a ".amp" file name, an ?amp parameter, an amp. host, a
// Google AMP cache URL) and mobile hosts (m., mobile.) mapped to the article itself. It
// returns "" when raw is not an absolute http or https URL.
//
// It keeps the scheme and a "www." as they are: whether a host also answers on https, or
// without www, is the site's business, and the page's rel=canonical settles it once fetched.
// Canonical(Canonical(u)) == Canonical(u).
func Canonical(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	host := canonicalHost(u, scheme)
	if host == "" {
		return ""
	}
	if inner, ok := unwrapAMPCache(host, u.EscapedPath()); ok {
		if u.RawQuery != "" {
			inner += "?" + u.RawQuery
		}
		return Canonical(inner)
	}
	s := scheme + "://" + host + canonicalPath(u.EscapedPath())
	if q := canonicalQuery(u.RawQuery); q != "" {
		s += "?" + q
	}
	// A URL that does not survive its own canonical form (odd escapes in the host, say)
	// is not a link worth following.
	if v, err := url.Parse(s); err != nil || v.Host == "" {
		return ""
	}
	return s
}

// mobilePrefixes are the host labels of mobile and AMP copies of a site.
var mobilePrefixes = []string{"m.", "mobile.", "amp."}

func canonicalHost(u *url.URL, scheme string) string {
	name := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if name == "" || !utf8.ValidString(name) {
		return ""
	}
	for _, r := range name {
		// Letters and digits of any script (an IDN), dots, dashes, and the colons of IPv6:
		// anything else, such as an escape, is no host to ask.
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_:", r) {
			return ""
		}
	}
	for again := true; again; {
		again = false
		for _, p := range mobilePrefixes {
			// Keep a registrable name: "m.vtv.vn" is vtv.vn's mobile site, "m.vn" is a site.
			if rest, ok := strings.CutPrefix(name, p); ok && strings.Contains(rest, ".") {
				name, again = rest, true
			}
		}
	}
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(name, ":") { // IPv6
		name = "[" + name + "]"
	}
	if port != "" {
		name += ":" + port
	}
	return name
}

// unwrapAMPCache turns a Google AMP cache address
// (https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a.html) into the
// address it caches.
func unwrapAMPCache(host, path string) (string, bool) {
	if !strings.HasSuffix(host, ".cdn.ampproject.org") {
		return "", false
	}
	for _, kind := range []string{"/c/", "/v/"} {
		rest, ok := strings.CutPrefix(path, kind)
		if !ok {
			continue
		}
		scheme := "http://"
		if r, ok := strings.CutPrefix(rest, "s/"); ok {
			scheme, rest = "https://", r
		}
		if rest == "" {
			return "", false
		}
		return scheme + rest, true
	}
	return "", false
}

// canonicalPath drops the AMP markers of a path: "amp" segments (/amp/a.html, /a/amp/) and
// ".amp" in the file name (a.amp, a.amp.html). Dropping one can bare another ("/a.amp/amp"),
// so it goes on until nothing changes; each round shortens the path.
func canonicalPath(p string) string {
	if p == "" {
		return "/"
	}
	for {
		segs := strings.Split(p, "/")
		segs[len(segs)-1] = stripAMPName(segs[len(segs)-1])
		segs = slices.DeleteFunc(segs, func(s string) bool { return strings.EqualFold(s, "amp") })
		q := strings.Join(segs, "/")
		if !strings.HasPrefix(q, "/") {
			q = "/" + q
		}
		if q == p {
			return p
		}
		p = q
	}
}

// stripAMPName removes ".amp" from a file name, as often as it is there, so that the result
// is stable.
func stripAMPName(name string) string {
	for {
		lower := strings.ToLower(name)
		switch {
		case strings.HasSuffix(lower, ".amp"):
			name = name[:len(name)-len(".amp")]
		case strings.HasSuffix(lower, ".amp.html"), strings.HasSuffix(lower, ".amp.htm"):
			i := strings.LastIndex(lower, ".amp.")
			name = name[:i] + name[i+len(".amp"):]
		default:
			return name
		}
	}
}

// trackingParams are query parameters that identify a click or a campaign, not a page.
// Parameters starting with "utm_" are tracking too.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "igshid": true,
	"li_fat_id": true, "mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true,
	"_hsenc": true, "_hsmi": true, "mkt_tok": true, "vero_id": true, "s_cid": true,
	"oly_anon_id": true, "oly_enc_id": true, "rb_clickid": true, "ref_src": true,
	"ref_url": true, "cmpid": true, "ocid": true,
	// Zalo, the messenger Vietnamese news links travel through most.
	"zarsrc": true, "gidzl": true,
	// AMP switches: ?amp, ?amp=1.
	"amp": true,
}

// canonicalQuery drops tracking and AMP parameters and sorts the others by name (stable,
// so repeated parameters keep their order). It works on the raw text, so that the values
// keep their exact encoding.
func canonicalQuery(q string) string {
	type param struct{ key, raw string }
	var ps []param
	for _, raw := range strings.Split(q, "&") {
		if raw == "" {
			continue
		}
		raw = escapeQuery(raw)
		k, v, _ := strings.Cut(raw, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		key = strings.ToLower(key)
		if strings.HasPrefix(key, "utm_") || trackingParams[key] {
			continue
		}
		if key == "outputtype" && strings.EqualFold(v, "amp") {
			continue
		}
		ps = append(ps, param{k, raw})
	}
	slices.SortStableFunc(ps, func(a, b param) int { return strings.Compare(a.key, b.key) })
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.raw
	}
	return strings.Join(out, "&")
}

// escapeQuery percent-encodes the bytes a URL may not carry as they are (spaces, controls,
// non-ASCII, quotes...), which browsers send escaped anyway; the rest is left alone.
func escapeQuery(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>\^`+"`"+`{|}`, c) >= 0 {
			if b.Len() == 0 {
				b.WriteString(s[:i])
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

// site is the host a URL belongs to for the rule "crawl within the job's host": its
// canonical host without "www.", so that vietnamplus.vn, www.vietnamplus.vn and
// m.vietnamplus.vn are one site and en.vietnamplus.vn is another.
func site(canonicalURL string) string {
	u, err := url.Parse(canonicalURL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Host, "www.")
}
