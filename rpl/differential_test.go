package rpl

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// randomMesh places n nodes uniformly in a unit square, links those closer
// than 0.25 with an ETX growing with distance, and puts the root first.
func randomMesh(t testing.TB, n int, seed uint64, p DODAGParams) *simNet {
	s := newSimNet(t, n, netOpts{params: p, seed: seed})
	r := rand.New(rand.NewPCG(seed, 7))
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range n {
		xs[i], ys[i] = r.Float64(), r.Float64()
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			d := math.Hypot(xs[i]-xs[j], ys[i]-ys[j])
			if d < 0.25 {
				s.link(i, j, uint16(128+d/0.25*200))
			}
		}
	}
	return s
}

// refRank is the plain reference rank through a parent (of_test.go).
func refRank(p DODAGParams, parent, etx uint16) (rank uint16, cost int) {
	if p.OCP == OCPMRHOF {
		return refRankMRHOF(p.MinHopRankIncrease, parent, etx)
	}
	r := refRankOF0(p.MinHopRankIncrease, 1, 0, 0, parent, etx)
	if r == 0xFFFF {
		return r, -1
	}
	return r, int(r)
}

func refThreshold(p DODAGParams) int {
	if p.OCP == OCPMRHOF {
		return MRHOFParentSwitchThreshold
	}
	return int(p.MinHopRankIncrease) * 3 / 2
}

// checkRanks compares every node's rank and parent with the reference: the
// rank is what the reference computes through the parent, no node beats
// the shortest-path optimum, and the parent is the reference's choice
// among the candidates the node knows (so parent selection is stable).
func checkRanks(t *testing.T, s *simNet, p DODAGParams) {
	t.Helper()
	n := len(s.nodes)
	opt := make([]int, n)
	for i := range opt {
		opt[i] = math.MaxInt
	}
	opt[0] = int(p.MinHopRankIncrease)
	for range n { // Bellman-Ford
		for k, etx := range s.etx {
			a, b := k[0], k[1]
			if opt[b] == math.MaxInt || s.nodes[a].dead || s.nodes[b].dead || a == 0 {
				continue
			}
			if r, _ := refRank(p, uint16(opt[b]), etx); r != 0xFFFF && int(r) < opt[a] {
				opt[a] = int(r)
			}
		}
	}
	for i, nd := range s.nodes[1:] {
		i++
		e := nd.e
		if nd.dead || e.parent < 0 {
			continue
		}
		par := &e.nbrs[e.parent]
		etx, _ := nd.LinkETX(par.addr)
		want, _ := refRank(p, par.rank, etx)
		if e.rank != want {
			t.Errorf("node %d: rank %d, reference %d through parent rank %d ETX %d", i, e.rank, want, par.rank, etx)
		}
		if int(e.rank) < opt[i] {
			t.Errorf("node %d: rank %d below the optimum %d", i, e.rank, opt[i])
		}
		var costs []int
		cur := -1
		for k := range e.nbrs {
			c := &e.nbrs[k]
			if !c.used || c.rank == InfiniteRank {
				continue
			}
			etx, ok := nd.LinkETX(c.addr)
			if !ok {
				continue
			}
			if k != e.parent && c.rank/p.MinHopRankIncrease >= e.rank/p.MinHopRankIncrease {
				continue
			}
			_, cost := refRank(p, c.rank, etx)
			if k == e.parent {
				cur = len(costs)
			}
			costs = append(costs, cost)
		}
		if got := refBest(costs, cur, refThreshold(p)); got != cur {
			t.Errorf("node %d: reference would switch from candidate %d to %d (costs %v)", i, cur, got, costs)
		}
	}
}

// refRouter is a deliberately simple model of a router's parent selection:
// a map of neighbour ranks, the eligibility rules of RFC 6550 section
// 8.2.2.4 written out, and refBest.
type refRouter struct {
	p        DODAGParams
	nbr      map[netip.Addr]uint16
	etx      map[netip.Addr]uint16
	parent   netip.Addr
	rank     uint16
	lowest   uint16
	holding  bool
	poisoned bool
	pending  []netip.Addr
	// stale holds the neighbours not below this router when its rank
	// last went up, until they advertise again.
	stale map[netip.Addr]bool
}

