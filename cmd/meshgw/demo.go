package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/meshgw/meshgw/sim/scenario"
)

// runDemo is what a new user sees first: a mesh on the embedded simulated
// medium, narrated as it runs.
func runDemo(ctx context.Context, stdout io.Writer) error {
	o := scenario.Options{
		Nodes:             50,
		Topology:          "random",
		Neighbors:         8,
		Duration:          10 * time.Minute,
		Seed:              1,
		BroadcastInterval: 30 * time.Second,
		Progress:          stdout,
		ProgressEvery:     time.Minute,
	}
	fmt.Fprintf(stdout, "meshgw: simulating a %d-node mesh (random placement, ~%.0f neighbours each) for %v of virtual time;\n"+
		"every node sends a secured 60-byte broadcast every %v. Try 'meshgw sim -h' for more.\n\n",
		o.Nodes, o.Neighbors, o.Duration, o.BroadcastInterval)
	rep, err := scenario.Run(ctx, o)
	if err != nil {
		return err
	}
	return rep.WriteText(stdout)
}
