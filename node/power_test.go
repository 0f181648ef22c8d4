package node

import (
	"errors"
	"math"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/meshgw/meshgw/node/txpower"
	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
)

// powerPrefix is the DODAG prefix of the power tests.
var powerPrefix = netip.MustParsePrefix("2001:db8:7::/64")

// powerRPLConfig makes node 0 the root of a storing-mode MRHOF DODAG.
func powerRPLConfig(i int) *rpl.Config {
	c := &rpl.Config{}
	if i == 0 {
		c.Root = true
		c.DODAG = rpl.DefaultDODAGParams(powerPrefix)
		c.DODAG.MOP = rpl.MOPStoring
		c.DODAG.OCP = rpl.OCPMRHOF
	}
	return c
}

// newPowerMesh builds a secured MLE + RPL mesh on topo in which every node
// runs power control with policy pol (nil cfg: the defaults).
func newPowerMesh(t testing.TB, topo sim.Topology, pol txpower.Policy) *mesh {
	t.Helper()
	return newMesh(t, topo, func(i int, c *Config) {
		c.RPL = powerRPLConfig(i)
		c.TxPower = &PowerConfig{Policy: pol}
	})
}

// pinger makes every non-root node send an echo request to the root's
// global address every interval, and counts requests and replies.
type pinger struct {
	ms    *mesh
	every time.Duration
	from  time.Duration // first request
	until time.Duration // last request
	sent  []int
}

func (p *pinger) start() {
	p.sent = make([]int, len(p.ms.nodes))
	gap := p.every / time.Duration(len(p.ms.nodes))
	for i := 1; i < len(p.ms.nodes); i++ {
		// Node i sends at its own offset within the interval, as
		// independent sensors would.
		var tick func(at time.Duration)
		tick = func(at time.Duration) {
			p.ms.m.At(at, func(now time.Time) {
				n := p.ms.nodes[i]
				root, ok := p.ms.nodes[0].GlobalAddr()
				if g, joined := n.GlobalAddr(); ok && joined {
					p.sent[i]++
					pkt := AppendEchoRequest(nil, g.As16(), root.As16(), uint16(i), uint16(p.sent[i]), []byte("power"))
					_ = n.HandlePacket(now, pkt)
				}
				if next := at + p.every; next <= p.until {
					tick(next)
				}
			})
		}
		tick(p.from + time.Duration(i)*gap)
	}
}

// pdr returns the fraction of echo requests answered, over all nodes.
func (p *pinger) pdr() (float64, int, int) {
	var s, r int
	for i := 1; i < len(p.ms.nodes); i++ {
		s += p.sent[i]
		r += len(p.ms.hosts[i].echoReplies())
	}
	if s == 0 {
		return 0, 0, 0
	}
	return float64(r) / float64(s), r, s
}

// extIndex maps every node's EUI-64 to its medium ID.
func (ms *mesh) extIndex() map[wpan.ExtAddr]sim.NodeID {
	m := make(map[wpan.ExtAddr]sim.NodeID, len(ms.nodes))
	for i, n := range ms.nodes {
		m[n.Ext()] = sim.NodeID(i)
	}
	return m
}

// marginAt is the true link margin, in dB, of frames from a to b sent at
// dBm: the received power above the simulated radio's sensitivity.
func (ms *mesh) marginAt(a, b sim.NodeID, dBm int8) float64 {
	return float64(dBm) - ms.m.PathLoss(a, b) - simSensitivity
}

// energy returns the transmit energy of all nodes in joules.
func (ms *mesh) energy() float64 {
	var e float64
	for i := range ms.nodes {
		e += ms.m.NodeMetrics(sim.NodeID(i)).TxEnergyJ
	}
	return e
}

