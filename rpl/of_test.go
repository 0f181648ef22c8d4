package rpl

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestOF0Rank(t *testing.T) {
	of := NewOF0(256)
	riot := NewOF0(256)
	riot.FixedStep = 1
	stretched := NewOF0(256)
	stretched.RankFactor, stretched.RankStretch = 2, 1
	tests := []struct {
		name        string
		of          *OF0
		parent, etx uint16
		want        uint16
	}{
		{"root child, ETX 1: step 1", of, 256, 128, 512},
		{"ETX 2: step 4", of, 256, 256, 256 + 4*256},
		{"ETX unknown: default step 3", of, 256, 0, 256 + 3*256},
		{"ETX 3.66: step 8", of, 512, 469, 512 + 8*256},
		{"ETX 11/3 rounds to step 9", of, 512, 470, 512 + 9*256},
		{"ETX 4: step 10 above MAXIMUM_STEP_OF_RANK", of, 256, 512, InfiniteRank},
		{"ETX below 1: step 1", of, 256, 64, 512},
		{"RIOT fixed step 1", riot, 256, 999, 512},
		{"Rf 2, Sr 1, ETX 1: (2*1+1)*256", stretched, 256, 128, 256 + 3*256},
		{"saturates at infinite", of, 0xFF00, 128, InfiniteRank},
		{"infinite parent", of, InfiniteRank, 128, InfiniteRank},
	}
	for _, tc := range tests {
		if got := tc.of.RankVia(tc.parent, tc.etx); got != tc.want {
			t.Errorf("%s: RankVia(%d, %d) = %d, want %d", tc.name, tc.parent, tc.etx, got, tc.want)
		}
	}
	if of.OCP() != 0 || of.MinHopRankIncrease() != 256 {
		t.Error("OF0 OCP or MinHopRankIncrease wrong")
	}
}

func TestMRHOFRank(t *testing.T) {
	of := NewMRHOF(128)
	tests := []struct {
		name        string
		parent, etx uint16
		want        uint16
	}{
		{"root child, ETX 1", 128, 128, 256},
		{"ETX 1.5", 128, 192, 320},
		{"ETX 4 is MAX_LINK_METRIC", 128, 512, 640},
		{"ETX above MAX_LINK_METRIC", 128, 513, InfiniteRank},
		{"ETX unknown", 128, 0, InfiniteRank},
		{"ETX below 1 still one hop", 1000, 64, 1128},
		{"path cost at MAX_PATH_COST", 32768 - 128, 128, 32768},
		{"path cost above MAX_PATH_COST", 32768 - 127, 128, InfiniteRank},
		{"infinite parent", InfiniteRank, 128, InfiniteRank},
	}
	for _, tc := range tests {
		if got := of.RankVia(tc.parent, tc.etx); got != tc.want {
			t.Errorf("%s: RankVia(%d, %d) = %d, want %d", tc.name, tc.parent, tc.etx, got, tc.want)
		}
	}
	if of.OCP() != 1 || of.MinHopRankIncrease() != 128 {
		t.Error("MRHOF OCP or MinHopRankIncrease wrong")
	}
}

func TestMRHOFHysteresis(t *testing.T) {
	of := NewMRHOF(128)
	// Current parent: rank 400 over ETX 1.5, path cost 592.
	cur := Candidate{Rank: 400, LinkETX: 192}
	tests := []struct {
		name  string
		other Candidate
		want  int
	}{
		{"better by 191: stay", Candidate{Rank: 273, LinkETX: 128}, 0},
		{"better by 192: switch", Candidate{Rank: 272, LinkETX: 128}, 1},
		{"worse: stay", Candidate{Rank: 600, LinkETX: 128}, 0},
		{"unusable link: stay", Candidate{Rank: 128, LinkETX: 600}, 0},
	}
	for _, tc := range tests {
		if got := of.BestParent([]Candidate{cur, tc.other}, 0); got != tc.want {
			t.Errorf("%s: BestParent = %d, want %d", tc.name, got, tc.want)
		}
	}
	// Without a current parent the best wins outright.
	if got := of.BestParent([]Candidate{cur, {Rank: 273, LinkETX: 128}}, -1); got != 1 {
		t.Errorf("no current parent: BestParent = %d, want 1", got)
	}
	// A current parent that became unusable is dropped.
	if got := of.BestParent([]Candidate{{Rank: 128, LinkETX: 900}, {Rank: 1000, LinkETX: 128}}, 0); got != 1 {
		t.Errorf("unusable current: BestParent = %d, want 1", got)
	}
	if got := of.BestParent([]Candidate{{Rank: InfiniteRank, LinkETX: 128}}, -1); got != -1 {
		t.Errorf("only a poisoned candidate: BestParent = %d, want -1", got)
	}
	if got := of.BestParent(nil, 3); got != -1 {
		t.Errorf("no candidates: BestParent = %d, want -1", got)
	}
}

