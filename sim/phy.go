package sim

import (
	"math"
	"time"
)

// IEEE 802.15.4 2.4 GHz O-QPSK PHY and MAC timing constants (IEEE 802.15.4-2015
// §10.2, §8.1.3 and Table 8-93). One symbol is 16 µs; one octet is two symbols.
const (
	symbolTime   = 16 * time.Microsecond
	octetTime    = 2 * symbolTime
	shrPhrOctets = 6 // preamble (4), SFD (1) and PHR (1)

	unitBackoff   = 20 * symbolTime // aUnitBackoffPeriod, 320 µs
	ccaDuration   = 8 * symbolTime  // CCA detection time, 128 µs
	turnaround    = 12 * symbolTime // aTurnaroundTime, 192 µs
	ackWait       = 54 * symbolTime // macAckWaitDuration, 864 µs
	ackPSDULen    = 5               // Imm-Ack PSDU including FCS
	macMinBE      = 3
	macMaxBE      = 5
	macMaxBackoff = 4 // macMaxCSMABackoffs
)

// Airtime returns how long a PSDU of n octets (FCS included) occupies the
// channel: (6 + n) octets at 32 µs each.
func Airtime(n int) time.Duration {
	return time.Duration(shrPhrOctets+n) * octetTime
}

// dBmToMW converts a power in dBm to milliwatts.
func dBmToMW(dBm float64) float64 { return math.Pow(10, dBm/10) }

// mwToDBm converts milliwatts to dBm.
func mwToDBm(mw float64) float64 { return 10 * math.Log10(mw) }

// oqpskBER is the bit error rate of the 2.4 GHz O-QPSK PHY at a linear SINR,
// IEEE 802.15.4-2015 Annex E (the formula ns-3's LrWpanErrorModel uses):
//
//	BER = (8/15)·(1/16)·Σ_{k=2}^{16} (−1)^k·C(16,k)·exp(20·SINR·(1/k − 1))
func oqpskBER(sinr float64) float64 {
	sum := 0.0
	binom := 1.0 // C(16,0)
	for k := 1; k <= 16; k++ {
		binom = binom * float64(16-k+1) / float64(k)
		if k < 2 {
			continue
		}
		term := binom * math.Exp(20*sinr*(1/float64(k)-1))
		if k%2 == 1 {
			term = -term
		}
		sum += term
	}
	ber := 8.0 / 15.0 / 16.0 * sum
	// Cancellation leaves tiny negative values at high SINR.
	return min(max(ber, 0), 0.5)
}

// The PER table holds ln(1 − BER) at SINR steps of perStepDB from perMinDB
// to perMaxDB. Below perMinDB a frame is always lost; above perMaxDB it is
// never lost to bit errors (BER < 1e-20 there).
const (
	perMinDB  = -10.0
	perMaxDB  = 12.0
	perStepDB = 0.05
	perSteps  = int((perMaxDB-perMinDB)/perStepDB) + 1
)

var perLog1mBER = func() [perSteps]float64 {
	var t [perSteps]float64
	for i := range t {
		db := perMinDB + float64(i)*perStepDB
		t[i] = math.Log1p(-oqpskBER(math.Pow(10, db/10)))
	}
	return t
}()

// frameErrorRate returns the probability that a PSDU of n octets is
// corrupted at sinrDB: 1 − (1 − BER)^(8n), with ln(1 − BER) interpolated
// linearly from the table.
func frameErrorRate(sinrDB float64, n int) float64 {
	if sinrDB >= perMaxDB {
		return 0
	}
	if sinrDB < perMinDB || math.IsNaN(sinrDB) {
		return 1
	}
	x := (sinrDB - perMinDB) / perStepDB
	i := int(x)
	l := perLog1mBER[i]
	if i+1 < perSteps {
		l += (perLog1mBER[i+1] - l) * (x - float64(i))
	}
	return -math.Expm1(8 * float64(n) * l)
}

