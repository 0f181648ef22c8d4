package txpower

import (
	"errors"
	"go/build"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// log2Levels is ⌈log₂ n⌉ for the test radio's level count.
func log2Levels(n int) int { return bits.Len(uint(n - 1)) }

// lossFor returns the path loss that makes level p's margin exactly m.
func lossFor(p int8, m float64) float64 { return float64(p) - sensitivity - m }

func TestConvergesByBisection(t *testing.T) {
	maxTrials := log2Levels(len(testLevels)) + 1
	for _, tc := range []struct {
		name    string
		want    int8 // least adequate level
		ackOnly bool
	}{
		{"margin/strong link", -20, false},
		{"margin/low", -17, false},
		{"margin/middle", -6, false},
		{"margin/high", 5, false},
		{"margin/top", 8, false},
		{"acks only/strong link", -20, true},
		{"acks only/low", -13, true},
		{"acks only/middle", -3, true},
		{"acks only/high", 6, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, Config[key]{})
			// The margin at the wanted level is exactly the target; with
			// acks only, frames get through from the target margin on.
			l := &pathLink{loss: lossFor(tc.want, DefaultTargetDB), ackOnly: tc.ackOnly}
			if tc.ackOnly {
				l.ackMin = DefaultTargetDB
			}
			w.add(nb(1), l, RoleParent)
			w.settle(200, 5000)
			if got := w.c.Level(); got != tc.want {
				t.Fatalf("level %d dBm, want %d (history %v)", got, tc.want, w.history)
			}
			st := w.c.Stats()
			if int(st.StepsDown) > maxTrials {
				t.Errorf("%d steps down for %d levels, want at most %d (O(log levels))", st.StepsDown, len(testLevels), maxTrials)
			}
			if int(st.Losses) > maxTrials {
				t.Errorf("%d frames lost searching, want at most %d", st.Losses, maxTrials)
			}
			ls, _ := w.c.Link(nb(1))
			if ls.State != StateHold {
				t.Errorf("state %v, want hold", ls.State)
			}
			t.Logf("%d steps down, %d up, %d lost, history %v", st.StepsDown, st.StepsUp, st.Losses, w.history)
		})
	}
}

func TestStepsUpImmediatelyOnLoss(t *testing.T) {
	for _, tc := range []struct {
		name     string
		feedback func(c *Controller[key], now time.Time, k key, p int8) bool
		want     func(*pathLink) int8
	}{
		{
			// The margin says nothing of the loss: straight to the top.
			name: "unacknowledged frame",
			feedback: func(c *Controller[key], now time.Time, k key, p int8) bool {
				return c.HandleAck(now, k, p, 4, false)
			},
			want: func(*pathLink) int8 { return 8 },
		},
		{
			// Heard at the neighbour's sensitivity: as good as lost.
			name: "margin 0",
			feedback: func(c *Controller[key], now time.Time, k key, p int8) bool {
				return c.HandleMargin(now, k, 0, p)
			},
			want: func(*pathLink) int8 { return 8 },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, Config[key]{})
			l := &pathLink{loss: lossFor(-8, DefaultTargetDB)}
			w.add(nb(1), l, RoleParent)
			w.settle(200, 5000)
			if w.c.Level() != -8 {
				t.Fatalf("settled at %d dBm, want -8", w.c.Level())
			}
			w.now = w.now.Add(time.Second)
			before := w.c.Stats().StepsUp
			if !tc.feedback(w.c, w.now, nb(1), w.c.LevelFor(nb(1))) {
				t.Fatal("one bad report did not change the node level")
			}
			if got, want := w.c.Level(), tc.want(l); got < want {
				t.Errorf("after one bad report: %d dBm, want at least %d", got, want)
			}
			if w.c.Stats().StepsUp != before+1 {
				t.Errorf("steps up %d, want %d", w.c.Stats().StepsUp, before+1)
			}
			t.Logf("reason: %v", w.c.Reason())
		})
	}
}

