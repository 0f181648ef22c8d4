package rpl

// Objective Code Points (RFC 6552, RFC 6719).
const (
	OCPOF0   uint16 = 0
	OCPMRHOF uint16 = 1
)

// ETXDivisor is the fixed-point scale of ETX values: 128 is an ETX of 1
// (RFC 6551 section 4.3.2).
const ETXDivisor = 128

// Candidate is a neighbour that may become the preferred parent, as an
// objective function sees it.
type Candidate struct {
	// Rank is the rank the neighbour advertises in its DIOs.
	Rank uint16
	// LinkETX is the ETX of the link to the neighbour times ETXDivisor;
	// 0 means unknown.
	LinkETX uint16
}

// ObjectiveFunction computes ranks and chooses the preferred parent. The
// DODAG state machine calls it with the neighbours that already pass the
// RPL rules (same DODAG and version, rank within MaxRankIncrease);
// implementations apply only their own metric rules. Implementations are
// pure: no state, no allocation.
type ObjectiveFunction interface {
	// OCP returns the Objective Code Point advertised in the DODAG
	// Configuration option.
	OCP() uint16
	// MinHopRankIncrease returns the rank step the function computes with.
	MinHopRankIncrease() uint16
	// RankVia returns this node's rank if it chose a parent advertising
	// parentRank over a link with ETX linkETX, or InfiniteRank if that
	// parent is unusable.
	RankVia(parentRank, linkETX uint16) uint16
	// BestParent returns the index in candidates of the preferred parent,
	// or -1 if none is usable. current is the index of the present
	// preferred parent, or -1; the function keeps it unless another
	// candidate is better by the function's hysteresis.
	BestParent(candidates []Candidate, current int) int
}

// capRank saturates a rank computed in 32 bits at InfiniteRank.
func capRank(r uint32) uint16 {
	if r >= uint32(InfiniteRank) {
		return InfiniteRank
	}
	return uint16(r)
}

// OF0 is Objective Function Zero (RFC 6552): rank increase = (Rf*Sp + Sr) *
// MinHopRankIncrease, with the step Sp derived from the link ETX as RFC 8180
// section 5.1.1 recommends (Sp = 3*ETX - 2, as OpenWSN and Contiki-NG do) or
// fixed.
type OF0 struct {
	// MinHop is MinHopRankIncrease.
	MinHop uint16
	// RankFactor is Rf, 1..4 (DEFAULT_RANK_FACTOR 1).
	RankFactor uint16
	// RankStretch is Sr, 0..5 (DEFAULT_RANK_STRETCH 0).
	RankStretch uint16
	// FixedStep, when not 0, is used as Sp for every link instead of the
	// ETX-derived step (RIOT uses 1, RFC 6552's DEFAULT_STEP_OF_RANK is 3).
	FixedStep uint16
	// SwitchThreshold is the rank a candidate must save over the current
	// parent before OF0 switches; 1 switches on any strict improvement.
	SwitchThreshold uint16
}

// OF0 step bounds (RFC 6552 section 6.3).
const (
	MinStepOfRank     = 1
	MaxStepOfRank     = 9
	DefaultStepOfRank = 3
)

// NewOF0 returns OF0 with RFC 6552's defaults (Rf 1, Sr 0), the ETX-derived
// step, and a switch threshold of 1.5 × MinHopRankIncrease, as Contiki-NG
// classic's OF0. OF0 ranks move in whole MinHopRankIncrease steps, so a
// candidate must save two steps before the node switches: two hops of
// ETX 1, or 2/3 of an ETX on one link. With half a step, every one-step
// difference (a third of an ETX, the noise of any estimator) moved the
// parent, the sub-DODAG and its routes.
func NewOF0(minHopRankIncrease uint16) *OF0 {
	return &OF0{
		MinHop:          minHopRankIncrease,
		RankFactor:      1,
		SwitchThreshold: max(minHopRankIncrease+minHopRankIncrease/2, 1),
	}
}

// OCP returns 0.
func (o *OF0) OCP() uint16 { return OCPOF0 }

// MinHopRankIncrease returns o.MinHop.
func (o *OF0) MinHopRankIncrease() uint16 { return o.MinHop }

// Step returns the step of rank Sp for a link: FixedStep if set, else
// 3*ETX - 2 rounded down and raised to MinStepOfRank, or DefaultStepOfRank
// when the ETX is unknown (0). ok is false when the step exceeds
// MaxStepOfRank (ETX above 11/3): the link is not usable.
func (o *OF0) Step(linkETX uint16) (step uint16, ok bool) {
	if o.FixedStep != 0 {
		return o.FixedStep, true
	}
	if linkETX == 0 {
		return DefaultStepOfRank, true
	}
	if linkETX < ETXDivisor { // ETX below 1: an estimator glitch
		return MinStepOfRank, true
	}
	s := (3*uint32(linkETX))/ETXDivisor - 2
	if s > MaxStepOfRank {
		return 0, false
	}
	return uint16(max(s, MinStepOfRank)), true
}

