package rpl

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// line3 forms the DODAG 0-1-2 and returns it.
func line3(t *testing.T, p DODAGParams) *simNet {
	t.Helper()
	s := newSimNet(t, 3, netOpts{params: p, seed: 11})
	s.link(0, 1, 128)
	s.link(1, 2, 128)
	s.start()
	s.run(time.Minute)
	s.checkConverged(t)
	return s
}

func TestForwardRankErrors(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			s := line3(t, pr.params)
			e := s.nodes[1].e
			m := pr.params.MinHopRankIncrease
			rootRank, own, childRank := m, 2*m, 3*m
			tests := []struct {
				name      string
				from      int
				dst       netip.Addr
				rpi       RPI
				action    Action
				rankError bool
				drop      DropReason
				errors    uint64 // RankErrors after the case
			}{
				{"up, consistent", 2, testGlobal(0), RPI{SenderRank: childRank}, ActionUp, false, 0, 0},
				{"up, equal rank is consistent", 2, testGlobal(0), RPI{SenderRank: own}, ActionUp, false, 0, 0},
				{"up from a lower rank: set R, forward", 2, testGlobal(0), RPI{SenderRank: rootRank}, ActionUp, true, 0, 1},
				{"up, second rank error: drop", 2, testGlobal(0), RPI{SenderRank: rootRank, RankError: true}, ActionDrop, false, DropRankError, 2},
				{"down, consistent", 0, testGlobal(2), RPI{Down: true, SenderRank: rootRank}, ActionDown, false, 0, 2},
				{"down from a higher rank: set R", 0, testGlobal(2), RPI{Down: true, SenderRank: childRank}, ActionDown, true, 0, 3},
				{"down from an equal rank: set R", 0, testGlobal(2), RPI{Down: true, SenderRank: own + 1}, ActionDown, true, 0, 4},
				{"down, second error: drop", 0, testGlobal(2), RPI{Down: true, SenderRank: childRank, RankError: true}, ActionDrop, false, DropRankError, 5},
				{"R kept on a consistent hop", 2, testGlobal(0), RPI{SenderRank: childRank, RankError: true}, ActionUp, true, 0, 5},
				{"other instance", 2, testGlobal(0), RPI{Instance: 9, SenderRank: childRank}, ActionDrop, false, DropOtherInstance, 5},
				{"for this node", 2, testGlobal(1), RPI{SenderRank: childRank}, ActionDeliver, false, 0, 5},
			}
			for _, tc := range tests {
				s.run(20 * time.Minute) // let Trickle grow past Imin
				p := Packet{Dst: tc.dst, From: testLL(tc.from), HasRPI: true, RPI: tc.rpi,
					SourceRouted: pr.params.MOP == MOPNonStoring && tc.rpi.Down}
				var d Decision
				e.Forward(s.now, &p, &d)
				if d.Action != tc.action {
					t.Errorf("%s: action %v, want %v", tc.name, d.Action, tc.action)
					continue
				}
				if got := e.Counters().RankErrors; got != tc.errors {
					t.Errorf("%s: RankErrors %d, want %d", tc.name, got, tc.errors)
				}
				if d.Action == ActionDrop {
					if d.Drop != tc.drop {
						t.Errorf("%s: drop %v, want %v", tc.name, d.Drop, tc.drop)
					}
					if tc.drop == DropRankError && e.trickle.Interval() != e.trickle.Config().Imin() {
						t.Errorf("%s: Trickle not reset (I = %v)", tc.name, e.trickle.Interval())
					}
					continue
				}
				if d.Action == ActionDeliver {
					continue
				}
				want := RPI{Down: tc.action == ActionDown, RankError: tc.rankError, SenderRank: own}
				if d.RPI != want {
					t.Errorf("%s: RPI %+v, want %+v", tc.name, d.RPI, want)
				}
				wantHop := testLL(0)
				if tc.action == ActionDown {
					wantHop = testLL(2)
				}
				if d.NextHop != wantHop {
					t.Errorf("%s: next hop %v, want %v", tc.name, d.NextHop, wantHop)
				}
			}
		})
	}
}

