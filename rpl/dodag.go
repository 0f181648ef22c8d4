package rpl

import (
	"net/netip"
	"time"
)

// HandleMessage processes an RPL control message (the ICMPv6 body, type
// 155) that arrived from src to dst at now. src is the sender's link-local
// address, or for end-to-end non-storing DAOs and DAO-ACKs its global
// address. The checksum is verified. A message the engine does not act on
// is counted in Counters.Drops and returns ErrDropped or the decoder's
// sentinel error.
func (e *Engine) HandleMessage(now time.Time, src, dst netip.Addr, msg []byte) error {
	if !src.Is6() || src.IsMulticast() || !dst.Is6() {
		return e.drop(DropMalformed, ErrInvalid)
	}
	if !VerifyChecksum(msg, src, dst) {
		return e.drop(DropChecksum, ErrChecksum)
	}
	if err := e.msg.Unmarshal(msg); err != nil {
		if err == ErrSecure || err == ErrConsistencyCheck {
			return e.drop(DropSecure, err)
		}
		return e.drop(DropMalformed, err)
	}
	switch e.msg.Code {
	case CodeDIS:
		e.counters.DISReceived++
		return e.handleDIS(now, src, dst, &e.msg.DIS)
	case CodeDIO:
		e.counters.DIOReceived++
		return e.handleDIO(now, src, &e.msg.DIO)
	case CodeDAO:
		e.counters.DAOReceived++
		return e.handleDAO(now, src, &e.msg.DAO)
	default:
		e.counters.DAOACKReceived++
		return e.handleDAOACK(&e.msg.DAOACK)
	}
}

// drop counts a drop and returns err.
func (e *Engine) drop(r DropReason, err error) error {
	e.counters.Drops[r]++
	return err
}

func (e *Engine) handleDIS(now time.Time, src, dst netip.Addr, d *DIS) error {
	if !e.Joined() {
		return e.drop(DropNotJoined, ErrDropped)
	}
	if d.HasSolicited {
		s := &d.Solicited
		if (s.MatchInstance && s.Instance != e.cfg.Instance) ||
			(s.MatchDODAGID && s.DODAGID != e.dodagID) ||
			(s.MatchVersion && s.Version != e.version) {
			return nil // not for us: no answer, not an error
		}
	}
	if dst.IsMulticast() {
		e.trickle.Inconsistent(now) // RFC 6550 section 8.3; no restart at Imin
		return nil
	}
	e.queueDIO(src)
	return nil
}

func (e *Engine) handleDIO(now time.Time, src netip.Addr, d *DIO) error {
	if d.Instance != e.cfg.Instance {
		return e.drop(DropOtherInstance, ErrDropped)
	}
	if e.root {
		if d.DODAGID != e.dodagID {
			return e.drop(DropOtherDODAG, ErrDropped)
		}
		if d.Version == e.version && d.Rank != InfiniteRank {
			e.trickle.Consistent()
		} else if e.version.Newer(d.Version) {
			e.trickle.Inconsistent(now) // a node still on an old version
		}
		return nil
	}
	if !d.Grounded {
		return e.drop(DropNotGrounded, ErrDropped)
	}
	src = LinkLocalOf(src)
	// Join a DODAG when in none, or switch when detached and the hold
	// is over.
	if !e.inDODAG || (e.parent < 0 && e.holdUntil.IsZero() && d.DODAGID != e.dodagID) {
		if d.Rank == InfiniteRank {
			return nil
		}
		if err := e.adopt(d); err != nil {
			return err
		}
	}
	if d.DODAGID != e.dodagID {
		return e.drop(DropOtherDODAG, ErrDropped)
	}
	if d.Version != e.version {
		if !d.Version.Newer(e.version) {
			e.trickle.Inconsistent(now) // tell the sender about the new version
			return nil
		}
		if d.Rank == InfiniteRank {
			return nil
		}
		if err := e.newVersion(d); err != nil {
			return err
		}
	}
	i := e.findNbr(src)
	if d.Rank == InfiniteRank {
		// Poisoned: the neighbour left; it is no parent any more, and
		// it dropped the routes of its sub-DODAG (storing mode), so
		// the routes through it are withdrawn upstream too.
		if i >= 0 {
			e.nbrs[i].used = false
			if i == e.parent {
				e.selectParent(now)
			}
		}
		if e.mop == MOPStoring {
			e.withdrawNextHop(now, src)
		}
		return nil
	}
	if i < 0 {
		if i = e.allocNbr(d.Rank); i < 0 {
			return nil // table full of better candidates
		}
		e.nbrs[i] = neighbor{used: true, addr: src, dtsn: d.DTSN}
	}
	n := &e.nbrs[i]
	n.rank, n.heard, n.stale = d.Rank, now, false
	n.global = joinIID(e.pio.Prefix, iidOf(src))
	for k := range d.Prefixes[:d.NumPrefixes] {
		if p := &d.Prefixes[k]; p.RouterAddress && p.Prefix.Addr().Is6() {
			n.global = p.Prefix.Addr()
			break
		}
	}
	if i == e.parent && d.DTSN != n.dtsn && d.DTSN.Newer(n.dtsn) {
		// The parent asks for fresh DAOs (RFC 6550 section 9.6). In
		// non-storing mode the request comes from the root for every
		// node, so each asks its children in turn. In storing mode it
		// is for the immediate children only: this node's DAOs carry
		// its whole sub-DODAG, which is what the parent wants to
		// relearn.
		if e.mop == MOPNonStoring {
			e.dtsn = e.dtsn.Next()
			e.pathSeq = e.pathSeq.Next()
		}
		e.scheduleDAO(now)
	}
	n.dtsn = d.DTSN
	if e.Joined() && !e.poisoned {
		e.trickle.Consistent()
	}
	e.selectParent(now)
	return nil
}

