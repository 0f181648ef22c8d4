package wpan

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"
)

// LinkType is a pcap link-layer header type (tcpdump.org LINKTYPE_*).
type LinkType uint32

// Link types for 802.15.4 captures.
const (
	// LinkTypeWithFCS carries the PSDU with its 2-byte FCS
	// (LINKTYPE_IEEE802_15_4_WITHFCS); Wireshark checks the FCS.
	LinkTypeWithFCS LinkType = 195
	// LinkTypeNoFCS carries the MAC frame without FCS
	// (LINKTYPE_IEEE802_15_4_NOFCS).
	LinkTypeNoFCS LinkType = 230
	// LinkTypeTAP prefixes each frame with a TAP header carrying the FCS
	// type, RSSI, LQI and channel (LINKTYPE_IEEE802_15_4_TAP); the frame
	// follows with its FCS.
	LinkTypeTAP LinkType = 283
)

// PcapInfo is the reception metadata [PcapWriter.WriteFrame] records with
// the TAP link type. Other link types ignore it.
type PcapInfo struct {
	// Valid says RSSI, LQI and Channel are known; otherwise the TAP
	// header carries only the FCS type.
	Valid   bool
	RSSI    int8  // dBm
	LQI     uint8 // as the radio reports it
	Channel uint8 // channel number, page 0
	Page    uint8 // channel page
}

const (
	pcapMagicNanos  = 0xA1B23C4D
	pcapSnapLen     = 262144
	pcapRecHdrLen   = 16
	tapHdrLen       = 4
	tapTLVFCSType   = 0
	tapTLVRSS       = 1
	tapTLVChannel   = 3
	tapTLVLQI       = 10
	tapFCS16        = 1
	tapMaxHdrLen    = tapHdrLen + 8 + 8 + 8 + 8 // FCS type, RSS, channel, LQI TLVs
	pcapMaxRecLen   = pcapRecHdrLen + tapMaxHdrLen + MaxPSDU
	pcapGlobalHdrSz = 24
)

// PcapWriter writes 802.15.4 frames as a pcap file (nanosecond
// timestamps) that Wireshark and tshark decode. It formats each record in
// an internal buffer and hands it to the underlying writer in one Write,
// without allocating. Wrap a file in a bufio.Writer for speed. A PcapWriter
// is not safe for concurrent use.
type PcapWriter struct {
	w   io.Writer
	lt  LinkType
	buf [pcapMaxRecLen]byte
}

// NewPcapWriter writes the pcap file header for link type lt to w.
func NewPcapWriter(w io.Writer, lt LinkType) (*PcapWriter, error) {
	switch lt {
	case LinkTypeWithFCS, LinkTypeNoFCS, LinkTypeTAP:
	default:
		return nil, fmt.Errorf("wpan: unsupported pcap link type %d", lt)
	}
	p := &PcapWriter{w: w, lt: lt}
	h := p.buf[:pcapGlobalHdrSz]
	binary.LittleEndian.PutUint32(h[0:], pcapMagicNanos)
	binary.LittleEndian.PutUint16(h[4:], 2) // version 2.4
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[8:], 0)  // thiszone
	binary.LittleEndian.PutUint32(h[12:], 0) // sigfigs
	binary.LittleEndian.PutUint32(h[16:], pcapSnapLen)
	binary.LittleEndian.PutUint32(h[20:], uint32(lt))
	if _, err := w.Write(h); err != nil {
		return nil, err
	}
	return p, nil
}

// LinkType returns the writer's link type.
func (p *PcapWriter) LinkType() LinkType { return p.lt }

// WriteFrame records frame, a MAC frame without FCS as radio drivers
// deliver it, received or sent at ts. The writer appends the FCS for the
// link types that carry one and, for [LinkTypeTAP], a TAP header with
// info. It returns ErrFrameTooLong for frames over 125 bytes.
func (p *PcapWriter) WriteFrame(ts time.Time, frame []byte, info PcapInfo) error {
	if len(frame) > MaxFrameLen {
		return ErrFrameTooLong
	}
	b := p.buf[:pcapRecHdrLen]
	if p.lt == LinkTypeTAP {
		b = appendTAPHeader(b, &info)
	}
	b = append(b, frame...)
	if p.lt != LinkTypeNoFCS {
		c := FCS(frame) // the FCS covers the MAC frame only
		b = append(b, byte(c), byte(c>>8))
	}
	n := uint32(len(b) - pcapRecHdrLen)
	ns := ts.UnixNano()
	binary.LittleEndian.PutUint32(b[0:], uint32(ns/1e9))
	binary.LittleEndian.PutUint32(b[4:], uint32(ns%1e9))
	binary.LittleEndian.PutUint32(b[8:], n)
	binary.LittleEndian.PutUint32(b[12:], n)
	_, err := p.w.Write(b)
	return err
}

// appendTAPHeader appends the IEEE 802.15.4 TAP header and its TLVs.
func appendTAPHeader(b []byte, info *PcapInfo) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0) // version 0, reserved, length
	b = appendTLV(b, tapTLVFCSType, tapFCS16)
	if info.Valid {
		b = binary.LittleEndian.AppendUint16(b, tapTLVRSS)
		b = binary.LittleEndian.AppendUint16(b, 4)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(info.RSSI)))
		b = binary.LittleEndian.AppendUint16(b, tapTLVChannel)
		b = binary.LittleEndian.AppendUint16(b, 3)
		b = binary.LittleEndian.AppendUint16(b, uint16(info.Channel))
		b = append(b, info.Page, 0) // value and padding to 4 bytes
		b = appendTLV(b, tapTLVLQI, info.LQI)
	}
	binary.LittleEndian.PutUint16(b[start+2:], uint16(len(b)-start))
	return b
}

// appendTLV appends a TLV with a 1-byte value padded to 4 bytes.
func appendTLV(b []byte, typ uint16, v byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, typ)
	b = binary.LittleEndian.AppendUint16(b, 1)
	return append(b, v, 0, 0, 0)
}
