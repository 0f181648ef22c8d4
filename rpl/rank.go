package rpl

// RFC 6550 section 17 constants and the defaults meshgw uses.
const (
	// InfiniteRank is the rank of a node with no path to the root.
	InfiniteRank uint16 = 0xFFFF
	// BaseRank is the rank of a virtual node above the root.
	BaseRank uint16 = 0
	// DefaultMinHopRankIncrease is RFC 6550's DEFAULT_MIN_HOP_RANK_INCREASE.
	DefaultMinHopRankIncrease uint16 = 256
	// DefaultInstance is RPL_DEFAULT_INSTANCE.
	DefaultInstance uint8 = 0
	// DefaultPathControlSize is DEFAULT_PATH_CONTROL_SIZE.
	DefaultPathControlSize uint8 = 0
	// DefaultDIOIntervalMin is DEFAULT_DIO_INTERVAL_MIN (2^3 ms). meshgw's
	// Trickle defaults follow Contiki-NG instead; see DefaultTrickleConfig.
	DefaultDIOIntervalMin uint8 = 3
	// DefaultDIOIntervalDoublings is DEFAULT_DIO_INTERVAL_DOUBLINGS.
	DefaultDIOIntervalDoublings uint8 = 20
	// DefaultDIORedundancyConstant is DEFAULT_DIO_REDUNDANCY_CONSTANT.
	DefaultDIORedundancyConstant uint8 = 10

	// LocalInstanceFlag marks a local RPLInstanceID (RFC 6550 section 5.1).
	LocalInstanceFlag uint8 = 0x80
)

// RootRank returns ROOT_RANK, which RFC 6550 section 17 defines as
// MinHopRankIncrease.
func RootRank(minHopRankIncrease uint16) uint16 { return minHopRankIncrease }

// DAGRank returns floor(rank / MinHopRankIncrease), the integer part of a
// rank that RFC 6550 section 3.5.1 uses for all rank comparisons. A zero
// MinHopRankIncrease (invalid on the wire) is treated as 1.
func DAGRank(rank, minHopRankIncrease uint16) uint16 {
	if minHopRankIncrease == 0 {
		return rank
	}
	return rank / minHopRankIncrease
}

// Lollipop is an RPL sequence counter (RFC 6550 section 7.2): values
// 128..255 form a linear start-up region and 0..127 a circular region. The
// DODAG version, DTSN, DAO sequence and path sequence are lollipop counters.
type Lollipop uint8

// Lollipop counter parameters (RFC 6550 section 7.2 and 17).
const (
	// LollipopInit is the recommended initial value, 256 - SEQUENCE_WINDOW,
	// used by Contiki-NG, RIOT and wsbrd.
	LollipopInit Lollipop = 240
	// SequenceWindow is SEQUENCE_WINDOW.
	SequenceWindow = 16
)

// Next returns the counter incremented by one: 255 wraps to 0 (leaving the
// linear region) and 127 wraps to 0 (staying in the circular region).
func (s Lollipop) Next() Lollipop {
	if s == 255 || s == 127 {
		return 0
	}
	return s + 1
}

// Compare compares two lollipop counters by the rules of RFC 6550 section
// 7.2. It returns -1, 0 or +1 when a is older than, equal to or newer than b,
// and ok = false when the counters are desynchronised (further apart than
// SequenceWindow inside one region), in which case cmp is 0.
//
// In the circular region the magnitude of the difference is taken modulo 128
// (RFC 1982 serial arithmetic), so 127 < 0, as Contiki-NG's
// RPL_LOLLIPOP_GREATER_THAN does.
func Compare(a, b Lollipop) (cmp int, ok bool) {
	switch {
	case a == b:
		return 0, true
	case a >= 128 && b < 128:
		if 256+int(b)-int(a) <= SequenceWindow {
			return -1, true
		}
		return 1, true
	case a < 128 && b >= 128:
		if 256+int(a)-int(b) <= SequenceWindow {
			return 1, true
		}
		return -1, true
	case a >= 128: // both linear
		d := int(a) - int(b)
		if d > SequenceWindow || d < -SequenceWindow {
			return 0, false
		}
		if d > 0 {
			return 1, true
		}
		return -1, true
	default: // both circular
		d := (int(a) - int(b)) & 0x7F // a - b mod 128, in 1..127
		switch {
		case d <= SequenceWindow:
			return 1, true
		case 128-d <= SequenceWindow:
			return -1, true
		}
		return 0, false
	}
}

// Newer reports whether a is comparable with b and newer than it.
func (s Lollipop) Newer(b Lollipop) bool {
	c, ok := Compare(s, b)
	return ok && c > 0
}
