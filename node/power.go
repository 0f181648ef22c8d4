package node

import (
	"fmt"
	"slices"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/node/txpower"
	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/wpan"
)

// PowerConfig is the transmit power policy of a node (Config.TxPower):
// package txpower's Config keyed by the neighbours' EUI-64. Levels may be
// left empty; the node then takes its radio's Capabilities().TxPowers.
type PowerConfig = txpower.Config[wpan.ExtAddr]

// PowerLink is the power controller's view of one neighbour.
type PowerLink = txpower.LinkStatus[wpan.ExtAddr]

// PowerStatus is a snapshot of a node's transmit power control, for
// meshctl, metrics and simulation reports.
type PowerStatus struct {
	// Controlled reports that the node runs a power controller
	// (Config.TxPower); without one the node sends everything at
	// Config.TxPowerDBm and the other fields are zero.
	Controlled bool
	// Policy is the controller's policy.
	Policy txpower.Policy
	// LevelDBm is the node level: the power of the radio's
	// configuration, at which it sends acknowledgments.
	LevelDBm int8
	// BroadcastDBm is the power of broadcasts (txpower's
	// BroadcastLevel), which the node's MLE Advertisements declare.
	BroadcastDBm int8
	// Reason explains LevelDBm.
	Reason txpower.Reason[wpan.ExtAddr]
	// TargetDB is the link margin the controller keeps needed links at.
	TargetDB uint8
	// Stats are the controller's counters.
	Stats txpower.Stats
	// Links holds every neighbour the controller has state for, needed
	// links first.
	Links []PowerLink
}

// power is a node's transmit power control state.
type power struct {
	c     *txpower.Controller[wpan.ExtAddr]
	top   int8 // the highest allowed level
	level int8 // the node level last applied to the radio
	bcast int8 // the broadcast level last applied to MLE

	// costs holds the radio's supply current at each allowed level
	// (ascending, as the controller's levels), and ref the one at the
	// level nearest 0 dBm; nil when the radio does not say. With them an
	// adaptive node weighs the link metric it gives RPL (linkWeight).
	levels []int8
	costs  []float64
	ref    float64

	parent    wpan.ExtAddr // the parent the controller was told about
	hasParent bool
	rolesAt   time.Time // n.pinAt when the next hops were last synced
	rolesSet  bool
	mleLinks  []mle.LinkInfo // reused by syncPowerRoles
	links     []PowerLink    // reused by syncPowerRoles
}

// newPower builds the node's power controller from cfg.TxPower.
func (n *Node) newPower() error {
	c := *n.cfg.TxPower
	if len(c.Levels) == 0 && n.port != nil {
		c.Levels = n.port.Capabilities().TxPowers
	}
	if len(c.Levels) == 0 {
		return fmt.Errorf("node: transmit power control needs the radio's power levels: %w", txpower.ErrInvalidConfig)
	}
	ctl, err := txpower.New(c)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	lv := ctl.Levels()
	n.pwr = &power{c: ctl, top: lv[len(lv)-1], level: ctl.Level(), bcast: ctl.BroadcastLevel()}
	if n.port != nil && ctl.Policy() == txpower.Adaptive {
		n.pwr.setCosts(n.port.Capabilities(), lv)
	}
	if n.mle != nil {
		n.mle.SetTxPower(n.pwr.bcast)
	}
	return nil
}

// setCosts takes the supply current of each allowed level from the
// radio's capabilities, when it lists them for every level.
func (p *power) setCosts(caps radio.Capabilities, levels []int8) {
	if len(caps.TxCurrentsMA) != len(caps.TxPowers) {
		return
	}
	costs := make([]float64, len(levels))
	for i, l := range levels {
		j := slices.Index(caps.TxPowers, l)
		if j < 0 || !(caps.TxCurrentsMA[j] > 0) {
			return
		}
		costs[i] = caps.TxCurrentsMA[j]
	}
	ref, best := costs[0], int(levels[0])*int(levels[0])
	for i, l := range levels {
		if d := int(l) * int(l); d < best {
			ref, best = costs[i], d
		}
	}
	p.levels, p.costs, p.ref = levels, costs, ref
}

// maxWeightedETX caps a link metric raised by linkWeight (ETX 3, times
// 128): below MRHOF's MaxLinkMetric (4) and OF0's largest usable step
// (ETX 11/3), so that power alone never makes a link unusable.
const maxWeightedETX = 3 * ETXDivisorRPL