// TestDegradedLinkRecovers raises the path loss by 12 dB mid-run: the level
// rises within a report and settles at the new least adequate level.
func TestDegradedLinkRecovers(t *testing.T) {
	w := newWorld(t, Config[key]{})
	l := &pathLink{loss: lossFor(-10, DefaultTargetDB)}
	w.add(nb(1), l, RoleParent)
	w.settle(200, 5000)
	l.loss += 12
	w.step()
	if got := w.c.Level(); got < 2 {
		t.Fatalf("one tick after a 12 dB loss: %d dBm, want at least 2", got)
	}
	w.settle(400, 20000)
	if got := w.c.Level(); got != 2 {
		t.Errorf("settled at %d dBm, want 2 (history %v)", got, w.history)
	}
}

// TestMarginDegradation raises the path loss by 6 dB while frames still get
// through: the margin reports alone raise the level within five reports
// (the fast average needs four to fall 2 dB below the target).
func TestMarginDegradation(t *testing.T) {
	w := newWorld(t, Config[key]{})
	l := &pathLink{loss: lossFor(-8, DefaultTargetDB), ackMin: -50}
	w.add(nb(1), l, RoleParent)
	w.settle(200, 5000)
	l.loss += 6
	w.run(3)
	if got := w.c.Level(); got != -8 {
		t.Fatalf("3 reports after a 6 dB loss: %d dBm; the fast average (weight 1/8) should still hold -8", got)
	}
	w.run(2)
	if got := w.c.Level(); got < -4 {
		t.Fatalf("5 reports after a 6 dB loss: %d dBm, want at least -4 (target − hysteresis)", got)
	}
	if r := w.c.Reason(); r.Kind != ReasonMargin || !r.HasMargin || r.MarginDB >= DefaultTargetDB-DefaultHysteresisDB {
		t.Errorf("reason %v, want margin below target", r)
	}
	w.settle(400, 20000)
	if got := w.c.Level(); got != -2 {
		t.Errorf("settled at %d dBm, want -2 (history %v)", got, w.history)
	}
}

func TestNoOscillationOnSteadyLink(t *testing.T) {
	for _, want := range []int8{-20, -11, 0, 7} {
		w := newWorld(t, Config[key]{})
		w.add(nb(1), &pathLink{loss: lossFor(want, DefaultTargetDB)}, RoleParent)
		w.settle(200, 5000)
		n := w.changes
		w.run(10000)
		if d := w.changes - n; d > 1 {
			t.Errorf("want %d: %d level changes in 10000 steady reports after convergence, want at most 1 (history %v)", want, d, w.history)
		}
		if got := w.c.Level(); got != want {
			t.Errorf("level %d dBm, want %d", got, want)
		}
	}
}

func TestNoisyAdequateMarginsDoNotOscillate(t *testing.T) {
	square := func(i int) float64 {
		if i%2 == 0 {
			return 2
		}
		return -2
	}
	slowSquare := func(i int) float64 {
		if (i/37)%2 == 0 {
			return 2
		}
		return -2
	}
	for _, tc := range []struct {
		name string
		link pathLink
	}{
		{"uniform ±2 at target", pathLink{uniform: 2}},
		{"uniform ±2 half a dB above", pathLink{uniform: 2, loss: -0.5}},
		{"square ±2", pathLink{fn: square}},
		{"slow square ±2", pathLink{fn: slowSquare}},
		{"gaussian σ1", pathLink{sigma: 1}},
	} {
		for _, base := range []int8{-15, -4, 3} {
			t.Run(tc.name+"/"+strconv.Itoa(int(base)), func(t *testing.T) {
				w := newWorld(t, Config[key]{})
				l := tc.link
				l.loss += lossFor(base, DefaultTargetDB)
				w.add(nb(1), &l, RoleParent)
				w.run(600) // converge
				n := w.changes
				w.run(5000)
				if d := w.changes - n; d > 1 {
					t.Errorf("%d level changes in 5000 noisy reports after convergence, want at most 1 (history %v)", d, w.history)
				}
				got := w.c.Level()
				if m := l.trueMargin(got); m < DefaultTargetDB-DefaultHysteresisDB {
					t.Errorf("settled at %d dBm with margin %.1f dB, below target − hysteresis", got, m)
				}
				if hi := leastAdequate(testLevels, &l, DefaultTargetDB+DefaultHysteresisDB); got > hi {
					t.Errorf("settled at %d dBm, above %d dBm where the margin is target + hysteresis", got, hi)
				}
			})
		}
	}
}