// TestPowerAdaptiveGridKeepsNeededLinks runs a 3×3 grid (15 m spacing,
// about 32 dB of margin at +8 dBm) with RPL under the adaptive and the fixed
// policy: under adaptive every link a node needs must keep at least the
// target margin at the level it uses for it and no more than the next lower
// level would give with the dead band to spare, the mesh must use at least
// 30 % less TX energy, and echo traffic must get through; fixed must never
// change.
func TestPowerAdaptiveGridKeepsNeededLinks(t *testing.T) {
	const (
		run   = 20 * time.Minute
		every = 5 * time.Second
	)
	results := map[txpower.Policy]float64{}
	for _, pol := range []txpower.Policy{txpower.Fixed, txpower.Adaptive} {
		t.Run(pol.String(), func(t *testing.T) {
			ms := newPowerMesh(t, sim.Grid(3, 3, 15), pol)
			p := &pinger{ms: ms, every: every, from: time.Minute, until: run - 10*time.Second}
			p.start()
			ms.run(t, run)
			idx := ms.extIndex()
			caps := ms.ports[0].Capabilities()
			top := caps.TxPowers[len(caps.TxPowers)-1]
			var needed int
			for i, n := range ms.nodes {
				st := n.TxPower()
				if !st.Controlled || st.Policy != pol {
					t.Fatalf("node %d: power status %+v", i, st)
				}
				mean := ms.m.NodeMetrics(sim.NodeID(i)).MeanTxDBm
				t.Logf("node %d: level %d dBm (mean %.1f dBm), %v; stats %+v", i, st.LevelDBm, mean, st.Reason, st.Stats)
				if pol == txpower.Fixed {
					if st.LevelDBm != top || st.Stats.NodeChanges != 0 || mean != float64(top) {
						t.Errorf("node %d: fixed policy at %d dBm (mean %.2f), %d changes; want %d dBm, none",
							i, st.LevelDBm, mean, st.Stats.NodeChanges, top)
					}
					continue
				}
				for _, l := range st.Links {
					if l.Roles == 0 {
						continue
					}
					needed++
					id, ok := idx[l.Neighbour]
					if !ok {
						t.Fatalf("node %d: link to unknown neighbour %v", i, l.Neighbour)
					}
					// The true margin of unicasts on the link, and of the
					// broadcasts the node sends at its level.
					mu := ms.marginAt(sim.NodeID(i), id, l.LevelDBm)
					mb := ms.marginAt(sim.NodeID(i), id, st.LevelDBm)
					t.Logf("  %v to node %d: %v at %d dBm, true margin %.1f dB (broadcast %.1f), estimate %d dB (%v)",
						l.Roles, id, l.State, l.LevelDBm, mu, mb, l.MarginDB, l.HasMargin)
					// Margins are whole dB, rounded (the RSSI is an integer).
					if mu < float64(st.TargetDB)-1 || mb < float64(st.TargetDB)-1 {
						t.Errorf("node %d: needed link to node %d has a margin of %.1f dB (broadcast %.1f) at %d dBm, below the %d dB target",
							i, id, mu, mb, l.LevelDBm, st.TargetDB)
					}
					if !l.HasMargin {
						t.Errorf("node %d: needed link to node %d has no margin report", i, id)
					}
					// A settled link is at the least level: one level lower
					// would not keep the target with the dead band to
					// spare (2 dB for the noise of the reports). Links
					// still searching step down slowly by design.
					if j := slices.Index(caps.TxPowers, l.LevelDBm); j > 0 && l.State == txpower.StateHold {
						lower := caps.TxPowers[j-1]
						if ml := ms.marginAt(sim.NodeID(i), id, lower); ml >= float64(st.TargetDB)+txpower.DefaultHysteresisDB+2 {
							t.Errorf("node %d: needed link to node %d at %d dBm would keep %.1f dB at %d dBm",
								i, id, l.LevelDBm, ml, lower)
						}
					}
				}
			}
			if pol == txpower.Adaptive && needed < len(ms.nodes)-1 {
				t.Errorf("%d needed links, want at least %d (every node's parent)", needed, len(ms.nodes)-1)
			}
			pdr, r, s := p.pdr()
			results[pol] = ms.energy()
			t.Logf("%v: echo %d/%d answered (%.4f), TX energy %.4f J", pol, r, s, pdr, results[pol])
			if pdr < 0.98 {
				t.Errorf("%v: only %d of %d echo requests answered", pol, r, s)
			}
		})
	}
	if f, a := results[txpower.Fixed], results[txpower.Adaptive]; f > 0 && a > 0 {
		t.Logf("adaptive uses %.1f %% less TX energy than fixed", 100*(1-a/f))
		if a > 0.7*f {
			t.Errorf("adaptive used %.4f J, fixed %.4f J: want at least 30 %% less", a, f)
		}
	}
}