// adopt takes a DODAG's identity and parameters from a DIO.
func (e *Engine) adopt(d *DIO) error {
	if !d.HasConfig {
		return e.drop(DropNoConfig, ErrDropped)
	}
	if err := e.checkParams(d); err != nil {
		return err
	}
	e.inDODAG = true
	e.dodagID, e.version = d.DODAGID, d.Version
	e.takeParams(d)
	e.clearNbrs()
	return nil
}

// checkParams refuses a DIO whose DODAG this engine cannot run.
func (e *Engine) checkParams(d *DIO) error {
	c := &d.Config
	if (d.MOP != MOPNonStoring && d.MOP != MOPStoring) ||
		(c.OCP != OCPOF0 && c.OCP != OCPMRHOF) || c.MinHopRankIncrease == 0 ||
		c.TrickleConfig().Validate() != nil {
		return e.drop(DropUnsupported, ErrDropped)
	}
	return nil
}

// takeParams copies a DIO's DODAG parameters.
func (e *Engine) takeParams(d *DIO) {
	e.mop, e.grounded, e.pref = d.MOP, d.Grounded, d.Preference
	e.conf = d.Config
	e.setOF()
	_ = e.trickle.SetConfig(e.conf.TrickleConfig()) // validated by checkParams
	e.hasPIO = false
	e.global = netip.Addr{}
	for k := range d.Prefixes[:d.NumPrefixes] {
		p := &d.Prefixes[k]
		if p.Autonomous && p.Prefix.Addr().Is6() && p.Prefix.Bits() <= 64 {
			e.pio = *p
			e.pio.Prefix = p.Prefix.Masked()
			e.pio.RouterAddress = false
			e.hasPIO = true
			e.global = joinIID(e.pio.Prefix, e.iid)
			break
		}
	}
}

// newVersion moves to a newer DODAG version (global repair): the parent
// set is rebuilt from scratch and routes are announced again.
func (e *Engine) newVersion(d *DIO) error {
	if d.HasConfig {
		if err := e.checkParams(d); err != nil {
			return err
		}
		e.takeParams(d)
	}
	e.counters.GlobalRepairs++
	e.version = d.Version
	e.clearNbrs()
	e.pathSeq = e.pathSeq.Next()
	return nil
}

// clearNbrs forgets every candidate and the position in the DODAG.
func (e *Engine) clearNbrs() {
	for i := range e.nbrs {
		e.nbrs[i].used = false
	}
	e.parent = -1
	e.rank, e.lowest = InfiniteRank, InfiniteRank
	e.poisoned = false
	e.holdUntil = time.Time{}
}

func (e *Engine) findNbr(a netip.Addr) int {
	for i := range e.nbrs {
		if e.nbrs[i].used && e.nbrs[i].addr == a {
			return i
		}
	}
	return -1
}

// allocNbr returns a free candidate slot, or replaces the candidate of
// highest rank (never the parent) if it advertises more than rank.
func (e *Engine) allocNbr(rank uint16) int {
	worst := -1
	for i := range e.nbrs {
		n := &e.nbrs[i]
		if !n.used {
			return i
		}
		if i != e.parent && (worst < 0 || n.rank > e.nbrs[worst].rank) {
			worst = i
		}
	}
	if worst >= 0 && e.nbrs[worst].rank > rank {
		return worst
	}
	return -1
}

