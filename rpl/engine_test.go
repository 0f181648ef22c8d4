package rpl

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

type profile struct {
	name   string
	params DODAGParams
}

// profiles covers both modes of operation with both objective functions.
func profiles() []profile {
	var out []profile
	for _, mop := range []MOP{MOPStoring, MOPNonStoring} {
		for _, ocp := range []uint16{OCPOF0, OCPMRHOF} {
			p := DefaultDODAGParams(testPrefix)
			p.MOP, p.OCP = mop, ocp
			if ocp == OCPOF0 {
				p.MinHopRankIncrease, p.MaxRankIncrease = 256, 7*256
			}
			out = append(out, profile{fmt.Sprintf("%v/%s", mop, map[uint16]string{0: "of0", 1: "mrhof"}[ocp]), p})
		}
	}
	return out
}

// hopRank is the rank at hop h with ETX 1 links: one MinHopRankIncrease
// per hop for both objective functions (OF0 step 1, MRHOF cost 128 per hop
// raised to MinHopRankIncrease).
func hopRank(p DODAGParams, h int) uint16 {
	return uint16(h+1) * p.MinHopRankIncrease
}

func TestLineFormsDODAG(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			const n = 6
			s := newSimNet(t, n, netOpts{params: pr.params, seed: 1})
			for i := range n - 1 {
				s.link(i, i+1, 128)
			}
			s.start()
			s.run(2 * time.Minute)
			s.checkConverged(t)
			for i, nd := range s.nodes {
				st := nd.e.State()
				if st.Rank != hopRank(pr.params, i) {
					t.Errorf("node %d rank %d, want %d", i, st.Rank, hopRank(pr.params, i))
				}
				if i > 0 && st.Parent != testLL(i-1) {
					t.Errorf("node %d parent %v, want %v", i, st.Parent, testLL(i-1))
				}
				if st.Version != LollipopInit || st.MOP != pr.params.MOP || st.OCP != pr.params.OCP {
					t.Errorf("node %d DODAG %+v", i, st)
				}
			}
			if got := s.nodes[0].e.State().Routes; got != n-1 {
				t.Errorf("root routes = %d, want %d", got, n-1)
			}
			if pr.params.MOP == MOPStoring {
				// Every router keeps routes for its sub-DODAG.
				for i := 1; i < n; i++ {
					if got := s.nodes[i].e.State().Routes; got != n-1-i {
						t.Errorf("node %d routes = %d, want %d", i, got, n-1-i)
					}
				}
			}
			down, up, want := s.pingAll()
			if down != want || up != want {
				t.Errorf("ping: %d down, %d up of %d (drops %v)", down, up, want, s.dropReasons)
			}
			if s.maxHops != n-1 {
				t.Errorf("longest path %d hops, want %d", s.maxHops, n-1)
			}
			for i, nd := range s.nodes[1:] {
				c := nd.e.Counters()
				if c.DAOACKReceived == 0 || c.DAOFailures != 0 {
					t.Errorf("node %d: DAO-ACKs %d, failures %d", i+1, c.DAOACKReceived, c.DAOFailures)
				}
			}
		})
	}
}

func TestGridFormsDODAG(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			const w, h = 6, 6
			s := newSimNet(t, w*h, netOpts{params: pr.params, seed: 2})
			s.grid(w, h, func(a, b int) uint16 { return 128 })
			s.start()
			s.run(3 * time.Minute)
			s.checkConverged(t)
			for i, nd := range s.nodes {
				hops := i%w + i/w // Manhattan distance to the root corner
				if got := nd.e.Rank(); got != hopRank(pr.params, hops) {
					t.Errorf("node %d rank %d, want %d", i, got, hopRank(pr.params, hops))
				}
			}
			if got := s.nodes[0].e.State().Routes; got != w*h-1 {
				t.Errorf("root routes = %d, want %d", got, w*h-1)
			}
			down, up, want := s.pingAll()
			if down != want || up != want {
				t.Errorf("ping: %d down, %d up of %d (drops %v)", down, up, want, s.dropReasons)
			}
		})
	}
}