func (r *refRouter) eligible(a netip.Addr) (cost int, ok bool) {
	rank, known := r.nbr[a]
	etx, link := r.etx[a]
	if !known || !link || rank == 0xFFFF {
		return 0, false
	}
	m := r.p.MinHopRankIncrease
	if r.rank != 0xFFFF && a != r.parent && (rank/m >= r.rank/m || r.stale[a]) {
		return 0, false
	}
	if a == r.parent || !r.parent.IsValid() {
		etx = r.lastResort(etx)
	}
	via, cost := refRank(r.p, rank, etx)
	if via == 0xFFFF || cost < 0 {
		return 0, false
	}
	if r.p.MaxRankIncrease != 0 && r.lowest != 0xFFFF && int(via) > int(r.lowest)+int(r.p.MaxRankIncrease) {
		return 0, false
	}
	return cost, true
}

// lastResort caps the preferred parent's link ETX at the worst link the
// objective function accepts (ETX 4 for MRHOF, just below it for OF0).
func (r *refRouter) lastResort(etx uint16) uint16 {
	if r.p.OCP == OCPMRHOF {
		return min(etx, 512)
	}
	return min(etx, 4*128-1)
}

// choices returns the acceptable parents: the current one if the
// hysteresis keeps it, else every candidate of minimal cost.
func (r *refRouter) choices() []netip.Addr {
	var addrs []netip.Addr
	var costs []int
	cur := -1
	for a := range r.nbr {
		if c, ok := r.eligible(a); ok {
			if a == r.parent {
				cur = len(addrs)
			}
			addrs = append(addrs, a)
			costs = append(costs, c)
		}
	}
	best := refBest(costs, cur, refThreshold(r.p))
	if best < 0 {
		return nil
	}
	if best == cur {
		return []netip.Addr{r.parent}
	}
	var out []netip.Addr
	for i, c := range costs {
		if c == costs[best] {
			out = append(out, addrs[i])
		}
	}
	return out
}

type diffMetrics map[netip.Addr]uint16

func (m diffMetrics) LinkETX(a netip.Addr) (uint16, bool) { e, ok := m[a]; return e, ok }