func iidOf(a netip.Addr) [8]byte {
	b := a.As16()
	var iid [8]byte
	copy(iid[:], b[8:])
	return iid
}

// linkETX returns the ETX of the link to a neighbour.
func (e *Engine) linkETX(a netip.Addr) (uint16, bool) {
	if e.cfg.Metrics == nil {
		return ETXDivisor, true
	}
	return e.cfg.Metrics.LinkETX(a)
}

// inSubDODAG reports whether a neighbour is known to be below this node:
// in storing mode, this node holds a downward route to it (RFC 6550
// section 9.8: a node must not choose a parent from its sub-DODAG).
func (e *Engine) inSubDODAG(n *neighbor) bool {
	if e.mop != MOPStoring || !n.global.IsValid() {
		return false
	}
	return e.routes.get(n.global) != nil
}

// selectParent runs the objective function over the candidates and
// applies the result: join, parent switch, rank change or detachment.
func (e *Engine) selectParent(now time.Time) {
	if e.root || !e.inDODAG || !e.holdUntil.IsZero() {
		return
	}
	e.cands, e.candIdx = e.cands[:0], e.candIdx[:0]
	cur := -1
	mhri := e.conf.MinHopRankIncrease
	maxRank := uint32(InfiniteRank)
	if e.conf.MaxRankIncrease != 0 && e.lowest != InfiniteRank {
		maxRank = uint32(e.lowest) + uint32(e.conf.MaxRankIncrease)
	}
	banned := 0
	for i := range e.nbrs {
		n := &e.nbrs[i]
		if !n.used || n.rank == InfiniteRank {
			continue
		}
		if now.Before(n.banUntil) {
			banned++
			continue
		}
		etx, ok := e.linkETX(n.addr)
		if !ok {
			continue
		}
		if i == e.parent || e.parent < 0 {
			etx = e.lastResortETX(etx)
		}
		// Loop avoidance (RFC 6550 section 8.2.2.4): besides the current
		// parent, only neighbours of a lower DAGRank than this node's
		// qualify, so none from the sub-DODAG; a node that lost them all
		// detaches and poisons before it takes any other. Storing mode
		// also knows its children from their DAOs.
		if e.rank != InfiniteRank && i != e.parent &&
			(n.stale || DAGRank(n.rank, mhri) >= DAGRank(e.rank, mhri) || e.inSubDODAG(n)) {
			continue
		}
		if r := e.of.RankVia(n.rank, etx); r == InfiniteRank || uint32(r) > maxRank {
			continue
		}
		if i == e.parent {
			cur = len(e.cands)
		}
		e.cands = append(e.cands, Candidate{Rank: n.rank, LinkETX: etx})
		e.candIdx = append(e.candIdx, i)
	}
	if len(e.cands) == 0 && banned > 0 {
		// Only parents that failed a DAO are left: better than none.
		for i := range e.nbrs {
			e.nbrs[i].banUntil = time.Time{}
		}
		e.selectParent(now)
		return
	}
	best := e.of.BestParent(e.cands, cur)
	if best < 0 {
		if e.parent >= 0 {
			e.detach(now)
		}
		return
	}
	switch {
	case cur < 0 || best == cur || e.cfg.ParentSwitchDelay < 0:
		e.switchTo, e.switchAt = netip.Addr{}, time.Time{}
	case e.nbrs[e.candIdx[best]].addr != e.switchTo:
		// The parent is still usable: switch only if the candidate
		// stays better for ParentSwitchDelay.
		e.switchTo, e.switchAt = e.nbrs[e.candIdx[best]].addr, now.Add(e.cfg.ParentSwitchDelay)
		best = cur
	case now.Before(e.switchAt):
		best = cur
	default:
		e.switchTo, e.switchAt = netip.Addr{}, time.Time{}
	}
	ni := e.candIdx[best]
	rank := e.of.RankVia(e.cands[best].Rank, e.cands[best].LinkETX)
	if ni != e.parent {
		e.counters.ParentChanges++
		e.clearPending() // retries would go to the old parent
		e.flushUp(now)   // the changes gathered for the old parent
		if e.parent >= 0 && e.mop == MOPStoring {
			// The old parent gets its No-Path DAOs after the new one
			// got the DAOs (sendDAO), so that where the two paths
			// meet the new route is in place before the old one is
			// withdrawn: else the withdrawal runs on to the root and
			// the announcement follows it all the way.
			e.sendNoPath(now)
			e.noPathTo, e.noPathSeq = e.nbrs[e.parent].addr, e.pathSeq
		}
		joining := e.parent < 0
		if e.mop == MOPStoring {
			// The new parent cannot be below this node any more.
			n := &e.nbrs[ni]
			e.counters.RoutesRemoved += uint64(e.routes.removeNextHop(n.addr))
			if e.routes.get(n.global) != nil {
				e.routes.remove(n.global)
				e.counters.RoutesRemoved++
			}
		}
		e.parent = ni
		e.pathSeq = e.pathSeq.Next()
		if joining {
			if e.poisoned {
				// Children that missed the poisoning still route
				// through this node: ask them for fresh DAOs.
				e.dtsn = e.dtsn.Next()
			}
			e.poisoned = false
			e.disAt = time.Time{}
			e.trickle.Reset(now)
			if e.cfg.JoinDIODelay > 0 {
				e.extraDIOAt = now.Add(e.randUpTo(e.cfg.JoinDIODelay))
			}
		}
		if joining || e.mop == MOPStoring {
			e.scheduleDAO(now)
		} else {
			// A non-storing DAO crosses the whole DODAG to the root,
			// and the old parent still forwards down meanwhile: a node
			// that switches again soon sends one DAO, not one per
			// switch (on a congested mesh switches come in bursts).
			e.scheduleDAOIn(now, e.cfg.SwitchDAODelay)
		}
	}
	old := e.rank
	e.rank = rank
	if rank < e.lowest {
		e.lowest = rank
	}
	if old != InfiniteRank && rank > old {
		// Neighbours that were not below this node may be in its
		// sub-DODAG with ranks computed from the old one: they are
		// no candidates until they advertise again.
		oldDAG := DAGRank(old, mhri)
		for i := range e.nbrs {
			if n := &e.nbrs[i]; n.used && i != e.parent && DAGRank(n.rank, mhri) >= oldDAG {
				n.stale = true
			}
		}
	}
	if e.advRank != InfiniteRank && rank != e.advRank {
		// Any change is news the neighbours' DIOs do not carry: the
		// next DIO is not suppressed, or with k = 10 and a dozen
		// neighbours it may never go, and the children compute their
		// ranks (and this node judges their DAOs) from a stale one.
		e.trickle.ForceNext()
	}
	if e.advRank != InfiniteRank && DAGRank(rank, mhri) > DAGRank(e.advRank, mhri) {
		// A rise to a higher DAGRank must reach the children soon: a
		// child that does not learn it keeps a rank at or below this
		// node's, its packets to this node are rank errors, and it may
		// be taken as parent by it. One extra DIO tells them. A Trickle
		// reset would cost about nine DIOs (one per interval until
		// Imax) at every node the change reaches, and a change near the
		// root reaches its whole sub-DODAG: with resets on significant
		// changes a 3,000-node mesh sent 33,000 resets in its first six
		// minutes and never converged. A child that misses the DIO
		// sends this node a packet, which shows the rank error and
		// resets Trickle here (RFC 6550 section 11.2.2.2). A fall
		// matters only for path quality and goes out with the next
		// DIO, which ForceNext keeps from being suppressed.
		e.extraDIO(now)
	}
}

