package mle

// ETX and inverse delivery ratio (IDR) estimation from MAC acknowledgement
// outcomes. The draft's Link Quality TLV carries the incoming IDR times 32
// (0x20 = 1.0, 0xFF = unusable) and defines ETX = IDR(in) × IDR(out). The
// estimator below follows RIOT's netstats_neighbor and Contiki-NG's
// link-stats: a fixed-point EWMA (ETX × 128) over per-packet samples, a fast
// ramp-up weight for the first samples and a penalty for packets that were
// never acknowledged.

// ETX fixed-point and estimator parameters.
const (
	// ETXDivisor is the fixed-point scale of ETX values: 128 is ETX 1.0
	// (as RFC 6551/6719 and Contiki-NG use it).
	ETXDivisor = 128
	// ETXInit is the ETX assumed before the first sample (2.0, "a
	// mediocre link").
	ETXInit = 2 * ETXDivisor
	// ETXMax is the largest ETX the estimator reports; it is what an IDR
	// of 0xFF expresses (255/32 ≈ 7.97).
	ETXMax = int(IDRUnusable) * ETXDivisor / 32
	// ETXNoAckPenalty is the number of transmissions a packet that was
	// never acknowledged counts as, at least.
	ETXNoAckPenalty = 6
	// etxScale, etxAlpha and etxAlphaRamp are the EWMA weights in
	// hundredths; the ramp weight applies to the first etxRampSamples.
	etxScale       = 100
	etxAlpha       = 15
	etxAlphaRamp   = 30
	etxRampSamples = 4
	etxFracBits    = 8
)

// ETXEstimator estimates the ETX of the link to one neighbour from the
// outcome of each unicast: how many transmissions it took and whether it was
// acknowledged at last. The zero value has no samples and reports ETXInit.
type ETXEstimator struct {
	// acc is the estimate × ETXDivisor × 2^etxFracBits. The extra
	// fraction bits let the average converge to the samples instead of
	// sticking a few 1/128 steps away from them through rounding.
	acc     uint32
	samples uint8 // saturating at etxRampSamples
}

// Record adds the outcome of one packet sent to the neighbour:
// transmissions is the number of attempts (1 when the first was
// acknowledged) and acked whether an acknowledgement came. An
// unacknowledged packet counts as max(transmissions, ETXNoAckPenalty)
// transmissions. A packet with 0 transmissions (never sent, for example
// dropped by CCA) is ignored.
func (e *ETXEstimator) Record(transmissions int, acked bool) {
	if transmissions <= 0 {
		return
	}
	if !acked {
		transmissions = max(transmissions, ETXNoAckPenalty)
	}
	sample := uint32(min(transmissions*ETXDivisor, ETXMax)) << etxFracBits
	alpha := uint32(etxAlpha)
	if e.samples < etxRampSamples {
		alpha = etxAlphaRamp
	}
	if e.samples == 0 {
		e.acc = sample // the first sample initialises the estimate
	} else {
		e.acc = (e.acc*(etxScale-alpha) + sample*alpha + etxScale/2) / etxScale
	}
	if e.samples < etxRampSamples {
		e.samples++
	}
}

// ETX returns the estimate times ETXDivisor, ETXInit before any sample. It
// is never below ETXDivisor (1.0) nor above ETXMax.
func (e *ETXEstimator) ETX() int {
	if e.samples == 0 {
		return ETXInit
	}
	return int((e.acc + 1<<(etxFracBits-1)) >> etxFracBits)
}

// Valid reports whether at least one sample has been recorded.
func (e *ETXEstimator) Valid() bool { return e.samples > 0 }

// IDR returns the estimate as an inverse delivery ratio in the Link Quality
// TLV's encoding (× 32, rounded; 0x20 is a perfect link, 0xFF unusable).
func (e *ETXEstimator) IDR() uint8 { return ETXToIDR(e.ETX()) }

// Reset forgets every sample.
func (e *ETXEstimator) Reset() { *e = ETXEstimator{} }

// ETXToIDR converts an ETX times ETXDivisor to the Link Quality TLV's IDR
// encoding (× 32), rounding to nearest and saturating at IDRUnusable.
func ETXToIDR(etx int) uint8 {
	idr := (etx*32 + ETXDivisor/2) / ETXDivisor
	return uint8(max(min(idr, int(IDRUnusable)), 0))
}

// IDRToETX converts an IDR in the Link Quality TLV's encoding to an ETX
// times ETXDivisor. IDRUnusable gives ETXMax.
func IDRToETX(idr uint8) int { return int(idr) * ETXDivisor / 32 }

// LinkETX returns the ETX of a link, times ETXDivisor, from the inverse
// delivery ratios of both directions in the Link Quality TLV's encoding:
// ETX = IDR(in) × IDR(out) (draft §7.7). If either direction is
// IDRUnusable, or the product exceeds what a uint16 holds, it returns
// math.MaxUint16 (no usable link).
func LinkETX(idrIn, idrOut uint8) int {
	if idrIn == IDRUnusable || idrOut == IDRUnusable {
		return 0xFFFF
	}
	// (in/32)·(out/32)·128 = in·out/8.
	return min((int(idrIn)*int(idrOut)+4)/8, 0xFFFF)
}
