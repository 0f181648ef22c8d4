package rpl

import (
	"net/netip"
	"time"
)

// Action is what Forward decides for a packet.
type Action uint8

// Forwarding actions.
const (
	// ActionDrop: discard the packet; Decision.Drop says why.
	ActionDrop Action = iota
	// ActionDeliver: the packet is for this node (or link-scope
	// multicast).
	ActionDeliver
	// ActionLeave: at the root, the destination is outside the DODAG's
	// prefix; the packet leaves the RPL domain: remove the RPI (and any
	// IPv6-in-IPv6 tunnel) and hand it to the host network.
	ActionLeave
	// ActionUp: send to the preferred parent, Decision.NextHop.
	ActionUp
	// ActionDown: send down to the child Decision.NextHop (a storing
	// route, a non-storing root's one-hop child, or the next address of a
	// processed source route).
	ActionDown
	// ActionSourceRoute: at a non-storing root, insert an SRH: the IPv6
	// destination becomes Decision.Route[0] and the SRH lists
	// Decision.Route[1:] (AppendSourceRoute(buf, nh, Route[0],
	// Route[1:])); send to Decision.NextHop, the link-local address of
	// Route[0].
	ActionSourceRoute
	// ActionReturn: storing mode had no route for a packet travelling
	// down: send it back to the neighbour it came from, Decision.NextHop,
	// with the F flag set (RFC 6550 section 11.2.2.3).
	ActionReturn
)

var actionNames = [...]string{"drop", "deliver", "leave", "up", "down", "source-route", "return"}

// String returns the action's name.
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "unknown"
}

// Packet describes an IPv6 packet for Forward.
type Packet struct {
	// Dst is the IPv6 destination (after SRH processing, if any).
	Dst netip.Addr
	// From is the link-local address of the neighbour the packet came
	// from; the zero Addr for a packet this node originates.
	From netip.Addr
	// HasRPI says whether the packet carries an RPL Option, in RPI.
	HasRPI bool
	RPI    RPI
	// SourceRouted says the packet carries an SRH that ProcessSRH has
	// just advanced: Dst is the next hop, a neighbour.
	SourceRouted bool
}

// Decision is Forward's verdict.
type Decision struct {
	Action Action
	// NextHop is the link-local address of the neighbour to send to.
	NextHop netip.Addr
	// RPI is the RPL Option for the outgoing packet (O flag, SenderRank,
	// R and F flags); the node adds it, or updates the one present, with
	// the option type RPIType.
	RPI RPI
	// RPIType is the RPL Option type to emit (Config.RPIType).
	RPIType uint8
	// Route is the source route of ActionSourceRoute; it belongs to the
	// engine (see SourceRoute).
	Route []netip.Addr
	// Drop is the reason of ActionDrop.
	Drop DropReason
}

// Forward decides where the packet p goes and fills in d. It applies the
// RPL data-path rules of RFC 6550 section 11.2: rank consistency against
// the RPI's O flag (a first error sets R and the packet goes on, a second
// drops it and resets the DIO Trickle timer), forwarding errors (F) in
// storing mode, and route lookups. It does not allocate.
func (e *Engine) Forward(now time.Time, p *Packet, d *Decision) {
	*d = Decision{RPIType: e.cfg.RPIType}
	if e.IsLocal(p.Dst) || (p.Dst.IsMulticast() && p.Dst.IsLinkLocalMulticast()) {
		d.Action = ActionDeliver
		return
	}
	if p.Dst.IsLinkLocalUnicast() || !p.Dst.Is6() || p.Dst.IsMulticast() {
		e.dropPacket(d, DropNoRoute)
		return
	}
	d.RPI = RPI{Instance: e.cfg.Instance, SenderRank: e.rank}
	if p.HasRPI && p.From.IsValid() {
		if p.RPI.Instance != e.cfg.Instance {
			e.dropPacket(d, DropOtherInstance)
			return
		}
		d.RPI.RankError = p.RPI.RankError
		if p.RPI.ForwardingError {
			e.forwardingError(now, p, d)
			return
		}
		if e.inDODAG && e.rankError(&p.RPI) {
			e.counters.RankErrors++
			if p.RPI.RankError {
				e.trickle.Inconsistent(now)
				e.dropPacket(d, DropRankError)
				return
			}
			d.RPI.RankError = true
		}
	}
	if p.SourceRouted {
		e.down(d, LinkLocalOf(p.Dst), p)
		return
	}
	if e.root {
		e.forwardRoot(now, p, d)
		return
	}
	if r := e.validRoute(now, p.Dst); r != nil {
		e.down(d, r.nextHop, p)
		return
	}
	if p.HasRPI && p.RPI.Down && p.From.IsValid() && e.mop == MOPStoring {
		// Told to go down but no route: return it with F set.
		e.counters.ForwardingErrors++
		d.Action, d.NextHop = ActionReturn, LinkLocalOf(p.From)
		d.RPI.Down, d.RPI.ForwardingError = true, true
		return
	}
	if e.parent < 0 {
		e.dropPacket(d, DropNotJoined)
		return
	}
	d.Action, d.NextHop = ActionUp, e.nbrs[e.parent].addr
}

