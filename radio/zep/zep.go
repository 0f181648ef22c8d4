// Package zep carries IEEE 802.15.4 frames over UDP in the ZigBee
// Encapsulation Protocol, version 2 (ZEP v2, as Wireshark's packet-zep.c
// dissects it), and provides a radio driver on top of it: nodes on one host
// or across hosts share a virtual channel, and Wireshark can watch it with
// its ZEP dissector on UDP port 17754.
//
// A ZEP v2 data packet is a 32-byte header in network byte order followed
// by the PSDU:
//
//	"EX" | version 2 | type 1 (data) | channel | device ID (2) |
//	CRC/LQI mode (1) | LQI (1) | NTP timestamp (8) | sequence (4) |
//	reserved (10) | length (1) | PSDU
//
// In CRC mode (1) the PSDU ends with its FCS; in LQI mode (0) the last two
// bytes carry radio metadata in place of the FCS. An acknowledgment packet
// (type 2) is "EX" | 2 | 2 | sequence (4).
package zep

import (
	"encoding/binary"
	"errors"
	"time"
)

// Port is the UDP port Wireshark decodes as ZEP.
const Port = 17754

// HeaderLen is the length of a ZEP v2 data header.
const HeaderLen = 32

// Packet types.
const (
	TypeData = 1
	TypeAck  = 2
)

// ntpEpochOffset is the number of seconds from 1900-01-01 (NTP's epoch) to
// 1970-01-01.
const ntpEpochOffset = 2208988800

// Header is a ZEP v2 data header.
type Header struct {
	Channel  uint8
	DeviceID uint16
	// CRCMode says the PSDU ends with its FCS (otherwise LQI mode).
	CRCMode   bool
	LQI       uint8
	Timestamp time.Time
	Seq       uint32
}

// Errors from Parse.
var (
	ErrShort       = errors.New("zep: packet shorter than its header")
	ErrNotZEP      = errors.New("zep: no EX preamble")
	ErrVersion     = errors.New("zep: not version 2")
	ErrType        = errors.New("zep: not a data packet")
	ErrLength      = errors.New("zep: length field does not match the packet")
	ErrFrameLength = errors.New("zep: PSDU longer than 127 bytes")
)

// AppendData appends a ZEP v2 data packet carrying psdu to b.
func AppendData(b []byte, h Header, psdu []byte) ([]byte, error) {
	if len(psdu) > 127 {
		return b, ErrFrameLength
	}
	b = append(b, 'E', 'X', 2, TypeData, h.Channel)
	b = binary.BigEndian.AppendUint16(b, h.DeviceID)
	mode := byte(0)
	if h.CRCMode {
		mode = 1
	}
	b = append(b, mode, h.LQI)
	var sec, frac uint64
	if !h.Timestamp.IsZero() {
		ns := h.Timestamp.UnixNano()
		sec = uint64(ns/1e9) + ntpEpochOffset
		frac = uint64(ns%1e9) << 32 / 1e9
	}
	b = binary.BigEndian.AppendUint32(b, uint32(sec))
	b = binary.BigEndian.AppendUint32(b, uint32(frac))
	b = binary.BigEndian.AppendUint32(b, h.Seq)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(len(psdu)))
	return append(b, psdu...), nil
}

// ParseData parses a ZEP v2 data packet. The returned PSDU aliases p.
func ParseData(p []byte) (Header, []byte, error) {
	var h Header
	if len(p) < 4 {
		return h, nil, ErrShort
	}
	if p[0] != 'E' || p[1] != 'X' {
		return h, nil, ErrNotZEP
	}
	if p[2] != 2 {
		return h, nil, ErrVersion
	}
	if p[3] != TypeData {
		return h, nil, ErrType
	}
	if len(p) < HeaderLen {
		return h, nil, ErrShort
	}
	n := int(p[HeaderLen-1])
	if n > 127 {
		return h, nil, ErrFrameLength
	}
	if len(p) != HeaderLen+n {
		return h, nil, ErrLength
	}
	h.Channel = p[4]
	h.DeviceID = binary.BigEndian.Uint16(p[5:7])
	h.CRCMode = p[7] == 1
	h.LQI = p[8]
	sec := binary.BigEndian.Uint32(p[9:13])
	frac := binary.BigEndian.Uint32(p[13:17])
	if sec != 0 || frac != 0 {
		ns := (int64(sec)-ntpEpochOffset)*1e9 + int64(uint64(frac)*1e9>>32)
		h.Timestamp = time.Unix(0, ns)
	}
	h.Seq = binary.BigEndian.Uint32(p[17:21])
	return h, p[HeaderLen:], nil
}
