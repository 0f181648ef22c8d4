package lowpan

import (
	"encoding/binary"
	"math"

	"github.com/meshgw/meshgw/wpan"
)

// IPv6 next-header values that LOWPAN_NHC can encode (RFC 6282 §4.2).
const (
	protoHopByHop = 0
	protoUDP      = 17
	protoIPv6     = 41
	protoRouting  = 43
	protoFragment = 44
	protoDestOpts = 60
	protoMobility = 135

	ipv6HeaderLen = 40
	udpHeaderLen  = 8

	// maxNesting bounds the IPv6 headers (the outer one and those carried
	// with NHC EID 7) in one packet.
	maxNesting = 4
)

// IPHC bits (RFC 6282 §3.1.1).
const (
	iphcNH   = 0x04 // byte 0: next header compressed with LOWPAN_NHC
	iphcCID  = 0x80 // byte 1
	iphcSAC  = 0x40
	iphcM    = 0x08
	iphcDAC  = 0x04
	nhcEH    = 0xe0 // 1110 EID(3) NH(1)
	nhcEHMsk = 0xf0
	nhcUDP   = 0xf0 // 11110 C P(2)
	nhcUDPMk = 0xf8
	nhcIPv6  = 0xee // EID 7, NH bit unused and zero
)

// eidProto maps an NHC extension-header EID to its IPv6 next-header value;
// EIDs 5 and 6 are reserved and 7 is the IPv6 header.
var eidProto = [8]byte{protoHopByHop, protoRouting, protoFragment, protoDestOpts, protoMobility, 0, 0, protoIPv6}

// Decompress decodes the 6LoWPAN payload of an unfragmented frame (after an
// optional page-0 switch: LOWPAN_IPHC or the uncompressed-IPv6 dispatch 0x41)
// and appends the whole IPv6 packet to dst, with the payload length and UDP
// length restored. src and dstAddr are the frame's MAC addresses; ctx may be
// nil when no contexts are configured. It does not allocate when dst has room.
//
// Fragments yield [ErrFragmented] (use [Layer.Input]); mesh and broadcast
// headers yield [ErrMeshHeader] and [ErrBroadcastHeader]. On error dst is
// returned unchanged.
func Decompress(dst, payload []byte, src, dstAddr wpan.Addr, ctx *Contexts) ([]byte, error) {
	k, i, err := classify(payload)
	if err != nil {
		return dst, err
	}
	b := payload[i:]
	switch k {
	case kindIPv6:
		if err := checkIPv6(b[1:]); err != nil {
			return dst, err
		}
		return append(dst, b[1:]...), nil
	case kindIPHC:
		out, n, err := decompressIPHC(dst, b, src, dstAddr, ctx, 0)
		if err != nil {
			return dst, err
		}
		return append(out, b[n:]...), nil
	case kindMesh:
		if _, err := meshHeaderLen(b); err != nil {
			return dst, err
		}
		return dst, ErrMeshHeader
	case kindBC0:
		if len(b) < 2 {
			return dst, ErrTruncated
		}
		return dst, ErrBroadcastHeader
	default: // kindFrag1, kindFragN
		return dst, ErrFragmented
	}
}

// checkIPv6 checks that p is one whole IPv6 packet.
func checkIPv6(p []byte) error {
	if len(p) < ipv6HeaderLen {
		return ErrTruncated
	}
	if p[0]>>4 != 6 || int(binary.BigEndian.Uint16(p[4:])) != len(p)-ipv6HeaderLen {
		return ErrBadIPv6
	}
	return nil
}

// decoder holds the state of one decompression.
type decoder struct {
	src, dst wpan.Addr
	ctx      *Contexts
	out      []byte
	start    int   // index in out where the packet begins
	limit    int   // maximum length of the decompressed headers
	limitErr error // returned when limit is exceeded
	ip6      [maxNesting]int
	nIP6     int
	udp      int // offset of the UDP header from start, or -1
}