// linkWeight returns how much more energy a frame to ext costs than one at
// the reference level (the one nearest 0 dBm): the supply current at the
// least level that gives the link the target margin, by the margin the
// neighbour reports, over the reference current, and at least 1. A
// neighbour without a report counts at the highest level. ok is false
// when the node does not weigh links (no power control, fixed policy, or
// a radio that does not list its currents).
//
// RPL's objective functions then see each link's ETX times its weight:
// with the nRF52840, one hop that needs +8 dBm (16.4 mA) costs as much as
// 2.6 hops at 0 dBm (6.4 mA), and the DODAG grows over the links that
// need less power, which is where adaptive power saves energy; ranked by
// ETX alone, every link that is loss-free at the highest level looks
// equally good, and the longest ones win.
func (n *Node) linkWeight(ext wpan.ExtAddr) (float64, bool) {
	p := n.pwr
	if p == nil || p.costs == nil {
		return 0, false
	}
	q := len(p.levels) - 1
	if st, ok := p.c.Link(ext); ok && st.HasMargin {
		need := int(p.top) - int(st.MarginAtMaxDB) + int(p.c.TargetDB())
		for i, l := range p.levels {
			if int(l) >= need {
				q = i
				break
			}
		}
	}
	return max(p.costs[q]/p.ref, 1), true
}

// radioPower is the power the radio is configured with: the controller's
// node level, or Config.TxPowerDBm without a controller.
func (n *Node) radioPower() int8 {
	if n.pwr != nil {
		return n.pwr.level
	}
	return n.cfg.TxPowerDBm
}

// applyPower follows a change of the controller's levels: the radio takes
// the node level (its acknowledgments go at it), and the Tx Power MLE
// declares in its Advertisements the broadcast level.
func (n *Node) applyPower() {
	p := n.pwr
	if b := p.c.BroadcastLevel(); b != p.bcast {
		p.bcast = b
		if n.mle != nil {
			n.mle.SetTxPower(b)
		}
	}
	lvl := p.c.Level()
	if lvl == p.level {
		return
	}
	p.level = lvl
	if n.port != nil && n.started {
		_ = n.configureRadio()
	}
}

// framePower returns the power for the frame in slot: the controller's
// level for the neighbour a unicast goes to, or the broadcast level at the
// time the frame was queued for a broadcast (an MLE Advertisement declares
// that level).
func (n *Node) framePower(slot *txSlot) int8 {
	if slot.dst.IsBroadcast() {
		return slot.power
	}
	if ext, ok := n.srcExt(slot.dst); ok {
		return n.pwr.c.LevelFor(ext)
	}
	return n.pwr.top // a short address MLE has not resolved: no state
}

// powerAck feeds the outcome of a unicast frame to ext, sent at usedDBm,
// to the controller. With MLE, an acknowledged frame counts only once the
// neighbour has reported a margin: the search then starts from the margin
// estimate instead of a blind bisection, each failed step of which would
// cost a frame. Losses count at once.
func (n *Node) powerAck(now time.Time, ext wpan.ExtAddr, usedDBm int8, attempts uint8, acked bool) {
	c := n.pwr.c
	if acked && n.mle != nil {
		if st, ok := c.Link(ext); !ok || !st.HasLast {
			return
		}
	}
	if c.HandleAck(now, ext, usedDBm, attempts, acked) {
		n.applyPower()
	}
}

// powerRx tells the controller that the neighbour at src sent this node a
// unicast frame that asked for an acknowledgment (one that passed the link
// layer's checks, a duplicate included: its sender missed the
// acknowledgment). The radio acknowledges at the node level, so the
// sender becomes a child the node level covers (txpower.RoleChild): in a
// non-storing DODAG this is how a router learns which children depend on
// it.
func (n *Node) powerRx(now time.Time, src wpan.Addr) {
	ext, ok := n.srcExt(src)
	if !ok || (n.rxMLEOnly && !n.mle.Linked(ext)) {
		// A stranger's MLE link request: no state for unauthenticated
		// senders, which could otherwise fill the link table.
		return
	}
	if n.pwr.c.HandleRx(now, ext) {
		n.applyPower()
	}
}

// powerMargin feeds a margin report from MLE (an EventLinkMargin) to the
// controller. MLE reports the margin normalised to 0 dBm; the controller
// gets it as the margin at the highest allowed level.
func (n *Node) powerMargin(now time.Time, ext wpan.ExtAddr, margin0DBm int8) {
	p := n.pwr
	m := min(max(int(margin0DBm)+int(p.top), 0), 255)
	if p.c.HandleMargin(now, ext, uint8(m), p.top) {
		n.applyPower()
	}
}

// powerLinkDown drops the controller's state for a neighbour whose MLE
// link ended.
func (n *Node) powerLinkDown(now time.Time, ext wpan.ExtAddr) {
	if p := n.pwr; p != nil {
		if p.hasParent && p.parent == ext {
			p.hasParent = false
		}
		if p.c.Forget(now, ext) {
			n.applyPower()
		}
	}
}

