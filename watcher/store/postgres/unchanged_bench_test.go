package postgres

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres/pgtest"
)

// BenchmarkUnchangedCheck is the store's part of an unchanged check, as the bbolt
// store's benchmark of that name (watcher/store): State of a source, then its quiet
// record, over 1 024 sources that each have a snapshot; checks=1 one check at a time,
// checks=16 sixteen at once, as a wave of the daemon's checks. cpu-ns/op is this
// process's CPU time per check (getrusage); server-cpu-ns/op is the CPU time of the
// server processes that serve this database's connections (utime and stime of
// /proc/<pid>/stat, for the pids pg_stat_activity lists; the server's shared processes,
// WAL writer and checkpointer, are not counted).
func BenchmarkUnchangedCheck(b *testing.B) {
	for _, workers := range []int{1, 16} {
		b.Run(fmt.Sprintf("checks=%d", workers), func(b *testing.B) {
			db := open(b, pgtest.DSN(b), store.Options{})
			const sources = 1024
			t0 := time.Date(2025, 10, 26, 8, 0, 0, 0, time.UTC)
			for i := range sources {
				mustRecord(b, db, changed(fmt.Sprintf("source-%04d", i), fmt.Sprintf("Titre %d\n%s", i, benchText), t0))
			}
			b.ResetTimer()
			start, server := cpuTime(), serverCPU(b, db)
			var wg sync.WaitGroup
			// Worker w checks the sources whose number is w modulo workers: one check of a
			// source at a time, as the scheduler runs them.
			for w := range workers {
				wg.Go(func() {
					for i := w; i < b.N; i += workers {
						name := fmt.Sprintf("source-%04d", i%sources)
						st, err := db.State(name)
						if err != nil {
							b.Error(err)
							return
						}
						at := t0.Add(time.Duration(i+1) * time.Second)
						st.LastCheck = at
						if err := db.Record(watcher.Record{Source: name, State: st,
							Check: watcher.Check{Time: at, Status: 200, Result: watcher.ResultUnchanged, Snapshot: st.Snapshot}}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if err := db.Flush(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(serverCPU(b, db)-server)/float64(b.N), "server-cpu-ns/op")
		})
	}
}

// benchText is an article's worth of text, about 2 kB, as in the bbolt benchmark.
var benchText = func() string {
	t := ""
	for i := range 20 {
		t += fmt.Sprintf("Paragraphe %d : 72 pays ont signé la Convention des Nations unies contre la cybercriminalité à Hanoï.\n", i)
	}
	return t
}()

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU sums the CPU time of the server processes connected to db's database. The
// pool keeps its connections through the benchmark, so the same processes are read
// before and after.
func serverCPU(b *testing.B, db *DB) time.Duration {
	rows, _ := db.pool.Query(context.Background(), "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	var total time.Duration
	var pid int
	for rows.Next() {
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			b.Skipf("the server's CPU time: %v (the server must run on this machine)", err)
		}
		// Fields after the command's closing parenthesis: utime and stime are the 14th
		// and 15th of the line, in clock ticks (100 a second on Linux).
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		for _, s := range f[11:13] {
			n, _ := strconv.ParseInt(s, 10, 64)
			total += time.Duration(n) * 10 * time.Millisecond
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return total
}