// diamondNet links root 0 to 1 and 2, and 3 to both 1 (ETX 1) and 2
// (ETX etx23 / 128), without starting the engines.
func diamondNet(t *testing.T, p DODAGParams, seed uint64, etx23 uint16) *simNet {
	s := newSimNet(t, 4, netOpts{params: p, seed: seed})
	s.link(0, 1, 128)
	s.link(0, 2, 128)
	s.link(1, 3, 128)
	s.link(2, 3, etx23)
	return s
}

// diamond is a converged diamondNet with ETX 1 everywhere.
func diamond(t *testing.T, p DODAGParams) *simNet {
	s := diamondNet(t, p, 3, 128)
	s.start()
	s.run(time.Minute)
	s.checkConverged(t)
	return s
}

func TestParentSwitchHysteresis(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			s := diamond(t, pr.params)
			e := s.nodes[3].e
			first, _ := e.Parent()
			p, other := nodeOf(first), 3-nodeOf(first)
			changes := e.Counters().ParentChanges
			// A small worsening stays under the switch threshold.
			small := uint16(192) // ETX 1.5: MRHOF saves 64 < 192; OF0 step 2 saves 256 ≥ 128
			if pr.params.OCP == OCPOF0 {
				small = 170 // ETX 1.33: OF0 step stays 1
			}
			s.link(3, p, small)
			e.LinkChanged(s.now)
			s.drain(3)
			s.run(time.Minute)
			if got, _ := e.Parent(); got != first || e.Counters().ParentChanges != changes {
				t.Fatalf("switched to %v on a small ETX change", got)
			}
			// A large worsening switches to the other parent.
			s.link(3, p, 3*128)
			s.run(time.Minute) // ParentCheck notices without LinkChanged
			if got, _ := e.Parent(); got != testLL(other) {
				t.Fatalf("parent %v after the link to %v worsened, want %v", got, first, testLL(other))
			}
			if e.Counters().ParentChanges != changes+1 {
				t.Errorf("ParentChanges = %d, want %d", e.Counters().ParentChanges, changes+1)
			}
			if pr.params.MOP == MOPStoring {
				if e.Counters().NoPathDAOSent != 1 {
					t.Errorf("NoPathDAOSent = %d, want 1", e.Counters().NoPathDAOSent)
				}
				if s.nodes[p].e.State().Routes != 0 {
					t.Errorf("old parent still has %d routes after the No-Path DAO", s.nodes[p].e.State().Routes)
				}
				if r := s.nodes[0].e.routes.get(testGlobal(3)); r == nil || r.nextHop != testLL(other) {
					t.Errorf("root route to node 3: %+v, want via %v", r, testLL(other))
				}
			} else if r, ok := s.nodes[0].e.SourceRoute(testGlobal(3)); !ok || !slices.Equal(r, []netip.Addr{testGlobal(other), testGlobal(3)}) {
				t.Errorf("root source route to node 3 = %v, %v; want via node %d", r, ok, other)
			}
			down, up, want := s.pingAll()
			if down != want || up != want {
				t.Errorf("ping: %d down, %d up of %d (drops %v)", down, up, want, s.dropReasons)
			}
		})
	}
}

