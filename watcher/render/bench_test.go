package render

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hanoiwatch/watcher"
)

// benchArticle is a news page of some 40 KB whose 12 paragraphs a script loads from a JSON
// endpoint, with an image per paragraph (loaded only for a screenshot).
func benchServer(b *testing.B) *httptest.Server {
	var paras []string
	for i := range 12 {
		paras = append(paras, strconv.Quote(fmt.Sprintf("Paragraph %d. The United Nations Convention against Cybercrime was opened for signature in Hanoi; %d States signed it on the first day, and delegates from more than 110 countries attended the conference at the National Convention Center, where the Secretary-General spoke of a common legal basis to cooperate against online crime.", i, 65+i)))
	}
	data := `{"paragraphs": [` + strings.Join(paras, ",") + `]}`
	nav := strings.Repeat(`<li><a href="/section">Section with a long enough name</a></li>`, 200)
	page := `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bench</title>
<style>body{font:16px/1.5 serif;max-width:40em;margin:auto} img{width:100%;height:200px}</style></head>
<body><nav><ul>` + nav + `</ul></nav><main><article id="story"><h1>Hanoi Convention</h1></article></main>
<script>fetch("/data.json").then(r => r.json()).then(d => d.paragraphs.forEach(t => {
  var p = document.createElement("p"); p.textContent = t; document.getElementById("story").appendChild(p);
  var i = document.createElement("img"); i.src = "/img.svg"; document.getElementById("story").appendChild(i);
}));</script></body></html>`
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200"><rect width="600" height="200" fill="#8ab"/><circle cx="300" cy="100" r="80" fill="#fc6"/></svg>`
	mux := http.NewServeMux()
	mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, data)
	})
	mux.HandleFunc("/img.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, svg)
	})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkRender is one rendered check at a time (wait: #story p, the plain GET of the
// document included), with and without a screenshot. cpu-ns/op is the CPU of this process
// and of the browser's processes together; shot-bytes/op the JPEG's size.
func BenchmarkRender(b *testing.B) {
	srv := benchServer(b)
	for _, shot := range []bool{false, true} {
		b.Run("screenshot="+strconv.FormatBool(shot), func(b *testing.B) {
			f := newBenchFetcher(b)
			src := watcher.Source{Name: "bench", URL: srv.URL + "/article", Render: watcher.RenderBrowser, Wait: "#story p", Screenshot: shot}
			ctx := context.Background()
			// The first page starts the browser: not part of a check's cost.
			if _, err := f.Fetch(ctx, src, watcher.Validators{}); err != nil {
				b.Fatal(err)
			}
			pid := chromedp.FromContext(f.Browser.cur.ctx).Browser.Process().Pid
			cpu0 := selfCPU() + treeCPU(pid)
			var size int
			b.ResetTimer()
			for range b.N {
				p, err := f.Fetch(ctx, src, watcher.Validators{})
				if err != nil {
					b.Fatal(err)
				}
				if !strings.Contains(string(p.Body), "Paragraph 11.") {
					b.Fatal("article not rendered")
				}
				if p.Shoot != nil { // as the pipeline does for a new version
					img, err := p.Shoot()
					if err != nil {
						b.Fatal(err)
					}
					size += len(img)
					p.Release()
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(selfCPU()+treeCPU(pid)-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(size)/float64(b.N), "shot-bytes/op")
		})
	}
}

func newBenchFetcher(b *testing.B) Fetcher {
	if _, err := Find(""); err != nil {
		b.Skip(err)
	}
	br, err := New(Options{MaxTabs: 1, Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { br.Close() })
	return Fetcher{Plain: plainFetcher(b), Browser: br}
}

// selfCPU is this process's CPU time in nanoseconds.
func selfCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// treeCPU is the CPU time, in nanoseconds, of process pid and its descendants, counting
// those that ended in their parent's reaped-children times (a tab's renderer ends with it).
func treeCPU(pid int) int64 {
	type proc struct {
		ppid  int
		ticks int64
	}
	procs := map[int]proc{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		stat, err := os.ReadFile(d)
		if err != nil {
			continue // ended meanwhile
		}
		p, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		// The fields after the command's closing parenthesis, from the state (field 3):
		// ppid is field 4, utime, stime, cutime and cstime fields 14 to 17.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		pr := proc{}
		pr.ppid, _ = strconv.Atoi(f[1])
		for _, i := range []int{11, 12, 13, 14} {
			n, _ := strconv.ParseInt(f[i], 10, 64)
			pr.ticks += n
		}
		procs[p] = pr
	}
	var ticks int64
	for p, pr := range procs {
		// p counts if pid is among its ancestors (or is p).
		for q := p; q > 1; q = procs[q].ppid {
			if q == pid {
				ticks += pr.ticks
				break
			}
			if _, ok := procs[q]; !ok {
				break
			}
		}
	}
	return ticks * int64(time.Second) / 100 // USER_HZ
}
