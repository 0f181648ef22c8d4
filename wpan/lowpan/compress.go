package lowpan

import (
	"encoding/binary"
	"math"

	"github.com/meshgw/meshgw/wpan"
)

// Compress appends to dst the 6LoWPAN payload that carries the IPv6 packet
// pkt in one frame: LOWPAN_IPHC, LOWPAN_NHC for the headers it can compress,
// and the rest of pkt. src and dstAddr are the MAC addresses of the frame
// (their interface identifiers let IPHC elide addresses); ctx may be nil.
//
// Compression is lossless: [Decompress] restores pkt byte for byte. Headers
// that cannot be restored exactly (a UDP length or an inner payload length
// that does not run to the end of the packet, trailing padding other than
// the canonical Pad1/PadN, anything after an IPv6 Fragment header) are
// carried inline. A UDP checksum is always carried. pkt must be a whole IPv6
// packet whose payload length matches its size, or Compress returns
// [ErrBadIPv6]. It does not allocate when dst has room.
func Compress(dst, pkt []byte, src, dstAddr wpan.Addr, ctx *Contexts) ([]byte, error) {
	out, n, err := compressHeaders(dst, pkt, src, dstAddr, ctx, math.MaxInt)
	if err != nil {
		return dst, err
	}
	return append(out, pkt[n:]...), nil
}

// encoder holds the state of one compression.
type encoder struct {
	src, dst wpan.Addr
	ctx      *Contexts
	out      []byte
	base     int
}

// pending says where the Next Header field of the last compressed header
// goes when the header after it cannot be compressed: clear mask in
// out[flag] (the NH bit) and insert the value at out[at].
type pending struct {
	flag int
	mask byte
	at   int
}

// compressHeaders appends the compressed headers of pkt to dst, keeping them
// within limit bytes, and returns how many bytes of pkt they cover. The rest
// of pkt goes after them unchanged.
func compressHeaders(dst, pkt []byte, src, dstAddr wpan.Addr, ctx *Contexts, limit int) ([]byte, int, error) {
	if err := checkIPv6(pkt); err != nil {
		if err == ErrTruncated {
			err = ErrBadIPv6
		}
		return dst, 0, err
	}
	e := encoder{src: src, dst: dstAddr, ctx: ctx, out: dst, base: len(dst)}
	pend := e.iphc(pkt[:ipv6HeaderLen])
	// Reserve one byte for an inline Next Header.
	if len(e.out)-e.base+1 > limit {
		return dst, 0, ErrBudget
	}
	off, proto, depth := ipv6HeaderLen, pkt[6], 1
	for {
		mark := len(e.out)
		n, next, np, terminal, stop, ok := e.next(proto, pkt[off:], &depth)
		if ok {
			reserve := 1
			if terminal {
				reserve = 0
			}
			if len(e.out)-e.base+reserve <= limit {
				off += n
				if terminal {
					return e.out, off, nil
				}
				pend, proto = np, next
				if !stop {
					continue
				}
			} else {
				e.out = e.out[:mark]
			}
		}
		// Carry the Next Header inline; the rest of the packet follows as is.
		e.out[pend.flag] &^= pend.mask
		e.out = append(e.out, 0)
		copy(e.out[pend.at+1:], e.out[pend.at:])
		e.out[pend.at] = proto
		return e.out, off, nil
	}
}

// next tries to compress the header proto at the start of rest. It returns
// the bytes of rest covered, the header's own next header and pending
// position, whether it ended the chain (UDP), whether the chain must stop
// after it (Fragment), and ok = false when it wrote nothing.
func (e *encoder) next(proto byte, rest []byte, depth *int) (n int, next byte, p pending, terminal, stop, ok bool) {
	switch proto {
	case protoUDP:
		if len(rest) < udpHeaderLen || int(binary.BigEndian.Uint16(rest[4:])) != len(rest) {
			return
		}
		e.udp(rest)
		return udpHeaderLen, 0, pending{}, true, false, true
	case protoIPv6:
		if *depth >= maxNesting || checkIPv6(rest) != nil {
			return
		}
		*depth++
		e.out = append(e.out, nhcIPv6)
		p = e.iphc(rest[:ipv6HeaderLen])
		return ipv6HeaderLen, rest[6], p, false, false, true
	case protoHopByHop, protoRouting, protoFragment, protoDestOpts, protoMobility:
		if len(rest) < 8 {
			return
		}
		size := 8
		if proto == protoFragment {
			if rest[1] != 0 { // reserved byte: only zero is restored
				return
			}
		} else {
			size = (int(rest[1]) + 1) * 8
		}
		if len(rest) < size {
			return
		}
		l := size - 2
		if proto == protoHopByHop || proto == protoDestOpts {
			l = optionsLen(rest[:size])
		}
		if l > 255 {
			return
		}
		var eid byte
		switch proto {
		case protoRouting:
			eid = 1
		case protoFragment:
			eid = 2
		case protoDestOpts:
			eid = 3
		case protoMobility:
			eid = 4
		}
		at := len(e.out)
		e.out = append(e.out, nhcEH|eid<<1|1, byte(l))
		e.out = append(e.out, rest[2:2+l]...)
		return size, rest[0], pending{flag: at, mask: 1, at: at + 1}, false, proto == protoFragment, true
	}
	return
}

