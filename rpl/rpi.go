package rpl

import "encoding/binary"

// RPL Option (RPI) hop-by-hop option types.
const (
	// RPIType6553 is the option type of RFC 6553. Its action bits (01)
	// tell nodes that do not know it, the Linux kernel among them, to
	// discard the packet.
	RPIType6553 uint8 = 0x63
	// RPIType9008 is the option type of RFC 9008, whose action bits (00)
	// let unaware nodes skip it.
	RPIType9008 uint8 = 0x23
)

const (
	rpiDataLen  = 4
	rpiFlagO    = 0x80
	rpiFlagR    = 0x40
	rpiFlagF    = 0x20
	optTypePad1 = 0x00
	optTypePadN = 0x01
)

// RPI is the RPL Packet Information carried in the RPL Option (RFC 6553
// section 3) of an IPv6 hop-by-hop header.
type RPI struct {
	// Down is the O flag: the packet travels down the DODAG.
	Down bool
	// RankError is the R flag: a rank inconsistency was detected.
	RankError bool
	// ForwardingError is the F flag: a node could not forward the packet
	// down along a route it was told about.
	ForwardingError bool
	Instance        uint8
	SenderRank      uint16
}

// IsRPIType reports whether t is one of the two RPL Option types.
func IsRPIType(t uint8) bool { return t == RPIType6553 || t == RPIType9008 }

// UnmarshalOption decodes an RPL Option that starts at opt[0] (the option
// type, 0x63 or 0x23) and returns its type. Sub-TLVs after the four data
// bytes are ignored.
func (r *RPI) UnmarshalOption(opt []byte) (optType uint8, err error) {
	if len(opt) < 2 {
		return 0, ErrTruncated
	}
	if !IsRPIType(opt[0]) {
		return 0, ErrNotRPI
	}
	l := int(opt[1])
	if 2+l > len(opt) {
		return 0, ErrOptionLength
	}
	if l < rpiDataLen {
		return 0, ErrOptionLength
	}
	r.decodeData(opt[2:])
	return opt[0], nil
}

func (r *RPI) decodeData(d []byte) {
	*r = RPI{
		Down:            d[0]&rpiFlagO != 0,
		RankError:       d[0]&rpiFlagR != 0,
		ForwardingError: d[0]&rpiFlagF != 0,
		Instance:        d[1],
		SenderRank:      binary.BigEndian.Uint16(d[2:]),
	}
}

// PutData writes the four RPI data bytes (flags, RPLInstanceID, SenderRank)
// into data, which must hold at least four bytes: a forwarder updates an
// RPI in place at HopByHop.RPIOffset. It returns ErrTruncated if data is
// too short.
func (r *RPI) PutData(data []byte) error {
	if len(data) < rpiDataLen {
		return ErrTruncated
	}
	var f byte
	if r.Down {
		f |= rpiFlagO
	}
	if r.RankError {
		f |= rpiFlagR
	}
	if r.ForwardingError {
		f |= rpiFlagF
	}
	data[0], data[1] = f, r.Instance
	binary.BigEndian.PutUint16(data[2:], r.SenderRank)
	return nil
}

// AppendOption appends the six-byte RPL Option with type optType (0x63 or
// 0x23) to dst. It returns ErrNotRPI for another type.
func (r *RPI) AppendOption(dst []byte, optType uint8) ([]byte, error) {
	if !IsRPIType(optType) {
		return dst, ErrNotRPI
	}
	dst = append(dst, optType, rpiDataLen, 0, 0, 0, 0)
	return dst, r.PutData(dst[len(dst)-rpiDataLen:])
}

// AppendHopByHop appends a whole IPv6 Hop-by-Hop Options header carrying
// only this RPL Option: next header, Hdr Ext Len, the option and padding
// to a multiple of 8 bytes (none is needed for the 6-byte option alone, so
// the header is 8 bytes).
func (r *RPI) AppendHopByHop(dst []byte, nextHeader, optType uint8) ([]byte, error) {
	start := len(dst)
	dst = append(dst, nextHeader, 0)
	dst, err := r.AppendOption(dst, optType)
	if err != nil {
		return dst[:start], err
	}
	dst = appendPadding(dst, (8-(len(dst)-start)%8)%8)
	dst[start+1] = byte((len(dst)-start)/8 - 1)
	return dst, nil
}

// appendPadding appends n bytes of Pad1 or PadN.
func appendPadding(dst []byte, n int) []byte {
	switch {
	case n == 1:
		return append(dst, optTypePad1)
	case n >= 2:
		dst = append(dst, optTypePadN, byte(n-2))
		for range n - 2 {
			dst = append(dst, 0)
		}
	}
	return dst
}

// HopByHop is the result of scanning an IPv6 Hop-by-Hop Options header
// (RFC 8200 section 4.3) for the RPL Option.
type HopByHop struct {
	NextHeader uint8
	// Len is the header's length in bytes, (Hdr Ext Len + 1) * 8.
	Len int
	// HasRPI says whether RPI and RPIType hold an RPL Option.
	HasRPI  bool
	RPIType uint8
	RPI     RPI
	// RPIOffset is the offset of the RPL Option's data within the header:
	// the option type byte is at RPIOffset-2, so a forwarder can rewrite
	// 0x63 to 0x23 and update the data in place with RPI.PutData.
	RPIOffset int
	// Unrecognized reports an option of another type whose action bits
	// (RFC 8200 section 4.2) are not "skip"; UnrecognizedType is the first
	// such type. The caller applies the action (discard, ICMPv6).
	Unrecognized     bool
	UnrecognizedType uint8
}

// Unmarshal decodes the Hop-by-Hop Options header at the start of b. Both
// RPL Option types are accepted; a second RPL Option fails with
// ErrDuplicateRPI.
func (h *HopByHop) Unmarshal(b []byte) error {
	if len(b) < 2 {
		return ErrTruncated
	}
	n := (int(b[1]) + 1) * 8
	if n > len(b) {
		return ErrTruncated
	}
	*h = HopByHop{NextHeader: b[0], Len: n}
	for off := 2; off < n; {
		t := b[off]
		if t == optTypePad1 {
			off++
			continue
		}
		if off+2 > n {
			return ErrOptionLength
		}
		l := int(b[off+1])
		if off+2+l > n {
			return ErrOptionLength
		}
		switch {
		case t == optTypePadN:
		case IsRPIType(t):
			if h.HasRPI {
				return ErrDuplicateRPI
			}
			if l < rpiDataLen {
				return ErrOptionLength
			}
			h.HasRPI, h.RPIType, h.RPIOffset = true, t, off+2
			h.RPI.decodeData(b[off+2:])
		case t>>6 != 0 && !h.Unrecognized:
			h.Unrecognized, h.UnrecognizedType = true, t
		}
		off += 2 + l
	}
	return nil
}
