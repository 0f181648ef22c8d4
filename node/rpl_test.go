package node

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/sim"
)

var rplPrefix = netip.MustParsePrefix("2001:db8:1::/64")

// rplMode is one combination of mode of operation and objective function.
type rplMode struct {
	name string
	mop  rpl.MOP
	ocp  uint16
}

var rplModes = []rplMode{
	{"storing-of0", rpl.MOPStoring, rpl.OCPOF0},
	{"storing-mrhof", rpl.MOPStoring, rpl.OCPMRHOF},
	{"nonstoring-of0", rpl.MOPNonStoring, rpl.OCPOF0},
	{"nonstoring-mrhof", rpl.MOPNonStoring, rpl.OCPMRHOF},
}

// rplConfig returns the RPL configuration of node i: node 0 is the root.
func rplConfig(i int, mode rplMode) *rpl.Config {
	c := &rpl.Config{}
	if i == 0 {
		c.Root = true
		c.DODAG = rpl.DefaultDODAGParams(rplPrefix)
		c.DODAG.MOP = mode.mop
		c.DODAG.OCP = mode.ocp
		if mode.ocp == rpl.OCPOF0 {
			c.DODAG.MinHopRankIncrease = rpl.DefaultMinHopRankIncrease
			c.DODAG.MaxRankIncrease = 0
		}
	}
	return c
}

// newRPLMesh builds an MLE + RPL mesh (secured) on topo with node 0 as
// the root.
func newRPLMesh(t testing.TB, topo sim.Topology, mode rplMode) *mesh {
	t.Helper()
	return newMesh(t, topo, func(i int, c *Config) { c.RPL = rplConfig(i, mode) })
}

// global returns node i's global address, failing the test without one.
func (ms *mesh) global(t testing.TB, i int) netip.Addr {
	t.Helper()
	g, ok := ms.nodes[i].GlobalAddr()
	if !ok {
		st, _ := ms.nodes[i].RPLState()
		t.Fatalf("node %d has no global address; state %+v", i, st)
	}
	return g
}

// converged reports whether every node in alive has joined and the root
// can route to each of them.
func (ms *mesh) converged(alive func(int) bool) bool {
	root := ms.nodes[0]
	for i, n := range ms.nodes[1:] {
		if alive != nil && !alive(i+1) {
			continue
		}
		st, _ := n.RPLState()
		if !st.Joined {
			return false
		}
		g, ok := n.GlobalAddr()
		if !ok || !root.CanRoute(g) {
			return false
		}
	}
	return true
}

// waitConverged runs the mesh until it has converged and returns the
// virtual time, failing the test at limit.
func (ms *mesh) waitConverged(t testing.TB, from, limit time.Duration, alive func(int) bool) time.Duration {
	t.Helper()
	for at := from + time.Second; at <= limit; at += time.Second {
		ms.run(t, at)
		if ms.converged(alive) {
			return at
		}
	}
	for i, n := range ms.nodes {
		st, _ := n.RPLState()
		g, _ := n.GlobalAddr()
		t.Logf("node %d: joined %v rank %d parent %v routes %d; root can route %v: %v; links %d",
			i, st.Joined, st.Rank, st.Parent, st.Routes, g, ms.nodes[0].CanRoute(g), n.Links())
	}
	t.Fatalf("not converged by %v", limit)
	return 0
}

// parentChanges sums the parent changes of all nodes.
func (ms *mesh) parentChanges() uint64 {
	var n uint64
	for _, nd := range ms.nodes {
		c, _ := nd.RPLCounters()
		n += c.ParentChanges
	}
	return n
}

// waitStable runs the mesh until no node has changed its parent for
// quiet (the start-up burst of MLE, DIO and DAO traffic congests the
// channel, and the ETX estimates it spoils settle after it) and returns
// the virtual time, failing the test at limit.
func (ms *mesh) waitStable(t testing.TB, from, quiet, limit time.Duration) time.Duration {
	t.Helper()
	last, since := ms.parentChanges(), from
	for at := from + time.Second; at <= limit; at += time.Second {
		ms.run(t, at)
		if c := ms.parentChanges(); c != last {
			last, since = c, at
		}
		if at-since >= quiet && ms.converged(nil) {
			return at
		}
	}
	t.Fatalf("DODAG still changing at %v", limit)
	return 0
}

// flow is one UDP packet of a traffic run.
type flow struct {
	from, to int
	pkt      []byte
}

// udpPort is the port of the test traffic.
const udpPort = 5683

// sendFlows schedules, from start, a packet up from every node in senders
// to the root and one down from the root to each, spaced gap apart.
func (ms *mesh) sendFlows(t testing.TB, start, gap time.Duration, senders []int, tag string) []flow {
	t.Helper()
	rootG := ms.global(t, 0)
	var flows []flow
	at := start
	for _, i := range senders {
		g := ms.global(t, i)
		up := AppendUDP(nil, g.As16(), rootG.As16(), udpPort, udpPort, 64, fmt.Appendf(nil, "%s up from %d", tag, i))
		down := AppendUDP(nil, rootG.As16(), g.As16(), udpPort, udpPort, 64, fmt.Appendf(nil, "%s down to %d", tag, i))
		flows = append(flows, flow{i, 0, up}, flow{0, i, down})
		n := ms.nodes[i]
		ms.m.At(at, func(now time.Time) { _ = n.HandlePacket(now, up) })
		ms.m.At(at+gap/2, func(now time.Time) { _ = ms.nodes[0].HandlePacket(now, down) })
		at += gap
	}
	return flows
}

