package node

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/wpan/lowpan"
)

// IPv6 next-header values of the extension headers the data path handles
// (RFC 8200 section 4).
const (
	protoHopByHop = 0
	protoIPv6     = 41 // IPv6-in-IPv6 (RFC 2473)
	protoRouting  = 43
	protoDestOpts = 60

	// maxExtHeaders bounds the extension headers walked in one packet.
	maxExtHeaders = 8
	// maxTunnelDepth bounds nested IPv6-in-IPv6 decapsulation.
	maxTunnelDepth = 2
	// tunnelHopLimit is the hop limit of the outer header of the root's
	// IPv6-in-IPv6 tunnels.
	tunnelHopLimit = 64

	lowpanMax = lowpan.MaxDatagramSize
	// fwdBufSize holds the largest datagram plus an outer IPv6 header,
	// an RPI hop-by-hop header and a full source routing header.
	fwdBufSize = lowpanMax + ipv6HeaderLen + 8 + 8 + rpl.MaxSRHAddresses*16
)

// origin says where a packet the node routes came from.
type origin uint8

const (
	fromMesh origin = iota // received from a neighbour
	fromSelf               // originated by this node (its own source address)
	fromHost               // from the host side with a source that is not the node's
)

// extHdrs locates the extension headers of an IPv6 packet that RPL cares
// about. Offsets are from the start of the packet; zero means absent.
type extHdrs struct {
	hbh, hbhLen int
	hasRPI      bool
	rpi         rpl.RPI
	rpiOff      int  // offset of the RPL Option's data
	rpiOnly     bool // the hop-by-hop header carries the RPL Option alone
	srh, srhLen int
	srhPrev     int // offset of the next-header byte that names the SRH
	upper       uint8
	upperOff    int
}

// parseExt walks the extension header chain of pkt (a packet that passed
// checkIPv6) up to the upper-layer header, checking every length.
func parseExt(pkt []byte, h *extHdrs) bool {
	*h = extHdrs{}
	nh, off, prev := pkt[6], ipv6HeaderLen, 6
	for range maxExtHeaders {
		switch nh {
		case protoHopByHop:
			if off != ipv6HeaderLen {
				return false // only directly after the IPv6 header
			}
			var hb rpl.HopByHop
			if hb.Unmarshal(pkt[off:]) != nil || hb.Unrecognized {
				return false
			}
			h.hbh, h.hbhLen = off, hb.Len
			if hb.HasRPI {
				h.hasRPI, h.rpi, h.rpiOff, h.rpiOnly = true, hb.RPI, off+hb.RPIOffset, hb.Len == 8
			}
			prev, nh, off = off, hb.NextHeader, off+hb.Len
		case protoRouting, protoDestOpts:
			if len(pkt) < off+4 {
				return false
			}
			l := (int(pkt[off+1]) + 1) * 8
			if len(pkt) < off+l {
				return false
			}
			if nh == protoRouting {
				switch {
				case pkt[off+2] == rpl.RoutingTypeSRH:
					if h.srh != 0 {
						return false
					}
					h.srh, h.srhLen, h.srhPrev = off, l, prev
				case pkt[off+3] != 0:
					// An unknown routing type with segments left
					// (RFC 8200 section 4.4: discard).
					return false
				}
			}
			prev, nh, off = off, pkt[off], off+l
		default:
			h.upper, h.upperOff = nh, off
			return true
		}
	}
	return false
}

// setPayloadLen writes the payload length of the IPv6 packet pkt.
func setPayloadLen(pkt []byte) {
	binary.BigEndian.PutUint16(pkt[4:6], uint16(len(pkt)-ipv6HeaderLen))
}

// removeHdr removes the extension header at off (l bytes) from pkt in
// place; prev is the offset of the next-header byte that names it.
func removeHdr(pkt []byte, off, l, prev int) []byte {
	pkt[prev] = pkt[off]
	n := copy(pkt[off:], pkt[off+l:])
	pkt = pkt[:off+n]
	setPayloadLen(pkt)
	return pkt
}

// stripRPL removes the RPL artefacts from a packet that reached its
// destination or leaves the RPL domain: the SRH (whose segments are
// used up) and the RPL Option (the whole hop-by-hop header when it
// carries nothing else, else the option turned into padding).
func stripRPL(pkt []byte, h *extHdrs) []byte {
	if h.srh != 0 {
		pkt = removeHdr(pkt, h.srh, h.srhLen, h.srhPrev)
	}
	if h.hasRPI {
		if h.rpiOnly {
			pkt = removeHdr(pkt, h.hbh, h.hbhLen, 6)
		} else {
			o := h.rpiOff - 2
			pkt[o] = 1 // PadN of the same length
			clear(pkt[o+2 : o+2+int(pkt[o+1])])
		}
	}
	return pkt
}

// neighborLL returns the link-local address of the sender of the frame
// being received, or the zero Addr if it is unknown.
func (n *Node) neighborLL() netip.Addr {
	ext, ok := n.srcExt(n.rxSrc)
	if !ok {
		return netip.Addr{}
	}
	return netip.AddrFrom16(linkLocal(ext.IID()))
}