// RankVia returns parentRank + (Rf*Sp + Sr) * MinHopRankIncrease.
func (o *OF0) RankVia(parentRank, linkETX uint16) uint16 {
	if parentRank == InfiniteRank {
		return InfiniteRank
	}
	step, ok := o.Step(linkETX)
	if !ok {
		return InfiniteRank
	}
	inc := (uint32(o.RankFactor)*uint32(step) + uint32(o.RankStretch)) * uint32(o.MinHop)
	return capRank(uint32(parentRank) + inc)
}

// BestParent picks the candidate giving the lowest rank (the earliest on a
// tie) and keeps the current parent unless that saves at least
// SwitchThreshold.
func (o *OF0) BestParent(candidates []Candidate, current int) int {
	return bestParent(candidates, current, uint32(o.SwitchThreshold), func(c Candidate) uint32 {
		r := o.RankVia(c.Rank, c.LinkETX)
		if r == InfiniteRank {
			return noPath
		}
		return uint32(r)
	})
}

// MRHOF is the Minimum Rank with Hysteresis Objective Function (RFC 6719)
// with the ETX metric. Without a DAG Metric Container the path cost through
// a neighbour is its advertised rank plus the link ETX (RFC 6719 section
// 3.1 and 3.3, as Contiki-NG does), and the rank is that path cost, but at
// least one MinHopRankIncrease above the parent.
type MRHOF struct {
	// MinHop is MinHopRankIncrease; 128 makes one hop of ETX 1 one rank
	// step.
	MinHop uint16
	// MaxLinkMetric excludes links with a higher ETX (times 128).
	MaxLinkMetric uint16
	// MaxPathCost excludes paths with a higher cost.
	MaxPathCost uint32
	// SwitchThreshold is the path cost a candidate must save over the
	// current parent before MRHOF switches (PARENT_SWITCH_THRESHOLD).
	SwitchThreshold uint16
}

// RFC 6719 section 5 constants for the ETX metric.
const (
	MRHOFMaxLinkMetric         = 512   // ETX 4
	MRHOFMaxPathCost           = 32768 // ETX 256
	MRHOFParentSwitchThreshold = 192   // ETX 1.5
)

// NewMRHOF returns MRHOF with the constants of RFC 6719 section 5.
func NewMRHOF(minHopRankIncrease uint16) *MRHOF {
	return &MRHOF{
		MinHop:          minHopRankIncrease,
		MaxLinkMetric:   MRHOFMaxLinkMetric,
		MaxPathCost:     MRHOFMaxPathCost,
		SwitchThreshold: MRHOFParentSwitchThreshold,
	}
}

// OCP returns 1.
func (m *MRHOF) OCP() uint16 { return OCPMRHOF }

// MinHopRankIncrease returns m.MinHop.
func (m *MRHOF) MinHopRankIncrease() uint16 { return m.MinHop }

// PathCost returns the path cost through a neighbour advertising
// parentRank over a link with ETX linkETX, and false if the link is
// unknown (ETX 0), above MaxLinkMetric, or the path above MaxPathCost.
func (m *MRHOF) PathCost(parentRank, linkETX uint16) (uint32, bool) {
	if parentRank == InfiniteRank || linkETX == 0 || linkETX > m.MaxLinkMetric {
		return 0, false
	}
	c := uint32(parentRank) + uint32(linkETX)
	if c > m.MaxPathCost {
		return 0, false
	}
	return c, true
}

// RankVia returns max(path cost, parentRank + MinHopRankIncrease).
func (m *MRHOF) RankVia(parentRank, linkETX uint16) uint16 {
	c, ok := m.PathCost(parentRank, linkETX)
	if !ok {
		return InfiniteRank
	}
	return capRank(max(c, uint32(parentRank)+uint32(m.MinHop)))
}

// BestParent picks the candidate with the lowest path cost (the earliest
// on a tie) and keeps the current parent unless that saves at least
// SwitchThreshold (RFC 6719 section 3.2.2).
func (m *MRHOF) BestParent(candidates []Candidate, current int) int {
	return bestParent(candidates, current, uint32(m.SwitchThreshold), func(c Candidate) uint32 {
		pc, ok := m.PathCost(c.Rank, c.LinkETX)
		if !ok || m.RankVia(c.Rank, c.LinkETX) == InfiniteRank {
			return noPath
		}
		return pc
	})
}

// noPath marks an unusable candidate's cost.
const noPath = ^uint32(0)

// bestParent returns the index of the lowest-cost candidate, keeping
// current unless the best saves at least threshold.
func bestParent(candidates []Candidate, current int, threshold uint32, cost func(Candidate) uint32) int {
	best, bestCost := -1, noPath
	for i, c := range candidates {
		if k := cost(c); k < bestCost {
			best, bestCost = i, k
		}
	}
	if best < 0 || current < 0 || current >= len(candidates) || current == best {
		return best
	}
	cur := cost(candidates[current])
	if cur == noPath {
		return best
	}
	if cur-bestCost < threshold {
		return current
	}
	return best
}

var (
	_ ObjectiveFunction = (*OF0)(nil)
	_ ObjectiveFunction = (*MRHOF)(nil)
)