func TestLocalRepair(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			// Line 0-1-2-3 with a spare link 3-4-0 of worse quality... first
			// the parent of 3 switches to the spare when 2 dies.
			s := newSimNet(t, 5, netOpts{params: pr.params, seed: 4})
			s.link(0, 1, 128)
			s.link(1, 2, 128)
			s.link(2, 3, 128)
			s.link(0, 4, 128)
			s.start()
			s.run(time.Minute)
			s.checkConverged(t)
			// Node 1 dies: 2 has no other parent and detaches, poisoning
			// 3, which detaches too.
			s.kill(1)
			e2, e3 := s.nodes[2].e, s.nodes[3].e
			if !e2.State().Poisoned || e2.Rank() != InfiniteRank || e2.Counters().LocalRepairs != 1 {
				t.Fatalf("node 2 after losing its parent: %+v", e2.State())
			}
			s.run(time.Second)
			if !e3.State().Poisoned || e3.Counters().LocalRepairs != 1 {
				t.Fatalf("node 3 not poisoned by node 2: %+v", e3.State())
			}
			// A new link from 3 to 4 lets both rejoin, now below 4.
			s.link(3, 4, 128)
			s.run(2 * time.Minute)
			s.checkConverged(t)
			if got, _ := e3.Parent(); got != testLL(4) {
				t.Errorf("node 3 parent %v, want node 4", got)
			}
			if got, _ := e2.Parent(); got != testLL(3) {
				t.Errorf("node 2 parent %v, want node 3", got)
			}
			if got, want := e2.Rank(), hopRank(pr.params, 3); got != want {
				t.Errorf("node 2 rank %d, want %d", got, want)
			}
			down, up, want := s.pingAll()
			if down != want || up != want {
				t.Errorf("ping: %d down, %d up of %d (drops %v)", down, up, want, s.dropReasons)
			}
		})
	}
}

func TestGridSurvivesNodeLoss(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			const w = 5
			s := newSimNet(t, w*w, netOpts{params: pr.params, seed: 5})
			s.grid(w, w, func(a, b int) uint16 { return 128 + uint16((a*7+b*13)%64) })
			s.start()
			s.run(2 * time.Minute)
			s.checkConverged(t)
			for _, k := range []int{1 + w, 2 + 2*w, 3} {
				s.kill(k)
			}
			s.run(2 * time.Minute)
			s.checkConverged(t)
			down, up, want := s.pingAll()
			if down != want || up != want {
				t.Errorf("ping: %d down, %d up of %d (drops %v)", down, up, want, s.dropReasons)
			}
		})
	}
}

func TestGlobalRepair(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			const w = 4
			s := newSimNet(t, w*w, netOpts{params: pr.params, seed: 6})
			s.grid(w, w, func(a, b int) uint16 { return 128 })
			s.start()
			s.run(2 * time.Minute)
			s.checkConverged(t)
			root := s.nodes[0].e
			root.GlobalRepair(s.now)
			if root.State().Version != LollipopInit+1 {
				t.Fatalf("root version %d after GlobalRepair", root.State().Version)
			}
			s.run(time.Minute)
			s.checkConverged(t)
			for i, n := range s.nodes[1:] {
				st := n.e.State()
				if st.Version != LollipopInit+1 || n.e.Counters().GlobalRepairs != 1 {
					t.Errorf("node %d: version %d, global repairs %d", i+1, st.Version, n.e.Counters().GlobalRepairs)
				}
			}
			down, up, want := s.pingAll()
			if down != want || up != want {
				t.Errorf("ping: %d down, %d up of %d (drops %v)", down, up, want, s.dropReasons)
			}
		})
	}
}

func TestDAOACKRetriesAndFailure(t *testing.T) {
	p := DefaultDODAGParams(testPrefix)
	s := newSimNet(t, 2, netOpts{params: p, seed: 7})
	s.link(0, 1, 128)
	s.filter = func(from, to int, c Code) bool { return c != CodeDAOACK }
	s.start()
	// The DAO and its 5 retries wait 5 s and then 10, 20, 40, 80 and
	// 160 s ± 50 % for a DAO-ACK: 160 to 470 s from the join.
	start := s.now
	for s.nodes[1].e.Counters().DAOFailures == 0 && s.now.Sub(start) < 10*time.Minute {
		s.run(time.Second)
	}
	if d := s.now.Sub(start); d < 160*time.Second || d > 475*time.Second {
		t.Errorf("the DAO failed %v after the start, want 160 to 475 s", d)
	}
	c := s.nodes[1].e.Counters()
	if c.DAORetransmits != 5 || c.DAOFailures != 1 || c.DAOSent != 6 {
		t.Errorf("retransmits %d, failures %d, sent %d; want 5, 1, 6", c.DAORetransmits, c.DAOFailures, c.DAOSent)
	}
	if got := s.nodes[0].e.Counters().DAOReceived; got != 6 {
		t.Errorf("root received %d DAOs, want 6", got)
	}
	// Once ACKs flow again the next refresh succeeds.
	s.filter = nil
	s.run(30 * time.Minute)
	if c2 := s.nodes[1].e.Counters(); c2.DAOACKReceived == 0 || c2.DAOFailures != 1 {
		t.Errorf("after recovery: %+v", c2)
	}
}

