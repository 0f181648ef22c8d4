package mle

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRSSAverager(t *testing.T) {
	tests := []struct {
		name    string
		samples []int8
		want    int8
	}{
		{"one sample", []int8{-70}, -70},
		{"half rounds away from zero", []int8{-70, -71}, -71},
		{"mean of three", []int8{-10, -11, -11}, -11}, // −10.67
		{"positive clamps to 0", []int8{10}, 0},
		{"floor", []int8{-128}, -128},
		{"EWMA after eight", []int8{-60, -60, -60, -60, -60, -60, -60, -60, -100}, -65}, // −60·7/8 − 100/8
		{"invalid ignored", []int8{-50, InvalidRSS, -52}, -51},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a RSSAverager
			for _, s := range tc.samples {
				a.Add(s)
			}
			got, ok := a.Average()
			if !ok || got != tc.want {
				t.Errorf("Average = %d, %v; want %d, true", got, ok, tc.want)
			}
		})
	}
	var a RSSAverager
	if a.Add(InvalidRSS) {
		t.Error("Add(InvalidRSS) = true")
	}
	if v, ok := a.Average(); ok || v != InvalidRSS {
		t.Errorf("empty Average = %d, %v; want InvalidRSS, false", v, ok)
	}
	a.Add(-40)
	a.Reset()
	if _, ok := a.Average(); ok {
		t.Error("Average after Reset reports a value")
	}
}

// TestRSSAveragerReference compares the fixed-point averager with a float
// model of the same filter over random samples; they may differ by the
// fixed-point truncation (OpenThread truncates each update, which biases
// the stored average towards 0 by less than 7/8 dB) plus the final rounding
// (0.5 dB), so by less than 1.5 dB.
func TestRSSAveragerReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var a RSSAverager
		var ref float64
		for i := range 50 {
			s := int8(-r.IntN(110) - 10)
			a.Add(s)
			n := float64(min(i+1, 8))
			ref = ref*(n-1)/n + float64(s)/n
			got, _ := a.Average()
			if d := math.Abs(float64(got) - ref); d >= 1.5 {
				t.Fatalf("sample %d: Average = %d, float model %.3f", i, got, ref)
			}
		}
	}
}

func TestLinkMargin(t *testing.T) {
	for _, tc := range []struct {
		rss, sens int8
		want      uint8
	}{
		{-70, -110, 40},
		{-110, -110, 0},
		{-115, -110, 0},
		{InvalidRSS, -110, 0},
		{0, -128, 128},
		{-20, DefaultReceiveSensitivity, 90},
	} {
		if got := LinkMargin(tc.rss, tc.sens); got != tc.want {
			t.Errorf("LinkMargin(%d, %d) = %d, want %d", tc.rss, tc.sens, got, tc.want)
		}
	}
}

// TestQualityFromMargin walks the hysteresis table of mle.md §10: for each
// previous level the thresholds are 4/12/22 (LQ0), 2/12/22 (LQ1),
// 2/10/22 (LQ2) and 2/10/20 (LQ3 or none), the margin must exceed them.
func TestQualityFromMargin(t *testing.T) {
	tests := []struct {
		name string
		prev LinkQuality
		t    [3]uint8
	}{
		{"no previous", NoLinkQuality, [3]uint8{2, 10, 20}},
		{"from LQ0", LinkQuality0, [3]uint8{4, 12, 22}},
		{"from LQ1", LinkQuality1, [3]uint8{2, 12, 22}},
		{"from LQ2", LinkQuality2, [3]uint8{2, 10, 22}},
		{"from LQ3", LinkQuality3, [3]uint8{2, 10, 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for margin := 0; margin <= 255; margin++ {
				want := LinkQuality0
				switch {
				case margin > int(tc.t[2]):
					want = LinkQuality3
				case margin > int(tc.t[1]):
					want = LinkQuality2
				case margin > int(tc.t[0]):
					want = LinkQuality1
				}
				if got := QualityFromMargin(uint8(margin), tc.prev); got != want {
					t.Errorf("QualityFromMargin(%d, %d) = %d, want %d", margin, tc.prev, got, want)
				}
			}
		})
	}
	// The example from OpenThread's comment.
	if got := QualityFromMargin(12, LinkQuality1); got != LinkQuality1 {
		t.Errorf("12 dB from LQ1 = %d, want 1", got)
	}
	if got := QualityFromMargin(13, LinkQuality1); got != LinkQuality2 {
		t.Errorf("13 dB from LQ1 = %d, want 2", got)
	}
}

func TestLinkQualityCost(t *testing.T) {
	for _, tc := range []struct {
		q    LinkQuality
		want uint8
	}{{LinkQuality3, 1}, {LinkQuality2, 2}, {LinkQuality1, 4}, {LinkQuality0, MaxRouteCost}, {NoLinkQuality, MaxRouteCost}} {
		if got := tc.q.Cost(); got != tc.want {
			t.Errorf("LinkQuality(%d).Cost() = %d, want %d", tc.q, got, tc.want)
		}
	}
}