func TestForwardOriginated(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			s := line3(t, pr.params)
			var d Decision
			// A router sends anything not for itself up, with its rank.
			s.nodes[2].e.Forward(s.now, &Packet{Dst: netip.MustParseAddr("2001:db8:ff::1")}, &d)
			if d.Action != ActionUp || d.NextHop != testLL(1) || d.RPI != (RPI{SenderRank: 3 * pr.params.MinHopRankIncrease}) {
				t.Errorf("router: %+v", d)
			}
			// The root lets packets outside the prefix leave.
			s.nodes[0].e.Forward(s.now, &Packet{Dst: netip.MustParseAddr("2001:db8:ff::1"), From: testLL(1), HasRPI: true,
				RPI: RPI{SenderRank: 512}}, &d)
			if d.Action != ActionLeave {
				t.Errorf("root, outside destination: %+v", d)
			}
			// The root has no route to an unknown node of its prefix.
			s.nodes[0].e.Forward(s.now, &Packet{Dst: testGlobal(7)}, &d)
			if d.Action != ActionDrop || d.Drop != DropNoRoute {
				t.Errorf("root, unknown node: %+v", d)
			}
			// The root reaches node 2 in two hops.
			s.nodes[0].e.Forward(s.now, &Packet{Dst: testGlobal(2)}, &d)
			switch pr.params.MOP {
			case MOPStoring:
				if d.Action != ActionDown || d.NextHop != testLL(1) || !d.RPI.Down {
					t.Errorf("root, storing: %+v", d)
				}
			case MOPNonStoring:
				if d.Action != ActionSourceRoute || d.NextHop != testLL(1) ||
					!slices.Equal(d.Route, []netip.Addr{testGlobal(1), testGlobal(2)}) || !d.RPI.Down {
					t.Errorf("root, non-storing: %+v", d)
				}
			}
			// Link-local multicast is delivered, link-local unicast of
			// another node is not routed.
			s.nodes[1].e.Forward(s.now, &Packet{Dst: AllRPLNodes}, &d)
			if d.Action != ActionDeliver {
				t.Errorf("multicast: %+v", d)
			}
			s.nodes[1].e.Forward(s.now, &Packet{Dst: testLL(5)}, &d)
			if d.Action != ActionDrop {
				t.Errorf("foreign link-local: %+v", d)
			}
			// A detached router drops.
			s.kill(1)
			s.nodes[2].e.Forward(s.now, &Packet{Dst: testGlobal(0)}, &d)
			if d.Action != ActionDrop || d.Drop != DropNotJoined {
				t.Errorf("detached: %+v", d)
			}
		})
	}
}

func TestForwardingErrorStoring(t *testing.T) {
	p := RIOTParams(testPrefix)
	s := line3(t, p)
	e1, root := s.nodes[1].e, s.nodes[0].e
	// Node 1 loses its route to node 2 (say it rebooted) while the root
	// still has one.
	e1.routes.remove(testGlobal(2))
	var d Decision
	pk := Packet{Dst: testGlobal(2), From: testLL(0), HasRPI: true, RPI: RPI{Down: true, SenderRank: root.Rank()}}
	e1.Forward(s.now, &pk, &d)
	if d.Action != ActionReturn || d.NextHop != testLL(0) || !d.RPI.ForwardingError || !d.RPI.Down {
		t.Fatalf("no downward route: %+v, want a return to the parent with F", d)
	}
	// The root gets it back with F: the route through node 1 goes.
	back := Packet{Dst: testGlobal(2), From: testLL(1), HasRPI: true, RPI: d.RPI}
	root.Forward(s.now, &back, &d)
	if d.Action != ActionDrop || d.Drop != DropForwardingError {
		t.Fatalf("F packet at the root: %+v", d)
	}
	if root.CanRoute(testGlobal(2)) || root.Counters().ForwardingErrors != 1 || e1.Counters().ForwardingErrors != 1 {
		t.Errorf("route kept or not counted: %v %+v", root.CanRoute(testGlobal(2)), root.Counters())
	}
	// Node 2's next DAO refresh restores it.
	s.run(30 * time.Minute)
	if !root.CanRoute(testGlobal(2)) {
		t.Error("route not restored by the DAO refresh")
	}
}

// refSourceRoute walks the engines' preferred parents from node i to the
// root: in non-storing mode the root's source route must be that path.
func refSourceRoute(s *simNet, i int) []netip.Addr {
	var path []netip.Addr
	for i != 0 {
		path = append(path, testGlobal(i))
		p, ok := s.nodes[i].e.Parent()
		if !ok {
			return nil
		}
		i = nodeOf(p)
	}
	slices.Reverse(path)
	return path
}

