package lowpan

// Dispatch values and masks (RFC 4944 §5.1, RFC 6282 §3.1, RFC 8025 §3).
const (
	dispatchIPv6     = 0x41 // uncompressed IPv6
	dispatchBC0      = 0x50 // LOWPAN_BC0 broadcast header
	dispatchIPHC     = 0x60 // 011xxxxx
	dispatchIPHCMask = 0xe0
	dispatchMesh     = 0x80 // 10xxxxxx
	dispatchMeshMask = 0xc0
	dispatchFrag1    = 0xc0 // 11000xxx
	dispatchFragN    = 0xe0 // 11100xxx
	dispatchFragMask = 0xf8
	dispatchPage     = 0xf0 // 1111xxxx, xxxx = page number
	dispatchPageMask = 0xf0

	frag1HeaderLen = 4
	fragNHeaderLen = 5

	// MaxDatagramSize is the largest datagram_size a fragment header can
	// carry (11 bits).
	MaxDatagramSize = 2047
)

// kind is what a frame payload carries, after any page-0 switch.
type kind uint8

const (
	kindIPv6 kind = iota + 1
	kindIPHC
	kindFrag1
	kindFragN
	kindMesh
	kindBC0
)

// classify returns the kind of the 6LoWPAN payload b and the offset of its
// dispatch byte. A page switch to page 0 (0xF0), which only restates the
// default page, is skipped; switches to pages 1–15 (RFC 8025; page 1 is RFC
// 8138's 6LoRH) are refused.
func classify(b []byte) (kind, int, error) {
	i := 0
	for {
		if i >= len(b) {
			return 0, 0, ErrTruncated
		}
		d := b[i]
		switch {
		case d&0xc0 == 0x00:
			return 0, 0, ErrNotLowpan
		case d == dispatchIPv6:
			return kindIPv6, i, nil
		case d == dispatchBC0:
			return kindBC0, i, nil
		case d&dispatchIPHCMask == dispatchIPHC:
			return kindIPHC, i, nil
		case d&0xc0 == 0x40:
			// ESC (0x40), HC1 (0x42), DFF (0x43) and the reserved values.
			return 0, 0, ErrUnsupportedDispatch
		case d&dispatchMeshMask == dispatchMesh:
			return kindMesh, i, nil
		case d&dispatchFragMask == dispatchFrag1:
			return kindFrag1, i, nil
		case d&dispatchFragMask == dispatchFragN:
			return kindFragN, i, nil
		case d == dispatchPage:
			i++ // page 0: the dispatch table of RFC 4944 continues
		case d&dispatchPageMask == dispatchPage:
			return 0, 0, ErrPageSwitch
		default:
			// 11001xxx–11011xxx and 11101xxx: reserved.
			return 0, 0, ErrUnsupportedDispatch
		}
	}
}

// meshHeaderLen returns the length of the mesh header (RFC 4944 §5.2) at the
// start of b: the dispatch byte with V, F and Hops Left, the 8-bit Deep Hops
// Left when Hops Left is 0xF, then the originator and final addresses (16 bits
// when V or F is set, 64 bits otherwise).
func meshHeaderLen(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, ErrTruncated
	}
	n := 1
	if b[0]&0x0f == 0x0f {
		n++
	}
	if b[0]&0x20 != 0 {
		n += 2
	} else {
		n += 8
	}
	if b[0]&0x10 != 0 {
		n += 2
	} else {
		n += 8
	}
	if len(b) < n {
		return 0, ErrTruncated
	}
	return n, nil
}