// degradeTopology is a small mesh with exact path losses: root 0, routers 1
// and 2 one hop from it, and node 3 that hears both (85 dB to each: 23 dB
// of margin at +8 dBm, 11 dB at -4 dBm, where the search settles). Farther
// pairs are out of range.
const degradeTopology = `{"version": 1,
 "nodes": [{"x": 0, "y": 0}, {"x": 1000, "y": 0}, {"x": 0, "y": 1000}, {"x": 1000, "y": 1000}],
 "links": [
  {"a": 0, "b": 1, "path_loss_db": 81},
  {"a": 0, "b": 2, "path_loss_db": 81},
  {"a": 1, "b": 2, "path_loss_db": 84},
  {"a": 3, "b": 1, "path_loss_db": 85},
  {"a": 3, "b": 2, "path_loss_db": 85}]}`

// TestPowerDegradedParentLinkRaisesPower degrades node 3's link to its
// preferred parent by 12 dB once its power has settled: the node must raise
// its power within a few seconds of virtual time and keep the same parent
// (another one is in range), and its traffic must keep flowing.
func TestPowerDegradedParentLinkRaisesPower(t *testing.T) {
	const (
		degradeAt = 10 * time.Minute
		end       = 13 * time.Minute
		every     = 2 * time.Second
		dropDB    = 12
	)
	topo, err := sim.ParseTopology([]byte(degradeTopology))
	if err != nil {
		t.Fatal(err)
	}
	ms := newPowerMesh(t, topo, txpower.Adaptive)
	p := &pinger{ms: ms, every: every, from: time.Minute, until: end - 10*time.Second}
	p.start()
	ms.run(t, degradeAt-time.Second)

	n := ms.nodes[3]
	pa, ok := n.RPLParent()
	if !ok {
		t.Fatal("node 3 has no parent")
	}
	parent := extFromLinkLocal(pa.As16())
	pid := ms.extIndex()[parent]
	before, _ := n.RPLCounters()
	lvl0 := n.pwr.c.LevelFor(parent)
	if lvl0 >= 0 {
		t.Fatalf("node 3 sends to its parent at %d dBm before the degradation; want it settled well below +8", lvl0)
	}
	t.Logf("before: parent node %d at %d dBm, true margin %.1f dB", pid, lvl0, ms.marginAt(3, pid, lvl0))
	if err := ms.m.DegradeLink(degradeAt, 3, pid, dropDB, true); err != nil {
		t.Fatal(err)
	}
	// Watch the level for the parent every 100 ms of virtual time.
	var raisedAt, restoredAt time.Duration
	st := n.TxPower()
	for at := degradeAt; at <= end; at += 100 * time.Millisecond {
		ms.run(t, at)
		lvl := n.pwr.c.LevelFor(parent)
		if raisedAt == 0 && lvl > lvl0 {
			raisedAt = at - degradeAt
		}
		if restoredAt == 0 && ms.marginAt(3, pid, lvl) >= float64(st.TargetDB)-1 && at > degradeAt {
			restoredAt = at - degradeAt
		}
	}
	after, _ := n.RPLCounters()
	pb, _ := n.RPLParent()
	lvl := n.pwr.c.LevelFor(parent)
	t.Logf("after: raised after %v, margin back at the target after %v; parent %v → %v, %d dBm, true margin %.1f dB; %v",
		raisedAt, restoredAt, pa, pb, lvl, ms.marginAt(3, pid, lvl), n.TxPower().Reason)
	if raisedAt == 0 || raisedAt > 5*time.Second {
		t.Errorf("node 3 raised its power for the parent after %v, want within 5 s", raisedAt)
	}
	if restoredAt == 0 || restoredAt > 5*time.Second {
		t.Errorf("the margin to the parent was back at the target after %v, want within 5 s", restoredAt)
	}
	if pb != pa || after.ParentChanges != before.ParentChanges {
		t.Errorf("node 3 changed parent: %v → %v (%d changes)", pa, pb, after.ParentChanges-before.ParentChanges)
	}
	// The traffic of node 3 got through after the degradation, apart from
	// at most the requests in flight when it happened.
	pdr, r, s := p.pdr()
	t.Logf("echo %d/%d answered (%.4f)", r, s, pdr)
	if got, want := len(ms.hosts[3].echoReplies()), p.sent[3]-2; got < want {
		t.Errorf("node 3: %d of %d echo requests answered", got, p.sent[3])
	}
}