func TestSourceRoutes(t *testing.T) {
	for _, ocp := range []uint16{OCPOF0, OCPMRHOF} {
		p := DefaultDODAGParams(testPrefix)
		p.OCP = ocp
		const w = 7
		s := newSimNet(t, w*w, netOpts{params: p, seed: 12})
		s.grid(w, w, func(a, b int) uint16 { return 128 + uint16((a*31+b*17)%128) })
		s.start()
		s.run(3 * time.Minute)
		s.checkConverged(t)
		root := s.nodes[0].e
		for i := 1; i < w*w; i++ {
			got, ok := root.SourceRoute(testGlobal(i))
			if want := refSourceRoute(s, i); !ok || !slices.Equal(got, want) {
				t.Errorf("OCP %d: source route to %d = %v, want %v", ocp, i, got, want)
			}
		}
		// Hop by hop with ProcessSRH (the harness does it), every node
		// is reached and answers.
		down, up, want := s.pingAll()
		if down != want || up != want {
			t.Errorf("OCP %d: ping %d down, %d up of %d (drops %v)", ocp, down, up, want, s.dropReasons)
		}
		if s.maxHops < 12 {
			t.Errorf("longest path %d hops, want at least the grid's diameter 12", s.maxHops)
		}
	}
}

// TestSourceRouteByHand checks one SRH through ProcessSRH without the
// harness: the root's route to the end of a line, processed hop by hop.
func TestSourceRouteByHand(t *testing.T) {
	p := DefaultDODAGParams(testPrefix)
	const n = 5
	s := newSimNet(t, n, netOpts{params: p, seed: 13})
	for i := range n - 1 {
		s.link(i, i+1, 128)
	}
	s.start()
	s.run(time.Minute)
	var d Decision
	s.nodes[0].e.Forward(s.now, &Packet{Dst: testGlobal(n - 1)}, &d)
	if d.Action != ActionSourceRoute {
		t.Fatalf("root decision %+v", d)
	}
	hdr, err := AppendSourceRoute(nil, 17, d.Route[0], d.Route[1:])
	if err != nil {
		t.Fatal(err)
	}
	da := d.Route[0].As16()
	visited := []int{nodeOf(d.NextHop)}
	for hop := 0; hop < 10; hop++ {
		at := nodeOf(netip.AddrFrom16(da))
		fwd, err := ProcessSRH(hdr, &da, s.nodes[at].e.IsLocal)
		if err != nil {
			t.Fatalf("ProcessSRH at node %d: %v", at, err)
		}
		if !fwd {
			break
		}
		var d2 Decision
		s.nodes[at].e.Forward(s.now, &Packet{Dst: netip.AddrFrom16(da), From: testLL(at - 1), HasRPI: true, RPI: d.RPI, SourceRouted: true}, &d2)
		if d2.Action != ActionDown || d2.NextHop != LinkLocalOf(netip.AddrFrom16(da)) {
			t.Fatalf("node %d: %+v", at, d2)
		}
		visited = append(visited, nodeOf(d2.NextHop))
		d = d2
	}
	if !slices.Equal(visited, []int{1, 2, 3, 4}) || netip.AddrFrom16(da) != testGlobal(n-1) {
		t.Errorf("visited %v, final destination %v", visited, netip.AddrFrom16(da))
	}
}

// TestRandomMeshes runs random meshes in every profile and checks that all
// nodes join, the root routes to all, and the ranks and parents satisfy
// the objective function's rules against a plain reference.
func TestRandomMeshes(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 4; seed++ {
				s := randomMesh(t, 40, seed, pr.params)
				s.start()
				s.run(5 * time.Minute)
				s.checkConverged(t)
				checkRanks(t, s, pr.params)
				down, up, want := s.pingAll()
				if down != want || up != want {
					t.Errorf("seed %d: ping %d down, %d up of %d (drops %v)", seed, down, up, want, s.dropReasons)
				}
			}
		})
	}
}

// TestLossyMeshes loses 15 % of the control messages on every link (no
// link-layer retries here: a DAO and its DAO-ACK over six hops get through
// one time in seven): DIS backoff, Trickle and DAO-ACK retries still bring
// every node in. The DAO retries back off to minutes, as they must on a
// congested mesh, so this takes up to 20 minutes.
func TestLossyMeshes(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 3; seed++ {
				s := randomMesh(t, 40, seed+100, pr.params)
				s.loss = 0.15
				s.start()
				s.run(20 * time.Minute)
				s.checkConverged(t)
				var retries uint64
				for _, n := range s.nodes {
					retries += n.e.Counters().DAORetransmits
				}
				if retries == 0 {
					t.Errorf("seed %d: no DAO retransmissions at 15 %% loss", seed)
				}
			}
		})
	}
}
