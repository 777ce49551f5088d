package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlnwa/gowarc/v3"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/fixture"
)

// TestEvidenceCLI checks the fixture site, then reads the evidence back through the
// command line: show --raw prints the page each event's capture names, export writes a
// WARC file holding it and a CSV of the events, and bad flags are refused by name.
func TestEvidenceCLI(t *testing.T) {
	// With the Wayback Machine configured, check queues each new version; only the daemon
	// submits them, so nothing is ever sent to this address.
	e := newEnv(t, fixture.New(), "archive:\n  wayback:\n    access_key: k\n    secret_key: s\n    endpoint: http://127.0.0.1:9\n")
	evs := e.check()
	if len(evs) == 0 {
		t.Fatal("the first check made no events")
	}
	ev := evs[0]
	if ev.Type != watcher.ArticleNew || ev.Capture == nil {
		t.Fatalf("first event %s, capture %+v", ev.Type, ev.Capture)
	}
	raw, errOut, err := hw(t, "show", ev.Source.Name, "--raw", "--config", e.cfg, "--db", e.db)
	if err != nil {
		t.Fatalf("show --raw: %v\n%s", err, errOut)
	}
	if sum := sha256.Sum256([]byte(raw)); hex.EncodeToString(sum[:]) != ev.Capture.SHA256 || len(raw) != ev.Capture.Size {
		t.Fatalf("show --raw printed %d bytes that do not match the event's capture %+v", len(raw), ev.Capture)
	}

	warc := filepath.Join(t.TempDir(), "x.warc.gz")
	if _, errOut, err := hw(t, "export", "--format", "warc", "-o", warc, "--source", ev.Source.Name, "--config", e.cfg, "--db", e.db); err != nil ||
		!strings.Contains(errOut, "1 captures written") {
		t.Fatalf("export warc: %v\n%s", err, errOut)
	}
	data, err := os.ReadFile(warc)
	if err != nil {
		t.Fatal(err)
	}
	recs := readWARCFile(t, data)
	found := false
	for _, r := range recs {
		if r.payloadDigest == "sha256:"+ev.Capture.SHA256 && bytes.Equal(r.payload, []byte(raw)) {
			found = true
		}
	}
	if !found {
		t.Fatalf("the WARC file has no response with the captured page (%d records)", len(recs))
	}

	out, errOut, err := hw(t, "export", "--format", "csv", "--table", "events", "--type", watcher.ArticleNew, "--config", e.cfg, "--db", e.db)
	if err != nil {
		t.Fatalf("export csv: %v\n%s", err, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != len(evs)+1 {
		t.Fatalf("events csv (%v):\n%s", err, out)
	}
	sha := map[string]string{} // event id → capture_sha256
	for _, r := range rows[1:] {
		sha[r[4]] = r[10]
	}
	for _, ev := range evs {
		if ev.Capture == nil || sha[ev.ID] != ev.Capture.SHA256 {
			t.Errorf("event %s (%s): csv says capture %q, the event %+v", ev.ID, ev.Source.Name, sha[ev.ID], ev.Capture)
		}
	}

	out, errOut, err = hw(t, "archive", "--json", "--config", e.cfg, "--db", e.db)
	if err != nil {
		t.Fatalf("archive: %v\n%s", err, errOut)
	}
	queued := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var j watcher.ArchiveJob
		if err := json.Unmarshal([]byte(line), &j); err != nil || j.Dead || j.Attempts != 0 {
			t.Fatalf("archive line %q: %v", line, err)
		}
		queued[j.Event] = true
	}
	for _, ev := range evs {
		if !queued[ev.ID] {
			t.Errorf("%s of %s is not queued for the Wayback Machine", ev.Type, ev.Source.Name)
		}
	}

	for _, bad := range []struct{ args, want string }{
		{"--format xml", `--format "xml"`},
		{"--format csv", "--table"},
		{"--format jsonl --since yesterday", `--since "yesterday"`},
		{"--format jsonl --table nope", `unknown table "nope"`},
	} {
		args := append(strings.Fields("export "+bad.args), "--config", e.cfg, "--db", e.db)
		if _, _, err := hw(t, args...); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("export %s: %v, want an error naming %s", bad.args, err, bad.want)
		}
	}
}

type warcResponse struct {
	payloadDigest string
	payload       []byte
}

// readWARCFile reads a WARC file with gowarc, strictly, and returns its responses; a
// record whose digests do not verify fails the test.
func readWARCFile(t *testing.T, data []byte) []warcResponse {
	t.Helper()
	r, err := gowarc.NewWarcFileReaderFromStream(bytes.NewReader(data), 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []warcResponse
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil || len(rec.Validation) > 0 {
			t.Fatalf("record: %v %v", err, rec.Validation)
		}
		wr := rec.WarcRecord
		if b, ok := wr.Block().(gowarc.HttpResponseBlock); ok {
			p, err := b.PayloadBytes()
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := io.ReadAll(p)
			out = append(out, warcResponse{payloadDigest: wr.WarcHeader().Get(gowarc.WarcPayloadDigest), payload: payload})
		}
		if v, err := wr.ValidateDigest(); err != nil || len(v) > 0 {
			t.Fatalf("record %s: digests: %v %v", wr.WarcHeader().Get(gowarc.WarcTargetURI), err, v)
		}
		wr.Close()
	}
}
