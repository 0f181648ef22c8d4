package rpl

import "net/netip"

// RoutingTypeSRH is the IPv6 routing type of the RPL Source Routing Header.
const RoutingTypeSRH = 3

// MaxSRHAddresses bounds the addresses SRH.Unmarshal decodes. ProcessSRH
// works in place and has no such limit.
const MaxSRHAddresses = 64

const (
	srhFixedLen = 8
	srhMaxLen   = 256 * 8
)

// SRH is a decoded RPL Source Routing Header (RFC 6554 section 3): an IPv6
// Routing header of type 3 whose addresses are compressed against the IPv6
// destination address.
type SRH struct {
	NextHeader   uint8
	SegmentsLeft uint8
	// CmprI and CmprE are the numbers of prefix bytes elided from
	// Address[1..n-1] and from Address[n], shared with the destination.
	CmprI, CmprE uint8
	// Addrs[:NumAddrs] are Address[1..n], decompressed.
	NumAddrs int
	Addrs    [MaxSRHAddresses]netip.Addr
}

// srhLayout is the validated geometry of an SRH.
type srhLayout struct {
	total        int // header length in bytes
	n            int // number of addresses
	cmprI, cmprE int
	sl           int
}

// parseSRH validates the fixed part and the length arithmetic of an SRH at
// the start of b (RFC 6554 section 4.2's formula for n).
func parseSRH(b []byte) (srhLayout, error) {
	if len(b) < 4 {
		return srhLayout{}, ErrTruncated
	}
	total := (int(b[1]) + 1) * 8
	if b[2] != RoutingTypeSRH {
		return srhLayout{}, ErrNotSRH
	}
	if len(b) < total {
		return srhLayout{}, ErrTruncated
	}
	l := srhLayout{
		total: total,
		cmprI: int(b[4] >> 4),
		cmprE: int(b[4] & 0x0F),
		sl:    int(b[3]),
	}
	pad := int(b[5] >> 4)
	avail := (total - srhFixedLen) - pad - (16 - l.cmprE)
	if pad > 7 || avail < 0 || avail%(16-l.cmprI) != 0 {
		return srhLayout{}, ErrSRHLength
	}
	l.n = avail/(16-l.cmprI) + 1
	return l, nil
}

// slot returns the offset and size of Address[j] (1-based) and the number
// of prefix bytes it elides.
func (l *srhLayout) slot(j int) (off, size, cmpr int) {
	off = srhFixedLen + (j-1)*(16-l.cmprI)
	if j == l.n {
		return off, 16 - l.cmprE, l.cmprE
	}
	return off, 16 - l.cmprI, l.cmprI
}

// addr decompresses Address[j] against the destination da.
func (l *srhLayout) addr(b []byte, j int, da *[16]byte) [16]byte {
	off, size, cmpr := l.slot(j)
	var a [16]byte
	copy(a[:cmpr], da[:cmpr])
	copy(a[cmpr:], b[off:off+size])
	return a
}

// Unmarshal decodes the SRH at the start of b, decompressing its addresses
// against da, the IPv6 destination address of the packet as received. At
// the final destination (Segments Left 0) Address[1..n-1] decompress
// correctly only if the destination shares CmprI bytes with them.
func (s *SRH) Unmarshal(b []byte, da netip.Addr) error {
	if !da.Is6() {
		return ErrInvalid
	}
	l, err := parseSRH(b)
	if err != nil {
		return err
	}
	if l.n > MaxSRHAddresses {
		return ErrSRHTooLong
	}
	if l.sl > l.n {
		return ErrSRHSegmentsLeft
	}
	d := da.As16()
	s.NextHeader, s.SegmentsLeft = b[0], b[3]
	s.CmprI, s.CmprE = uint8(l.cmprI), uint8(l.cmprE)
	s.NumAddrs = l.n
	for j := 1; j <= l.n; j++ {
		s.Addrs[j-1] = netip.AddrFrom16(l.addr(b, j, &d))
	}
	return nil
}

// Append appends the SRH to dst with s's CmprI and CmprE, compressing its
// addresses against da, and padding to a multiple of 8 bytes. It fails with
// ErrSRHCompression if an address does not share its elided prefix with da.
func (s *SRH) Append(dst []byte, da netip.Addr) ([]byte, error) {
	if s.NumAddrs < 1 || s.NumAddrs > MaxSRHAddresses || s.CmprI > 15 || s.CmprE > 15 ||
		int(s.SegmentsLeft) > s.NumAddrs || !da.Is6() {
		return dst, ErrInvalid
	}
	d := da.As16()
	addrs := s.Addrs[:s.NumAddrs]
	for i, a := range addrs {
		if !a.Is6() {
			return dst, ErrInvalid
		}
		c := int(s.CmprI)
		if i == len(addrs)-1 {
			c = int(s.CmprE)
		}
		if commonPrefixLen(a.As16(), d) < c {
			return dst, ErrSRHCompression
		}
	}
	return appendSRH(dst, s.NextHeader, s.SegmentsLeft, int(s.CmprI), int(s.CmprE), addrs)
}

