package node

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/wpan"
	"github.com/meshgw/meshgw/wpan/lowpan"
)

// ErrNoRPL is returned by the RPL methods of a node that runs without RPL.
var ErrNoRPL = errors.New("node: RPL is off")

// pinPeriod is how often the node refreshes the MLE pins of its RPL
// parent and children when nothing else prompts it.
const pinPeriod = 10 * time.Second

// rplSeedTag makes the RPL random stream of a node differ from its MLE
// stream, which is seeded from the EUI-64 alone.
var rplSeedTag = [4]byte{'R', 'P', 'L', 0}

// etxHysteresis is how far (in ETX × 128) MLE's live estimate of a link
// must move from the value last reported to RPL before the report
// follows it. The estimate moves with every acknowledgement; without the
// band a link near a rank step (OF0 rounds 3·ETX−2 to whole steps) would
// flip its rank, the parent and the routes of the whole sub-DODAG with it,
// and the DAOs that follow would load the links and move the estimates
// again.
const etxHysteresis = ETXDivisorRPL

// ETXDivisorRPL is RPL's fixed-point ETX scale (the same as MLE's).
const ETXDivisorRPL = rpl.ETXDivisor

// mleMetrics is the rpl.LinkMetrics of a node with MLE: the ETX of its
// established links, reported with hysteresis.
type mleMetrics struct {
	e        *mle.Engine
	n        *Node
	reported map[wpan.ExtAddr]uint16
}

// LinkETX returns the ETX MLE estimates for the link to the neighbour with
// link-local address a, and false if there is no established link.
func (m *mleMetrics) LinkETX(a netip.Addr) (uint16, bool) {
	if !a.Is6() {
		return 0, false
	}
	b := a.As16()
	var iid [8]byte
	copy(iid[:], b[8:])
	ext := wpan.ExtAddrFromIID(iid)
	li, ok := m.e.Link(ext)
	if !ok {
		delete(m.reported, ext)
		return 0, false
	}
	etx := uint16(min(max(li.ETX, ETXDivisorRPL), 0xffff))
	if !li.ETXValid {
		etx = mle.ETXInit
	}
	if w, ok := m.n.linkWeight(ext); ok && w > 1 && etx < maxWeightedETX {
		etx = uint16(min(float64(etx)*w, maxWeightedETX))
	}
	if r, ok := m.reported[ext]; ok && li.ETXValid && absDiff16(etx, r) < etxHysteresis {
		return r, true
	}
	m.reported[ext] = etx
	return etx, true
}

func absDiff16(a, b uint16) uint16 {
	if a > b {
		return a - b
	}
	return b - a
}

// newRPL builds the node's RPL engine from cfg.RPL.
func (n *Node) newRPL() error {
	c := *n.cfg.RPL
	c.LinkLocal = netip.AddrFrom16(linkLocal(n.cfg.Ext.IID()))
	if c.Rand == nil {
		c.Rand = seededRand(n.cfg.Ext, rplSeedTag)
	}
	if c.Metrics == nil && n.mle != nil {
		c.Metrics = &mleMetrics{e: n.mle, n: n, reported: make(map[wpan.ExtAddr]uint16)}
	}
	e, err := rpl.New(c)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.rpl = e
	n.isLocal = e.IsLocal
	n.rplBuf = make([]byte, 0, 256)
	n.rplPkt = make([]byte, 0, 512)
	n.fwdBuf = make([]byte, 0, fwdBufSize)
	n.pinned = make(map[wpan.ExtAddr]struct{})
	n.groups = append(n.groups, rpl.AllRPLNodes.As16())
	n.syncGlobal()
	return nil
}