// forwardRoot routes at the root: down by route or source route, or out
// of the RPL domain.
func (e *Engine) forwardRoot(now time.Time, p *Packet, d *Decision) {
	if !e.pio.Prefix.Contains(p.Dst) {
		d.Action = ActionLeave
		return
	}
	if e.mop == MOPStoring {
		if r := e.validRoute(now, p.Dst); r != nil {
			e.down(d, r.nextHop, p)
			return
		}
		e.dropPacket(d, DropNoRoute)
		return
	}
	route, ok := e.SourceRoute(p.Dst)
	if !ok {
		e.dropPacket(d, DropNoRoute)
		return
	}
	if len(route) == 1 {
		e.down(d, LinkLocalOf(route[0]), p)
		return
	}
	d.Action, d.NextHop, d.Route = ActionSourceRoute, LinkLocalOf(route[0]), route
	d.RPI.Down = true
}

// forwardingError handles a packet a child returned with the F flag
// (storing mode, RFC 6550 section 11.2.2.3): the child had no route, so
// the route through it is stale. A packet returned this way travels back
// up, hence no rank check. If the target was announced over a second
// path the packet takes it; otherwise the route is withdrawn upstream,
// the children are asked for fresh DAOs (which bring it back if the
// target is still below), and the packet goes on up with the F flag so
// that an ancestor with another path can use it. The root drops it.
func (e *Engine) forwardingError(now time.Time, p *Packet, d *Decision) {
	e.counters.ForwardingErrors++
	from := LinkLocalOf(p.From)
	r := e.routes.get(p.Dst)
	if r == nil || r.nextHop != from {
		// The route was fixed meanwhile (or never went there).
		if r := e.validRoute(now, p.Dst); r != nil && r.nextHop != from {
			d.RPI.Down = true
			e.down(d, r.nextHop, &Packet{Dst: p.Dst})
			return
		}
	} else {
		if r.alt.IsValid() && r.alt != from && !e.loopingHop(r.alt) {
			r.nextHop, r.alt = r.alt, netip.Addr{}
			d.RPI.Down = true
			e.down(d, r.nextHop, &Packet{Dst: p.Dst})
			return
		}
		e.withdrawRoute(now, r)
		e.requestDAOs(now)
	}
	if e.root || e.parent < 0 || e.mop != MOPStoring {
		e.dropPacket(d, DropForwardingError)
		return
	}
	d.Action, d.NextHop = ActionReturn, e.nbrs[e.parent].addr
	d.RPI.Down, d.RPI.ForwardingError = true, true
}

// validRoute returns the storing route to dst, or nil. A route whose next
// hop is the preferred parent, or a neighbour that advertises a lower
// DAGRank, cannot lead down: it is a leftover that closes a
// loop (RFC 6550 sections 9.8 and 11.2.2.2). It is withdrawn, and the
// children are asked for fresh DAOs.
func (e *Engine) validRoute(now time.Time, dst netip.Addr) *route {
	r := e.routes.get(dst)
	if r == nil || !e.loopingHop(r.nextHop) {
		return r
	}
	e.counters.RouteLoops++
	if r.alt.IsValid() && !e.loopingHop(r.alt) {
		r.nextHop, r.alt = r.alt, netip.Addr{}
		return r
	}
	e.withdrawRoute(now, r)
	e.requestDAOs(now)
	return nil
}

// loopingHop reports whether a downward next hop cannot be below this
// node: it is the preferred parent, or a neighbour that advertises a lower
// DAGRank.
func (e *Engine) loopingHop(nh netip.Addr) bool {
	if e.parent >= 0 && nh == e.nbrs[e.parent].addr {
		return true
	}
	i := e.findNbr(nh)
	if i < 0 {
		return false
	}
	n := &e.nbrs[i]
	return !n.stale && n.rank != InfiniteRank && e.above(n.rank)
}

// down sends a packet to a child, unless the child is where it came from.
func (e *Engine) down(d *Decision, next netip.Addr, p *Packet) {
	if p.From.IsValid() && next == LinkLocalOf(p.From) {
		e.dropPacket(d, DropLoop)
		return
	}
	d.Action, d.NextHop = ActionDown, next
	d.RPI.Down = true
}

func (e *Engine) dropPacket(d *Decision, r DropReason) {
	e.counters.Drops[r]++
	d.Action, d.Drop = ActionDrop, r
}

// rankError reports whether the RPI's SenderRank contradicts its direction
// (RFC 6550 section 11.2.2.2): a packet going down must come from a lower
// rank, a packet going up from a rank not lower than this node's. Ranks are
// compared as DAGRank. A detached node (infinite rank) finds no error.
func (e *Engine) rankError(r *RPI) bool {
	if e.rank == InfiniteRank {
		return false
	}
	mhri := e.conf.MinHopRankIncrease
	sender, own := DAGRank(r.SenderRank, mhri), DAGRank(e.rank, mhri)
	if r.Down {
		return sender >= own
	}
	return sender < own
}