// optionsLen returns how many bytes after the first two of the Hop-by-Hop or
// Destination Options header h to carry: all of them, less trailing padding
// that the decompressor regenerates identically (RFC 6282 §4.2).
func optionsLen(h []byte) int {
	last := 2 // end of the last option that is not padding
	for i := 2; i < len(h); {
		switch h[i] {
		case 0: // Pad1
			i++
			continue
		}
		if i+1 >= len(h) || i+2+int(h[i+1]) > len(h) {
			return len(h) - 2 // malformed options: carry them all
		}
		end := i + 2 + int(h[i+1])
		if h[i] != 1 { // not PadN
			last = end
		}
		i = end
	}
	tail := h[last:]
	switch n := len(tail); {
	case n == 0:
	case n == 1:
		if tail[0] != 0 {
			return len(h) - 2
		}
	case n < 8:
		if tail[0] != 1 || int(tail[1]) != n-2 {
			return len(h) - 2
		}
		for _, c := range tail[2:] {
			if c != 0 {
				return len(h) - 2
			}
		}
	default:
		return len(h) - 2
	}
	return last - 2
}

// udp appends UDP LOWPAN_NHC (RFC 6282 §4.3.3) with the checksum inline.
func (e *encoder) udp(h []byte) {
	sp, dp := binary.BigEndian.Uint16(h[0:]), binary.BigEndian.Uint16(h[2:])
	switch {
	case sp&0xfff0 == 0xf0b0 && dp&0xfff0 == 0xf0b0:
		e.out = append(e.out, nhcUDP|3, byte(sp&0x0f)<<4|byte(dp&0x0f))
	case dp&0xff00 == 0xf000:
		e.out = append(e.out, nhcUDP|1, byte(sp>>8), byte(sp), byte(dp))
	case sp&0xff00 == 0xf000:
		e.out = append(e.out, nhcUDP|2, byte(sp), byte(dp>>8), byte(dp))
	default:
		e.out = append(e.out, nhcUDP, byte(sp>>8), byte(sp), byte(dp>>8), byte(dp))
	}
	e.out = append(e.out, h[6], h[7])
}

// iphc appends LOWPAN_IPHC for the IPv6 header h with the NH bit set and
// returns where an inline Next Header would go.
func (e *encoder) iphc(h []byte) pending {
	at := len(e.out)
	tc := h[0]<<4 | h[1]>>4
	fl := uint32(h[1]&0x0f)<<16 | uint32(h[2])<<8 | uint32(h[3])
	src, dst := [16]byte(h[8:24]), [16]byte(h[24:40])

	b0 := byte(dispatchIPHC | iphcNH)
	var b1 byte
	var tf [4]byte
	ntf := 0
	ecn, dscp := tc&3, tc>>2
	switch {
	case tc == 0 && fl == 0:
		b0 |= 3 << 3
	case fl == 0:
		b0 |= 2 << 3
		tf[0], ntf = ecn<<6|dscp, 1
	case dscp == 0:
		b0 |= 1 << 3
		tf[0], tf[1], tf[2], ntf = ecn<<6|byte(fl>>16), byte(fl>>8), byte(fl), 3
	default:
		tf[0], tf[1], tf[2], tf[3], ntf = ecn<<6|dscp, byte(fl>>16), byte(fl>>8), byte(fl), 4
	}
	hl := h[7]
	switch hl {
	case 1:
		b0 |= 1
	case 64:
		b0 |= 2
	case 255:
		b0 |= 3
	}

	var sci, dci uint8
	var sam, dam uint8
	if src == ([16]byte{}) {
		b1 |= iphcSAC // SAC = 1, SAM = 00: the unspecified address
	} else {
		stateful, mode, id := e.unicast(&src, e.src)
		if stateful {
			b1 |= iphcSAC
			sci = id
		}
		sam = mode
		b1 |= sam << 4
	}
	multicast := dst[0] == 0xff
	if multicast {
		b1 |= iphcM
		stateful, mode, id := e.multicast(&dst)
		if stateful {
			b1 |= iphcDAC
			dci = id
		}
		dam = mode
	} else {
		stateful, mode, id := e.unicast(&dst, e.dst)
		if stateful {
			b1 |= iphcDAC
			dci = id
		}
		dam = mode
	}
	b1 |= dam
	if sci != 0 || dci != 0 {
		b1 |= iphcCID
	}

	e.out = append(e.out, b0, b1)
	if b1&iphcCID != 0 {
		e.out = append(e.out, sci<<4|dci)
	}
	e.out = append(e.out, tf[:ntf]...)
	nhAt := len(e.out)
	if b0&3 == 0 {
		e.out = append(e.out, hl)
	}
	if src != ([16]byte{}) {
		e.out = appendUnicast(e.out, &src, sam, b1&iphcSAC != 0)
	}
	if multicast {
		e.out = appendMulticast(e.out, &dst, dam, b1&iphcDAC != 0)
	} else {
		e.out = appendUnicast(e.out, &dst, dam, b1&iphcDAC != 0)
	}
	return pending{flag: at, mask: iphcNH, at: nhAt}
}

