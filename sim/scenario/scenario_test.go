package scenario

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/node"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
	"github.com/meshgw/meshgw/wpan/lowpan"
)

func TestTopologyFileScenario(t *testing.T) {
	rep, err := Run(context.Background(), Options{
		Topology:          "../testdata/office.json",
		Duration:          2 * time.Minute,
		BroadcastInterval: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	topo, err := sim.LoadTopology("../testdata/office.json")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Nodes != topo.Len() {
		t.Fatalf("report has %d nodes, the file %d", rep.Nodes, topo.Len())
	}
	want := uint64(topo.Len() * 12)
	if rep.Broadcast.Sent != want || rep.Broadcast.Received == 0 {
		t.Fatalf("broadcast %+v, want %d sent", rep.Broadcast, want)
	}
	if rep.Power.TxEnergyMJ <= 0 || rep.Frames.Tx < want {
		t.Fatalf("frames %+v power %+v", rep.Frames, rep.Power)
	}
}

// securedFrames runs o with a pcap and counts the data frames on the medium
// that are secured at the MAC layer or carry an MLE message secured at the
// MLE layer (secured), and those that are neither (open).
func securedFrames(t *testing.T, o Options) (secured, open int) {
	t.Helper()
	var buf bytes.Buffer
	o.Pcap = &buf
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()[24:] // pcap file header
	for len(b) >= 16 {
		n := int(binary.LittleEndian.Uint32(b[8:12]))
		rec := b[16 : 16+n]
		b = b[16+n:]
		// TAP header: version, reserved, length (LE16), then TLVs.
		hl := int(binary.LittleEndian.Uint16(rec[2:4]))
		var f wpan.Frame
		if err := f.Decode(rec[hl : len(rec)-wpan.FCSLen]); err != nil {
			t.Fatalf("frame on the medium does not decode: %v", err)
		}
		if f.Type != wpan.FrameData {
			continue
		}
		if f.Security || mleSuite(t, &f) == mle.Suite154 {
			secured++
		} else {
			open++
		}
	}
	return secured, open
}

// mleSuite returns the MLE security suite of an unsecured frame carrying
// MLE, or 0xff (unsecured) for anything else.
func mleSuite(t *testing.T, f *wpan.Frame) mle.SecuritySuite {
	if len(f.Payload) > 0 && (f.Payload[0]&0xf8 == 0xc0 || f.Payload[0]&0xf8 == 0xe0) {
		return mle.SuiteNone // a fragment: MLE messages are never fragmented
	}
	var ctx lowpan.Contexts
	if err := ctx.Set(lowpan.Context{ID: 0, Prefix: meshPrefix, Compress: true}); err != nil {
		t.Fatal(err)
	}
	pkt, err := lowpan.Decompress(nil, f.Payload, f.Src, f.Dst, &ctx)
	if err != nil {
		t.Fatalf("unsecured frame does not decompress: %v", err)
	}
	if len(pkt) > 48 && pkt[6] == 17 && binary.BigEndian.Uint16(pkt[42:44]) == mle.Port {
		return mle.SecuritySuite(pkt[48])
	}
	return mle.SuiteNone
}

func TestSecurityIsOnByDefault(t *testing.T) {
	o := Options{Nodes: 4, Topology: "line", Spacing: 20, Duration: time.Minute, BroadcastInterval: 10 * time.Second}
	sec, open := securedFrames(t, o)
	if sec == 0 || open != 0 {
		t.Fatalf("default run: %d secured, %d open frames", sec, open)
	}
	o.Open = true
	sec, open = securedFrames(t, o)
	if sec != 0 || open == 0 {
		t.Fatalf("open profile: %d secured, %d open frames", sec, open)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Nodes: -1},
		{Duration: -time.Second},
		{Topology: "torus"},
		{Topology: "missing-file.json"},
		{BroadcastInterval: -time.Second},
	} {
		_, err := Run(context.Background(), o)
		if err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	_, err := Run(context.Background(), Options{Topology: "missing-file.json"})
	if err == nil || !strings.Contains(err.Error(), "missing-file.json") {
		t.Errorf("error %v does not name the file", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, Options{Nodes: 10, Duration: time.Hour})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run on a cancelled context: %v", err)
	}
}

// TestReplayAttack runs the replay attacker against a secured MLE mesh:
// replays are rejected and none is accepted.
func TestReplayAttack(t *testing.T) {
	rep, err := Run(context.Background(), Options{
		Nodes: 25, Neighbors: 8, Duration: 6 * time.Minute, BroadcastInterval: 10 * time.Second, Attack: "replay", Seed: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Attack == nil || rep.Attack.Recorded == 0 || rep.Attack.Replayed <= rep.Attack.Recorded {
		t.Fatalf("attacker did little: %+v", rep.Attack)
	}
	if rep.MLE.Links == 0 {
		t.Fatal("no MLE links formed")
	}
	if rep.MLE.ReplayAccepted != 0 || rep.MLE.ReplayRejected == 0 {
		t.Fatalf("mle %+v", rep.MLE)
	}
	if rep.Nodes != 25 {
		t.Fatalf("the attacker counted as a node: %d", rep.Nodes)
	}
}

// TestReplayAttackWithoutMLE runs the attack against plain 802.15.4
// neighbours: the MAC replay windows alone reject the replays.
func TestReplayAttackWithoutMLE(t *testing.T) {
	rep, err := Run(context.Background(), Options{
		Nodes: 25, Neighbors: 8, Duration: 6 * time.Minute, BroadcastInterval: 10 * time.Second, Attack: "replay", Seed: 4,
		NoMLE: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.MLE.ReplayAccepted != 0 {
		t.Fatalf("MAC replay windows let replays through: %+v", rep.MLE)
	}
	if rep.MLE.ReplayRejected == 0 {
		t.Fatalf("no replays rejected by the MAC alone: %+v", rep.MLE)
	}
}

// TestReplayDetector checks the replay_accepted detector itself.
func TestReplayDetector(t *testing.T) {
	r := &run{report: &Report{}, accepted: map[acceptKey]uint32{}}
	hook := r.acceptHook(3)
	src := wpan.ExtAddrFromUint64(7)
	for _, c := range []uint32{5, 6, 6, 4, 9} { // 6 again and 4: two replays
		hook(node.LayerMAC, src, 1, c)
	}
	hook(node.LayerMLE, src, 1, 6) // another layer's counter space
	hook(node.LayerMAC, src, 2, 1) // another key
	if r.report.MLE.ReplayAccepted != 2 {
		t.Fatalf("detector counted %d replays, want 2", r.report.MLE.ReplayAccepted)
	}
}

// TestRPLScenario forms a DODAG on a small grid and carries traffic both
// ways; then a fifth of the nodes fail and the rest re-route.
func TestRPLScenario(t *testing.T) {
	for _, mode := range []string{"non-storing", "storing"} {
		rep, err := Run(context.Background(), Options{
			Nodes: 16, Topology: "grid", Spacing: 40, Duration: 10 * time.Minute, Mode: mode, OF: "mrhof",
			TrafficInterval: 30 * time.Second, FailFraction: 0.2, FailAt: 6 * time.Minute, Seed: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.RPL.Joined < 16-rep.Failures.Killed {
			t.Errorf("%s: %d joined", mode, rep.RPL.Joined)
		}
		if rep.RPL.ConvergedAtS <= 0 || rep.RPL.ConvergedAtS > 360 {
			t.Errorf("%s: converged at %v s", mode, rep.RPL.ConvergedAtS)
		}
		if rep.Failures.ReconvergedAtS < 360 {
			t.Errorf("%s: reconverged at %v s, before the failure at 360 s or never", mode, rep.Failures.ReconvergedAtS)
		}
		if rep.Failures.Killed != 3 {
			t.Errorf("%s: %d killed, want 3 (20 %% of 15)", mode, rep.Failures.Killed)
		}
		tr := rep.Traffic
		if tr.SentUp == 0 || tr.SentDown == 0 || tr.PDRUp < 0.8 || tr.PDRDown < 0.8 {
			t.Errorf("%s: traffic %+v", mode, tr)
		}
		if tr.LatencyP50ms <= 0 || tr.LatencyP99ms < tr.LatencyP50ms {
			t.Errorf("%s: latency p50 %v p99 %v", mode, tr.LatencyP50ms, tr.LatencyP99ms)
		}
		if rep.RPL.DIO == 0 || rep.RPL.DAO == 0 || rep.RPL.RoutesAtRoot == 0 {
			t.Errorf("%s: rpl %+v", mode, rep.RPL)
		}
	}
}

// TestSteadyControl checks the steady-state control figures: measured in
// the second half of a two-hour run, within the bound the configuration
// implies, and absent when the run is too short for a steady window.
func TestSteadyControl(t *testing.T) {
	for _, mode := range []string{"non-storing", "storing"} {
		rep, err := Run(context.Background(), Options{
			Nodes: 16, Topology: "grid", Spacing: 40, Duration: 2 * time.Hour, Mode: mode, OF: "mrhof",
			TrafficInterval: 5 * time.Minute, Seed: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		r := rep.RPL
		// One DIO per 2^20 ms, one DAO per 15 minutes: 3.43 + 4 for a
		// router, 3.43 for the root.
		if want := 3.433 + 4*15.0/16; r.ControlBoundPerNodeHour < want-0.01 || r.ControlBoundPerNodeHour > want+0.3 {
			t.Errorf("%s: bound %.3f per node-hour, want about %.3f", mode, r.ControlBoundPerNodeHour, want)
		}
		if r.ControlSteadyPerNodeHour <= 0 || r.ControlSteadyPerNodeHour > r.ControlBoundPerNodeHour {
			t.Errorf("%s: steady %.2f per node-hour, bound %.2f", mode, r.ControlSteadyPerNodeHour, r.ControlBoundPerNodeHour)
		}
		t.Logf("%s: control %.2f per node-hour after convergence, steady %.2f, bound %.2f", mode, r.ControlPerNodeHour, r.ControlSteadyPerNodeHour, r.ControlBoundPerNodeHour)
	}
	rep, err := Run(context.Background(), Options{Nodes: 9, Topology: "grid", Spacing: 40, Duration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RPL.ControlSteadyPerNodeHour != 0 {
		t.Errorf("30-minute run: steady control %.2f, want 0 (no steady window)", rep.RPL.ControlSteadyPerNodeHour)
	}
}

func TestParseFail(t *testing.T) {
	f, at, err := ParseFail("0.2@900s")
	if err != nil || f != 0.2 || at != 900*time.Second {
		t.Fatalf("ParseFail = %v, %v, %v", f, at, err)
	}
	for _, bad := range []string{"0.2", "x@900s", "1.5@900s", "0@1s", "0.2@soon", "0.2@-1s"} {
		if _, _, err := ParseFail(bad); err == nil {
			t.Errorf("ParseFail(%q) succeeded", bad)
		}
	}
}

func TestParseDegrade(t *testing.T) {
	d, err := ParseDegrade("3-7+12@600s")
	if err != nil || d != (Degrade{A: 3, B: 7, DB: 12, At: 600 * time.Second}) {
		t.Fatalf("ParseDegrade = %+v, %v", d, err)
	}
	for _, bad := range []string{"3-7+12", "3-7@1s", "3+12@1s", "3-3+12@1s", "x-7+12@1s", "3-7+-1@1s", "3-7+12@never"} {
		if _, err := ParseDegrade(bad); err == nil {
			t.Errorf("ParseDegrade(%q) succeeded", bad)
		}
	}
	_, err = Run(context.Background(), Options{Nodes: 4, Topology: "line", Duration: time.Minute,
		Degrade: []Degrade{{A: 1, B: 9, DB: 10, At: time.Second}}})
	if err == nil || !strings.Contains(err.Error(), "1-9") {
		t.Fatalf("degrading a link to a node that does not exist: %v", err)
	}
}