func TestMinMax(t *testing.T) {
	cfg := Config[key]{MinDBm: -10, HasMin: true, MaxDBm: 4, HasMax: true}
	t.Run("strong link stops at min", func(t *testing.T) {
		w := newWorld(t, cfg)
		w.add(nb(1), &pathLink{loss: lossFor(-20, 30)}, RoleParent)
		w.settle(200, 5000)
		if got := w.c.Level(); got != -10 {
			t.Errorf("level %d dBm, want the minimum -10", got)
		}
		if ls, _ := w.c.Link(nb(1)); ls.Reason != ReasonMinLevel || ls.State != StateHold {
			t.Errorf("link %v/%v, want hold at the lowest allowed level", ls.State, ls.Reason)
		}
	})
	t.Run("weak link stays at max", func(t *testing.T) {
		w := newWorld(t, cfg)
		w.add(nb(1), &pathLink{loss: lossFor(8, DefaultTargetDB)}, RoleParent)
		for range 3000 {
			w.step()
			if got := w.c.Level(); got > 4 || got < -10 {
				t.Fatalf("level %d dBm outside [-10, 4]", got)
			}
		}
		if got := w.c.Level(); got != 4 {
			t.Errorf("level %d dBm, want the maximum 4", got)
		}
	})
	t.Run("fixed uses max", func(t *testing.T) {
		c := mustNew(t, Config[key]{Policy: Fixed, MaxDBm: 0, HasMax: true})
		if got := c.Level(); got != 0 {
			t.Errorf("fixed level %d dBm, want the max 0", got)
		}
	})
	t.Run("allowed levels", func(t *testing.T) {
		c := mustNew(t, Config[key]{Levels: []int8{8, -20, 0, 4, -8, 4}, MinDBm: -10, HasMin: true, MaxDBm: 5, HasMax: true})
		if got := c.Levels(); !slices.Equal(got, []int8{-8, 0, 4}) {
			t.Errorf("levels %v, want [-8 0 4]", got)
		}
	})
}

func TestPinnedLinks(t *testing.T) {
	w := newWorld(t, Config[key]{Pinned: []key{nb(9)}})
	if ls, ok := w.c.Link(nb(9)); !ok || ls.Roles != RolePinned {
		t.Fatalf("pinned neighbour: %+v %v", ls, ok)
	}
	w.add(nb(1), &pathLink{loss: lossFor(-15, DefaultTargetDB)}, RoleParent)
	w.add(nb(9), &pathLink{loss: lossFor(-2, DefaultTargetDB)}, 0)
	w.settle(200, 5000)
	if got := w.c.Level(); got != -2 {
		t.Fatalf("node level %d dBm, want -2 for the pinned link (parent needs -15)", got)
	}
	if got := w.c.LevelFor(nb(1)); got != -15 {
		t.Errorf("parent level %d dBm, want -15", got)
	}
	r := w.c.Reason()
	if !r.HasNeighbour || r.Neighbour != nb(9) || r.Role != RolePinned {
		t.Errorf("reason %v, want the pinned neighbour", r)
	}
	if _, err := w.c.SetRole(w.now, nb(9), RolePinned, false); err != nil {
		t.Fatal(err)
	}
	if got := w.c.Level(); got != -15 {
		t.Errorf("unpinned: node level %d dBm, want -15", got)
	}
}

