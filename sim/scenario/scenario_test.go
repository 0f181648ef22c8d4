package scenario

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
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

// securedFrames runs o with a pcap and counts the frames on the medium with
// and without the Security Enabled bit.
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
		if f.Security {
			secured++
		} else {
			open++
		}
	}
	return secured, open
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
