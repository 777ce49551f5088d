package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres/pgtest"
)

// BenchmarkRecordCapture is what a capture adds to the record of a change, as the bbolt
// store's benchmark of that name: the same changed record written with and without the
// capture of its page (the corpus's real pages, 220 KB on average, each made distinct).
// cpu-ns/op is this process's CPU per record, server-cpu-ns/op the server's (see
// BenchmarkUnchangedCheck), stored-bytes/body the bodies table's size (TOAST included) per
// body.
func BenchmarkRecordCapture(b *testing.B) {
	files, _ := filepath.Glob("../../../../shared/corpus/real/*.html")
	if len(files) == 0 {
		b.Skip("no corpus at ../shared/corpus/real")
	}
	var pages [][]byte
	for _, f := range files {
		p, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
	}
	for _, withCapture := range []bool{false, true} {
		name := "text"
		if withCapture {
			name = "text+capture"
		}
		b.Run(name, func(b *testing.B) {
			db := open(b, pgtest.DSN(b), store.Options{})
			t0 := time.Now()
			start, server := cpuTime(), serverCPU(b, db)
			for i := range b.N {
				src := fmt.Sprintf("s%d", i%len(pages))
				at := t0.Add(time.Duration(i) * time.Second)
				r := changed(src, fmt.Sprintf("text %d", i), at)
				if withCapture {
					page := fmt.Appendf(pages[i%len(pages)][:len(pages[i%len(pages)]):len(pages[i%len(pages)])], "<!-- %d -->", i)
					sum := sha256.Sum256(page)
					r.Capture = &watcher.Capture{Time: at, Source: src, URL: "http://127.0.0.1/" + src, Snapshot: r.Snapshot.ID,
						Event: watcher.ArticleChanged, SHA256: hex.EncodeToString(sum[:]), Size: len(page), Body: page}
				}
				mustRecord(b, db, r)
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(serverCPU(b, db)-server)/float64(b.N), "server-cpu-ns/op")
			if withCapture {
				var size, n int64
				if err := db.pool.QueryRow(context.Background(),
					"SELECT pg_total_relation_size('bodies'), (SELECT count(*) FROM bodies)").Scan(&size, &n); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(size)/float64(n), "stored-bytes/body")
			}
		})
	}
}