// appendUnicast appends the inline bits of a unicast address.
func appendUnicast(out []byte, a *[16]byte, mode uint8, stateful bool) []byte {
	switch mode {
	case 0:
		if !stateful {
			return append(out, a[:]...)
		}
		return out
	case 1:
		return append(out, a[8:]...)
	case 2:
		return append(out, a[14:]...)
	default:
		return out
	}
}

// appendMulticast appends the inline bits of a multicast address.
func appendMulticast(out []byte, a *[16]byte, mode uint8, stateful bool) []byte {
	if stateful {
		out = append(out, a[1], a[2])
		return append(out, a[12:]...)
	}
	switch mode {
	case 0:
		return append(out, a[:]...)
	case 1:
		out = append(out, a[1])
		return append(out, a[11:]...)
	case 2:
		out = append(out, a[1])
		return append(out, a[13:]...)
	default:
		return append(out, a[15])
	}
}

// modeCost is the inline size of unicast address modes 0–3 (stateless 0).
var modeCost = [4]int{16, 8, 2, 0}

// unicast picks the shortest encoding of the unicast address a whose
// link-layer address is ll: stateless link-local first, then the context
// with compression allowed that gives the fewest inline bytes (the lowest ID
// on a tie), then 128 bits inline.
func (e *encoder) unicast(a *[16]byte, ll wpan.Addr) (stateful bool, mode, id uint8) {
	if m := bestMode(a, ll, nil); m != 0 {
		return false, m, 0
	}
	if e.ctx == nil {
		return false, 0, 0
	}
	best := 0
	for i := range e.ctx.e {
		c := &e.ctx.e[i]
		if !c.valid || !c.compress || !c.contains(a) {
			continue
		}
		m := bestMode(a, ll, c)
		if m != 0 && (best == 0 || modeCost[m] < modeCost[best]) {
			best, id = int(m), uint8(i)
		}
	}
	if best == 0 {
		return false, 0, 0
	}
	return true, uint8(best), id
}

// bestMode returns the shortest of modes 3, 2 and 1 that rebuilds a from the
// prefix (the context c, which the caller found to contain a, or fe80::/64
// when c is nil), or 0 when none does.
func bestMode(a *[16]byte, ll wpan.Addr, c *entry) uint8 {
	switch {
	case c == nil:
		if a[0] != 0xfe || a[1] != 0x80 || !allZero(a[2:8]) {
			return 0
		}
	case c.bits <= 64:
		// The bits between the prefix and the IID are zero after
		// decompression.
		n := int(c.bits)
		if r := n % 8; r != 0 && a[n/8]&(0xff>>r) != 0 {
			return 0
		}
		if !allZero(a[(n+7)/8 : 8]) {
			return 0
		}
	default:
		return bestModeOverlay(a, ll, c)
	}
	if iid, ok := ll.IID(); ok && iid == [8]byte(a[8:16]) {
		return 3
	}
	if a[8] == 0 && a[9] == 0 && a[10] == 0 && a[11] == 0xff && a[12] == 0xfe && a[13] == 0 {
		return 2
	}
	return 1
}

// bestModeOverlay is bestMode for contexts longer than 64 bits, which
// overlay part of the IID: it rebuilds the address as the decoder does for
// each mode and compares.
func bestModeOverlay(a *[16]byte, ll wpan.Addr, c *entry) uint8 {
	var r [16]byte
	if iid, ok := ll.IID(); ok {
		copy(r[8:], iid[:])
		c.overlay(&r)
		if r == *a {
			return 3
		}
	}
	r = [16]byte{}
	r[11], r[12], r[14], r[15] = 0xff, 0xfe, a[14], a[15]
	c.overlay(&r)
	if r == *a {
		return 2
	}
	r = [16]byte{}
	copy(r[8:], a[8:])
	c.overlay(&r)
	if r == *a {
		return 1
	}
	return 0
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// multicast picks the encoding of the multicast address a: the stateless
// 8-, 32- and 48-bit forms, then the RFC 3306 unicast-prefix-based form with
// a context, then 128 bits inline.
func (e *encoder) multicast(a *[16]byte) (stateful bool, mode, id uint8) {
	switch {
	case a[1] == 0x02 && allZero(a[2:15]):
		return false, 3, 0
	case allZero(a[2:13]):
		return false, 2, 0
	case allZero(a[2:11]):
		return false, 1, 0
	}
	if e.ctx != nil {
		for i := range e.ctx.e {
			c := &e.ctx.e[i]
			if c.valid && c.compress && c.bits <= 64 && a[3] == c.bits && [8]byte(a[4:12]) == [8]byte(c.prefix[:8]) {
				return true, 0, uint8(i)
			}
		}
	}
	return false, 0, 0
}
