package rpl

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// storingParams is the storing-mode MRHOF profile.
func storingParams() DODAGParams {
	p := DefaultDODAGParams(testPrefix)
	p.MOP = MOPStoring
	return p
}

// chain links 0-1, 0-2, 1-3, 2-3 (a diamond) and 3-4 below it, so that
// node 3 carries node 4 in its sub-DODAG.
func diamondWithChild(t *testing.T) *simNet {
	t.Helper()
	s := newSimNet(t, 5, netOpts{params: storingParams(), seed: 11})
	s.link(0, 1, 128)
	s.link(0, 2, 128)
	s.link(1, 3, 128)
	s.link(2, 3, 128)
	s.link(3, 4, 128)
	s.start()
	s.run(2 * time.Minute)
	s.checkConverged(t)
	return s
}

func routeVia(e *Engine, target int) int {
	r := e.routes.get(testGlobal(target))
	if r == nil {
		return -1
	}
	return nodeOf(r.nextHop)
}

// A parent change withdraws the whole sub-DODAG from the old branch with
// No-Path DAOs and installs it along the new one.
func TestStoringParentChangeMovesSubDODAG(t *testing.T) {
	s := diamondWithChild(t)
	first, _ := s.nodes[3].e.Parent()
	p := nodeOf(first)
	other := 3 - p
	s.link(3, p, 5*128) // ETX 5: above MRHOF's maximum
	s.nodes[3].e.LinkChanged(s.now)
	s.drain(3)
	s.run(time.Minute)
	if got, _ := s.nodes[3].e.Parent(); got != testLL(other) {
		t.Fatalf("node 3's parent is %v, want %v", got, testLL(other))
	}
	for _, tg := range []int{3, 4} {
		if v := routeVia(s.nodes[p].e, tg); v != -1 {
			t.Errorf("old parent %d still routes node %d via %d", p, tg, v)
		}
		if v := routeVia(s.nodes[other].e, tg); v != 3 {
			t.Errorf("new parent %d routes node %d via %d, want 3", other, tg, v)
		}
		if v := routeVia(s.nodes[0].e, tg); v != other {
			t.Errorf("root routes node %d via %d, want %d", tg, v, other)
		}
	}
	if down, up, want := s.pingAll(); down != want || up != want {
		t.Errorf("ping: %d down, %d up of %d (drops %v)", down, up, want, s.dropReasons)
	}
}

// daoFrom hands e a storing-mode DAO for target from neighbour from.
func daoFrom(t *testing.T, s *simNet, to, from, target int, seq Lollipop, lifetime uint8) error {
	t.Helper()
	d := DAO{Instance: 0, Sequence: LollipopInit, DODAGID: testGlobal(0), NumTargets: 1, NumTransits: 1}
	d.Targets[0] = Target{Prefix: netip.PrefixFrom(testGlobal(target), 128)}
	d.Transits[0] = Transit{PathSequence: seq, PathLifetime: lifetime}
	msg, err := d.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	SetChecksum(msg, testLL(from), testLL(to))
	err = s.nodes[to].e.HandleMessage(s.now, testLL(from), testLL(to), msg)
	s.drain(to)
	return err
}

func TestStoringDAOFromParentRefused(t *testing.T) {
	s := diamondWithChild(t)
	e := s.nodes[3].e
	pa, _ := e.Parent()
	before := e.Counters().Drops[DropDAOLoop]
	if err := daoFrom(t, s, 3, nodeOf(pa), 2, LollipopInit.Next(), 30); err == nil {
		t.Fatal("a DAO from the preferred parent was accepted")
	}
	if e.Counters().Drops[DropDAOLoop] != before+1 || e.routes.get(testGlobal(2)) != nil {
		t.Errorf("DAO from the parent: drops %d (was %d), route %v", e.Counters().Drops[DropDAOLoop], before, e.routes.get(testGlobal(2)))
	}
}

