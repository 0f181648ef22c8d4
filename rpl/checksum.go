package rpl

import (
	"encoding/binary"
	"net/netip"
)

// ipProtoICMPv6 is the IPv6 next-header value of ICMPv6.
const ipProtoICMPv6 = 58

// Checksum returns the ICMPv6 checksum (RFC 4443 section 2.3) of msg sent
// from src to dst: the ones' complement of the ones' complement sum over the
// IPv6 pseudo-header (RFC 8200 section 8.1) and msg, with msg's checksum
// field (bytes 2 and 3) taken as zero whatever it holds. src and dst must be
// IPv6 addresses; msg must be shorter than 4 GiB.
func Checksum(src, dst netip.Addr, msg []byte) uint16 {
	s := src.As16()
	d := dst.As16()
	var sum uint64
	for i := 0; i < 16; i += 2 {
		sum += uint64(binary.BigEndian.Uint16(s[i:])) + uint64(binary.BigEndian.Uint16(d[i:]))
	}
	n := uint64(len(msg))
	sum += n>>16 + n&0xFFFF + ipProtoICMPv6
	for i := 0; i+1 < len(msg); i += 2 {
		if i == 2 {
			continue // the checksum field itself
		}
		sum += uint64(binary.BigEndian.Uint16(msg[i:]))
	}
	if len(msg)%2 == 1 {
		sum += uint64(msg[len(msg)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xFFFF + sum>>16
	}
	return ^uint16(sum)
}

// SetChecksum computes the ICMPv6 checksum of msg from src to dst and
// stores it in msg[2:4]. It does nothing to a msg shorter than 4 bytes.
func SetChecksum(msg []byte, src, dst netip.Addr) {
	if len(msg) < icmpHeaderLen {
		return
	}
	binary.BigEndian.PutUint16(msg[2:], Checksum(src, dst, msg))
}

// VerifyChecksum reports whether msg carries the right ICMPv6 checksum for
// a packet from src to dst.
func VerifyChecksum(msg []byte, src, dst netip.Addr) bool {
	if len(msg) < icmpHeaderLen {
		return false
	}
	return binary.BigEndian.Uint16(msg[2:]) == Checksum(src, dst, msg)
}