// refRankOF0 is a deliberately plain OF0: floating-point step, no shared
// helpers.
func refRankOF0(mhri, rf, sr, fixed uint16, parent, etx uint16) uint16 {
	if parent == 0xFFFF {
		return 0xFFFF
	}
	var sp float64
	switch {
	case fixed != 0:
		sp = float64(fixed)
	case etx == 0:
		sp = 3
	default:
		sp = math.Floor(3*float64(etx)/128) - 2
		if sp < 1 {
			sp = 1
		}
		if sp > 9 {
			return 0xFFFF
		}
	}
	r := float64(parent) + (float64(rf)*sp+float64(sr))*float64(mhri)
	if r >= 65535 {
		return 0xFFFF
	}
	return uint16(r)
}

// refRankMRHOF is a deliberately plain MRHOF with the RFC 6719 constants.
func refRankMRHOF(mhri, parent, etx uint16) (rank uint16, cost int) {
	if parent == 0xFFFF || etx == 0 || etx > 512 {
		return 0xFFFF, -1
	}
	cost = int(parent) + int(etx)
	if cost > 32768 {
		return 0xFFFF, -1
	}
	r := cost
	if int(parent)+int(mhri) > r {
		r = int(parent) + int(mhri)
	}
	if r >= 0xFFFF {
		return 0xFFFF, -1
	}
	return uint16(r), cost
}

// refBest sorts the usable candidates by (cost, index) and keeps current
// unless best + threshold <= current's cost.
func refBest(costs []int, current int, threshold int) int {
	type ci struct{ cost, i int }
	var usable []ci
	for i, c := range costs {
		if c >= 0 {
			usable = append(usable, ci{c, i})
		}
	}
	if len(usable) == 0 {
		return -1
	}
	sort.Slice(usable, func(a, b int) bool {
		if usable[a].cost != usable[b].cost {
			return usable[a].cost < usable[b].cost
		}
		return usable[a].i < usable[b].i
	})
	best := usable[0]
	if current >= 0 && current < len(costs) && costs[current] >= 0 && costs[current] < best.cost+threshold {
		return current
	}
	return best.i
}

func randRank(r *rand.Rand) uint16 {
	switch r.IntN(8) {
	case 0:
		return 0xFFFF
	case 1:
		return uint16(r.IntN(4)) * 128
	case 2:
		return 0xFFFF - uint16(r.IntN(2000))
	case 3:
		return 32768 - 600 + uint16(r.IntN(1200))
	}
	return uint16(r.IntN(4096))
}

func randETX(r *rand.Rand) uint16 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return 510 + uint16(r.IntN(5))
	case 2:
		return uint16(r.UintN(65536))
	case 3:
		return 465 + uint16(r.IntN(10))
	}
	return uint16(64 + r.IntN(600))
}

func TestObjectiveFunctionsDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(2025, 6550))
	for n := range 20000 {
		mhri := []uint16{1, 128, 256, 1024}[r.IntN(4)]
		of0 := NewOF0(mhri)
		of0.RankFactor = uint16(1 + r.IntN(4))
		of0.RankStretch = uint16(r.IntN(6))
		if r.IntN(4) == 0 {
			of0.FixedStep = uint16(1 + r.IntN(9))
		}
		mrhof := NewMRHOF(mhri)
		cands := make([]Candidate, r.IntN(7))
		costs0 := make([]int, len(cands))
		costsM := make([]int, len(cands))
		for i := range cands {
			cands[i] = Candidate{Rank: randRank(r), LinkETX: randETX(r)}
			c := cands[i]
			want0 := refRankOF0(mhri, of0.RankFactor, of0.RankStretch, of0.FixedStep, c.Rank, c.LinkETX)
			if got := of0.RankVia(c.Rank, c.LinkETX); got != want0 {
				t.Fatalf("case %d: OF0%+v.RankVia(%d, %d) = %d, reference %d", n, *of0, c.Rank, c.LinkETX, got, want0)
			}
			costs0[i] = int(want0)
			if want0 == 0xFFFF {
				costs0[i] = -1
			}
			wantM, cost := refRankMRHOF(mhri, c.Rank, c.LinkETX)
			if got := mrhof.RankVia(c.Rank, c.LinkETX); got != wantM {
				t.Fatalf("case %d: MRHOF(%d).RankVia(%d, %d) = %d, reference %d", n, mhri, c.Rank, c.LinkETX, got, wantM)
			}
			costsM[i] = cost
		}
		current := r.IntN(len(cands)+2) - 1
		if got, want := of0.BestParent(cands, current), refBest(costs0, current, int(of0.SwitchThreshold)); got != want {
			t.Fatalf("case %d: OF0.BestParent(%v, %d) = %d, reference %d", n, cands, current, got, want)
		}
		if got, want := mrhof.BestParent(cands, current), refBest(costsM, current, MRHOFParentSwitchThreshold); got != want {
			t.Fatalf("case %d: MRHOF.BestParent(%v, %d) = %d, reference %d", n, cands, current, got, want)
		}
	}
}