// syncPowerRoles tells the controller which links the node needs: the RPL
// preferred parent (RoleParent) and the links RPL pins in MLE, the
// children that are next hops of downward routes (RoleNextHop). It reads
// the RPL state the node keeps (parent, and the pin refresh time, which
// changes whenever the pins are recomputed), so it is cheap to call after
// every input.
func (n *Node) syncPowerRoles(now time.Time) {
	p := n.pwr
	if p == nil || n.rpl == nil {
		return
	}
	changed := false
	var parent wpan.ExtAddr
	if n.hasParent {
		parent = extFromLinkLocal(n.parent.As16())
	}
	if n.hasParent != p.hasParent || parent != p.parent {
		p.parent, p.hasParent = parent, n.hasParent
		if n.hasParent {
			c, _ := p.c.SetParent(now, parent)
			changed = changed || c
		} else {
			changed = p.c.ClearRole(now, txpower.RoleParent) || changed
		}
	}
	if n.mle != nil && (!p.rolesSet || !n.pinAt.Equal(p.rolesAt)) {
		p.rolesAt, p.rolesSet = n.pinAt, true
		// New next hops first, then the ones that are no longer: the node
		// level never drops through a moment without them.
		p.mleLinks = n.mle.AppendLinks(p.mleLinks[:0])
		for i := range p.mleLinks {
			if li := &p.mleLinks[i]; p.isNextHop(li) {
				c, _ := p.c.SetRole(now, li.Ext, txpower.RoleNextHop, true)
				changed = changed || c
			}
		}
		p.links = p.c.Links(p.links[:0])
		for i := range p.links {
			if l := &p.links[i]; l.Roles&txpower.RoleNextHop != 0 && !p.pinnedNextHop(l.Neighbour) {
				c, _ := p.c.SetRole(now, l.Neighbour, txpower.RoleNextHop, false)
				changed = changed || c
			}
		}
	}
	if changed {
		n.applyPower()
	}
}

// isNextHop reports whether an MLE link is one RPL pinned for a downward
// route: pinned, and not the parent.
func (p *power) isNextHop(li *mle.LinkInfo) bool {
	return li.Pinned && !(p.hasParent && li.Ext == p.parent)
}

// pinnedNextHop reports whether ext is a next hop in the MLE links read
// last.
func (p *power) pinnedNextHop(ext wpan.ExtAddr) bool {
	for i := range p.mleLinks {
		if li := &p.mleLinks[i]; li.Ext == ext {
			return p.isNextHop(li)
		}
	}
	return false
}

// extFromLinkLocal returns the EUI-64 behind a link-local address formed
// from it.
func extFromLinkLocal(a [16]byte) wpan.ExtAddr {
	var iid [8]byte
	copy(iid[:], a[8:])
	return wpan.ExtAddrFromIID(iid)
}

// pollPower runs the controller's timers.
func (n *Node) pollPower(now time.Time) {
	if n.pwr == nil {
		return
	}
	if n.pwr.c.Poll(now) {
		n.applyPower()
	}
	n.syncPowerRoles(now)
}

// powerDeadline returns the controller's deadline.
func (n *Node) powerDeadline() (time.Time, bool) {
	if n.pwr == nil {
		return time.Time{}, false
	}
	return n.pwr.c.Deadline()
}

// TxPowerDBm returns the node's current transmit power level in dBm: the
// level of its radio configuration and acknowledgments (Config.TxPowerDBm
// without power control).
func (n *Node) TxPowerDBm() int8 { return n.radioPower() }

// TxPower returns a snapshot of the node's transmit power control: the
// level, its reason, the counters and every neighbour's link. It allocates
// the Links slice; AppendPowerLinks does not.
func (n *Node) TxPower() PowerStatus {
	p := n.pwr
	if p == nil {
		return PowerStatus{LevelDBm: n.cfg.TxPowerDBm, BroadcastDBm: n.cfg.TxPowerDBm}
	}
	return PowerStatus{
		Controlled: true, Policy: p.c.Policy(), LevelDBm: p.level, BroadcastDBm: p.bcast, Reason: p.c.Reason(),
		TargetDB: p.c.TargetDB(), Stats: p.c.Stats(), Links: p.c.Links(nil),
	}
}

// AppendPowerLinks appends the power controller's view of every neighbour
// it has state for to dst, needed links first (nothing without power
// control), and returns the extended slice.
func (n *Node) AppendPowerLinks(dst []PowerLink) []PowerLink {
	if n.pwr == nil {
		return dst
	}
	return n.pwr.c.Links(dst)
}