func TestRouteTableBound(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			const n = 8
			s := newSimNet(t, n, netOpts{params: pr.params, seed: 8, cfg: func(i int, c *Config) {
				c.MaxRoutes = 4
			}})
			for i := 1; i < n; i++ {
				s.link(0, i, 128)
			}
			s.start()
			s.run(time.Minute)
			root := s.nodes[0].e
			if got := root.State().Routes; got != 4 {
				t.Errorf("root routes = %d, want the bound 4", got)
			}
			if got := root.Counters().RouteEvictions; got != n-1-4 {
				t.Errorf("RouteEvictions = %d, want %d", got, n-1-4)
			}
			reachable := 0
			for i := 1; i < n; i++ {
				if root.CanRoute(testGlobal(i)) {
					reachable++
				}
			}
			if reachable != 4 {
				t.Errorf("root routes to %d nodes, want 4", reachable)
			}
		})
	}
}

func TestRouteExpiry(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			pr.params.DefaultLifetime, pr.params.LifetimeUnit = 2, 60
			s := newSimNet(t, 3, netOpts{params: pr.params, seed: 9})
			s.link(0, 1, 128)
			s.link(1, 2, 128)
			s.start()
			s.run(time.Minute)
			s.checkConverged(t)
			// Refreshes keep the routes alive well past one lifetime.
			s.run(10 * time.Minute)
			s.checkConverged(t)
			root := s.nodes[0].e
			if root.Counters().RoutesExpired != 0 {
				t.Errorf("routes expired while refreshed: %d", root.Counters().RoutesExpired)
			}
			// Node 2 dies silently (no NeighborLost): its route ends
			// with its lifetime.
			s.nodes[2].dead = true
			s.run(3 * time.Minute)
			if root.CanRoute(testGlobal(2)) {
				t.Error("the route to a dead node did not expire")
			}
			if pr.params.MOP == MOPNonStoring {
				if got := root.Counters().RoutesExpired; got != 1 {
					t.Errorf("root: %d routes expired, want 1", got)
				}
			} else {
				// Node 1's route expires and its No-Path DAO removes the
				// root's at once.
				if got := s.nodes[1].e.Counters().RoutesExpired; got != 1 {
					t.Errorf("node 1: %d routes expired, want 1", got)
				}
				if c := root.Counters(); c.RoutesRemoved != 1 || c.RoutesExpired != 0 {
					t.Errorf("root: %d routes removed, %d expired; want 1, 0", c.RoutesRemoved, c.RoutesExpired)
				}
			}
			if !root.CanRoute(testGlobal(1)) {
				t.Error("route to node 1 lost")
			}
		})
	}
}

