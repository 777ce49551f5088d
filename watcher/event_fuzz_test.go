package watcher

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzEventJSON decodes arbitrary JSON as an Event, as a webhook receiver or the store
// does, and encodes it again. Nothing may panic, and after one round trip the encoding is
// stable: what hanoiwatch stores and sends is what it reads back. Seeds are in
// testdata/fuzz/FuzzEventJSON (the README's examples among them).
func FuzzEventJSON(f *testing.F) {
	f.Add([]byte(`{"id":"c967fa265523b945edb0ce72","type":"article.changed","time":"2026-11-23T01:59:57.640753803Z",` +
		`"source":{"name":"vtv","url":"https://vtv.vn/a.htm"},"snapshot":"67467b95d050fe38","previous":"6a1d53db39d29497",` +
		`"diff":{"added":["72 pays"],"removed":["65 pays"],"unified":"@@ -1 +1 @@\n-65 pays\n+72 pays\n",` +
		`"hunks":[{"old_start":1,"old_lines":1,"new_start":1,"new_lines":1,"words":[{"op":"-","text":"65"},{"op":"+","text":"72"}]}],` +
		`"stats":{"added":1,"removed":1}},"figures":[{"subject":"pays","key":"signatories","before":65,"after":72}]}`))
	f.Add([]byte(`{"id":"x","type":"treaty.counts","time":"2026-03-16T00:00:00+07:00","source":{"name":"un","url":"u"},` +
		`"figures":[],"detail":{"signatories_before":null,"signatories_after":72}}`))
	f.Add([]byte(`{"figures":[{"before":null,"after":-0,"subject":""}],"status":404,"error":"HTTP 404"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Event
		if json.Unmarshal(data, &e) != nil {
			return
		}
		first, err := json.Marshal(e)
		if err != nil {
			// Every value JSON can give an Event must encode: a stored event that cannot be
			// sent would sit in the outbox for ever.
			t.Fatalf("decoded %q but cannot encode %+v: %v", data, e, err)
		}
		var again Event
		if err := json.Unmarshal(first, &again); err != nil {
			t.Fatalf("cannot decode our own encoding %s: %v", first, err)
		}
		second, err := json.Marshal(again)
		if err != nil || !bytes.Equal(first, second) {
			t.Fatalf("round trip not stable (%v):\n%s\n%s", err, first, second)
		}
		if !again.Time.Equal(e.Time) || again.ID != e.ID || again.Type != e.Type || again.Source != e.Source {
			t.Fatalf("round trip changed the event: %+v → %+v", e, again)
		}
	})
}
