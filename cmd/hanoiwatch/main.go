// Command hanoiwatch watches news coverage of the UN Convention against Cybercrime (the
// "Hanoi Convention"): it re-fetches articles, stores snapshots of their text, diffs them
// and reports changed text and figures. See the README for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// The one-shot commands' garbage collector, unless GOGC or GOMEMLIMIT say otherwise: the
// heap may grow to four times what is live, which halves the collections of a check round
// whose live heap is small, but not beyond a 32 MiB soft limit, which a round of full
// extractions would otherwise pass. The daemon sets its own (see run.go).
const (
	gcPercent   = 300
	memoryLimit = 32 << 20
)

func main() {
	tuneGC(gcPercent, memoryLimit)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "hanoiwatch:", err)
		if ee, ok := errors.AsType[*exitError](err); ok {
			os.Exit(ee.Code)
		}
		os.Exit(1)
	}
}

// tuneGC sets the garbage collector, unless GOGC or GOMEMLIMIT in the environment say how.
func tuneGC(percent int, limit int64) {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