func TestFloorAfterLossHoldsThenDecays(t *testing.T) {
	hold := 3 * time.Minute
	w := newWorld(t, Config[key]{FloorHold: hold})
	w.add(nb(1), &pathLink{loss: lossFor(-8, DefaultTargetDB)}, RoleParent)
	w.settle(200, 5000)
	// A lost frame at -8 dBm although the link is fine (a collision).
	lossAt := w.now.Add(time.Second)
	w.now = lossAt
	w.note(w.c.HandleAck(w.now, nb(1), -8, 4, false))
	if got := w.c.Level(); got != 8 {
		t.Fatalf("after the loss: %d dBm, want 8", got)
	}
	r := w.c.Reason()
	if r.Kind != ReasonLoss {
		t.Errorf("reason %v, want frame lost", r)
	}
	if d, ok := w.c.Deadline(); !ok || d.After(lossAt.Add(hold)) {
		t.Errorf("deadline %v %v, want at the latest the floor expiry %v", d, ok, lossAt.Add(hold))
	}
	// During the hold the margin reports bring the level down, never
	// below -7 dBm.
	low := int8(8)
	for w.now.Add(w.tick).Before(lossAt.Add(hold)) {
		w.step()
		low = min(low, w.c.Level())
		if w.c.Level() < -7 {
			t.Fatalf("%v after the loss: %d dBm, below the floor -7", w.now.Sub(lossAt), w.c.Level())
		}
	}
	if low != -7 {
		t.Errorf("lowest level during the hold %d dBm, want the floor -7", low)
	}
	if r := w.c.Reason(); r.Kind != ReasonFloor && r.Kind != ReasonAdequate {
		t.Errorf("reason at the floor %v", r)
	}
	// Once the floor has expired the link returns to -8.
	w.settle(200, 2000)
	if got := w.c.Level(); got != -8 {
		t.Errorf("after the floor expired: %d dBm, want -8 (history %v)", got, w.history)
	}
	if ls, _ := w.c.Link(nb(1)); ls.HasFloor {
		t.Errorf("link floor still set: %+v", ls)
	}
}

func TestPerNeighbourLevels(t *testing.T) {
	w := newWorld(t, Config[key]{})
	want := map[key]int8{nb(1): -12, nb(2): -3, nb(3): 5, nb(4): 6}
	w.add(nb(1), &pathLink{loss: lossFor(-12, DefaultTargetDB)}, RoleParent)
	w.add(nb(2), &pathLink{loss: lossFor(-3, DefaultTargetDB)}, RoleNextHop)
	w.add(nb(3), &pathLink{loss: lossFor(5, DefaultTargetDB)}, RoleNextHop)
	w.add(nb(4), &pathLink{loss: lossFor(6, DefaultTargetDB)}, 0) // not needed
	w.settle(300, 10000)
	for k, p := range want {
		if got := w.c.LevelFor(k); got != p {
			t.Errorf("LevelFor(%v) = %d dBm, want %d", k, got, p)
		}
	}
	if got := w.c.Level(); got != 5 {
		t.Errorf("node level %d dBm, want 5 (the highest needed link; the unneeded one needs 6)", got)
	}
	if got := w.c.BroadcastLevel(); got != 6 {
		t.Errorf("broadcast level %d dBm, want 6 (every link's level, the unneeded one's included)", got)
	}
	if got := w.c.LevelFor(nb(77)); got != 8 {
		t.Errorf("LevelFor(unknown) = %d, want the top, 8", got)
	}
	links := w.c.Links(nil)
	if len(links) != 4 || links[3].Neighbour != nb(4) || links[3].Roles != 0 {
		t.Fatalf("links %+v, want 4 with the unneeded one last", links)
	}
	for _, ls := range links {
		if !ls.HasMargin || ls.MarginDB != DefaultTargetDB {
			t.Errorf("%v: margin %d dB (%v), want %d", ls.Neighbour, ls.MarginDB, ls.HasMargin, DefaultTargetDB)
		}
	}
	// The route through nb(3) goes: the node level follows the next hop
	// that remains.
	if _, err := w.c.SetRole(w.now, nb(3), RoleNextHop, false); err != nil {
		t.Fatal(err)
	}
	if got := w.c.Level(); got != -3 {
		t.Errorf("after dropping a next hop: %d dBm, want -3", got)
	}
	w.c.ClearRole(w.now, RoleNextHop)
	if got := w.c.Level(); got != -12 {
		t.Errorf("after clearing next hops: %d dBm, want -12", got)
	}
	if got := w.c.BroadcastLevel(); got != 6 {
		t.Errorf("broadcast level after clearing next hops: %d dBm, want 6", got)
	}
	w.c.Forget(w.now, nb(1))
	if got := w.c.Level(); got != 8 {
		t.Errorf("with no needed link: %d dBm, want the top", got)
	}
	if r := w.c.Reason(); r.Kind != ReasonNoNeed {
		t.Errorf("reason %v, want no needed link", r)
	}
}