// syncGlobal adds the global address the engine formed to the node's
// addresses, replacing the one it had formed before, and makes the
// DODAG's prefix 6LoWPAN context 0 so that global addresses compress
// (RFC 6282 section 3.1.1): every node learns the same prefix from the
// DIOs, so all agree on the context without RFC 6775's 6CO.
func (n *Node) syncGlobal() {
	g, ok := n.rpl.GlobalAddr()
	if !ok {
		return
	}
	a := g.As16()
	if n.globalIdx > 0 && n.addrs[n.globalIdx] == a {
		return
	}
	if n.globalIdx > 0 {
		n.addrs[n.globalIdx] = a
	} else {
		n.addrs = append(n.addrs, a)
		n.globalIdx = len(n.addrs) - 1
	}
	if p, ok := n.rpl.Prefix(); ok {
		_ = n.lp.Contexts.Set(lowpan.Context{ID: 0, Prefix: p, Compress: true})
	}
}

// handleRPL hands an RPL control message (ICMPv6 type 155, msg from its
// type byte) to the engine.
func (n *Node) handleRPL(now time.Time, src, dst [16]byte, msg []byte) {
	if err := n.rpl.HandleMessage(now, netip.AddrFrom16(src), netip.AddrFrom16(dst), msg); err != nil {
		n.stats.RPLControlErrors++
	}
	n.drainRPL(now)
}

// drainRPL sends the control messages the engine queued and keeps the
// node's addresses and MLE pins in step with the engine.
func (n *Node) drainRPL(now time.Time) {
	if n.draining {
		return // the outer call drains what this one would
	}
	n.draining = true
	defer func() { n.draining = false }()
	n.syncGlobal()
	for {
		msg, ob, ok := n.rpl.PopOutbound(n.rplBuf[:0])
		if !ok {
			break
		}
		n.rplBuf = msg[:0]
		rpl.SetChecksum(msg, ob.Src, ob.Dst)
		pkt := appendIPv6Header(n.rplPkt[:0], ob.Src.As16(), ob.Dst.As16(), protoICMPv6, ob.HopLimit, len(msg))
		pkt = append(pkt, msg...)
		n.rplPkt = pkt[:0]
		if len(pkt) > lowpanMax {
			n.drop(DropTooBig)
			continue
		}
		dst := ob.Dst.As16()
		if isMulticast(dst) || isLinkLocal(dst) {
			_ = n.send(pkt, true)
			continue
		}
		// End-to-end non-storing DAO or DAO-ACK: route it like any
		// packet this node originates.
		_ = n.originate(now, pkt, fromSelf)
	}
	if p, ok := n.rpl.Parent(); ok != n.hasParent || p != n.parent {
		n.parent, n.hasParent = p, ok
		n.pinAt = time.Time{}
	}
	if n.mle != nil && !now.Before(n.pinAt) {
		n.syncPins(now)
	}
}

// syncPins pins in MLE the links RPL needs, the preferred parent and the
// children with downward routes through them, and releases the others.
func (n *Node) syncPins(now time.Time) {
	n.pinAt = now.Add(pinPeriod)
	if n.pinMark == nil {
		n.pinMark = make(map[wpan.ExtAddr]bool)
	}
	clear(n.pinMark)
	want := func(a netip.Addr) {
		if !a.IsValid() || !a.Is6() {
			return
		}
		b := a.As16()
		var iid [8]byte
		copy(iid[:], b[8:])
		n.pinMark[wpan.ExtAddrFromIID(iid)] = true
	}
	if n.hasParent {
		want(n.parent)
	}
	n.routes = n.rpl.AppendRoutes(n.routes[:0])
	st := n.rpl.State()
	for _, r := range n.routes {
		switch {
		case st.MOP == rpl.MOPStoring:
			want(r.NextHop)
		case st.Root && r.NextHop == st.Global:
			// A non-storing root's one-hop children.
			want(r.Target)
		}
	}
	for ext := range n.pinned {
		if !n.pinMark[ext] {
			n.mle.Pin(ext, false)
			delete(n.pinned, ext)
		}
	}
	for ext := range n.pinMark {
		if n.mle.Pin(ext, true) {
			n.pinned[ext] = struct{}{}
		}
	}
}

// RPLState returns a snapshot of the node's RPL engine, and false without
// RPL.
func (n *Node) RPLState() (rpl.State, bool) {
	if n.rpl == nil {
		return rpl.State{}, false
	}
	return n.rpl.State(), true
}

