package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/meshgw/meshgw/sim/scenario"
)

// runSim implements `meshgw sim`.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("meshgw sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o scenario.Options
	var pcapPath string
	var asJSON, quiet bool
	fs.IntVar(&o.Nodes, "nodes", 50, "number of nodes")
	fs.StringVar(&o.Topology, "topology", "random", "grid, line, random, or a JSON topology `file`")
	fs.Float64Var(&o.Neighbors, "neighbors", 10, "mean neighbour count of a random topology")
	fs.Float64Var(&o.Spacing, "spacing", 30, "distance between grid or line nodes in `metres`")
	fs.DurationVar(&o.Duration, "duration", 10*time.Minute, "virtual time to run")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed; the same seed gives the same run")
	fs.DurationVar(&o.BroadcastInterval, "broadcast-interval", 0, "every node broadcasts a secured 60-byte frame at this interval (0: off)")
	fs.StringVar(&pcapPath, "pcap", "", "write every frame on the medium to this pcap `file`")
	fs.StringVar(&o.ZEP, "zep", "", "stream every frame as ZEP v2 to this UDP `host:port`")
	fs.BoolVar(&o.Open, "open", false, "turn link-layer and MLE security off (interop profile)")
	mleOn := fs.Bool("mle", true, "run MLE link establishment (false: plain 802.15.4 neighbours)")
	rplOn := fs.Bool("rpl", true, "run RPL with node 0, the gateway, as DODAG root")
	fs.StringVar(&o.Mode, "mode", "non-storing", "RPL mode of operation: storing or non-storing")
	fs.StringVar(&o.OF, "of", "mrhof", "RPL objective function: of0 or mrhof")
	fs.DurationVar(&o.TrafficInterval, "traffic-interval", 0, "every node sends a UDP packet up to the root, and the root one down to it, at this interval (0: off)")
	fs.DurationVar(&o.BootSpread, "boot-spread", 0, "power the nodes on at random times within this duration (0: all at once)")
	txDBm := fs.Int("tx-dbm", 0, "transmit power in dBm without power control")
	fs.StringVar(&o.TxPower, "txpower", "", "power control: fixed (the radio's maximum) or adaptive (the least level that keeps needed links healthy)")
	var degrade []string
	fs.Func("degrade", "raise a link's path loss mid-run: `A-B+DB@TIME`, e.g. 3-7+12@600s (repeatable)", func(v string) error {
		degrade = append(degrade, v)
		return nil
	})
	fail := fs.String("fail", "", "stop `FRACTION@TIME` of the non-root nodes, e.g. 0.2@900s")
	fs.StringVar(&o.Attack, "attack", "", "add an attacker: replay (records frames, replays them in the second half)")
	fs.BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	fs.BoolVar(&quiet, "quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *txDBm < -128 || *txDBm > 127 {
		return fmt.Errorf("sim: --tx-dbm %d out of range", *txDBm)
	}
	o.TxPowerDBm = int8(*txDBm)
	o.NoMLE = !*mleOn
	o.NoRPL = !*rplOn
	for _, v := range degrade {
		d, err := scenario.ParseDegrade(v)
		if err != nil {
			return err
		}
		o.Degrade = append(o.Degrade, d)
	}
	if *fail != "" {
		f, at, err := scenario.ParseFail(*fail)
		if err != nil {
			return err
		}
		o.FailFraction, o.FailAt = f, at
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sim: unexpected argument %q", fs.Arg(0))
	}
	if !quiet && !asJSON {
		o.Progress = stdout
	} else if !quiet {
		o.Progress = stderr
	}
	var pcap *bufio.Writer
	if pcapPath != "" {
		f, err := os.Create(pcapPath)
		if err != nil {
			return fmt.Errorf("sim: %w", err)
		}
		defer f.Close()
		pcap = bufio.NewWriterSize(f, 1<<16)
		o.Pcap = pcap
	}
	rep, err := scenario.Run(ctx, o)
	if err != nil {
		return err
	}
	if pcap != nil {
		if err := pcap.Flush(); err != nil {
			return fmt.Errorf("sim: pcap: %w", err)
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(rep)
	}
	return rep.WriteText(stdout)
}