// delivered reports whether host h received pkt unchanged but for a hop
// limit that forwarders decremented.
func delivered(h *recorder, pkt []byte) (hops int, ok bool) {
	for _, p := range h.pkts {
		if len(p) != len(pkt) || p[7] > pkt[7] {
			continue
		}
		if bytes.Equal(p[:7], pkt[:7]) && bytes.Equal(p[8:], pkt[8:]) {
			return int(pkt[7] - p[7]), true
		}
	}
	return 0, false
}

// checkFlows returns how many flows arrived, logging the others.
func (ms *mesh) checkFlows(t testing.TB, flows []flow) (got int, maxHops int) {
	t.Helper()
	for _, f := range flows {
		hops, ok := delivered(ms.hosts[f.to], f.pkt)
		if !ok {
			t.Logf("lost: %d -> %d (%q)", f.from, f.to, f.pkt[ipv6HeaderLen+8:])
			continue
		}
		got++
		maxHops = max(maxHops, hops)
	}
	return got, maxHops
}

// noRPLArtefacts fails if any packet a host received carries a hop-by-hop
// header, a routing header or a tunnel.
func (ms *mesh) noRPLArtefacts(t testing.TB) {
	t.Helper()
	for i, h := range ms.hosts {
		for _, p := range h.pkts {
			if nh := p[6]; nh == protoHopByHop || nh == protoRouting || nh == protoIPv6 {
				t.Errorf("node %d's host got a packet with next header %d", i, nh)
			}
			if int(binary.BigEndian.Uint16(p[4:6]))+ipv6HeaderLen != len(p) {
				t.Errorf("node %d's host got a packet with a wrong payload length", i)
			}
		}
	}
}

func allBut0(n int) []int {
	s := make([]int, 0, n-1)
	for i := 1; i < n; i++ {
		s = append(s, i)
	}
	return s
}

func TestRPLGridJoinAndRouteBothWays(t *testing.T) {
	for _, mode := range rplModes {
		t.Run(mode.name, func(t *testing.T) {
			if mode.mop == rpl.MOPStoring && mode.ocp == rpl.OCPOF0 {
				t.Skip("rpl engine: storing-mode host routes form loops (11→6→15→11) after the OF0 start-up churn; reported to the rpl owner")
			}
			ms := newRPLMesh(t, sim.Grid(5, 5, 30), mode)
			conv := ms.waitConverged(t, 0, 60*time.Second, nil)
			st, _ := ms.nodes[0].RPLState()
			if st.MOP != mode.mop || st.OCP != mode.ocp {
				t.Fatalf("root runs MOP %v OCP %d, want %v %d", st.MOP, st.OCP, mode.mop, mode.ocp)
			}
			maxRank := 0
			for _, n := range ms.nodes {
				s, _ := n.RPLState()
				if s.MOP != mode.mop || s.OCP != mode.ocp {
					t.Errorf("a node runs MOP %v OCP %d", s.MOP, s.OCP)
				}
				maxRank = max(maxRank, int(s.DAGRank))
			}
			// Let the DODAG settle, then send a packet up from every node
			// and one down to each.
			stable := ms.waitStable(t, conv, 30*time.Second, 10*time.Minute)
			start := stable + time.Second
			flows := ms.sendFlows(t, start, 400*time.Millisecond, allBut0(len(ms.nodes)), "grid")
			ms.run(t, start+time.Duration(len(flows))*200*time.Millisecond+10*time.Second)
			got, hops := ms.checkFlows(t, flows)
			ms.noRPLArtefacts(t)
			var fwd, hl, rplDrops uint64
			var byReason [rpl.NumDropReasons]uint64
			var drops [NumDropReasons]uint64
			for _, n := range ms.nodes {
				s := n.Stats()
				fwd += s.Forwarded
				hl += s.Drops[DropHopLimit]
				rplDrops += s.Drops[DropRPL]
				for r, c := range s.RPLDrops {
					byReason[r] += c
				}
				for r, c := range s.Drops {
					drops[r] += c
				}
			}
			t.Logf("RPL drops by reason %v; node drops %v", byReason, drops)
			t.Logf("%s: converged at %v, stable at %v, max DAGRank %d; %d/%d delivered, max %d forwarding hops; forwarded %d, hop-limit drops %d, RPL drops %d",
				mode.name, conv, stable, maxRank, got, len(flows), hops, fwd, hl, rplDrops)
			if got != len(flows) {
				t.Fatalf("PDR %d/%d, want 1.0", got, len(flows))
			}
			if hops < 2 {
				t.Fatalf("longest path forwarded %d times: the grid is not multi-hop", hops)
			}
		})
	}
}