// A target announced with one path sequence by two children keeps the
// second as the route and the first as the alternative: a No-Path DAO
// from the route's next hop falls back to it, and a packet the route's
// next hop returns with the F flag takes it.
func TestStoringAlternativeNextHop(t *testing.T) {
	s := diamondNet(t, storingParams(), 12, 128)
	s.start()
	s.run(time.Minute)
	root := s.nodes[0].e
	seq := Lollipop(20)
	const target = 9 // not in the mesh: only the DAOs below announce it
	if err := daoFrom(t, s, 0, 1, target, seq, 30); err != nil {
		t.Fatal(err)
	}
	if err := daoFrom(t, s, 0, 2, target, seq, 30); err != nil {
		t.Fatal(err)
	}
	r := root.routes.get(testGlobal(target))
	if r == nil || nodeOf(r.nextHop) != 2 || nodeOf(r.alt) != 1 {
		t.Fatalf("route %+v, want via 2 with alternative 1", r)
	}
	var d Decision
	root.Forward(s.now, &Packet{Dst: testGlobal(target), From: testLL(2), HasRPI: true,
		RPI: RPI{Down: true, ForwardingError: true, SenderRank: 512}}, &d)
	if d.Action != ActionDown || nodeOf(d.NextHop) != 1 || d.RPI.ForwardingError {
		t.Fatalf("F-flag packet: %+v, want down to node 1 without F", d)
	}
	// Announce over 2 again, then withdraw it: the route falls back.
	_ = daoFrom(t, s, 0, 2, target, seq, 30)
	_ = daoFrom(t, s, 0, 2, target, seq, 0)
	if r := root.routes.get(testGlobal(target)); r == nil || nodeOf(r.nextHop) != 1 || r.alt.IsValid() {
		t.Fatalf("after the No-Path from 2: %+v, want via 1 alone", r)
	}
	_ = daoFrom(t, s, 0, 1, target, seq, 0)
	if r := root.routes.get(testGlobal(target)); r != nil {
		t.Fatalf("after both No-Paths: %+v", r)
	}
	// A newer path sequence replaces the route and forgets the other.
	_ = daoFrom(t, s, 0, 1, target, seq, 30)
	_ = daoFrom(t, s, 0, 2, target, seq+1, 30)
	if r := root.routes.get(testGlobal(target)); r == nil || nodeOf(r.nextHop) != 2 || r.alt.IsValid() {
		t.Fatalf("after a newer sequence: %+v, want via 2 alone", r)
	}
	// An older one is stale.
	before := root.Counters().Drops[DropDAOStale]
	_ = daoFrom(t, s, 0, 1, target, seq, 30)
	if root.Counters().Drops[DropDAOStale] != before+1 {
		t.Error("an older path sequence was not counted stale")
	}
}

// A storing route whose next hop is the preferred parent leads back up: it
// is withdrawn, and the packet goes on as if there were none.
func TestStoringRouteThroughParentWithdrawn(t *testing.T) {
	s := diamondWithChild(t)
	e := s.nodes[3].e
	pa, _ := e.Parent()
	const target = 9
	e.routes.put(testGlobal(target), pa, LollipopInit, s.now.Add(time.Hour), false)
	var d Decision
	e.Forward(s.now, &Packet{Dst: testGlobal(target), From: pa, HasRPI: true, RPI: RPI{Down: true, SenderRank: 256}}, &d)
	if d.Action != ActionReturn || d.NextHop != pa || !d.RPI.ForwardingError {
		t.Fatalf("decision %+v, want the packet returned with F", d)
	}
	if e.routes.get(testGlobal(target)) != nil || e.Counters().RouteLoops != 1 {
		t.Errorf("route %v, RouteLoops %d; want it withdrawn and counted", e.routes.get(testGlobal(target)), e.Counters().RouteLoops)
	}
	// A packet from below goes up instead.
	e.Forward(s.now, &Packet{Dst: testGlobal(target), From: testLL(4), HasRPI: true, RPI: RPI{SenderRank: 1024}}, &d)
	if d.Action != ActionUp || d.NextHop != pa {
		t.Errorf("from below: %+v, want up", d)
	}
}

// A node whose DAOs its parent never acknowledges (a one-way link) takes
// another parent and announces itself through it.
func TestStoringDAOFailureMovesParent(t *testing.T) {
	s := diamondNet(t, storingParams(), 13, 128)
	s.start()
	s.run(10 * time.Second)
	pa, ok := s.nodes[3].e.Parent()
	if !ok {
		t.Fatal("node 3 did not join")
	}
	p := nodeOf(pa)
	s.filter = func(from, to int, c Code) bool { return !(from == 3 && to == p && c == CodeDAO) }
	s.nodes[3].e.clearPending()
	s.nodes[3].e.scheduleDAO(s.now)
	s.run(5 * time.Minute)
	if got, _ := s.nodes[3].e.Parent(); got == pa {
		t.Fatalf("node 3 kept parent %d after %d DAO failures", p, s.nodes[3].e.Counters().DAOFailures)
	}
	if !s.nodes[0].e.CanRoute(testGlobal(3)) {
		t.Error("root has no route to node 3 through its new parent")
	}
}

