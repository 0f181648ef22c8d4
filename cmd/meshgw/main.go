// Command meshgw is the 6LoWPAN / IEEE 802.15.4 mesh gateway daemon.
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
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "meshgw:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	_ = ctx
	_ = args
	return nil
}