// extraDIO schedules one DIO outside Trickle within JoinDIODelay, or
// resets Trickle when extra DIOs are disabled.
func (e *Engine) extraDIO(now time.Time) {
	if e.cfg.JoinDIODelay <= 0 {
		e.trickle.Inconsistent(now)
		return
	}
	at := now.Add(e.randUpTo(e.cfg.JoinDIODelay))
	if e.extraDIOAt.IsZero() || at.Before(e.extraDIOAt) {
		e.extraDIOAt = at
	}
}

// sendNoPath sends the No-Path DAOs owed to a former parent now.
func (e *Engine) sendNoPath(now time.Time) {
	if e.noPathTo.IsValid() {
		e.noPathOld(now, e.noPathTo, e.noPathSeq)
	}
	e.noPathTo, e.noPathAt = netip.Addr{}, time.Time{}
}

// noPathOld sends the former parent old No-Path DAOs (storing mode) for
// this node's own target and for every route of its sub-DODAG, each with
// the path sequence it was announced with, so that the stale routes along
// the old branch go at once (RFC 6550 section 9.8) instead of being
// refreshed from there and competing with the new ones. A No-Path DAO
// removes a route only where it goes through the sender, so one that
// arrives after the new DAO cannot remove the new route.
func (e *Engine) noPathOld(now time.Time, old netip.Addr, seq Lollipop) {
	if _, ok := e.linkETX(old); !ok || !e.global.IsValid() {
		return // the link is gone; the old parent withdraws by itself
	}
	d := &e.fwdDAO
	d.NumTargets, d.NumTransits = 0, 0
	e.fwdOwn = false
	e.addFwd(now, old, netip.PrefixFrom(e.global, 128), Transit{PathSequence: seq})
	for i := range e.routes.ents {
		if r := &e.routes.ents[i]; r.used {
			e.addFwd(now, old, netip.PrefixFrom(r.target, 128), Transit{PathSequence: r.seq})
		}
	}
	e.counters.NoPathDAOSent++
	e.flushFwd(now, old)
}

