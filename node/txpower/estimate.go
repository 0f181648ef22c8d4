package txpower

// Feedback averages. Margins are kept normalised to the highest allowed
// level ("margin at top"), in dB × 256, so that reports measured at
// different levels average together: a margin m heard at u dBm is
// m + (top − u) at the top level, since the path loss does not depend on
// the power sent.

const (
	fixShift = 8 // dB × 256
	fixHalf  = 1 << (fixShift - 1)
	// slowWindow is the number of samples the slow margin average takes an
	// arithmetic mean over before it becomes an EWMA with weight
	// 1/slowWindow. It decides when a link may be lowered.
	slowWindow = 32
	// holdSamples is the least number of samples in the slow average on
	// which a search may settle.
	holdSamples = slowWindow
	// trialReports is the least number of margin reports at a trial level
	// that confirm it, for a link that reports margins.
	trialReports = 2
	// fastShift gives the fast margin average its weight, 1/8 (the weight
	// of OpenThread's RSS averager). It decides when a link has degraded.
	fastShift = 3
	// etxAlpha and etxAlphaRamp are the ETX EWMA weights in hundredths; the
	// ramp weight applies to the first etxRamp samples (RIOT's
	// netstats_neighbor, as package mle uses them).
	etxAlpha     = 15
	etxAlphaRamp = 30
	etxRamp      = 4
	// etxNoAckPenalty is the number of transmissions an unacknowledged
	// frame counts as, at least.
	etxNoAckPenalty = 6
	// etxMax is the largest ETX sample (IDR 0xFF, as package mle).
	etxMax = 255 * ETXDivisor / 32
)

// margins holds the two averages of one neighbour's normalised margin.
type margins struct {
	slow  int32 // margin at top × 256, arithmetic mean then EWMA 1/32
	fast  int32 // margin at top × 256, EWMA 1/4
	slowN uint8 // samples in the slow average, saturating at slowWindow
	fastN uint8 // 0 or 1: whether fast holds a sample
	// fresh sums the first holdSamples samples since the link's level
	// last changed, freshN counts them.
	fresh  int32
	freshN uint8
}

// add adds one sample, in dB × 256.
func (m *margins) add(v int32) {
	if m.slowN < slowWindow {
		m.slowN++
	}
	m.slow += divRound(v-m.slow, int32(m.slowN))
	if m.freshN < holdSamples {
		m.fresh += v
		m.freshN++
	}
	if m.fastN == 0 {
		m.fast, m.fastN = v, 1
	} else {
		m.fast += divRound(v-m.fast, 1<<fastShift)
	}
}

// reseed restarts the slow average from the fast one, after a change the
// slow one has not caught up with. It keeps a weight of a few samples so
// that the next reports move it quickly.
func (m *margins) reseed() {
	m.slow = m.fast
	m.slowN = min(m.slowN, 1<<fastShift)
}

func (m *margins) valid() bool { return m.slowN > 0 }

// restart forgets the samples since the last level change.
func (m *margins) restart() { m.fresh, m.freshN = 0, 0 }

// freshMean returns the mean of the samples since the last level change; it
// must not be called without one.
func (m *margins) freshMean() int32 { return divRound(m.fresh, int32(m.freshN)) }

// divRound divides rounding half away from zero, so that the averages do
// not stick a fraction away from a steady input.
func divRound(a, b int32) int32 {
	if a < 0 {
		return -((-a + b/2) / b)
	}
	return (a + b/2) / b
}

// roundDB rounds a value in dB × 256 to whole dB, halves up.
func roundDB(v int32) int32 { return (v + fixHalf) >> fixShift }

// etx is an ETX estimate from acknowledgement outcomes, × ETXDivisor.
type etx struct {
	v uint16
	n uint8 // samples, saturating at etxRamp
}

func (e *etx) add(attempts uint8, acked bool) {
	tx := int(attempts)
	if !acked {
		tx = max(tx, etxNoAckPenalty)
	}
	s := min(tx*ETXDivisor, etxMax)
	switch {
	case e.n == 0:
		e.v = uint16(s)
	case e.n < etxRamp:
		e.v = uint16((int(e.v)*(100-etxAlphaRamp) + s*etxAlphaRamp + 50) / 100)
	default:
		e.v = uint16((int(e.v)*(100-etxAlpha) + s*etxAlpha + 50) / 100)
	}
	if e.n < etxRamp {
		e.n++
	}
}
