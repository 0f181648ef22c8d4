package wpan

import (
	"encoding/binary"
	"fmt"
)

// AddrMode is the addressing mode of a source or destination address in the
// MAC header (frame control bits 10–11 and 14–15).
type AddrMode uint8

// Addressing modes. Mode 1 is reserved in every frame version.
const (
	AddrNone  AddrMode = 0
	AddrShort AddrMode = 2
	AddrExt   AddrMode = 3
)

// String returns the mode's name.
func (m AddrMode) String() string {
	switch m {
	case AddrNone:
		return "none"
	case AddrShort:
		return "short"
	case AddrExt:
		return "extended"
	default:
		return fmt.Sprintf("reserved(%d)", uint8(m))
	}
}

// PANID is a 16-bit PAN identifier.
type PANID uint16

// BroadcastPAN is the broadcast PAN identifier.
const BroadcastPAN PANID = 0xFFFF

// ShortAddr is a 16-bit short address.
type ShortAddr uint16

// BroadcastShort is the broadcast short address, and ShortNone (0xFFFE) is
// the value a device without a short address reports.
const (
	BroadcastShort ShortAddr = 0xFFFF
	ShortNone      ShortAddr = 0xFFFE
)

// ExtAddr is a 64-bit extended address (EUI-64) in canonical order: the
// first byte is the most significant, as printed and as used in the CCM*
// nonce and the IPv6 interface identifier. On the air it travels reversed;
// only the frame codec reverses it.
type ExtAddr [8]byte

// Uint64 returns the address as a big-endian number.
func (e ExtAddr) Uint64() uint64 { return binary.BigEndian.Uint64(e[:]) }

// ExtAddrFromUint64 returns the canonical address of the number v.
func ExtAddrFromUint64(v uint64) ExtAddr {
	var e ExtAddr
	binary.BigEndian.PutUint64(e[:], v)
	return e
}

// String formats the address as colon-separated hex in canonical order.
func (e ExtAddr) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x",
		e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7])
}

// IID returns the IPv6 interface identifier derived from the EUI-64: the
// address with the universal/local bit (0x02 of the first byte) inverted.
func (e ExtAddr) IID() [8]byte {
	iid := [8]byte(e)
	iid[0] ^= 0x02
	return iid
}

// ExtAddrFromIID is the inverse of [ExtAddr.IID].
func ExtAddrFromIID(iid [8]byte) ExtAddr {
	iid[0] ^= 0x02
	return ExtAddr(iid)
}

// Addr is a MAC address of any mode. The zero value is "no address".
type Addr struct {
	Mode  AddrMode
	Short ShortAddr // valid when Mode == AddrShort
	Ext   ExtAddr   // valid when Mode == AddrExt
}

// ShortAddress returns a short-mode Addr.
func ShortAddress(s ShortAddr) Addr { return Addr{Mode: AddrShort, Short: s} }

// ExtAddress returns an extended-mode Addr.
func ExtAddress(e ExtAddr) Addr { return Addr{Mode: AddrExt, Ext: e} }

// IsBroadcast reports whether a is the short broadcast address 0xFFFF.
func (a Addr) IsBroadcast() bool { return a.Mode == AddrShort && a.Short == BroadcastShort }

// Len returns the number of bytes the address occupies in a MAC header.
func (a Addr) Len() int {
	switch a.Mode {
	case AddrShort:
		return 2
	case AddrExt:
		return 8
	default:
		return 0
	}
}

// IID returns the IPv6 interface identifier that RFC 6282 derives from the
// link-layer address: the EUI-64 with the U/L bit inverted for an extended
// address, 0000:00ff:fe00:XXXX for a short address. ok is false when a has no
// address.
func (a Addr) IID() (iid [8]byte, ok bool) {
	switch a.Mode {
	case AddrExt:
		return a.Ext.IID(), true
	case AddrShort:
		return [8]byte{0, 0, 0, 0xff, 0xfe, 0, byte(a.Short >> 8), byte(a.Short)}, true
	default:
		return iid, false
	}
}

// String formats the address: "none", "0x1234" or the extended form.
func (a Addr) String() string {
	switch a.Mode {
	case AddrNone:
		return "none"
	case AddrShort:
		return fmt.Sprintf("0x%04x", uint16(a.Short))
	case AddrExt:
		return a.Ext.String()
	default:
		return a.Mode.String()
	}
}