// decompressIPHC decodes the LOWPAN_IPHC header at b and its NHC chain and
// appends the uncompressed headers to dst. It returns how many bytes of b it
// consumed; the rest of b is the uncompressed remainder of the packet. size is
// the datagram_size of a first fragment, which bounds the output and gives the
// packet length; 0 means the packet is b's remainder.
func decompressIPHC(dst, b []byte, src, dstAddr wpan.Addr, ctx *Contexts, size int) ([]byte, int, error) {
	d := decoder{src: src, dst: dstAddr, ctx: ctx, out: dst, start: len(dst), limit: math.MaxInt, limitErr: ErrBadIPv6, udp: -1}
	if size > 0 {
		d.limit, d.limitErr = size, ErrFragmentSize
	}
	n, err := d.iphc(b)
	if err != nil {
		return dst, 0, err
	}
	hdrs := len(d.out) - d.start
	total := size
	if size == 0 {
		total = hdrs + len(b) - n
	}
	// Restore the elided lengths: every header in the chain runs to the end
	// of the packet.
	for i := 0; i < d.nIP6; i++ {
		pl := total - d.ip6[i] - ipv6HeaderLen
		if pl < 0 || pl > math.MaxUint16 {
			return dst, 0, ErrBadIPv6
		}
		binary.BigEndian.PutUint16(d.out[d.start+d.ip6[i]+4:], uint16(pl))
	}
	if d.udp >= 0 {
		ul := total - d.udp
		if ul > math.MaxUint16 {
			return dst, 0, ErrBadIPv6
		}
		binary.BigEndian.PutUint16(d.out[d.start+d.udp+4:], uint16(ul))
	}
	return d.out, n, nil
}

// extend appends n zero bytes to the output and returns their index.
func (d *decoder) extend(n int) (int, error) {
	if len(d.out)-d.start+n > d.limit {
		return 0, d.limitErr
	}
	i := len(d.out)
	d.out = append(d.out, make([]byte, n)...)
	return i, nil
}

// iphc decodes one LOWPAN_IPHC header and its NHC chain.
func (d *decoder) iphc(b []byte) (int, error) {
	if d.nIP6 == maxNesting {
		return 0, ErrNesting
	}
	if len(b) < 2 {
		return 0, ErrTruncated
	}
	b0, b1 := b[0], b[1]
	if b0&dispatchIPHCMask != dispatchIPHC {
		return 0, ErrReserved
	}
	p := 2
	var sci, dci uint8
	if b1&iphcCID != 0 {
		if len(b) < 3 {
			return 0, ErrTruncated
		}
		sci, dci = b[2]>>4, b[2]&0x0f
		p = 3
	}
	o, err := d.extend(ipv6HeaderLen)
	if err != nil {
		return 0, err
	}
	h := d.out[o : o+ipv6HeaderLen]

	// Traffic class (ECN first on the air) and flow label.
	var tc byte
	var fl uint32
	switch (b0 >> 3) & 3 {
	case 0:
		if len(b) < p+4 {
			return 0, ErrTruncated
		}
		tc = b[p]<<2 | b[p]>>6
		fl = uint32(b[p+1]&0x0f)<<16 | uint32(b[p+2])<<8 | uint32(b[p+3])
		p += 4
	case 1:
		if len(b) < p+3 {
			return 0, ErrTruncated
		}
		tc = b[p] >> 6
		fl = uint32(b[p]&0x0f)<<16 | uint32(b[p+1])<<8 | uint32(b[p+2])
		p += 3
	case 2:
		if len(b) < p+1 {
			return 0, ErrTruncated
		}
		tc = b[p]<<2 | b[p]>>6
		p++
	}
	h[0] = 0x60 | tc>>4
	h[1] = tc<<4 | byte(fl>>16)
	h[2] = byte(fl >> 8)
	h[3] = byte(fl)

	compressedNH := b0&iphcNH != 0
	if !compressedNH {
		if len(b) < p+1 {
			return 0, ErrTruncated
		}
		h[6] = b[p]
		p++
	}
	switch b0 & 3 {
	case 0:
		if len(b) < p+1 {
			return 0, ErrTruncated
		}
		h[7] = b[p]
		p++
	case 1:
		h[7] = 1
	case 2:
		h[7] = 64
	case 3:
		h[7] = 255
	}

	n, err := d.srcAddr(b[p:], b1, sci, (*[16]byte)(h[8:24]))
	if err != nil {
		return 0, err
	}
	p += n
	n, err = d.dstAddr(b[p:], b1, dci, (*[16]byte)(h[24:40]))
	if err != nil {
		return 0, err
	}
	p += n
	d.ip6[d.nIP6] = o - d.start
	d.nIP6++
	if compressedNH {
		n, err := d.nhc(b[p:], o+6)
		if err != nil {
			return 0, err
		}
		p += n
	}
	return p, nil
}