func TestFixedPolicyNeverChanges(t *testing.T) {
	w := newWorld(t, Config[key]{Policy: Fixed})
	l := &pathLink{loss: lossFor(-15, DefaultTargetDB), sigma: 3}
	w.add(nb(1), l, RoleParent)
	w.add(nb(2), &pathLink{loss: lossFor(20, DefaultTargetDB)}, RolePinned) // lossy
	for i := range 3000 {
		if i == 1500 {
			l.loss += 30
		}
		w.step()
		if w.c.Level() != 8 || w.c.LevelFor(nb(1)) != 8 {
			t.Fatalf("tick %d: level %d/%d dBm, want 8", i, w.c.Level(), w.c.LevelFor(nb(1)))
		}
	}
	if w.changes != 0 {
		t.Errorf("%d changes under the fixed policy", w.changes)
	}
	st := w.c.Stats()
	if st.StepsUp != 0 || st.StepsDown != 0 || st.Losses == 0 {
		t.Errorf("stats %+v: want no steps, some losses", st)
	}
	if r := w.c.Reason(); r.Kind != ReasonFixed || !strings.Contains(r.String(), "fixed policy at 8 dBm") {
		t.Errorf("reason %q", r)
	}
	if ls, _ := w.c.Link(nb(1)); !ls.HasMargin || !ls.HasETX {
		t.Errorf("fixed policy still tracks margin and ETX: %+v", ls)
	}
}