// childTopology is a chain with exact path losses: root 0, router 1 close
// to it (70 dB: 38 dB of margin at +8 dBm, so its parent link settles near
// the bottom), and node 2 that reaches only router 1, over a weak link
// (95 dB: 13 dB at +8 dBm, +5 dBm keeps the 10 dB target).
const childTopology = `{"version": 1,
 "nodes": [{"x": 0, "y": 0}, {"x": 1000, "y": 0}, {"x": 2000, "y": 0}],
 "links": [
  {"a": 0, "b": 1, "path_loss_db": 70},
  {"a": 1, "b": 2, "path_loss_db": 95},
  {"a": 0, "b": 2, "path_loss_db": 140}]}`

// TestPowerRouterCoversItsChildren runs the chain in a non-storing DODAG,
// where router 1 keeps no routes and so cannot learn from RPL which
// neighbours are its children. Its own needed link, to the root, wants a
// low level; but its radio acknowledges node 2's frames at its node level
// and its broadcasts (Advertisements carrying the margin node 2 needs,
// DIOs) go at its broadcast level. Both must reach node 2 at the target:
// the router learns its child from the frames node 2 sends it. Node 2's
// traffic must get through without lost acknowledgments.
func TestPowerRouterCoversItsChildren(t *testing.T) {
	const (
		run   = 15 * time.Minute
		every = 10 * time.Second
	)
	topo, err := sim.ParseTopology([]byte(childTopology))
	if err != nil {
		t.Fatal(err)
	}
	ms := newMesh(t, topo, func(i int, c *Config) {
		c.RPL = powerRPLConfig(i)
		if i == 0 {
			c.RPL.DODAG.MOP = rpl.MOPNonStoring
		}
		c.TxPower = &PowerConfig{}
	})
	p := &pinger{ms: ms, every: every, from: time.Minute, until: run - 10*time.Second}
	p.start()
	ms.run(t, run)

	r, c := ms.nodes[1], ms.nodes[2]
	if st, _ := r.RPLState(); st.MOP != rpl.MOPNonStoring {
		t.Fatalf("router in MOP %v, want non-storing", st.MOP)
	}
	st := r.TxPower()
	t.Logf("router: level %d dBm, broadcasts %d dBm, %v; stats %+v", st.LevelDBm, st.BroadcastDBm, st.Reason, st.Stats)
	var child PowerLink
	for _, l := range st.Links {
		t.Logf("  %v %v at %d dBm, margin %d dB (%v)", l.Neighbour, l.Roles, l.LevelDBm, l.MarginDB, l.HasMargin)
		if l.Neighbour == c.Ext() {
			child = l
		}
	}
	if child.Roles&txpower.RoleChild == 0 {
		t.Errorf("the router does not count node 2 as a child: %+v", child)
	}
	if lvl := r.pwr.c.LevelFor(ms.nodes[0].Ext()); lvl > -8 {
		t.Errorf("the router sends to the root at %d dBm; want its parent link settled low", lvl)
	}
	// Margins are whole dB, rounded.
	target := float64(st.TargetDB) - 1
	if m := ms.marginAt(1, 2, st.LevelDBm); m < target {
		t.Errorf("the router acknowledges at %d dBm: node 2 hears it with %.1f dB, want at least %.0f", st.LevelDBm, m, target)
	}
	if m := ms.marginAt(1, 2, st.BroadcastDBm); m < target {
		t.Errorf("the router broadcasts at %d dBm: node 2 hears it with %.1f dB, want at least %.0f", st.BroadcastDBm, m, target)
	}
	// Node 2 sent to the router with acknowledgments that came back:
	// no duplicates at the router, no frame lost at node 2 after it joined.
	if d := r.Stats().Drops[DropDuplicate]; d > 2 {
		t.Errorf("the router dropped %d duplicates: node 2 missed its acknowledgments", d)
	}
	if cs := c.Stats(); cs.TxNoAck > 2 {
		t.Errorf("node 2: %d frames unacknowledged; stats %+v", cs.TxNoAck, cs.Power)
	}
	if got, want := len(ms.hosts[2].echoReplies()), p.sent[2]-1; got < want {
		t.Errorf("node 2: %d of %d echo requests answered", got, p.sent[2])
	}
}