// AppendSourceRoute appends an SRH for a packet whose IPv6 destination is
// firstHop and which must then visit addrs in order, the last being the
// final destination (RFC 6554 section 3). Segments Left is len(addrs).
// CmprI and CmprE are the longest that stay valid at every hop as the
// destination and the addresses are swapped: CmprI is the prefix shared by
// firstHop and addrs[:n-1], CmprE the prefix addrs[n-1] shares with all of
// them. Routes that list an address twice fail with ErrSRHLoop, multicast
// addresses with ErrSRHMulticast. It does not allocate.
func AppendSourceRoute(dst []byte, nextHeader uint8, firstHop netip.Addr, addrs []netip.Addr) ([]byte, error) {
	n := len(addrs)
	if n == 0 || !firstHop.Is6() {
		return dst, ErrInvalid
	}
	if n > 255 {
		return dst, ErrSRHTooLong
	}
	fh := firstHop.As16()
	if fh[0] == 0xFF {
		return dst, ErrSRHMulticast
	}
	last := addrs[n-1].As16()
	cmprI, cmprE := 15, commonPrefixLen(last, fh)
	for i, a := range addrs {
		if !a.Is6() {
			return dst, ErrInvalid
		}
		b := a.As16()
		if b[0] == 0xFF {
			return dst, ErrSRHMulticast
		}
		if b == fh {
			return dst, ErrSRHLoop
		}
		for _, o := range addrs[:i] {
			if o == a {
				return dst, ErrSRHLoop
			}
		}
		if i < n-1 {
			cmprI = min(cmprI, commonPrefixLen(b, fh))
			cmprE = min(cmprE, commonPrefixLen(last, b))
		}
	}
	cmprE = min(cmprE, 15)
	if n == 1 {
		cmprI = 0
	}
	return appendSRH(dst, nextHeader, uint8(n), cmprI, cmprE, addrs)
}

// appendSRH writes an SRH whose addresses are known to share the elided
// prefixes.
func appendSRH(dst []byte, nextHeader, sl uint8, cmprI, cmprE int, addrs []netip.Addr) ([]byte, error) {
	n := len(addrs)
	size := srhFixedLen + (n-1)*(16-cmprI) + (16 - cmprE)
	pad := (8 - size%8) % 8
	size += pad
	if size > srhMaxLen {
		return dst, ErrSRHTooLong
	}
	dst = append(dst, nextHeader, byte(size/8-1), RoutingTypeSRH, sl,
		byte(cmprI<<4|cmprE), byte(pad<<4), 0, 0)
	for i, a := range addrs {
		b := a.As16()
		c := cmprI
		if i == n-1 {
			c = cmprE
		}
		dst = append(dst, b[c:]...)
	}
	for range pad {
		dst = append(dst, 0)
	}
	return dst, nil
}

// commonPrefixLen returns the number of leading bytes a and b share.
func commonPrefixLen(a, b [16]byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return 16
}

// ProcessSRH performs a router's step on a received SRH (RFC 6554 section
// 4.2) in place. hdr is the routing header (from its Next Header byte) and
// da the IPv6 destination address in the packet, which is an address of
// this node; isLocal reports whether an address belongs to this node (nil
// means no address but da does).
//
// With Segments Left 0 it returns forward = false and changes nothing: the
// packet has arrived and the next header is processed. Otherwise it
// decrements Segments Left, swaps the next address with da (keeping the
// compression valid) and returns forward = true: the caller decrements the
// hop limit and forwards to the new da.
//
// Errors leave hdr and da unchanged: ErrSRHSegmentsLeft (ICMPv6 Parameter
// Problem, code 0, pointer to Segments Left, offset 3), ErrSRHMulticast
// (discard) and ErrSRHLoop (Parameter Problem, code 0): addresses of this
// node appear twice in the path Address[1..i-1], da, Address[i..n] with
// another node's address between them. RFC 6554 checks Address[1..n]
// alone, which finds a loop one round later. ProcessSRH does not allocate
// unless isLocal does.
func ProcessSRH(hdr []byte, da *[16]byte, isLocal func(netip.Addr) bool) (forward bool, err error) {
	l, err := parseSRH(hdr)
	if err != nil {
		return false, err
	}
	if l.sl == 0 {
		return false, nil
	}
	if l.sl > l.n {
		return false, ErrSRHSegmentsLeft
	}
	sl := l.sl - 1
	i := l.n - sl
	next := l.addr(hdr, i, da)
	if next[0] == 0xFF || da[0] == 0xFF {
		return false, ErrSRHMulticast
	}
	// Loop check over the path in travel order, with da (this node) in
	// its place before Address[i].
	seenLocal, gap := false, false
	visit := func(local bool) bool {
		if local {
			if seenLocal && gap {
				return true
			}
			seenLocal, gap = true, false
		} else if seenLocal {
			gap = true
		}
		return false
	}
	for j := 1; j <= l.n; j++ {
		if j == i && visit(true) {
			return false, ErrSRHLoop
		}
		a := l.addr(hdr, j, da)
		if visit(a == *da || isLocal != nil && isLocal(netip.AddrFrom16(a))) {
			return false, ErrSRHLoop
		}
	}
	off, size, cmpr := l.slot(i)
	old := *da
	*da = next
	copy(hdr[off:off+size], old[cmpr:])
	hdr[3] = byte(sl)
	return true, nil
}