// TestGridConvergenceAndSteadyState checks a 10×10 grid with the root in
// a corner (18 hops across): every node joined and routable within 60 s of
// virtual time, and in the second hour DIOs at no more than Trickle's Imax
// implies, no DIS, and DAOs at the refresh rate.
func TestGridConvergenceAndSteadyState(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			const w = 10
			s := newSimNet(t, w*w, netOpts{params: pr.params, seed: 3})
			s.grid(w, w, func(a, b int) uint16 { return 128 + uint16((a*7+b*13)%96) })
			s.start()
			converged := time.Duration(0)
			for sec := 1; sec <= 60 && converged == 0; sec++ {
				s.run(time.Second)
				all := true
				for i := 1; i < w*w && all; i++ {
					all = s.nodes[i].e.Joined() && s.nodes[0].e.CanRoute(testGlobal(i))
				}
				if all {
					converged = time.Duration(sec) * time.Second
				}
			}
			if converged == 0 {
				t.Fatal("not converged after 60 s")
			}
			t.Logf("converged after %v", converged)
			s.run(time.Hour)
			before := make([]Counters, w*w)
			for i, n := range s.nodes {
				before[i] = n.e.Counters()
			}
			s.run(time.Hour)
			imax := pr.params.Trickle.Imax()
			maxDIO := uint64(time.Hour/imax) + 1
			var dao uint64
			for i, n := range s.nodes {
				c := n.e.Counters()
				if got := c.DIOSent - before[i].DIOSent; got > maxDIO {
					t.Errorf("node %d sent %d DIOs in an hour, Trickle allows %d", i, got, maxDIO)
				}
				if got := c.DISSent - before[i].DISSent; got != 0 {
					t.Errorf("node %d sent %d DISes in steady state", i, got)
				}
				dao += c.DAOSent - before[i].DAOSent
			}
			// Each node refreshes 2 to 4 times an hour (lifetime 30 min,
			// refresh at 1/2 to 3/4); storing mode adds the batched
			// sub-DODAG announcements.
			perNode := float64(dao) / float64(w*w-1)
			t.Logf("steady state: %.1f DAOs per node per hour", perNode)
			if limit := map[MOP]float64{MOPNonStoring: 4, MOPStoring: 10}[pr.params.MOP]; perNode > limit {
				t.Errorf("%.1f DAOs per node per hour, want at most %.0f", perNode, limit)
			}
		})
	}
}

// TestRankRiseReachesChildren checks that a router whose rank rises to a
// higher DAGRank tells its children at once (an extra DIO, not a Trickle
// reset), even when the rise is below the significant-change threshold: a
// child that keeps a rank at or below its parent's makes every packet
// between them a rank error, and with Trickle at Imax it would not hear the
// new rank for up to 17 minutes.
func TestRankRiseReachesChildren(t *testing.T) {
	for _, pr := range profiles() {
		t.Run(pr.name, func(t *testing.T) {
			s := newSimNet(t, 3, netOpts{params: pr.params, seed: 1})
			s.link(0, 1, 128)
			s.link(1, 2, 128)
			s.start()
			s.run(time.Hour) // every Trickle timer at Imax
			s.checkConverged(t)
			// A link estimate rise that moves node 1 up one or more
			// DAGRanks but less than a significant change.
			etx := uint16(256) // OF0: step 4, three MinHopRankIncrease more
			if pr.params.OCP == OCPMRHOF {
				etx = 300 // rank 428: DAGRank 3 instead of 2
			}
			dios := s.nodes[1].e.Counters().DIOSent
			s.link(0, 1, etx)
			s.nodes[1].e.LinkChanged(s.now)
			s.drain(1)
			r1 := s.nodes[1].e.State().Rank
			mhri := pr.params.MinHopRankIncrease
			if DAGRank(r1, mhri) <= DAGRank(hopRank(pr.params, 1), mhri) {
				t.Fatalf("node 1 rank %d did not rise a DAGRank", r1)
			}
			s.run(10 * time.Second)
			if r2 := s.nodes[2].e.State().Rank; r2 <= r1 {
				t.Fatalf("10 s after node 1 rose to rank %d, its child still has rank %d", r1, r2)
			}
			// One extra DIO, not a Trickle reset (a DIO at 4, 8, 16,
			// 32, 64, 128 and 256 s).
			s.run(10 * time.Minute)
			if n := s.nodes[1].e.Counters().DIOSent - dios; n > 2 {
				t.Errorf("node 1 sent %d DIOs in 10 minutes after a small rank rise, want at most 2", n)
			}
		})
	}
}