// RPLCounters returns the RPL engine's counters, and false without RPL.
func (n *Node) RPLCounters() (rpl.Counters, bool) {
	if n.rpl == nil {
		return rpl.Counters{}, false
	}
	return n.rpl.Counters(), true
}

// GlobalAddr returns the node's global address, formed from the DODAG's
// prefix and the node's IID once it has joined (the root has it at once),
// and false before that or without RPL.
func (n *Node) GlobalAddr() (netip.Addr, bool) {
	if n.rpl == nil {
		return netip.Addr{}, false
	}
	return n.rpl.GlobalAddr()
}

// CanRoute reports whether the node has a downward route to dst: a
// storing-mode route, or at a non-storing root a complete source route.
// It is how a root tells which nodes it can reach.
func (n *Node) CanRoute(dst netip.Addr) bool {
	return n.rpl != nil && n.rpl.CanRoute(dst)
}

// RPLParent returns the link-local address of the node's preferred parent.
func (n *Node) RPLParent() (netip.Addr, bool) {
	if n.rpl == nil {
		return netip.Addr{}, false
	}
	return n.rpl.Parent()
}

// GlobalRepair makes the root start a new DODAG version (RFC 6550 section
// 8.2.2.1): every node rebuilds its parent set and announces its routes
// again. On a router it does nothing. The caller that drives the node
// from outside its owner's event loop (a simulator's At) must let the
// owner read Deadline again afterwards.
func (n *Node) GlobalRepair(now time.Time) error {
	if n.rpl == nil {
		return ErrNoRPL
	}
	n.rpl.GlobalRepair(now)
	n.drainRPL(now)
	n.kick()
	return nil
}

// rplLinkDown tells RPL that the MLE link with ext ended.
func (n *Node) rplLinkDown(now time.Time, ext wpan.ExtAddr) {
	if n.rpl == nil {
		return
	}
	delete(n.pinned, ext)
	n.rpl.NeighborLost(now, netip.AddrFrom16(linkLocal(ext.IID())))
	n.rplDirty = true
}

// rplLinkUp tells RPL that a link came up, which may give it a parent.
func (n *Node) rplLinkUp(now time.Time) {
	if n.rpl == nil {
		return
	}
	n.rpl.LinkChanged(now)
	n.rplDirty = true
}

// parentFailed lets RPL re-run parent selection at once when a frame to
// the preferred parent went unacknowledged after every retry round: MLE
// has just raised the link's ETX, and waiting for the next periodic check
// would keep sending into a failing link. It also has MLE re-validate the
// link, which ends it within seconds if the parent is gone; the ETX alone
// takes several lost frames to move the parent (the current one keeps
// its place until another is better by the switch threshold).
func (n *Node) parentFailed(now time.Time, dst wpan.Addr) {
	if n.rpl == nil || !n.hasParent {
		return
	}
	ext, ok := n.srcExt(dst)
	if !ok || netip.AddrFrom16(linkLocal(ext.IID())) != n.parent {
		return
	}
	n.rpl.LinkChanged(now)
	n.drainRPL(now)
	if n.mle == nil {
		return
	}
	if li, ok := n.mle.Link(ext); ok && now.Sub(li.LastHeard) >= parentQuiet && li.ETX <= revalidateETX && n.mle.Revalidate(now, ext) {
		// The link may be dead (the parent stopped): MLE finds out in
		// seconds, and the link's end takes the parent from RPL. A
		// parent heard from lately is alive and only busy: on a
		// congested mesh, re-validating it would end links that carry
		// traffic.
		n.drainMLE(now)
	}
}

// parentQuiet is how long the preferred parent must have been silent
// before a lost frame to it has MLE re-validate the link.
const parentQuiet = 5 * time.Second

// revalidateETX is the highest link ETX (times 128, counting the frame
// just lost) at which a lost frame to the parent has MLE re-validate the
// link: a good link that suddenly carries nothing suggests a dead parent,
// while losses on a poor or congested link are what its ETX already says.
// One lost frame raises an ETX of 1.3 to about 2.
const revalidateETX = 2 * ETXDivisorRPL