func TestLollipop(t *testing.T) {
	tests := []struct {
		a, b Lollipop
		cmp  int
		ok   bool
	}{
		{240, 5, 1, true},   // RFC 6550 7.2 example: 256+5-240 = 21 > 16
		{250, 5, -1, true},  // RFC example: 256+5-250 = 11 <= 16
		{5, 250, 1, true},   // the same, swapped
		{5, 240, -1, true},  // the same, swapped
		{255, 0, -1, true},  // 255 increments to 0
		{240, 0, -1, true},  // 256+0-240 = 16, within the window
		{239, 0, 1, true},   // 17: a restarted counter is newer
		{240, 240, 0, true}, // equal
		{241, 240, 1, true}, // linear region
		{240, 256 - 1, -1, true},
		{128, 255, 0, false}, // linear, 127 apart: desynchronised
		{128, 145, 0, false}, // linear, 17 apart
		{128, 144, -1, true}, // linear, 16 apart
		{10, 5, 1, true},     // circular region
		{5, 21, -1, true},    // 16 apart
		{5, 22, 0, false},    // 17 apart: desynchronised
		{0, 127, 1, true},    // circular wrap: 127 increments to 0
		{120, 3, -1, true},   // wrap by 11
		{64, 0, 0, false},    // half the circle apart
	}
	for _, tc := range tests {
		cmp, ok := Compare(tc.a, tc.b)
		if cmp != tc.cmp || ok != tc.ok {
			t.Errorf("Compare(%d, %d) = %d, %v; want %d, %v", tc.a, tc.b, cmp, ok, tc.cmp, tc.ok)
		}
		if got, want := tc.a.Newer(tc.b), tc.ok && tc.cmp > 0; got != want {
			t.Errorf("%d.Newer(%d) = %v, want %v", tc.a, tc.b, got, want)
		}
	}
	for _, tc := range []struct{ in, want Lollipop }{{240, 241}, {254, 255}, {255, 0}, {0, 1}, {126, 127}, {127, 0}} {
		if got := tc.in.Next(); got != tc.want {
			t.Errorf("%d.Next() = %d, want %d", tc.in, got, tc.want)
		}
	}
	// Every increment is newer than its predecessor, from the initial value
	// through the linear region and around the circle twice.
	s := LollipopInit
	for range 300 {
		n := s.Next()
		if !n.Newer(s) || s.Newer(n) {
			t.Fatalf("%d.Next() = %d is not newer", s, n)
		}
		s = n
	}
	// Antisymmetry over all pairs.
	for a := range 256 {
		for b := range 256 {
			c1, ok1 := Compare(Lollipop(a), Lollipop(b))
			c2, ok2 := Compare(Lollipop(b), Lollipop(a))
			if ok1 != ok2 || c1 != -c2 {
				t.Fatalf("Compare(%d,%d) = %d,%v but Compare(%d,%d) = %d,%v", a, b, c1, ok1, b, a, c2, ok2)
			}
		}
	}
}

func TestRankHelpers(t *testing.T) {
	for _, tc := range []struct{ rank, mhri, want uint16 }{
		{256, 256, 1}, {511, 256, 1}, {512, 256, 2}, {0xFFFF, 256, 255}, {300, 128, 2}, {7, 0, 7},
	} {
		if got := DAGRank(tc.rank, tc.mhri); got != tc.want {
			t.Errorf("DAGRank(%d, %d) = %d, want %d", tc.rank, tc.mhri, got, tc.want)
		}
	}
	if RootRank(128) != 128 || RootRank(DefaultMinHopRankIncrease) != 256 {
		t.Error("RootRank is not MinHopRankIncrease")
	}
}