// A retransmitted DAO no longer announces a route the node withdrew
// meanwhile.
func TestStoringRetransmissionDropsWithdrawnTargets(t *testing.T) {
	s := diamondWithChild(t)
	e := s.nodes[3].e
	pa, _ := e.Parent()
	// A pending DAO to the parent for node 4 and a target that is gone.
	const gone = 9
	e.routes.put(testGlobal(gone), testLL(4), LollipopInit, s.now.Add(time.Hour), false)
	r4 := e.routes.get(testGlobal(4))
	e.fwdDAO.NumTargets, e.fwdDAO.NumTransits = 0, 0
	e.addFwd(s.now, pa, netip.PrefixFrom(testGlobal(4), 128), Transit{PathSequence: r4.seq, PathLifetime: 30})
	e.addFwd(s.now, pa, netip.PrefixFrom(testGlobal(gone), 128), Transit{PathSequence: LollipopInit, PathLifetime: 30})
	e.clearPending()
	e.flushFwd(s.now, pa)
	for e.PendingOutbound() > 0 {
		e.PopOutbound(nil)
	}
	e.routes.remove(testGlobal(gone))
	var p *pendingDAO
	for i := range e.pend {
		if e.pend[i].used {
			p = &e.pend[i]
		}
	}
	if p == nil {
		t.Fatal("no pending DAO")
	}
	if !e.refreshPending(p) {
		t.Fatal("the retransmission was dropped although node 4 is still routed")
	}
	var d DAO
	if err := d.Unmarshal(p.buf); err != nil {
		t.Fatal(err)
	}
	if d.NumTargets != 1 || d.Targets[0].Prefix.Addr() != testGlobal(4) {
		t.Errorf("retransmission targets %v, want node 4 alone", d.Targets[:d.NumTargets])
	}
	e.routes.remove(testGlobal(4))
	if e.refreshPending(p) {
		t.Error("a retransmission with nothing left to say was kept")
	}
}

// Neighbours not below a node whose rank rose are no candidates until they
// advertise again: they may be its children with ranks from before.
func TestRankRiseMarksNeighboursStale(t *testing.T) {
	p := DefaultDODAGParams(testPrefix)
	metrics := diffMetrics{}
	e, err := New(Config{LinkLocal: testLL(50), Rand: rand.New(rand.NewPCG(1, 1)), Metrics: metrics, ParentSwitchDelay: -1, NoDAOACK: true})
	if err != nil {
		t.Fatal(err)
	}
	now := testEpoch
	e.Start(now)
	dio := func(from int, rank uint16) {
		d := DIO{Version: LollipopInit, Rank: rank, Grounded: true, MOP: p.MOP, DODAGID: testGlobal(0), HasConfig: true,
			Config: DODAGConfig{DIOIntervalDoublings: 8, DIOIntervalMin: 12, MaxRankIncrease: p.MaxRankIncrease,
				MinHopRankIncrease: p.MinHopRankIncrease, OCP: p.OCP, DefaultLifetime: 30, LifetimeUnit: 60},
			NumPrefixes: 1, Prefixes: [MaxPrefixes]PrefixInfo{{Prefix: testPrefix, Autonomous: true}}}
		msg, _ := d.Append(nil)
		SetChecksum(msg, testLL(from), AllRPLNodes)
		if err := e.HandleMessage(now, testLL(from), AllRPLNodes, msg); err != nil {
			t.Fatal(err)
		}
	}
	metrics[testLL(1)], metrics[testLL(2)] = 128, 128
	dio(1, 256) // parent: rank 384
	dio(2, 640) // a neighbour below: DAGRank 5 > 3
	if got, _ := e.Parent(); got != testLL(1) || e.Rank() != 384 {
		t.Fatalf("parent %v rank %d", got, e.Rank())
	}
	dio(1, 1024) // the parent's rank rises: own rank 1152, DAGRank 9
	if e.Rank() != 1152 {
		t.Fatalf("rank %d after the parent's rise, want 1152", e.Rank())
	}
	// Node 2 (DAGRank 5 < 9 now) looks like a better parent but may be
	// a child that has not heard the new rank.
	e.LinkChanged(now)
	if got, _ := e.Parent(); got != testLL(1) {
		t.Fatalf("took %v as parent on a rank from before the rise", got)
	}
	dio(2, 640) // it advertises again, still below: now it qualifies
	if got, _ := e.Parent(); got != testLL(2) {
		t.Errorf("parent %v after node 2 advertised again, want node 2", got)
	}
}

// TestLostChildRequestsDAOs checks that a storing router that loses the
// routes behind a child asks its children for fresh DAOs (a new DTSN): the
// targets may have moved to another child that announced them before and
// has nothing new to say.
func TestLostChildRequestsDAOs(t *testing.T) {
	s := newSimNet(t, 4, netOpts{params: storingParams(), seed: 3})
	for i := range 3 {
		s.link(i, i+1, 128)
	}
	s.start()
	s.run(time.Minute)
	s.checkConverged(t)
	before := s.nodes[1].e.State().DTSN
	s.nodes[1].e.NeighborLost(s.now, testLL(3)) // not a next hop: no routes withdrawn
	if got := s.nodes[1].e.State().DTSN; got != before {
		t.Fatalf("DTSN %v after losing a neighbour that was no next hop, want %v", got, before)
	}
	s.nodes[1].e.NeighborLost(s.now, testLL(2))
	if got := s.nodes[1].e.State().DTSN; got == before {
		t.Fatal("DTSN unchanged after the routes behind a lost child were withdrawn")
	}
}