// TestPowerConfigErrors checks that a bad power configuration is refused
// with txpower.ErrInvalidConfig.
func TestPowerConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  PowerConfig
		port radio.Port
	}{
		{"no levels", PowerConfig{}, new(lastPort)},
		{"max below every level", PowerConfig{Levels: []int8{0, 4}, MaxDBm: -10, HasMax: true}, new(lastPort)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(0, nil)
			c.TxPower = &tc.cfg
			if _, err := New(c, tc.port); err == nil || !errors.Is(err, txpower.ErrInvalidConfig) {
				t.Fatalf("New: %v, want %v", err, txpower.ErrInvalidConfig)
			}
		})
	}
}

// powerPort is a radio with the nRF52840's levels that records the power
// of the last frame without allocating.
type powerPort struct {
	lastPort
	dBm    int8
	hasDBm bool
	cfgDBm int8
}

func (p *powerPort) Capabilities() radio.Capabilities {
	return radio.Capabilities{TxPowers: []int8{-40, -20, -16, -12, -8, -4, 0, 2, 3, 4, 5, 6, 7, 8}}
}

func (p *powerPort) Configure(c radio.Config) error { p.cfgDBm = c.TxPowerDBm; return nil }

func (p *powerPort) Transmit(r radio.TxRequest) error {
	p.dBm, p.hasDBm = r.TxPowerDBm, r.HasTxPower
	return p.lastPort.Transmit(r)
}

// TestPowerPerFrame checks the levels frames go out at: a unicast at the
// controller's level for its neighbour, which drops after margin reports
// and acknowledgments, a broadcast at the node level; and that a lost frame
// raises the neighbour's level at once.
func TestPowerPerFrame(t *testing.T) {
	p := new(powerPort)
	c := testConfig(0, nil)
	c.TxPower = &PowerConfig{}
	nb := testConfig(1, nil).Ext
	c.TxPower.Pinned = []wpan.ExtAddr{nb}
	n, err := New(c, p)
	if err != nil {
		t.Fatal(err)
	}
	now := sim.Epoch
	n.Poll(now)
	if p.cfgDBm != 8 {
		t.Fatalf("radio configured at %d dBm, want 8", p.cfgDBm)
	}
	ll := linkLocal(nb.IID())
	send := func(dst [16]byte, acked bool) int8 {
		t.Helper()
		if err := n.HandlePacket(now, AppendUDP(nil, n.LinkLocal(), dst, 1, 1, 64, []byte("x"))); err != nil {
			t.Fatal(err)
		}
		if !p.hasDBm {
			t.Fatal("frame without a power level")
		}
		st := radio.TxAcked
		att := uint8(1)
		if !acked {
			st, att = radio.TxNoAck, 4
		}
		if !isMulticast(dst) {
			n.HandleRadio(now, &radio.Event{Kind: radio.EventTxDone, TxDone: radio.TxDone{Handle: n.handle, Status: st, Attempts: att}})
		} else {
			n.HandleRadio(now, &radio.Event{Kind: radio.EventTxDone, TxDone: radio.TxDone{Handle: n.handle, Status: radio.TxSent, Attempts: 1}})
		}
		return p.dBm
	}
	if got := send(ll, true); got != 8 {
		t.Fatalf("first unicast at %d dBm, want 8", got)
	}
	// 30 dB of margin at +8 dBm: the neighbour needs 10 dB, so -12 dBm.
	for range 200 {
		now = now.Add(time.Second)
		n.powerMargin(now, nb, 30-8) // as MLE reports it: normalised to 0 dBm
		send(ll, true)
		n.Poll(now)
	}
	lvl := n.pwr.c.LevelFor(nb)
	if lvl != -12 {
		t.Fatalf("level for the neighbour %d dBm, want -12; %+v", lvl, n.TxPower())
	}
	if got := send(ll, true); got != -12 {
		t.Fatalf("unicast at %d dBm, want -12", got)
	}
	if got := send(allNodes, true); got != -12 || p.cfgDBm != -12 || n.TxPowerDBm() != -12 {
		t.Fatalf("broadcast at %d dBm, radio at %d, node level %d; want -12", got, p.cfgDBm, n.TxPowerDBm())
	}
	// A lost frame: straight up; its retry round already goes higher.
	send(ll, false)
	now = now.Add(time.Second)
	n.Poll(now)
	if p.dBm <= -12 {
		t.Fatalf("retry round at %d dBm, want above -12", p.dBm)
	}
	n.HandleRadio(now, &radio.Event{Kind: radio.EventTxDone, TxDone: radio.TxDone{Handle: n.handle, Status: radio.TxAcked, Attempts: 1}})
	if got := send(ll, true); got <= -12 {
		t.Fatalf("unicast after a loss at %d dBm, want above -12", got)
	}
	if s := n.Stats().Power; s.Losses != 1 || s.StepsUp == 0 {
		t.Fatalf("stats %+v", s)
	}
}

