package sim

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

type pcapWriter struct {
	w *wpan.PcapWriter
}

// CapturePcap records every frame put on the medium (ACKs and frames that
// nobody received included, at the time their transmission starts) to w as
// a pcap file of link type IEEE802_15_4_TAP, which Wireshark reads. The TAP
// header carries the channel; its RSS field holds the transmit power, since
// the capture is of the medium rather than of one receiver. Each frame is
// one Write; wrap a file in a bufio.Writer. A write error stops the run:
// Run returns it.
func (m *Medium) CapturePcap(w io.Writer) error {
	pw, err := wpan.NewPcapWriter(w, wpan.LinkTypeTAP)
	if err != nil {
		return fmt.Errorf("sim: pcap: %w", err)
	}
	m.pcap = &pcapWriter{w: pw}
	return nil
}

// ZEP v2 (ZigBee Encapsulation Protocol, Wireshark's packet-zep.c): a
// 32-byte header in network byte order, then the PSDU with its FCS.
const (
	zepHeaderLen = 32
	zepTypeData  = 1
	zepPort      = 17754 // the port Wireshark decodes as ZEP
	// ntpEpochOffset is the seconds from 1900-01-01 (NTP) to 1970-01-01.
	ntpEpochOffset = 2208988800
)

// ZEPPort is the UDP port Wireshark decodes as ZEP.
const ZEPPort = zepPort

type zepWriter struct {
	w   io.Writer
	seq uint32
	buf [zepHeaderLen + 127]byte
}

// StreamZEP sends every frame put on the medium to w as one ZEP v2 data
// packet per Write, which suits a connected UDP socket
// (net.Dial("udp", "host:17754")) watched by Wireshark. The device ID is
// the sending node, the timestamp the virtual start of the frame, and the
// CRC/LQI mode says the PSDU carries its FCS. A write error stops the run.
func (m *Medium) StreamZEP(w io.Writer) {
	m.zep = &zepWriter{w: w}
}

// appendZEP appends a ZEP v2 data packet for psdu (the frame with its FCS).
func appendZEP(b []byte, channel uint8, device uint16, lqi uint8, ts time.Time, seq uint32, psdu []byte) []byte {
	b = append(b, 'E', 'X', 2, zepTypeData, channel)
	b = binary.BigEndian.AppendUint16(b, device)
	b = append(b, 1, lqi) // CRC mode: the PSDU ends with its FCS
	ns := ts.UnixNano()
	sec := uint64(ns/1e9) + ntpEpochOffset
	frac := uint64(ns%1e9) << 32 / 1e9
	b = binary.BigEndian.AppendUint32(b, uint32(sec))
	b = binary.BigEndian.AppendUint32(b, uint32(frac))
	b = binary.BigEndian.AppendUint32(b, seq)
	b = append(b, make([]byte, 10)...)
	b = append(b, byte(len(psdu)))
	return append(b, psdu...)
}

// capture records a on the attached pcap and ZEP outputs.
func (m *Medium) capture(n *node, a *air) {
	if m.pcap == nil && m.zep == nil {
		return
	}
	frame := a.buf[:a.n]
	if m.pcap != nil {
		info := wpan.PcapInfo{Valid: true, RSSI: clampInt8(a.dBm), LQI: 255, Channel: a.channel}
		if err := m.pcap.w.WriteFrame(m.nowT, frame, info); err != nil && m.err == nil {
			m.err = fmt.Errorf("sim: pcap: %w", err)
		}
	}
	if z := m.zep; z != nil {
		z.seq++
		var fcs [2]byte
		c := wpan.FCS(frame)
		fcs[0], fcs[1] = byte(c), byte(c>>8)
		b := z.buf[:0]
		b = appendZEP(b, a.channel, uint16(n.id), 255, m.nowT, z.seq, frame)
		b = append(b, fcs[:]...)
		b[zepHeaderLen-1] = byte(a.n + 2)
		if _, err := z.w.Write(b); err != nil && m.err == nil {
			m.err = fmt.Errorf("sim: zep: %w", err)
		}
	}
}
