// Command hanoiwatch watches news coverage of the UN Convention against Cybercrime (the
// "Hanoi Convention"): it re-fetches articles, stores snapshots of their text, diffs them
// and reports changed text and figures. See the README for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "hanoiwatch:", err)
		os.Exit(1)
	}
}