// BenchmarkPowerSendAck measures one unicast datagram through a node with
// power control: the level for the neighbour on the way out, the
// acknowledgment fed back to the controller. It must not allocate.
func BenchmarkPowerSendAck(b *testing.B) {
	p := new(powerPort)
	c := testConfig(0, nil)
	c.TxPower = &PowerConfig{}
	n, err := New(c, p)
	if err != nil {
		b.Fatal(err)
	}
	nb := testConfig(1, nil).Ext
	pkt := AppendUDP(nil, n.LinkLocal(), linkLocal(nb.IID()), 5683, 5683, 64, make([]byte, 64))
	now := sim.Epoch
	n.Poll(now)
	done := &radio.Event{Kind: radio.EventTxDone}
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		_ = n.HandlePacket(now, pkt)
		done.TxDone = radio.TxDone{Handle: n.handle, Status: radio.TxAcked, Attempts: 1}
		n.HandleRadio(now, done)
	}
	if s := n.Stats().Power; s.AckReports == 0 {
		b.Fatalf("no acknowledgment reached the controller: %+v", s)
	}
}

// costPort is a powerPort whose radio lists its supply currents (the
// simulator's nRF52840 table).
type costPort struct{ powerPort }

func (p *costPort) Capabilities() radio.Capabilities {
	c := p.powerPort.Capabilities()
	for _, l := range c.TxPowers {
		ma := 3.83 + (6.40-3.83)*float64(int(l)+40)/40
		if l > 0 {
			ma = 6.40 + (16.40-6.40)*float64(l)/8
		}
		c.TxCurrentsMA = append(c.TxCurrentsMA, ma)
	}
	return c
}

// TestLinkWeight checks the energy weight an adaptive node gives a link's
// metric: the current at the least level that keeps the target margin,
// over the current at 0 dBm, at least 1; the highest level for a neighbour
// without a margin report; no weight under the fixed policy or without
// the radio's currents.
func TestLinkWeight(t *testing.T) {
	nb := testConfig(1, nil).Ext
	now := sim.Epoch
	newNode := func(pol txpower.Policy, port radio.Port) *Node {
		c := testConfig(0, nil)
		c.TxPower = &PowerConfig{Policy: pol}
		n, err := New(c, port)
		if err != nil {
			t.Fatal(err)
		}
		n.Poll(now)
		return n
	}
	n := newNode(txpower.Adaptive, new(costPort))
	if w, ok := n.linkWeight(nb); !ok || math.Abs(w-16.40/6.40) > 1e-9 {
		t.Errorf("no margin report: weight %v (%v), want %v (+8 dBm)", w, ok, 16.40/6.40)
	}
	for _, c := range []struct {
		margin0 int8 // margin the neighbour reports, normalised to 0 dBm
		want    float64
	}{
		{20, 1},                       // needs -8 dBm: cheaper than 0 dBm, weight 1
		{10, 1},                       // needs 0 dBm
		{5, (6.40 + 10*5/8.0) / 6.40}, // needs +5 dBm
		{2, 16.40 / 6.40},             // needs +8 dBm
	} {
		for range 40 {
			now = now.Add(time.Second)
			n.powerMargin(now, nb, c.margin0)
		}
		if w, ok := n.linkWeight(nb); !ok || math.Abs(w-c.want) > 0.01 {
			t.Errorf("margin %d dB at 0 dBm: weight %.3f (%v), want %.3f", c.margin0, w, ok, c.want)
		}
	}
	if _, ok := newNode(txpower.Fixed, new(costPort)).linkWeight(nb); ok {
		t.Error("the fixed policy weighs links")
	}
	if _, ok := newNode(txpower.Adaptive, new(powerPort)).linkWeight(nb); ok {
		t.Error("links weighed without the radio's currents")
	}
}
