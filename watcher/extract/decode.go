package extract

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// metaCharset finds a charset declared in a <meta charset> or <meta http-equiv content> tag.
// It reads raw bytes, which works for every ASCII-compatible encoding a web page uses.
var metaCharset = regexp.MustCompile(`(?i)<meta[^>]+?charset\s*=\s*["']?\s*([a-z0-9_:.+-]+)`)

// Decode turns raw page bytes into UTF-8.
//
// Bytes that are valid UTF-8 are taken as UTF-8 whatever the page declares: pages often keep a
// stale declaration (gb2312, iso-8859-1) after their CMS re-encoded them, and a legacy-encoded
// page with non-ASCII text is practically never valid UTF-8 by chance. Otherwise the charset of
// the Content-Type header wins, then a <meta> declaration, then the sniffer of
// golang.org/x/net/html/charset, and windows-1252 (which decodes every byte) last. A label that
// claims UTF-8 for bytes that are not is ignored.
func Decode(body []byte, contentType string) (string, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if utf8.Valid(body) {
		return string(body), nil
	}
	enc := labelled(headerCharset(contentType))
	if enc == nil {
		head := body
		if len(head) > 64<<10 {
			head = head[:64<<10]
		}
		if m := metaCharset.FindSubmatch(head); m != nil {
			enc = labelled(string(m[1]))
		}
	}
	if enc == nil {
		if e, name, _ := charset.DetermineEncoding(body, ""); name != "utf-8" {
			enc = e
		}
	}
	if enc == nil {
		enc = charmap.Windows1252
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return "", fmt.Errorf("decode page: %w", err)
	}
	return string(out), nil
}

// headerCharset returns the charset parameter of a Content-Type header value, or "".
func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return params["charset"]
	}
	// A malformed header can still carry a usable charset.
	if i := strings.Index(strings.ToLower(contentType), "charset="); i >= 0 {
		return strings.Trim(contentType[i+len("charset="):], `"'; `)
	}
	return ""
}

// labelled maps a charset label to its encoding. It returns nil for unknown labels and for
// UTF-8, since Decode only asks once the bytes are known not to be UTF-8.
func labelled(label string) encoding.Encoding {
	if label == "" {
		return nil
	}
	enc, name := charset.Lookup(label)
	if enc == nil || name == "utf-8" {
		return nil
	}
	return enc
}