func TestTrialFailureReturnsToLastGoodLevel(t *testing.T) {
	c := mustNew(t, Config[key]{GoodReports: 1, Dwell: time.Second})
	now := t0
	if _, err := c.SetParent(now, nb(1)); err != nil {
		t.Fatal(err)
	}
	// Acks only: the first trial is the midpoint, -6 dBm.
	now = now.Add(2 * time.Second)
	c.HandleAck(now, nb(1), 8, 1, true)
	if got := c.Level(); got != -6 {
		t.Fatalf("first trial at %d dBm, want the midpoint -6", got)
	}
	now = now.Add(2 * time.Second)
	c.HandleAck(now, nb(1), -6, 1, true) // confirmed; next trial -13
	if got := c.Level(); got != -13 {
		t.Fatalf("second trial at %d dBm, want -13", got)
	}
	now = now.Add(time.Second)
	c.HandleAck(now, nb(1), -13, 4, false)
	if got := c.Level(); got != -6 {
		t.Fatalf("failed trial: back to %d dBm, want the last good level -6", got)
	}
	ls, _ := c.Link(nb(1))
	if ls.Reason != ReasonTrialFailed || !ls.HasFloor || ls.FloorDBm != -12 {
		t.Errorf("link %+v: want trial failed with floor -12", ls)
	}
	if st := c.Stats(); st.TrialsFailed != 1 || st.Losses != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestStaleLossOnlyRaisesFloor(t *testing.T) {
	c := mustNew(t, Config[key]{})
	now := t0
	c.SetParent(now, nb(1))
	c.HandleMargin(now, nb(1), 30, 8)
	// A frame queued at -15 dBm before the level changed is lost: the
	// current level (8) is untested, so only the floor moves.
	now = now.Add(time.Second)
	if c.HandleAck(now, nb(1), -15, 4, false) {
		t.Error("a stale loss changed the node level")
	}
	ls, _ := c.Link(nb(1))
	if !ls.HasFloor || ls.FloorDBm != -14 || ls.LevelDBm != 8 {
		t.Errorf("link %+v: want floor -14, level 8", ls)
	}
}

func TestETXRise(t *testing.T) {
	c := mustNew(t, Config[key]{GoodReports: 1, Dwell: time.Second})
	now := t0
	c.SetParent(now, nb(1))
	c.HandleMargin(now, nb(1), 40, 8) // needs -22: the minimum will do
	for range 20 {
		now = now.Add(2 * time.Second)
		c.HandleAck(now, nb(1), c.LevelFor(nb(1)), 1, true)
		c.HandleMargin(now, nb(1), uint8(40-8+int(c.LevelFor(nb(1)))), c.LevelFor(nb(1)))
	}
	if got := c.Level(); got != -20 {
		t.Fatalf("level %d dBm, want -20", got)
	}
	// Every frame now needs three attempts.
	raised := false
	for range 6 {
		now = now.Add(time.Second)
		raised = c.HandleAck(now, nb(1), c.LevelFor(nb(1)), 3, true) || raised
	}
	ls, _ := c.Link(nb(1))
	if !raised || ls.Reason != ReasonETX || ls.LevelDBm <= -20 {
		t.Errorf("after retries: %+v, want raised for ETX", ls)
	}
	// Retries alone (below the limit) are not trouble enough to act on.
	c2 := mustNew(t, Config[key]{})
	c2.SetParent(t0, nb(1))
	for i := range 50 {
		c2.HandleAck(t0.Add(time.Duration(i)*time.Second), nb(1), 8, uint8(1+i%2), true)
	}
	if ls, _ := c2.Link(nb(1)); ls.Reason == ReasonETX {
		t.Errorf("ETX 1.5 triggered the limit 2.0: %+v", ls)
	}
}

func TestNewNeededLinkUsesTop(t *testing.T) {
	w := newWorld(t, Config[key]{})
	w.add(nb(1), &pathLink{loss: lossFor(-10, DefaultTargetDB)}, RoleParent)
	w.settle(200, 5000)
	changed, err := w.c.SetParent(w.now, nb(2))
	if err != nil || !changed {
		t.Fatalf("new parent: changed %v err %v", changed, err)
	}
	if got := w.c.Level(); got != 8 {
		t.Errorf("new unknown parent: %d dBm, want 8", got)
	}
	r := w.c.Reason()
	if r.Kind != ReasonUnknown || r.Neighbour != nb(2) || r.Role != RoleParent {
		t.Errorf("reason %v", r)
	}
	if ls, _ := w.c.Link(nb(1)); ls.Roles != 0 {
		t.Errorf("old parent still has roles %v", ls.Roles)
	}
}

func TestDeadlineAndPoll(t *testing.T) {
	c := mustNew(t, Config[key]{GoodReports: 2, Dwell: 30 * time.Second})
	if _, ok := c.Deadline(); ok {
		t.Error("deadline with nothing to wait for")
	}
	c.SetParent(t0, nb(1))
	c.HandleMargin(t0.Add(time.Second), nb(1), 30, 8)
	c.HandleMargin(t0.Add(2*time.Second), nb(1), 30, 8)
	d, ok := c.Deadline()
	if !ok || !d.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("deadline %v %v, want the end of the dwell", d, ok)
	}
	if c.Poll(d.Add(-time.Nanosecond)) {
		t.Error("Poll before the deadline changed the level")
	}
	if !c.Poll(d) || c.Level() >= 8 {
		t.Errorf("Poll at the deadline: level %d", c.Level())
	}
}

