package config

import (
	"net/url"
	"slices"
	"strings"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/matrix"
)

// channelProblem says what is wrong with a shoutrrr service URL, as its service reads it
// ("invalid slack token format", "topic is required"), or "" when the service takes it.
// Every piece of the URL is cut out of the message: shoutrrr quotes tokens in some of
// its errors. The service is set up as for a send, minus the send; matrix, which logs in
// to its server when set up, only has its URL read.
func channelProblem(raw string) string {
	var r router.ServiceRouter
	scheme, u, err := r.ExtractServiceName(raw)
	if err != nil {
		return "not a service URL"
	}
	if scheme == "matrix" {
		err = (&matrix.Config{}).SetURL(u)
	} else if svc, e := r.NewService(scheme); e != nil {
		err = e
	} else {
		err = svc.Initialize(u, nil)
	}
	if err == nil {
		return ""
	}
	return scrubURL(err.Error(), raw, scheme)
}

// minPiece is the shortest piece of a URL cut from messages: shorter ones are words
// ("api", "bot") rather than tokens.
const minPiece = 4

// scrubURL replaces in msg the URL raw and every piece of it (credentials, host, path
// segments, query values, and their parts between punctuation) but the scheme with "***",
// and drops the punctuation a cut leaves at the end.
func scrubURL(msg, raw, scheme string) string {
	var pieces []string
	keep := func(p string) {
		if len(p) >= minPiece && !strings.EqualFold(p, scheme) && !slices.Contains(pieces, p) {
			pieces = append(pieces, p)
		}
	}
	add := func(s string) {
		keep(s)
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("/:@-_.,;=&?+ ", r) }) {
			keep(p)
		}
	}
	add(raw)
	if u, err := url.Parse(raw); err == nil {
		add(u.User.Username())
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		add(u.Host)
		for _, seg := range strings.Split(u.Path, "/") {
			add(seg)
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
			}
		}
	}
	slices.SortFunc(pieces, func(a, b string) int { return len(b) - len(a) }) // longest first: none left half-cut
	for _, p := range pieces {
		msg = strings.ReplaceAll(msg, p, "***")
	}
	return strings.TrimRight(msg, ": ")
}
