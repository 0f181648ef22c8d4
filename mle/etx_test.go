package mle

import (
	"math"
	"math/rand/v2"
	"testing"
)

type txOutcome struct {
	tx    int
	acked bool
}

func TestETXEstimator(t *testing.T) {
	tests := []struct {
		name     string
		outcomes []txOutcome
		wantETX  int
		wantIDR  uint8
	}{
		{"no samples", nil, ETXInit, 64},
		{"first ack on first try", []txOutcome{{1, true}}, 128, IDRPerfect},
		{"first sample sets the value", []txOutcome{{3, true}}, 384, 96},
		{"zero transmissions ignored", []txOutcome{{0, false}}, ETXInit, 64},
		{"no ack counts as the penalty", []txOutcome{{1, false}}, ETXNoAckPenalty * ETXDivisor, 192},
		{"no ack after many tries", []txOutcome{{7, false}}, 7 * ETXDivisor, 224},
		{"saturates", []txOutcome{{100, true}}, ETXMax, IDRUnusable},
		// 128; ramp 0.7·128+0.3·768 = 320; 0.7·320+0.3·256 = 300.8;
		// 0.7·300.8+0.3·128 = 248.96; then α = 0.15: 0.85·248.96+0.15·128 = 230.816.
		{"ramp then steady weight", []txOutcome{{1, true}, {2, false}, {2, true}, {1, true}, {1, true}}, 231, 58},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e ETXEstimator
			for _, o := range tc.outcomes {
				e.Record(o.tx, o.acked)
			}
			if got := e.ETX(); got != tc.wantETX {
				t.Errorf("ETX = %d, want %d", got, tc.wantETX)
			}
			if got := e.IDR(); got != tc.wantIDR {
				t.Errorf("IDR = %#x, want %#x", got, tc.wantIDR)
			}
		})
	}
}

// TestETXConverges checks that a run of perfect transmissions brings a bad
// estimate back to exactly 1.0, and a run of losses to the penalty.
func TestETXConverges(t *testing.T) {
	var e ETXEstimator
	e.Record(8, false)
	for range 100 {
		e.Record(1, true)
	}
	if got := e.ETX(); got != ETXDivisor {
		t.Errorf("after 100 clean packets ETX = %d, want %d", got, ETXDivisor)
	}
	for range 100 {
		e.Record(1, false)
	}
	if got := e.ETX(); got != ETXNoAckPenalty*ETXDivisor {
		t.Errorf("after 100 lost packets ETX = %d, want %d", got, ETXNoAckPenalty*ETXDivisor)
	}
	if !e.Valid() {
		t.Error("Valid = false after samples")
	}
	e.Reset()
	if e.Valid() || e.ETX() != ETXInit {
		t.Errorf("after Reset Valid = %v ETX = %d", e.Valid(), e.ETX())
	}
}

// TestETXReference compares the estimator with a float model over random
// outcomes.
func TestETXReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var e ETXEstimator
		var ref float64
		for i := range 60 {
			tx := 1 + r.IntN(4)
			acked := r.IntN(5) != 0
			e.Record(tx, acked)
			s := float64(tx)
			if !acked {
				s = math.Max(s, ETXNoAckPenalty)
			}
			switch {
			case i == 0:
				ref = s
			case i < etxRampSamples:
				ref = 0.7*ref + 0.3*s
			default:
				ref = 0.85*ref + 0.15*s
			}
			if d := math.Abs(float64(e.ETX())/ETXDivisor - ref); d > 1.0/ETXDivisor {
				t.Fatalf("sample %d: ETX = %d/128, float model %.4f", i, e.ETX(), ref)
			}
			if e.ETX() < ETXDivisor || e.ETX() > ETXMax {
				t.Fatalf("ETX %d out of [%d, %d]", e.ETX(), ETXDivisor, ETXMax)
			}
		}
	}
}

func TestIDRConversions(t *testing.T) {
	for _, tc := range []struct {
		etx int
		idr uint8
	}{{128, 0x20}, {256, 0x40}, {192, 0x30}, {ETXMax, 0xFF}, {2000, 0xFF}, {0, 0}} {
		if got := ETXToIDR(tc.etx); got != tc.idr {
			t.Errorf("ETXToIDR(%d) = %#x, want %#x", tc.etx, got, tc.idr)
		}
	}
	for _, tc := range []struct {
		idr uint8
		etx int
	}{{0x20, 128}, {0x40, 256}, {0xFF, ETXMax}} {
		if got := IDRToETX(tc.idr); got != tc.etx {
			t.Errorf("IDRToETX(%#x) = %d, want %d", tc.idr, got, tc.etx)
		}
	}
	for _, tc := range []struct {
		in, out uint8
		want    int
	}{
		{0x20, 0x20, 128}, // 1.0 × 1.0
		{0x40, 0x30, 384}, // 2.0 × 1.5 = 3.0
		{0x28, 0x28, 200}, // 1.25² = 1.5625
		{0xFF, 0x20, 0xFFFF},
		{0x20, 0xFF, 0xFFFF},
		{0xFE, 0xFE, 8065}, // 7.9375² ≈ 63.0
	} {
		if got := LinkETX(tc.in, tc.out); got != tc.want {
			t.Errorf("LinkETX(%#x, %#x) = %d, want %d", tc.in, tc.out, got, tc.want)
		}
	}
}