// TestDAOFailureBackoff checks that a node whose DAOs keep failing waits
// longer after each failure before it tries again: 1 minute, then 2
// (±50 %), so that a root whose neighbourhood is saturated is not kept so
// by every node retrying each minute.
func TestDAOFailureBackoff(t *testing.T) {
	s := newSimNet(t, 2, netOpts{params: DefaultDODAGParams(testPrefix), seed: 3})
	s.link(0, 1, 128)
	s.filter = func(from, to int, c Code) bool { return c != CodeDAOACK }
	s.start()
	c := func() Counters { return s.nodes[1].e.Counters() }
	until := func(cond func() bool) time.Time {
		t.Helper()
		for start := s.now; !cond(); s.run(time.Second) {
			if s.now.Sub(start) > 30*time.Minute {
				t.Fatal("timed out")
			}
		}
		return s.now
	}
	for i, want := range []time.Duration{time.Minute, 2 * time.Minute} {
		failures := c().DAOFailures
		failed := until(func() bool { return c().DAOFailures > failures })
		sent := c().DAOSent
		next := until(func() bool { return c().DAOSent > sent })
		if gap := next.Sub(failed); gap < want/2-time.Second || gap > want*3/2+time.Second {
			t.Errorf("failure %d: next DAO %v later, want %v ± 50 %%", i+1, gap, want)
		}
	}
	// An acknowledged DAO ends the backoff.
	s.filter = nil
	until(func() bool { return c().DAOACKReceived > 0 })
	if f := s.nodes[1].e.daoFails; f != 0 {
		t.Errorf("%d failures in a row remembered after a DAO-ACK", f)
	}
}

// TestSwitchDAODelay checks that a non-storing router announces a new
// parent after SwitchDAODelay (10 s ± 50 %), not DAODelay: its old parent
// still forwards meanwhile, and a node that switches again soon sends one
// DAO for both switches.
func TestSwitchDAODelay(t *testing.T) {
	s := diamondNet(t, DefaultDODAGParams(testPrefix), 5, 140)
	s.start()
	s.run(time.Minute)
	if pa, _ := s.nodes[3].e.Parent(); pa != testLL(1) {
		t.Fatalf("node 3 parent %v, want node 1", pa)
	}
	sent := s.nodes[3].e.Counters().DAOSent
	s.link(1, 3, 600) // node 1 becomes far worse than node 2
	s.nodes[3].e.LinkChanged(s.now)
	s.drain(3)
	for start := s.now; ; s.run(100 * time.Millisecond) {
		if pa, _ := s.nodes[3].e.Parent(); pa == testLL(2) {
			break
		}
		if s.now.Sub(start) > time.Minute {
			t.Fatal("node 3 did not switch to node 2")
		}
	}
	if s.nodes[3].e.Counters().DAOSent != sent {
		t.Fatal("a DAO went out at the switch")
	}
	start := s.now
	for s.nodes[3].e.Counters().DAOSent == sent {
		s.run(100 * time.Millisecond)
		if s.now.Sub(start) > time.Minute {
			t.Fatal("no DAO within a minute of the switch")
		}
	}
	if d := s.now.Sub(start); d < 5*time.Second || d > 15*time.Second+200*time.Millisecond {
		t.Errorf("DAO %v after the switch, want 5 to 15 s", d)
	}
}

// TestDAOAckWaitGrowsWithDepth checks the first DAO-ACK wait: 5 s plus
// 200 ms per DAGRank step in non-storing mode, where DAO and DAO-ACK cross
// the DODAG; 5 s in storing mode, where the DAO goes one hop.
func TestDAOAckWaitGrowsWithDepth(t *testing.T) {
	for _, mop := range []MOP{MOPNonStoring, MOPStoring} {
		p := DefaultDODAGParams(testPrefix)
		p.MOP = mop
		s := newSimNet(t, 6, netOpts{params: p, seed: 1})
		for i := range 5 {
			s.link(i, i+1, 128)
		}
		s.start()
		s.run(2 * time.Minute)
		s.checkConverged(t)
		for i, want := range []time.Duration{5200, 5400, 5600, 5800, 6000} {
			want *= time.Millisecond
			if mop == MOPStoring {
				want = 5 * time.Second
			}
			if got := s.nodes[i+1].e.daoAckWait(); got != want {
				t.Errorf("%v: node %d (DAGRank %d) waits %v, want %v", mop, i+1,
					DAGRank(s.nodes[i+1].e.Rank(), p.MinHopRankIncrease), got, want)
			}
		}
	}
}