// daoFailed is called when this node's own DAO got no DAO-ACK after all
// retries: the parent does not hear this node (a one-way link: its frames
// arrive, this node's do not), or the path to the root beyond it is
// broken. The parent stops being a candidate for a while, so that the
// node takes another one if it has any and announces itself through it.
func (e *Engine) daoFailed(now time.Time) {
	if e.parent < 0 || e.mop != MOPStoring {
		// A non-storing DAO crosses the whole DODAG: its loss says
		// nothing about the parent.
		return
	}
	e.nbrs[e.parent].banUntil = now.Add(daoFailBan)
	e.selectParent(now)
}

// daoFailBan is how long a parent that failed this node's DAO stays out of
// the candidates.
const daoFailBan = 5 * time.Minute

// lastResortETX caps the link ETX of the preferred parent, and of every
// candidate of a node without a parent, at the largest the objective
// function accepts (OF0: just below 4, step 9; MRHOF: MaxLinkMetric). A
// link that a burst of collisions drove above it is still a link: the
// node keeps the parent, at the worst rank the link can give, until a
// candidate better by the hysteresis appears, instead of detaching and
// poisoning its whole sub-DODAG; and a node whose only links lost their
// first frames (an estimate of ETX 6 from one lost handshake) joins
// through the best of them, and the traffic that follows corrects the
// estimate, instead of waiting forever for samples that only a parent
// gets. A link that MLE lost is no candidate at all.
func (e *Engine) lastResortETX(etx uint16) uint16 {
	if e.conf.OCP == OCPMRHOF {
		return min(etx, e.mrhof.MaxLinkMetric)
	}
	return min(etx, of0MaxETX)
}

// of0MaxETX is the largest ETX (× ETXDivisor) that OF0's step 3·ETX − 2
// maps to MaxStepOfRank.
const of0MaxETX = (MaxStepOfRank+3)*ETXDivisor/3 - 1

// detach is local repair (RFC 6550 section 8.2.2.5): the node poisons its
// sub-DODAG with INFINITE_RANK DIOs, waits DetachHold so that its former
// children let go of it, and then chooses a parent again.
func (e *Engine) detach(now time.Time) {
	e.counters.LocalRepairs++
	e.clearPending()
	e.flushUp(now)
	if e.mop == MOPStoring && e.parent >= 0 {
		// Withdraw the sub-DODAG from the old parent if it can still
		// hear: its routes through this node end here.
		e.sendNoPath(now)
		e.noPathOld(now, e.nbrs[e.parent].addr, e.pathSeq)
	}
	e.parent = -1
	e.rank, e.lowest = InfiniteRank, InfiniteRank
	e.poisoned = true
	for i := range e.nbrs {
		e.nbrs[i].used = false
	}
	hold := e.cfg.DetachHold
	if hold <= 0 {
		hold = e.conf.TrickleConfig().Imin()
	}
	e.holdUntil = now.Add(hold)
	// The sub-DODAG let go of this node: its routes are stale.
	e.counters.RoutesRemoved += uint64(e.routes.n)
	e.routes.clear()
	e.daoAt, e.refreshAt = time.Time{}, time.Time{}
	e.queueDIO(AllRPLNodes)
	e.trickle.Reset(now)
	e.disInterval = e.cfg.DISInterval
	e.disAt = now.Add(hold + e.randUpTo(e.disInterval))
}

