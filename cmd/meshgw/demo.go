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
		Nodes:           50,
		Topology:        "random",
		Neighbors:       8,
		Duration:        15 * time.Minute,
		Seed:            1,
		TrafficInterval: time.Minute,
		Progress:        stdout,
		ProgressEvery:   30 * time.Second,
	}
	fmt.Fprintf(stdout, "meshgw: a gateway (node 0) and %d mesh nodes on a simulated 2.4 GHz medium, ~%.0f neighbours each,\n"+
		"for %v of virtual time. Nodes establish secured MLE links, join the gateway's RPL DODAG, and then\n"+
		"each sends a UDP packet up to the gateway, and gets one down, every %v.\n"+
		"Try 'meshgw sim -h' for more.\n\n",
		o.Nodes-1, o.Neighbors, o.Duration, o.TrafficInterval)
	rep, err := scenario.Run(ctx, o)
	if err != nil {
		return err
	}
	return rep.WriteText(stdout)
}