// input handles a whole IPv6 packet from the mesh (or the inner packet of
// a tunnel that ended here): deliver it, process its source route, or
// forward it.
func (n *Node) input(now time.Time, pkt []byte, depth int) {
	h := &n.rxHdrs[depth]
	if !parseExt(pkt, h) {
		n.drop(DropBadHeader)
		return
	}
	dst := ipDst(pkt)
	ours := n.isOurs(dst)
	if n.rxMLEOnly && !(ours && n.mle != nil && isMLE(pkt)) {
		// Only MLE may arrive without link-layer security.
		if !ours {
			n.drop(DropNoRoute)
		} else {
			n.drop(DropUnsecured)
		}
		return
	}
	if !ours {
		if n.rpl == nil || isMulticast(dst) || isLinkLocal(dst) {
			n.drop(DropNoRoute)
			return
		}
		_ = n.forward(now, pkt, h, n.neighborLL(), false, fromMesh, depth)
		return
	}
	if h.srh != 0 && pkt[h.srh+3] != 0 {
		if n.rpl == nil || isMulticast(dst) {
			n.drop(DropBadHeader)
			return
		}
		var da [16]byte
		copy(da[:], pkt[24:40])
		fwd, err := rpl.ProcessSRH(pkt[h.srh:h.srh+h.srhLen], &da, n.isLocal)
		if err != nil {
			n.drop(DropBadHeader)
			return
		}
		if fwd {
			copy(pkt[24:40], da[:])
			_ = n.forward(now, pkt, h, n.neighborLL(), true, fromMesh, depth)
			return
		}
	}
	n.deliverLocal(now, pkt, h, depth)
}

// deliverLocal takes a packet addressed to this node: it ends a tunnel
// (and handles the inner packet as if received), or removes the RPL
// artefacts and hands the packet to MLE, RPL, the echo responder or the
// host.
func (n *Node) deliverLocal(now time.Time, pkt []byte, h *extHdrs, depth int) {
	if h.upper == protoIPv6 {
		inner := pkt[h.upperOff:]
		if depth+1 >= maxTunnelDepth || checkIPv6(inner) != nil {
			n.drop(DropBadHeader)
			return
		}
		n.stats.Decapsulated++
		n.input(now, inner, depth+1)
		return
	}
	pkt = stripRPL(pkt, h)
	dst := ipDst(pkt)
	if n.mle != nil && isMLE(pkt) {
		n.handleMLE(now, pkt, dst)
		return
	}
	if pkt[6] == protoICMPv6 && len(pkt) >= ipv6HeaderLen+4 {
		switch pkt[ipv6HeaderLen] {
		case icmpEchoRequest:
			if len(pkt) >= ipv6HeaderLen+8 {
				n.answerEcho(now, pkt, dst)
				return
			}
		case rpl.ICMPv6TypeRPL:
			if n.rpl != nil {
				n.handleRPL(now, ipSrc(pkt), dst, pkt[ipv6HeaderLen:])
				return
			}
		}
	}
	n.toHost(now, pkt)
}

// toHost hands a packet to the host.
func (n *Node) toHost(now time.Time, pkt []byte) {
	if n.cfg.Host == nil {
		n.drop(DropNoHost)
		return
	}
	n.stats.Delivered++
	n.cfg.Host.Deliver(now, pkt)
}

// originate routes a packet with a global destination that this node
// sends (fromSelf) or that its host side hands it (fromHost). pkt must
// not be n.fwdBuf.
func (n *Node) originate(now time.Time, pkt []byte, o origin) error {
	h := &n.txHdrs
	if !parseExt(pkt, h) {
		n.drop(DropBadHeader)
		return ErrBadPacket
	}
	return n.forward(now, pkt, h, netip.Addr{}, false, o, 0)
}

// forward asks RPL where a packet goes and acts on the decision. pkt is
// a node-owned buffer that may be changed in place (not n.fwdBuf).
func (n *Node) forward(now time.Time, pkt []byte, h *extHdrs, from netip.Addr, srcRouted bool, o origin, depth int) error {
	if o != fromSelf && pkt[7] <= 1 {
		n.drop(DropHopLimit)
		return ErrNoRoute
	}
	p := &n.fwdPkt
	*p = rpl.Packet{Dst: netip.AddrFrom16(ipDst(pkt)), From: from, HasRPI: h.hasRPI, RPI: h.rpi, SourceRouted: srcRouted}
	d := &n.dec
	n.rpl.Forward(now, p, d)
	if n.rpl.PendingOutbound() > 0 {
		defer n.drainRPL(now)
	}
	switch d.Action {
	case rpl.ActionDrop:
		n.stats.RPLDrops[d.Drop]++
		n.drop(DropRPL)
		return ErrNoRoute
	case rpl.ActionDeliver:
		n.deliverLocal(now, pkt, h, depth)
		return nil
	case rpl.ActionLeave:
		if o != fromMesh {
			// The host handed us a packet for outside the mesh.
			n.drop(DropNoRoute)
			return ErrNoRoute
		}
		pkt = stripRPL(pkt, h)
		pkt[7]--
		n.stats.LeftDomain++
		n.toHost(now, pkt)
		return nil
	case rpl.ActionSourceRoute:
		if o == fromSelf && h.upperOff == ipv6HeaderLen {
			return n.insertSourceRoute(pkt, d)
		}
		if o != fromSelf {
			pkt[7]--
		}
		return n.encapsulate(pkt, d.Route[0].As16(), d)
	case rpl.ActionUp, rpl.ActionDown, rpl.ActionReturn:
		if o == fromHost && n.cfg.RPL.Root {
			pkt[7]--
			return n.encapsulate(pkt, ipDst(pkt), d)
		}
		if o != fromSelf {
			pkt[7]--
		}
		out := n.setRPI(pkt, h, d)
		return n.sendHop(out, d.NextHop, o)
	}
	n.drop(DropNoRoute)
	return ErrNoRoute
}

