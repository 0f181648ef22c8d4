// Command meshgw is the 6LoWPAN / IEEE 802.15.4 mesh gateway.
//
// With no arguments it runs a gateway's mesh on an embedded simulated
// medium and narrates what happens; `meshgw sim` runs a batch simulation in
// virtual time and prints a report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "meshgw:", err)
		os.Exit(1)
	}
}

const usage = `usage: meshgw [command] [flags]

commands:
  (none)     run a gateway's mesh on an embedded simulated medium, narrated
  sim        run a simulation in virtual time and print a report
  help       show this help

Run 'meshgw sim -h' for the simulation flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runDemo(ctx, stdout)
	}
	switch args[0] {
	case "sim":
		return runSim(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}
