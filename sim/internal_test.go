package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestQueueOrder checks the indexed heap against a sorted model under
// random schedule, reschedule and remove operations.
func TestQueueOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var q queue
	evs := make([]event, 200)
	for i := range evs {
		evs[i] = newEvent(evPoll)
	}
	for range 20000 {
		e := &evs[rng.IntN(len(evs))]
		switch rng.IntN(3) {
		case 0, 1:
			q.schedule(e, rng.Int64N(1000))
		case 2:
			q.remove(e)
		}
	}
	var want []*event
	for i := range evs {
		if evs[i].idx >= 0 {
			want = append(want, &evs[i])
		}
	}
	slices.SortFunc(want, func(a, b *event) int {
		if q.less(a, b) {
			return -1
		}
		return 1
	})
	if len(want) != len(q.h) {
		t.Fatalf("queue holds %d events, %d marked queued", len(q.h), len(want))
	}
	for i, w := range want {
		if got := q.pop(); got != w {
			t.Fatalf("pop %d: got event at %d seq %d, want at %d seq %d", i, got.at, got.seq, w.at, w.seq)
		}
		if w.idx != -1 {
			t.Fatalf("popped event still has index %d", w.idx)
		}
	}
}

func TestAirtime(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{5, 352 * time.Microsecond},    // Imm-Ack
		{127, 4256 * time.Microsecond}, // aMaxPHYPacketSize
		{69, 2400 * time.Microsecond},  // 60-byte payload benchmark frame
	} {
		if got := Airtime(tc.n); got != tc.want {
			t.Errorf("Airtime(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	if ackWait != 864*time.Microsecond || turnaround != 192*time.Microsecond || unitBackoff != 320*time.Microsecond || ccaDuration != 128*time.Microsecond {
		t.Errorf("MAC constants: ackWait %v, turnaround %v, unit backoff %v, CCA %v", ackWait, turnaround, unitBackoff, ccaDuration)
	}
}

// TestFrameErrorRate compares the table with the formula and checks the
// curve's shape.
func TestFrameErrorRate(t *testing.T) {
	for _, tc := range []struct {
		sinrDB  float64
		octets  int
		wantPER float64
		tol     float64
	}{
		// 1 − (1 − BER)^(8n) straight from the Annex E formula.
		{-3, 30, 0.98119, 1e-3},
		{-1, 30, 0.24111, 1e-3},
		{0, 30, 0.038028, 1e-4},
		{0, 127, 0.15136, 1e-3},
		{1, 30, 0.0030941, 1e-5},
		{3, 127, 8.73e-6, 1e-7},
		{-20, 10, 1, 0},
		{20, 127, 0, 0},
	} {
		got := frameErrorRate(tc.sinrDB, tc.octets)
		if math.Abs(got-tc.wantPER) > tc.tol {
			t.Errorf("frameErrorRate(%v dB, %d) = %.6g, want %.6g", tc.sinrDB, tc.octets, got, tc.wantPER)
		}
	}
	prev := 2.0
	for db := -12.0; db < 14; db += 0.01 {
		per := frameErrorRate(db, 60)
		if per > prev+1e-12 || per < 0 || per > 1 {
			t.Fatalf("PER(%.2f dB) = %g after %g: not monotone in [0, 1]", db, per, prev)
		}
		prev = per
	}
}

func TestLQI(t *testing.T) {
	for _, tc := range []struct {
		sinr float64
		want uint8
	}{{-10, 0}, {-5, 0}, {12.5, 128}, {30, 255}, {50, 255}, {math.NaN(), 0}} {
		if got := lqiFromSINR(tc.sinr); got != tc.want {
			t.Errorf("lqiFromSINR(%v) = %d, want %d", tc.sinr, got, tc.want)
		}
	}
}

// TestShadowing: symmetric by default, fixed per seed, distributed as
// N(0, σ²) truncated at 3σ.
func TestShadowing(t *testing.T) {
	p := DefaultPropagation()
	if p.shadowing(1, 3, 9) != p.shadowing(1, 9, 3) {
		t.Error("default shadowing is not symmetric")
	}
	if p.shadowing(1, 3, 9) == p.shadowing(2, 3, 9) {
		t.Error("shadowing does not depend on the seed")
	}
	p.AsymmetricShadowing = true
	if p.shadowing(1, 3, 9) == p.shadowing(1, 9, 3) {
		t.Error("asymmetric shadowing is symmetric")
	}
	var sum, sq float64
	const n = 100000
	for i := range n {
		x := p.shadowing(7, NodeID(i), NodeID(i+1))
		if math.Abs(x) > 3*p.ShadowingSigmaDB+1e-9 {
			t.Fatalf("shadowing %v beyond 3σ", x)
		}
		sum += x
		sq += x * x
	}
	mean, sd := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
	if math.Abs(mean) > 0.05 || math.Abs(sd-p.ShadowingSigmaDB) > 0.1 {
		t.Errorf("shadowing mean %.3f sd %.3f, want 0 and %v", mean, sd, p.ShadowingSigmaDB)
	}
	if got := DefaultPropagation().Range(0); math.Abs(got-98.0) > 1 {
		t.Errorf("Range(0 dBm) = %.1f m, want about 98 m", got)
	}
}

func TestNRF52840Levels(t *testing.T) {
	m := NRF52840()
	if err := m.validate(); err != nil {
		t.Fatal(err)
	}
	want := map[int8]float64{8: 16.40, 0: 6.40, -40: 3.83} // datasheet points
	for _, l := range m.Levels {
		if w, ok := want[l.DBm]; ok && l.CurrentMA != w {
			t.Errorf("%d dBm: %v mA, want %v", l.DBm, l.CurrentMA, w)
		}
	}
	for i := 1; i < len(m.Levels); i++ {
		if m.Levels[i].CurrentMA <= m.Levels[i-1].CurrentMA {
			t.Errorf("current does not rise from %d to %d dBm", m.Levels[i-1].DBm, m.Levels[i].DBm)
		}
	}
}

func BenchmarkQueue(b *testing.B) {
	b.ReportAllocs()
	var q queue
	evs := make([]event, 10000)
	for i := range evs {
		evs[i] = newEvent(evPoll)
		q.schedule(&evs[i], int64(i)*1000)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	now := int64(0)
	for b.Loop() {
		e := q.pop()
		now = e.at
		q.schedule(e, now+rng.Int64N(30e9))
	}
}

func BenchmarkFrameErrorRate(b *testing.B) {
	b.ReportAllocs()
	x := 0.0
	for i := 0; b.Loop(); i++ {
		x += frameErrorRate(float64(i%200)/10-5, 60)
	}
	_ = x
}