// setRPI updates the RPL Option of pkt in place, or returns a copy in
// n.fwdBuf with a hop-by-hop header carrying it inserted. A packet with a
// hop-by-hop header without an RPL Option goes on unchanged.
func (n *Node) setRPI(pkt []byte, h *extHdrs, d *rpl.Decision) []byte {
	if h.hasRPI {
		pkt[h.rpiOff-2] = d.RPIType
		_ = d.RPI.PutData(pkt[h.rpiOff:])
		return pkt
	}
	if h.hbh != 0 || len(pkt)+8 > cap(n.fwdBuf) {
		return pkt
	}
	out := append(n.fwdBuf[:0], pkt[:ipv6HeaderLen]...)
	out[6] = protoHopByHop
	out, err := d.RPI.AppendHopByHop(out, pkt[6], d.RPIType)
	if err != nil {
		return pkt
	}
	out = append(out, pkt[ipv6HeaderLen:]...)
	setPayloadLen(out)
	return out
}

// insertSourceRoute sends a packet the root originates down a source
// route: the destination becomes the route's first hop, and a hop-by-hop
// header with the RPI and an SRH listing the rest of the route are
// inserted (RFC 6554, RFC 9008 section 7: the root may insert headers into
// its own packets).
func (n *Node) insertSourceRoute(pkt []byte, d *rpl.Decision) error {
	if ipv6HeaderLen+8+8+16*len(d.Route)+len(pkt) > cap(n.fwdBuf) {
		n.drop(DropTooBig)
		return ErrNoRoute
	}
	out := append(n.fwdBuf[:0], pkt[:ipv6HeaderLen]...)
	out[6] = protoHopByHop
	first := d.Route[0].As16()
	copy(out[24:40], first[:])
	out, err := d.RPI.AppendHopByHop(out, protoRouting, d.RPIType)
	if err == nil {
		out, err = rpl.AppendSourceRoute(out, pkt[6], d.Route[0], d.Route[1:])
	}
	if err != nil {
		n.drop(DropBadHeader)
		return ErrNoRoute
	}
	out = append(out, pkt[ipv6HeaderLen:]...)
	setPayloadLen(out)
	return n.sendHop(out, d.NextHop, fromSelf)
}

// encapsulate tunnels pkt (IPv6-in-IPv6, RFC 2473) from the root to dst
// with an outer hop-by-hop header carrying the RPI and, for a source
// route, an SRH (RFC 9008 section 7: a packet the root did not originate
// gets its RPL headers in an outer header, removed where the tunnel ends).
func (n *Node) encapsulate(pkt []byte, dst [16]byte, d *rpl.Decision) error {
	if n.globalIdx == 0 {
		n.drop(DropNoRoute)
		return ErrNoRoute
	}
	if ipv6HeaderLen+8+8+16*len(d.Route)+len(pkt) > cap(n.fwdBuf) {
		n.drop(DropTooBig)
		return ErrNoRoute
	}
	out := appendIPv6Header(n.fwdBuf[:0], n.addrs[n.globalIdx], dst, protoHopByHop, tunnelHopLimit, 0)
	var err error
	if len(d.Route) > 0 {
		out, err = d.RPI.AppendHopByHop(out, protoRouting, d.RPIType)
		if err == nil {
			out, err = rpl.AppendSourceRoute(out, protoIPv6, d.Route[0], d.Route[1:])
		}
	} else {
		out, err = d.RPI.AppendHopByHop(out, protoIPv6, d.RPIType)
	}
	if err != nil {
		n.drop(DropBadHeader)
		return ErrNoRoute
	}
	out = append(out, pkt...)
	setPayloadLen(out)
	n.stats.Encapsulated++
	return n.sendHop(out, d.NextHop, fromHost)
}

// sendHop sends a routed packet to the neighbour with link-local address
// next.
func (n *Node) sendHop(pkt []byte, next netip.Addr, o origin) error {
	dst, ok := n.nextHop(next.As16())
	if !ok || !next.Is6() {
		n.drop(DropNoRoute)
		return ErrNoRoute
	}
	if err := n.sendTo(pkt, dst, true); err != nil {
		return err
	}
	if o != fromSelf {
		n.stats.Forwarded++
	}
	return nil
}