// ageCandidates drops candidates that went silent or lost their link.
func (e *Engine) ageCandidates(now time.Time) {
	timeout := e.cfg.CandidateTimeout
	if timeout <= 0 {
		timeout = 3 * e.trickle.Config().Imax()
	}
	for i := range e.nbrs {
		n := &e.nbrs[i]
		if !n.used {
			continue
		}
		if _, ok := e.linkETX(n.addr); !ok || now.Sub(n.heard) > timeout {
			n.used = false
		}
	}
}

// NeighborLost tells the engine that the link to a neighbour (link-local
// address) is gone: it stops being a parent candidate and storing routes
// through it are removed.
func (e *Engine) NeighborLost(now time.Time, neighbor netip.Addr) {
	neighbor = LinkLocalOf(neighbor)
	if i := e.findNbr(neighbor); i >= 0 {
		e.nbrs[i].used = false
	}
	e.withdrawNextHop(now, neighbor)
	e.selectParent(now)
}

// LinkChanged tells the engine that a link's metrics changed (or a link
// came up); it re-runs parent selection at once instead of at the next
// ParentCheck. A router still looking for a parent also solicits DIOs
// again soon: its earlier DISes went out before the link existed (and a
// secured mesh drops frames from a sender without a link), and the
// backoff may have grown long.
func (e *Engine) LinkChanged(now time.Time) {
	e.selectParent(now)
	if e.root || e.parent >= 0 || !e.holdUntil.IsZero() {
		return
	}
	if !e.disAt.IsZero() && e.disAt.Sub(now) <= 4*e.cfg.DISInterval {
		return // one comes soon anyway
	}
	e.disInterval = e.cfg.DISInterval
	e.disAt = now.Add(e.randUpTo(e.disInterval))
}

// LocalRepair detaches the node from the DODAG as if it had lost all its
// parents (poison, hold, rejoin).
func (e *Engine) LocalRepair(now time.Time) {
	if !e.root && e.parent >= 0 {
		e.detach(now)
	}
}

// GlobalRepair makes a root start a new DODAG version (RFC 6550 section
// 8.2.2.1): every node rebuilds its parent set and announces its routes
// again. It also increments the DTSN. It does nothing on a router.
func (e *Engine) GlobalRepair(now time.Time) {
	if !e.root {
		return
	}
	e.counters.GlobalRepairs++
	e.version = e.version.Next()
	e.dtsn = e.dtsn.Next()
	e.trickle.Reset(now)
}

// RefreshRoutes makes a root increment the DTSN so that every node sends
// its DAOs again (RFC 6550 section 9.6). It does nothing on a router.
func (e *Engine) RefreshRoutes(now time.Time) {
	if !e.root {
		return
	}
	e.dtsn = e.dtsn.Next()
	e.trickle.Reset(now)
}

// queueDIO queues a DIO to dst (AllRPLNodes or a neighbour).
func (e *Engine) queueDIO(dst netip.Addr) {
	if !e.inDODAG {
		return
	}
	m := e.queue(Outbound{Dst: dst, Src: e.ll, HopLimit: hopLimitLink, Code: CodeDIO})
	dio := DIO{
		Instance:   e.cfg.Instance,
		Version:    e.version,
		Rank:       e.rank,
		Grounded:   e.grounded,
		MOP:        e.mop,
		Preference: e.pref,
		DTSN:       e.dtsn,
		DODAGID:    e.dodagID,
		HasConfig:  true,
		Config:     e.conf,
	}
	if e.hasPIO {
		dio.NumPrefixes = 1
		dio.Prefixes[0] = e.pio
		if e.mop == MOPNonStoring && e.global.IsValid() {
			// The R flag carries this router's global address, the
			// parent address of its children's DAOs (RFC 6550 6.7.10).
			dio.Prefixes[0].RouterAddress = true
			dio.Prefixes[0].Prefix = netip.PrefixFrom(e.global, e.pio.Prefix.Bits())
		}
	}
	b, err := dio.Append(m.buf)
	if err != nil {
		e.unqueue()
		return
	}
	m.buf = b
	e.counters.DIOSent++
	if dst == AllRPLNodes {
		e.advRank, e.dtsnPending = e.rank, false
	}
}

// queueDIS queues a DIS without options.
func (e *Engine) queueDIS(dst netip.Addr) {
	m := e.queue(Outbound{Dst: dst, Src: e.ll, HopLimit: hopLimitLink, Code: CodeDIS})
	var d DIS
	b, err := d.Append(m.buf)
	if err != nil {
		e.unqueue()
		return
	}
	m.buf = b
	e.counters.DISSent++
}
