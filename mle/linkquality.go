package mle

// Link margin and link quality, as Thread computes them (OpenThread
// src/core/thread/link_quality.cpp).

// InvalidRSS is the RSS value radios report when they have no measurement
// (OpenThread Radio::kInvalidRssi).
const InvalidRSS int8 = 127

// DefaultReceiveSensitivity is the receive sensitivity, in dBm, used as the
// noise floor when the radio reports none (OpenThread radio.hpp).
const DefaultReceiveSensitivity int8 = -110

// RSS averager fixed-point parameters: samples kept times 8, an arithmetic
// mean over the first 8 samples, then an exponentially weighted moving
// average with weight 1/8.
const (
	rssPrecisionShift = 3
	rssCoeffShift     = 3
)

// RSSAverager averages received signal strength samples of one neighbour.
// The zero value is empty and ready to use.
type RSSAverager struct {
	avg   uint16 // -average RSS × 8
	count uint8  // samples so far, saturating at 8
}

// Add adds a sample in dBm. Samples above 0 dBm count as 0 dBm; InvalidRSS
// is ignored and Add reports false.
func (a *RSSAverager) Add(rss int8) bool {
	if rss == InvalidRSS {
		return false
	}
	rss = min(rss, 0)
	v := uint32(-int32(rss)) << rssPrecisionShift
	if a.count < 1<<rssCoeffShift {
		a.count++
	}
	n := uint32(a.count)
	// Arithmetic mean while count < 8, then avg = avg·7/8 + v/8.
	a.avg = uint16((uint32(a.avg)*(n-1) + v) / n)
	return true
}

// Average returns the average RSS in dBm, rounded to the nearest integer
// (halves away from zero: −71.5 becomes −72), and false when no sample has
// been added.
func (a *RSSAverager) Average() (int8, bool) {
	if a.count == 0 {
		return InvalidRSS, false
	}
	avg := -int16(a.avg >> rssPrecisionShift)
	if a.avg&(1<<rssPrecisionShift-1) >= 1<<(rssPrecisionShift-1) {
		avg--
	}
	return int8(avg), true
}

// Reset forgets every sample.
func (a *RSSAverager) Reset() { *a = RSSAverager{} }

// LinkMargin returns the link margin in dB: the RSS above the receive
// sensitivity (the radio's noise floor), or 0 when the RSS is at or below it
// or invalid.
func LinkMargin(rss, sensitivity int8) uint8 {
	if rss == InvalidRSS {
		return 0
	}
	m := int16(rss) - int16(sensitivity)
	if m < 0 {
		return 0
	}
	return uint8(min(m, 255))
}

// LinkQuality is Thread's link quality level, 0 (unusable) to 3 (best).
type LinkQuality uint8

// Link quality levels. NoLinkQuality stands for "no previous level" as the
// prev argument of [QualityFromMargin].
const (
	LinkQuality0  LinkQuality = 0
	LinkQuality1  LinkQuality = 1
	LinkQuality2  LinkQuality = 2
	LinkQuality3  LinkQuality = 3
	NoLinkQuality LinkQuality = 0xFF
)

// Link margin thresholds (dB; the margin must exceed them) and the
// hysteresis added to every threshold above the previous level.
const (
	QualityThreshold1   = 2
	QualityThreshold2   = 10
	QualityThreshold3   = 20
	QualityHysteresisDB = 2
)

// QualityFromMargin maps a link margin to a link quality level: 3 above
// 20 dB, 2 above 10 dB, 1 above 2 dB, else 0. To keep the level from
// flapping, the thresholds above the previous level prev are raised by 2 dB
// (for example a level-1 link needs more than 12 dB to become level 2); pass
// NoLinkQuality when there is no previous level.
func QualityFromMargin(margin uint8, prev LinkQuality) LinkQuality {
	t1, t2, t3 := uint8(QualityThreshold1), uint8(QualityThreshold2), uint8(QualityThreshold3)
	switch prev {
	case LinkQuality0:
		t1 += QualityHysteresisDB
		t2 += QualityHysteresisDB
		t3 += QualityHysteresisDB
	case LinkQuality1:
		t2 += QualityHysteresisDB
		t3 += QualityHysteresisDB
	case LinkQuality2:
		t3 += QualityHysteresisDB
	}
	switch {
	case margin > t3:
		return LinkQuality3
	case margin > t2:
		return LinkQuality2
	case margin > t1:
		return LinkQuality1
	default:
		return LinkQuality0
	}
}

// MaxRouteCost is the cost of an unusable link (OpenThread kMaxRouteCost).
const MaxRouteCost = 16

// Cost returns the routing cost of a link of quality q: 1, 2 and 4 for
// levels 3, 2 and 1, MaxRouteCost otherwise.
func (q LinkQuality) Cost() uint8 {
	switch q {
	case LinkQuality3:
		return 1
	case LinkQuality2:
		return 2
	case LinkQuality1:
		return 4
	default:
		return MaxRouteCost
	}
}