// TestParentSelectionDifferential feeds one router random DIOs, poisonings
// and link changes and compares, after every step, its preferred parent
// and rank with refRouter.
func TestParentSelectionDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(6550, 6719))
	for round := range 300 {
		p := DefaultDODAGParams(testPrefix)
		if r.IntN(2) == 0 {
			p.OCP, p.MinHopRankIncrease = OCPOF0, 256
		}
		p.MaxRankIncrease = []uint16{0, 2, 7}[r.IntN(3)] * p.MinHopRankIncrease
		metrics := diffMetrics{}
		e, err := New(Config{LinkLocal: testLL(100), Rand: rand.New(rand.NewPCG(uint64(round), 1)), Metrics: metrics,
			DetachHold: 500 * time.Millisecond, ParentCheck: 100 * time.Hour, ParentSwitchDelay: -1,
			NoDAOACK: true}) // no DAO failures: they move the parent too
		if err != nil {
			t.Fatal(err)
		}
		now := testEpoch
		e.Start(now)
		ref := &refRouter{p: p, nbr: map[netip.Addr]uint16{}, etx: metrics, rank: 0xFFFF, lowest: 0xFFFF,
			stale: map[netip.Addr]bool{}}
		dio := DIO{Version: LollipopInit, Grounded: true, MOP: p.MOP, DODAGID: testGlobal(0), HasConfig: true,
			Config: DODAGConfig{DIOIntervalDoublings: 8, DIOIntervalMin: 12, MaxRankIncrease: p.MaxRankIncrease,
				MinHopRankIncrease: p.MinHopRankIncrease, OCP: p.OCP, DefaultLifetime: 30, LifetimeUnit: 60},
			NumPrefixes: 1, Prefixes: [MaxPrefixes]PrefixInfo{{Prefix: testPrefix, Autonomous: true}}}
		for step := range 60 {
			nb := testLL(1 + r.IntN(6))
			switch k := r.IntN(10); {
			case k < 6: // a DIO
				dio.Rank = randRank(r)
				if r.IntN(3) > 0 {
					dio.Rank = uint16(r.IntN(8)+1) * p.MinHopRankIncrease / 2
				}
				if _, ok := metrics[nb]; !ok || r.IntN(4) == 0 {
					metrics[nb] = randETX(r)
					if r.IntN(3) > 0 {
						metrics[nb] = uint16(128 + r.IntN(300))
					}
				}
				msg, _ := dio.Append(nil)
				SetChecksum(msg, nb, AllRPLNodes)
				if err := e.HandleMessage(now, nb, AllRPLNodes, msg); err != nil {
					t.Fatalf("round %d step %d: %v", round, step, err)
				}
				wasParent := nb == ref.parent
				delete(ref.stale, nb)
				if dio.Rank == 0xFFFF {
					delete(ref.nbr, nb)
					if wasParent {
						ref.selectParent()
					}
				} else {
					ref.nbr[nb] = dio.Rank
					ref.selectParent()
				}
			case k < 8: // a link changes or goes
				if r.IntN(3) == 0 {
					delete(metrics, nb)
				} else {
					metrics[nb] = uint16(128 + r.IntN(500))
				}
				e.LinkChanged(now)
				ref.selectParent()
			default: // time passes
			}
			if !ref.compare(t, e, round, step) {
				return
			}
			now = now.Add(time.Second)
			e.Poll(now)
			if ref.holding {
				ref.holding = false
				ref.nbr = map[netip.Addr]uint16{} // kept only what came during the hold
				clear(ref.stale)
				ref.selectParent()
			}
			if !ref.compare(t, e, round, step) {
				return
			}
			for {
				if _, _, ok := e.PopOutbound(nil); !ok {
					break
				}
			}
		}
	}
}

// selectParent applies the reference choice; compare adopts the engine's
// pick among equal-cost candidates.
func (r *refRouter) selectParent() {
	if r.holding {
		return
	}
	ch := r.choices()
	if len(ch) == 0 {
		if r.parent.IsValid() {
			r.parent, r.rank, r.lowest = netip.Addr{}, 0xFFFF, 0xFFFF
			r.holding, r.poisoned = true, true
		}
		return
	}
	r.pending = ch
}

func (r *refRouter) compare(t *testing.T, e *Engine, round, step int) bool {
	t.Helper()
	got, ok := e.Parent()
	if r.pending != nil {
		ch := r.pending
		r.pending = nil
		found := false
		for _, a := range ch {
			found = found || a == got
		}
		if !ok || !found {
			t.Errorf("round %d step %d: engine parent %v (ok %v), reference choices %v", round, step, got, ok, ch)
			return false
		}
		r.parent = got
		r.poisoned = false
		old := r.rank
		etx := r.etx[got]
		if got == r.parent || !r.parent.IsValid() {
			etx = r.lastResort(etx)
		}
		r.rank, _ = refRank(r.p, r.nbr[got], etx)
		r.lowest = min(r.lowest, r.rank)
		if m := r.p.MinHopRankIncrease; old != 0xFFFF && r.rank > old {
			for a, rk := range r.nbr {
				if a != got && rk/m >= old/m {
					r.stale[a] = true
				}
			}
		}
	}
	if ok != r.parent.IsValid() || (ok && got != r.parent) || e.Rank() != r.rank || e.State().Poisoned != r.poisoned {
		t.Errorf("round %d step %d: engine parent %v rank %d poisoned %v; reference %v rank %d poisoned %v",
			round, step, got, e.Rank(), e.State().Poisoned, r.parent, r.rank, r.poisoned)
		return false
	}
	return true
}
