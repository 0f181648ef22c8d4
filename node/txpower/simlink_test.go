package txpower

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSimulatedLink runs the controller against a link with true path loss
// L: at power P the neighbour hears margin P − L − sensitivity plus
// Gaussian noise (σ = 1 dB), reports it rounded to whole dB, and
// acknowledges frames that arrive with a margin of at least 1 dB. For
// several L and seeds the level it settles at must be the least level whose
// true margin is at least the target.
func TestSimulatedLink(t *testing.T) {
	for _, loss := range []float64{70, 75, 82, 86, 89, 93, 97, 101, 105, 108} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("L=%v/seed=%d", loss, seed), func(t *testing.T) {
				w := newWorld(t, Config[key]{})
				w.rng = rand.New(rand.NewPCG(seed, 99))
				l := &pathLink{loss: loss, sigma: 1}
				w.add(nb(1), l, RoleParent)
				w.run(3000)
				want := leastAdequate(testLevels, l, DefaultTargetDB)
				if got := w.c.Level(); got != want {
					t.Errorf("settled at %d dBm (margin %.0f dB), want %d dBm (margin %.0f dB); history %v",
						got, l.trueMargin(got), want, l.trueMargin(want), w.history)
				}
				n := w.changes
				w.run(3000)
				if d := w.changes - n; d > 1 {
					t.Errorf("%d changes after settling, want at most 1; history %v", d, w.history)
				}
			})
		}
	}
}

// TestSimulatedLinkSlowReports is the same with a margin report only every
// 30 frames, as MLE advertisements come, and 2 dB steps.
func TestSimulatedLinkSlowReports(t *testing.T) {
	for _, loss := range []float64{72, 85, 94, 104} {
		t.Run(fmt.Sprintf("L=%v", loss), func(t *testing.T) {
			w := newWorld(t, Config[key]{Levels: Steps(-20, 8, 2)})
			w.reportEvery = 30
			l := &pathLink{loss: loss, sigma: 1}
			w.add(nb(1), l, RoleParent)
			w.run(20000)
			want := leastAdequate(Steps(-20, 8, 2), l, DefaultTargetDB)
			if got := w.c.Level(); got != want {
				t.Errorf("settled at %d dBm, want %d; history %v", got, want, w.history)
			}
		})
	}
}