// linkIID fills a with the interface identifier (bytes 8–15) of an address
// compressed with mode 1 (64 bits inline), 2 (16 bits inline) or 3 (derived
// from the link-layer address ll), zeroing bytes 0–7.
func linkIID(b []byte, mode uint8, ll wpan.Addr, a *[16]byte) (int, error) {
	*a = [16]byte{}
	switch mode {
	case 1:
		if len(b) < 8 {
			return 0, ErrTruncated
		}
		copy(a[8:], b[:8])
		return 8, nil
	case 2:
		if len(b) < 2 {
			return 0, ErrTruncated
		}
		a[11], a[12] = 0xff, 0xfe
		a[14], a[15] = b[0], b[1]
		return 2, nil
	default:
		iid, ok := ll.IID()
		if !ok {
			return 0, ErrLinkAddress
		}
		copy(a[8:], iid[:])
		return 0, nil
	}
}

// stateless decodes a stateless unicast address (SAC/DAC = 0).
func stateless(b []byte, mode uint8, ll wpan.Addr, a *[16]byte) (int, error) {
	if mode == 0 {
		if len(b) < 16 {
			return 0, ErrTruncated
		}
		copy(a[:], b[:16])
		return 16, nil
	}
	n, err := linkIID(b, mode, ll, a)
	if err != nil {
		return 0, err
	}
	a[0], a[1] = 0xfe, 0x80
	return n, nil
}

// stateful decodes a context-based unicast address (mode 1–3).
func (d *decoder) stateful(b []byte, mode, id uint8, ll wpan.Addr, a *[16]byte) (int, error) {
	e := d.ctx.lookup(id)
	if e == nil {
		return 0, ErrUnknownContext
	}
	n, err := linkIID(b, mode, ll, a)
	if err != nil {
		return 0, err
	}
	e.overlay(a)
	return n, nil
}

func (d *decoder) srcAddr(b []byte, b1 byte, sci uint8, a *[16]byte) (int, error) {
	sam := (b1 >> 4) & 3
	if b1&iphcSAC == 0 {
		return stateless(b, sam, d.src, a)
	}
	if sam == 0 {
		*a = [16]byte{} // the unspecified address
		return 0, nil
	}
	return d.stateful(b, sam, sci, d.src, a)
}

func (d *decoder) dstAddr(b []byte, b1 byte, dci uint8, a *[16]byte) (int, error) {
	dam := b1 & 3
	dac := b1&iphcDAC != 0
	if b1&iphcM == 0 {
		if !dac {
			return stateless(b, dam, d.dst, a)
		}
		if dam == 0 {
			return 0, ErrReserved
		}
		return d.stateful(b, dam, dci, d.dst, a)
	}
	*a = [16]byte{}
	if dac {
		// RFC 3306 unicast-prefix-based: ffXX:XXLL:PPPP:PPPP:PPPP:PPPP:XXXX:XXXX.
		if dam != 0 {
			return 0, ErrReserved
		}
		if len(b) < 6 {
			return 0, ErrTruncated
		}
		e := d.ctx.lookup(dci)
		if e == nil || e.bits > 64 {
			return 0, ErrUnknownContext
		}
		a[0], a[1], a[2], a[3] = 0xff, b[0], b[1], e.bits
		copy(a[4:12], e.prefix[:8])
		copy(a[12:16], b[2:6])
		return 6, nil
	}
	switch dam {
	case 0:
		if len(b) < 16 {
			return 0, ErrTruncated
		}
		copy(a[:], b[:16])
		return 16, nil
	case 1: // ffXX::00XX:XXXX:XXXX
		if len(b) < 6 {
			return 0, ErrTruncated
		}
		a[0], a[1] = 0xff, b[0]
		copy(a[11:16], b[1:6])
		return 6, nil
	case 2: // ffXX::00XX:XXXX
		if len(b) < 4 {
			return 0, ErrTruncated
		}
		a[0], a[1] = 0xff, b[0]
		copy(a[13:16], b[1:4])
		return 4, nil
	default: // ff02::00XX
		if len(b) < 1 {
			return 0, ErrTruncated
		}
		a[0], a[1], a[15] = 0xff, 0x02, b[0]
		return 1, nil
	}
}