func TestTableFull(t *testing.T) {
	c := mustNew(t, Config[key]{MaxLinks: 2})
	c.HandleMargin(t0, nb(1), 20, 8)
	c.HandleMargin(t0.Add(time.Second), nb(2), 20, 8)
	c.HandleMargin(t0, nb(3), 20, 8)
	if st := c.Stats(); st.Dropped != 1 {
		t.Errorf("dropped %d, want 1", st.Dropped)
	}
	if _, err := c.SetRole(t0, nb(3), RoleNextHop, true); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Link(nb(1)); ok {
		t.Error("the least recently updated unneeded link was not evicted")
	}
	if _, err := c.SetRole(t0, nb(4), RoleNextHop, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetRole(t0, nb(5), RoleNextHop, true); !errors.Is(err, ErrFull) {
		t.Errorf("err %v, want ErrFull", err)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config[key]
	}{
		{"no levels", Config[key]{}},
		{"min above max", Config[key]{Levels: testLevels, MinDBm: 5, HasMin: true, MaxDBm: 0, HasMax: true}},
		{"no level in range", Config[key]{Levels: []int8{-20, 0}, MinDBm: 1, HasMin: true}},
		{"policy", Config[key]{Levels: testLevels, Policy: 7}},
		{"hysteresis above target", Config[key]{Levels: testLevels, TargetDB: 3, HysteresisDB: 4}},
		{"ETX limit", Config[key]{Levels: testLevels, ETXLimit: 100}},
		{"negative dwell", Config[key]{Levels: testLevels, Dwell: -1}},
		{"too many pinned", Config[key]{Levels: testLevels, MaxLinks: 1, Pinned: []key{nb(1), nb(2)}}},
	} {
		if _, err := New(tc.cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err %v, want ErrInvalidConfig", tc.name, err)
		}
	}
	for _, p := range []Policy{Adaptive, Fixed} {
		b, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var q Policy
		if err := q.UnmarshalText(b); err != nil || q != p {
			t.Errorf("%v: round trip %v %v", p, q, err)
		}
	}
	if _, err := ParsePolicy("loud"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("ParsePolicy(loud): %v", err)
	}
	for _, tc := range []struct {
		lo, hi int8
		step   uint8
		want   []int8
	}{
		{-20, 8, 4, []int8{-20, -16, -12, -8, -4, 0, 4, 8}},
		{-20, 8, 3, []int8{-20, -17, -14, -11, -8, -5, -2, 1, 4, 7, 8}},
		{0, 0, 1, []int8{0}},
		{120, 127, 5, []int8{120, 125, 127}},
		{5, 0, 1, nil},
		{0, 5, 0, nil},
	} {
		if got := Steps(tc.lo, tc.hi, tc.step); !slices.Equal(got, tc.want) {
			t.Errorf("Steps(%d, %d, %d) = %v, want %v", tc.lo, tc.hi, tc.step, got, tc.want)
		}
	}
}

func TestStrings(t *testing.T) {
	r := Reason[key]{
		Kind: ReasonMargin, Neighbour: nb(1), Role: RoleParent | RolePinned, HasNeighbour: true,
		MarginDB: 7, HasMargin: true, TargetDB: 10, LevelDBm: 3,
	}
	if got, want := r.String(), "parent+pinned [2 0 0 0 0 0 0 1]: margin below target (margin 7 dB < 10 dB) at 3 dBm"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	for _, tc := range []struct{ got, want string }{
		{Role(0).String(), "none"},
		{RoleNextHop.String(), "next-hop"},
		{Role(0x80).String(), "+Role(0x80)"},
		{StateHold.String(), "hold"},
		{LinkState(9).String(), "LinkState(9)"},
		{ReasonFloor.String(), "floor after loss"},
		{ReasonKind(99).String(), "ReasonKind(99)"},
		{Policy(5).String(), "Policy(5)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if strings.Contains(first, ".") {
			t.Errorf("txpower imports %s; only the standard library is allowed", imp)
		}
	}
}

// TestChildRole checks RoleChild from received frames: a neighbour that
// sends the node unicasts raises the node level (the radio's
// acknowledgments must reach it) to that neighbour's own level, keeps it
// while frames come, and loses the role ChildHold after the last one; a
// role SetRole gave does not expire, and Fixed keeps no state.
func TestChildRole(t *testing.T) {
	const hold = 3 * time.Minute
	w := newWorld(t, Config[key]{ChildHold: hold})
	w.add(nb(1), &pathLink{loss: lossFor(-12, DefaultTargetDB)}, RoleParent)
	w.settle(300, 10000)
	if got := w.c.Level(); got != -12 {
		t.Fatalf("settled at %d dBm, want -12", got)
	}

	// A new child: the controller knows nothing about it, so the node
	// level goes to the top at once.
	if !w.c.HandleRx(w.now, nb(2)) {
		t.Fatal("HandleRx from a new child did not change the node level")
	}
	if got, ls := w.c.Level(), mustLink(t, w.c, nb(2)); got != 8 || ls.Roles != RoleChild {
		t.Fatalf("after a frame from a new child: node level %d dBm, child %+v; want 8, RoleChild", got, ls)
	}
	if r := w.c.Reason(); r.Neighbour != nb(2) || r.Role != RoleChild || r.Kind != ReasonUnknown {
		t.Fatalf("reason %v, want the child without feedback", r)
	}
	// Its feedback brings it, and the node level, down to what it needs;
	// the frames it keeps sending keep the role.
	w.add(nb(2), &pathLink{loss: lossFor(-3, DefaultTargetDB)}, 0)
	var last time.Time
	for range 600 {
		w.step()
		if w.i%30 == 0 {
			w.c.HandleRx(w.now, nb(2))
			last = w.now
		}
	}
	if got := w.c.Level(); got != -3 {
		t.Fatalf("with the child at -3 dBm: node level %d dBm, want -3", got)
	}
	if d, ok := w.c.Deadline(); !ok || d.After(last.Add(hold)) {
		t.Fatalf("deadline %v (%v), want the child's hold by %v", d, ok, last.Add(hold))
	}
	// Silence: the role ends ChildHold after the last frame, and the node
	// level falls back to the parent's.
	delete(w.links, nb(2))
	w.keys = w.keys[:1]
	for w.now.Before(last.Add(hold - time.Second)) {
		w.step()
	}
	if ls := mustLink(t, w.c, nb(2)); ls.Roles != RoleChild || w.c.Level() != -3 {
		t.Fatalf("before the hold ended: %+v, node level %d", ls, w.c.Level())
	}
	w.run(2)
	if ls := mustLink(t, w.c, nb(2)); ls.Roles != 0 || w.c.Level() != -12 {
		t.Fatalf("after the hold: %+v, node level %d dBm; want no role, -12", ls, w.c.Level())
	}
	if got := w.c.BroadcastLevel(); got != -3 {
		t.Errorf("broadcast level %d dBm, want -3: the former child is still a neighbour", got)
	}

	// A child SetRole names stays until SetRole takes it away, frames or
	// not.
	if _, err := w.c.SetRole(w.now, nb(3), RoleChild, true); err != nil {
		t.Fatal(err)
	}
	w.c.HandleRx(w.now, nb(3))
	w.now = w.now.Add(10 * hold)
	w.c.Poll(w.now)
	if ls := mustLink(t, w.c, nb(3)); ls.Roles != RoleChild {
		t.Fatalf("a child SetRole named lost its role: %+v", ls)
	}
	if _, err := w.c.SetRole(w.now, nb(3), RoleChild, false); err != nil {
		t.Fatal(err)
	}
	if ls := mustLink(t, w.c, nb(3)); ls.Roles != 0 {
		t.Fatalf("SetRole off left %v", ls.Roles)
	}

	// Fixed: the level is the top already; no state.
	f := mustNew(t, Config[key]{Policy: Fixed})
	if f.HandleRx(t0, nb(4)) {
		t.Error("Fixed: HandleRx changed the level")
	}
	if _, ok := f.Link(nb(4)); ok {
		t.Error("Fixed: HandleRx added state")
	}
}

// TestChildRoleFullTable checks that a frame from a stranger cannot push a
// needed link out: with every slot needed, HandleRx is dropped and counted.
func TestChildRoleFullTable(t *testing.T) {
	c := mustNew(t, Config[key]{MaxLinks: 2})
	for i := range 2 {
		if _, err := c.SetRole(t0, nb(byte(i)), RoleNextHop, true); err != nil {
			t.Fatal(err)
		}
	}
	if c.HandleRx(t0, nb(9)) {
		t.Error("HandleRx with a full table changed the level")
	}
	if _, ok := c.Link(nb(9)); ok || c.Stats().Dropped != 1 {
		t.Errorf("stranger added or not counted: stats %+v", c.Stats())
	}
	// A neighbour that is not needed makes room.
	if _, err := c.SetRole(t0, nb(1), RoleNextHop, false); err != nil {
		t.Fatal(err)
	}
	c.HandleRx(t0, nb(9))
	if ls, ok := c.Link(nb(9)); !ok || ls.Roles != RoleChild {
		t.Errorf("after making room: %+v, %v", ls, ok)
	}
}

func mustLink(t *testing.T, c *Controller[key], k key) LinkStatus[key] {
	t.Helper()
	ls, ok := c.Link(k)
	if !ok {
		t.Fatalf("no state for %v", k)
	}
	return ls
}
