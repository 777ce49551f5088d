package notify

import (
	"bufio"
	"context"
	"fmt"
	"mime"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/diff/figures"
	"hanoiwatch/watcher"
)

func TestSubject(t *testing.T) {
	sample := SampleEvent(time.Now())
	dateOnly := sample
	dateOnly.Figures = []figures.Change{{Subject: "octobre", Before: f(25), After: f(26), Kind: "date"}}
	noKey := sample
	noKey.Figures = []figures.Change{{Subject: "du PIB", After: f(3.5), Unit: "%"}, sample.Figures[0]}
	long := sample
	long.Source.Name = strings.Repeat("a-very-long-source-name-", 10)
	tests := []struct {
		name string
		e    watcher.Event
		want string
	}{
		{"a figure moved", sample, "hanoiwatch: article.changed vtv: signatories 65 → 72"},
		{"the first figure, by subject when it has no key", noKey, "hanoiwatch: article.changed vtv: du PIB ∅ → 3.5%"},
		{"a date is not a figure", dateOnly, "hanoiwatch: article.changed vtv"},
		{"no figures", watcher.Event{Type: watcher.ArticleGone, Source: sample.Source}, "hanoiwatch: article.gone vtv"},
		{"cut", long, "hanoiwatch: article.changed " + strings.Repeat("a-very-long-source-name-", 10)[:150-len("hanoiwatch: article.changed ")-1] + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Subject(tt.e); got != tt.want {
				t.Errorf("Subject = %q\nwant      %q", got, tt.want)
			}
		})
	}
}

// smtpServer is a mail server on 127.0.0.1 that takes any message and hands over its
// headers.
func smtpServer(t *testing.T) (addr string, mails <-chan textproto.MIMEHeader) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan textproto.MIMEHeader, 4)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSMTP(conn, ch)
		}
	}()
	return ln.Addr().String(), ch
}

// serveSMTP speaks just enough SMTP (RFC 5321) for one client session.
func serveSMTP(conn net.Conn, mails chan<- textproto.MIMEHeader) {
	defer conn.Close()
	r := textproto.NewReader(bufio.NewReader(conn))
	say := func(s string) { fmt.Fprintf(conn, "%s\r\n", s) }
	say("220 127.0.0.1 ESMTP test")
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
		case "EHLO", "HELO":
			say("250 127.0.0.1")
		case "DATA":
			say("354 go ahead")
			h, err := r.ReadMIMEHeader()
			if err != nil {
				return
			}
			if _, err := r.ReadDotLines(); err != nil {
				return
			}
			mails <- h
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default: // MAIL, RCPT, RSET, NOOP
			say("250 ok")
		}
	}
}

// TestEmailSubject sends through shoutrrr's smtp service to a local mail server: the
// subject says what happened, encoded for mail; a subject in the URL wins.
func TestEmailSubject(t *testing.T) {
	addr, mails := smtpServer(t)
	base := "smtp://" + addr + "/?fromAddress=hanoiwatch@example.org&toAddresses=newsroom@example.org&auth=None&encryption=None&useStartTLS=no"
	e := SampleEvent(time.Now())
	var dec mime.WordDecoder
	for _, tt := range []struct{ url, want string }{
		{base, "hanoiwatch: article.changed vtv: signatories 65 → 72"},
		{base + "&Subject=Coverage", "Coverage"},
	} {
		s, err := newEndpoint(config.Endpoint{Name: "mail", URL: tt.url}, "")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = s.Notify(ctx, e)
		cancel()
		if err != nil {
			t.Fatalf("Notify: %v", err)
		}
		h := <-mails
		raw := h.Get("Subject")
		got, err := dec.DecodeHeader(raw)
		if err != nil || got != tt.want {
			t.Errorf("Subject: %q decodes to %q (%v), want %q", raw, got, err, tt.want)
		}
		if strings.ContainsFunc(raw, func(r rune) bool { return r > 127 }) {
			t.Errorf("Subject %q is not encoded for mail", raw)
		}
	}
}