// lqiFromSINR maps SINR to a 0–255 link quality indicator: linear from 0 at
// −5 dB (where the PER of a 60-octet frame is almost 1) to 255 at +30 dB.
func lqiFromSINR(sinrDB float64) uint8 {
	v := (sinrDB + 5) * 255 / 35
	switch {
	case v <= 0 || math.IsNaN(v):
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// clampInt8 rounds v to the nearest int8.
func clampInt8(v float64) int8 {
	switch {
	case v <= -128 || math.IsNaN(v):
		return -128
	case v >= 127:
		return 127
	}
	return int8(math.Round(v))
}

// Propagation is the log-distance path loss model with log-normal
// shadowing, and the receiver's noise and sensitivity.
type Propagation struct {
	// RefDistance is d0 in metres.
	RefDistance float64
	// RefLossDB is the path loss at d0 (40.2 dB at 1 m for 2.4 GHz free space).
	RefLossDB float64
	// Exponent is the path loss exponent n.
	Exponent float64
	// ShadowingSigmaDB is σ of the per-link log-normal shadowing, drawn once
	// per link from the seed and truncated at ±3σ. Zero disables shadowing.
	ShadowingSigmaDB float64
	// AsymmetricShadowing draws independent shadowing for each direction of
	// a link; by default both directions share one value.
	AsymmetricShadowing bool
	// NoiseFloorDBm is the thermal noise plus receiver noise figure.
	NoiseFloorDBm float64
	// SensitivityDBm is the weakest frame the receiver synchronizes to.
	SensitivityDBm float64
	// InterferenceFloorDBm is the weakest signal the medium tracks at all:
	// links weaker than this even at the highest power level are not
	// precomputed, and weaker signals add no interference.
	InterferenceFloorDBm float64
	// CaptureThresholdDB is the SINR an overlapped frame needs to survive;
	// below it the frame is lost to the collision.
	CaptureThresholdDB float64
}

// DefaultPropagation returns the model documented in the package comment.
func DefaultPropagation() Propagation {
	return Propagation{
		RefDistance:          1,
		RefLossDB:            40.2,
		Exponent:             3,
		ShadowingSigmaDB:     4,
		NoiseFloorDBm:        -100,
		SensitivityDBm:       -100,
		InterferenceFloorDBm: -110,
		CaptureThresholdDB:   3,
	}
}

// MeanPathLoss returns the path loss in dB at distance d metres without
// shadowing. Distances below d0 count as d0.
func (p Propagation) MeanPathLoss(d float64) float64 {
	d = max(d, p.RefDistance)
	return p.RefLossDB + 10*p.Exponent*math.Log10(d/p.RefDistance)
}

// DistanceForLoss returns the distance at which the mean path loss is lossDB.
func (p Propagation) DistanceForLoss(lossDB float64) float64 {
	return p.RefDistance * math.Pow(10, (lossDB-p.RefLossDB)/(10*p.Exponent))
}

// Range returns the distance at which a frame sent at txDBm arrives at the
// sensitivity level, ignoring shadowing.
func (p Propagation) Range(txDBm float64) float64 {
	return p.DistanceForLoss(txDBm - p.SensitivityDBm)
}

func (p Propagation) validate() error {
	switch {
	case !(p.RefDistance > 0) || math.IsInf(p.RefDistance, 0):
		return configError("Propagation.RefDistance", "must be a positive number of metres")
	case !(p.Exponent > 0) || p.Exponent > 10:
		return configError("Propagation.Exponent", "must be in (0, 10]")
	case !(p.ShadowingSigmaDB >= 0) || p.ShadowingSigmaDB > 30:
		return configError("Propagation.ShadowingSigmaDB", "must be in [0, 30]")
	case math.IsNaN(p.RefLossDB) || math.IsInf(p.RefLossDB, 0):
		return configError("Propagation.RefLossDB", "must be finite")
	case math.IsNaN(p.NoiseFloorDBm) || math.IsInf(p.NoiseFloorDBm, 0):
		return configError("Propagation.NoiseFloorDBm", "must be finite")
	case math.IsNaN(p.SensitivityDBm) || math.IsInf(p.SensitivityDBm, 0):
		return configError("Propagation.SensitivityDBm", "must be finite")
	case !(p.InterferenceFloorDBm <= p.SensitivityDBm):
		return configError("Propagation.InterferenceFloorDBm", "must not be above SensitivityDBm")
	case math.IsNaN(p.CaptureThresholdDB) || math.IsInf(p.CaptureThresholdDB, 0):
		return configError("Propagation.CaptureThresholdDB", "must be finite")
	}
	return nil
}

// splitmix64 is a fast, well-mixed 64-bit hash step.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// shadowing returns the shadowing in dB of the directed link a→b: a normal
// deviate with σ = ShadowingSigmaDB truncated at ±3σ, a pure function of
// seed and the (unordered, unless asymmetric) pair.
func (p Propagation) shadowing(seed uint64, a, b NodeID) float64 {
	if p.ShadowingSigmaDB == 0 {
		return 0
	}
	if !p.AsymmetricShadowing && a > b {
		a, b = b, a
	}
	h := splitmix64(seed ^ splitmix64(uint64(uint32(a))<<32|uint64(uint32(b))))
	h2 := splitmix64(h)
	u1 := (float64(h>>11) + 0.5) / (1 << 53) // (0,1)
	u2 := float64(h2>>11) / (1 << 53)
	z := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
	z = min(max(z, -3), 3)
	return z * p.ShadowingSigmaDB
}
