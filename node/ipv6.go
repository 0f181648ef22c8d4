package node

import (
	"encoding/binary"
	"errors"
)

// IPv6 constants the node needs.
const (
	ipv6HeaderLen = 40
	protoICMPv6   = 58
	protoUDP      = 17

	icmpEchoRequest = 128
	icmpEchoReply   = 129
)

// errBadIPv6 reports a packet that is not a well-formed IPv6 packet.
var errBadIPv6 = errors.New("node: malformed IPv6 packet")

// checkIPv6 validates the fixed header of pkt: version 6 and a payload
// length that matches the packet.
func checkIPv6(pkt []byte) error {
	if len(pkt) < ipv6HeaderLen || pkt[0]>>4 != 6 {
		return errBadIPv6
	}
	if int(binary.BigEndian.Uint16(pkt[4:6]))+ipv6HeaderLen != len(pkt) {
		return errBadIPv6
	}
	return nil
}

func ipSrc(pkt []byte) (a [16]byte) { copy(a[:], pkt[8:24]); return a }
func ipDst(pkt []byte) (a [16]byte) { copy(a[:], pkt[24:40]); return a }

func isMulticast(a [16]byte) bool { return a[0] == 0xff }

func isLinkLocal(a [16]byte) bool { return a[0] == 0xfe && a[1]&0xc0 == 0x80 }

// linkLocal returns fe80::/64 with iid.
func linkLocal(iid [8]byte) (a [16]byte) {
	a[0], a[1] = 0xfe, 0x80
	copy(a[8:], iid[:])
	return a
}

// Well-known multicast groups.
var (
	allNodes   = [16]byte{0xff, 0x02, 15: 0x01}
	allRouters = [16]byte{0xff, 0x02, 15: 0x02}
)

// checksum16 adds b to the one's-complement sum s.
func checksum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// pseudoSum returns the folded one's-complement sum of the RFC 8200 §8.1
// pseudo-header and msg.
func pseudoSum(src, dst [16]byte, proto uint8, msg []byte) uint16 {
	s := checksum16(0, src[:])
	s = checksum16(s, dst[:])
	s += uint32(len(msg)>>16) + uint32(len(msg)&0xffff)
	s += uint32(proto)
	s = checksum16(s, msg)
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// upperChecksum returns the RFC 8200 §8.1 checksum of an upper-layer
// message (ICMPv6, UDP) with next header proto, whose checksum field must be
// zero in msg.
func upperChecksum(src, dst [16]byte, proto uint8, msg []byte) uint16 {
	c := ^pseudoSum(src, dst, proto, msg)
	if c == 0 && proto == protoUDP {
		c = 0xffff
	}
	return c
}

// appendIPv6Header appends a 40-byte IPv6 header.
func appendIPv6Header(b []byte, src, dst [16]byte, next uint8, hopLimit uint8, payloadLen int) []byte {
	b = append(b, 0x60, 0, 0, 0, byte(payloadLen>>8), byte(payloadLen), next, hopLimit)
	b = append(b, src[:]...)
	return append(b, dst[:]...)
}

// AppendUDP appends an IPv6 packet carrying one UDP datagram with a correct
// checksum. It is how simulations and tests make traffic.
func AppendUDP(b []byte, src, dst [16]byte, srcPort, dstPort uint16, hopLimit uint8, payload []byte) []byte {
	n := 8 + len(payload)
	b = appendIPv6Header(b, src, dst, protoUDP, hopLimit, n)
	u := len(b)
	b = append(b, byte(srcPort>>8), byte(srcPort), byte(dstPort>>8), byte(dstPort), byte(n>>8), byte(n), 0, 0)
	b = append(b, payload...)
	c := upperChecksum(src, dst, protoUDP, b[u:])
	binary.BigEndian.PutUint16(b[u+6:], c)
	return b
}

// AppendEchoRequest appends an IPv6 packet carrying an ICMPv6 echo request.
func AppendEchoRequest(b []byte, src, dst [16]byte, id, seq uint16, data []byte) []byte {
	return appendEcho(b, icmpEchoRequest, src, dst, id, seq, 64, data)
}

func appendEcho(b []byte, typ uint8, src, dst [16]byte, id, seq uint16, hopLimit uint8, data []byte) []byte {
	b = appendIPv6Header(b, src, dst, protoICMPv6, hopLimit, 8+len(data))
	m := len(b)
	b = append(b, typ, 0, 0, 0, byte(id>>8), byte(id), byte(seq>>8), byte(seq))
	b = append(b, data...)
	binary.BigEndian.PutUint16(b[m+2:], upperChecksum(src, dst, protoICMPv6, b[m:]))
	return b
}

// EchoReply describes an ICMPv6 echo reply.
type EchoReply struct {
	Src, Dst [16]byte
	ID, Seq  uint16
	Data     []byte
}

// ParseEchoReply reports whether pkt is a valid ICMPv6 echo reply with a
// correct checksum and returns its fields (Data aliases pkt).
func ParseEchoReply(pkt []byte) (EchoReply, bool) {
	if checkIPv6(pkt) != nil || pkt[6] != protoICMPv6 || len(pkt) < ipv6HeaderLen+8 {
		return EchoReply{}, false
	}
	m := pkt[ipv6HeaderLen:]
	if m[0] != icmpEchoReply || m[1] != 0 {
		return EchoReply{}, false
	}
	src, dst := ipSrc(pkt), ipDst(pkt)
	if !validChecksum(src, dst, protoICMPv6, m) {
		return EchoReply{}, false
	}
	return EchoReply{
		Src: src, Dst: dst,
		ID:   binary.BigEndian.Uint16(m[4:6]),
		Seq:  binary.BigEndian.Uint16(m[6:8]),
		Data: m[8:],
	}, true
}

// validChecksum verifies the upper-layer checksum carried in msg.
func validChecksum(src, dst [16]byte, proto uint8, msg []byte) bool {
	return pseudoSum(src, dst, proto, msg) == 0xffff
}