// nhc decodes a LOWPAN_NHC chain. nhPos is the index in d.out of the Next
// Header field that the first NHC determines.
func (d *decoder) nhc(b []byte, nhPos int) (int, error) {
	p := 0
	for {
		if p >= len(b) {
			return 0, ErrTruncated
		}
		c := b[p]
		switch {
		case c&nhcUDPMk == nhcUDP:
			d.out[nhPos] = protoUDP
			n, err := d.udpNHC(b[p:])
			return p + n, err
		case c&nhcEHMsk == nhcEH:
			eid := (c >> 1) & 7
			switch eid {
			case 5, 6:
				return 0, ErrReserved
			case 7:
				// IPv6-in-IPv6: a whole LOWPAN_IPHC follows, which ends the
				// chain of the encapsulating header.
				d.out[nhPos] = protoIPv6
				n, err := d.iphc(b[p+1:])
				return p + 1 + n, err
			}
			proto := eidProto[eid]
			d.out[nhPos] = proto
			p++
			chained := c&1 != 0
			var nh byte
			if !chained {
				if p >= len(b) {
					return 0, ErrTruncated
				}
				nh = b[p]
				p++
			}
			if p >= len(b) {
				return 0, ErrTruncated
			}
			l := int(b[p])
			p++
			if len(b) < p+l {
				return 0, ErrTruncated
			}
			body := b[p : p+l]
			p += l
			size, pad := 2+l, 0
			switch proto {
			case protoHopByHop, protoDestOpts:
				// RFC 6282 §4.2: restore the trailing padding the
				// compressor elided.
				pad = (8 - size%8) % 8
			case protoFragment:
				if l != 6 {
					return 0, ErrBadExtHeader
				}
			default:
				if size%8 != 0 {
					return 0, ErrBadExtHeader
				}
			}
			o, err := d.extend(size + pad)
			if err != nil {
				return 0, err
			}
			h := d.out[o : o+size+pad]
			h[0] = nh
			if proto != protoFragment { // the fragment header's byte 1 is reserved (zero)
				h[1] = byte((size+pad)/8 - 1)
			}
			copy(h[2:], body)
			switch {
			case pad == 1:
				h[size] = 0 // Pad1
			case pad >= 2:
				h[size], h[size+1] = 1, byte(pad-2) // PadN, zero-filled
			}
			if !chained {
				return p, nil
			}
			nhPos = o
		default:
			return 0, ErrReserved
		}
	}
}

// udpNHC decodes UDP LOWPAN_NHC (RFC 6282 §4.3). The UDP length is filled in
// later; an elided checksum is refused, as this package has no upper layer
// that could vouch for the datagram's integrity (RFC 6282 §4.3.2).
func (d *decoder) udpNHC(b []byte) (int, error) {
	c := b[0]
	if c&0x04 != 0 {
		return 0, ErrChecksumElided
	}
	var sp, dp uint16
	p := 1
	switch c & 3 {
	case 0:
		if len(b) < 5 {
			return 0, ErrTruncated
		}
		sp, dp = binary.BigEndian.Uint16(b[1:]), binary.BigEndian.Uint16(b[3:])
		p = 5
	case 1:
		if len(b) < 4 {
			return 0, ErrTruncated
		}
		sp, dp = binary.BigEndian.Uint16(b[1:]), 0xf000|uint16(b[3])
		p = 4
	case 2:
		if len(b) < 4 {
			return 0, ErrTruncated
		}
		sp, dp = 0xf000|uint16(b[1]), binary.BigEndian.Uint16(b[2:])
		p = 4
	case 3:
		if len(b) < 2 {
			return 0, ErrTruncated
		}
		sp, dp = 0xf0b0|uint16(b[1]>>4), 0xf0b0|uint16(b[1]&0x0f)
		p = 2
	}
	if len(b) < p+2 {
		return 0, ErrTruncated
	}
	o, err := d.extend(udpHeaderLen)
	if err != nil {
		return 0, err
	}
	h := d.out[o : o+udpHeaderLen]
	binary.BigEndian.PutUint16(h[0:], sp)
	binary.BigEndian.PutUint16(h[2:], dp)
	h[6], h[7] = b[p], b[p+1]
	d.udp = o - d.start
	return p + 2, nil
}
