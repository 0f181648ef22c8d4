package rpl

import (
	"net/netip"
	"time"
)

// lifetimeInfinite is the Path Lifetime of a route that never expires.
const lifetimeInfinite = 0xFF

// scheduleDAO plans a DAO after DAODelay (jittered), unless one is planned
// already.
func (e *Engine) scheduleDAO(now time.Time) {
	e.scheduleDAOIn(now, e.cfg.DAODelay)
}

// scheduleDAOIn schedules this node's DAO after a mean delay d (jittered
// ±50 %), unless one is due earlier.
func (e *Engine) scheduleDAOIn(now time.Time, d time.Duration) {
	if e.root {
		return
	}
	if t := now.Add(e.jitter(d)); e.daoAt.IsZero() || t.Before(e.daoAt) {
		e.daoAt = t
	}
}

// refreshPeriod returns DefaultLifetime × LifetimeUnit, or 0 for infinite.
func (e *Engine) refreshPeriod() time.Duration {
	if e.conf.DefaultLifetime == lifetimeInfinite {
		return 0
	}
	return time.Duration(e.conf.DefaultLifetime) * time.Duration(e.conf.LifetimeUnit) * time.Second
}

// lifetime returns the expiry of a route with Path Lifetime pl learned at
// now, and false for an infinite lifetime.
func (e *Engine) lifetime(now time.Time, pl uint8) (time.Time, bool) {
	if pl == lifetimeInfinite {
		return time.Time{}, false
	}
	return now.Add(time.Duration(pl) * time.Duration(e.conf.LifetimeUnit) * time.Second), true
}

// sendDAO queues this node's DAO to its parent (storing) or to the root
// (non-storing).
func (e *Engine) sendDAO(now time.Time) {
	if e.root || e.parent < 0 || !e.global.IsValid() {
		return
	}
	p := &e.nbrs[e.parent]
	own := netip.PrefixFrom(e.global, 128)
	d := &e.fwdDAO
	*d = DAO{Instance: e.cfg.Instance, ExpectACK: !e.cfg.NoDAOACK, DODAGID: e.dodagID}
	d.NumTargets, d.NumTransits = 1, 1
	d.Targets[0] = Target{Prefix: own}
	d.Transits[0] = Transit{PathSequence: e.pathSeq, PathLifetime: e.conf.DefaultLifetime}
	if e.mop == MOPStoring {
		// The sub-DODAG's routes ride on this node's own refresh, in the
		// same DAOs: a child's refresh DAO is not forwarded unless it
		// changes something (storeDAO). The first DAO is this node's own.
		e.fwdOwn = true
		e.announceSubDODAG(now, p.addr)
		if e.noPathTo.IsValid() && e.noPathAt.IsZero() {
			e.noPathAt = now.Add(2 * e.cfg.DAODelay)
		}
	} else {
		d.Transits[0].Parent = p.global
		e.daoSeq = e.daoSeq.Next()
		d.Sequence = e.daoSeq
		if !e.queueDAO(now, e.dodagID, e.global, hopLimitE2E, true) {
			return
		}
	}
	if per := e.refreshPeriod(); per > 0 {
		e.refreshAt = now.Add(per/2 + e.randUpTo(per/4))
	}
}

// announceSubDODAG sends DAOs for the routes of the sub-DODAG to the
// parent (storing mode): on a parent change the ancestors learn the new
// path at once, and on a refresh the routes stay alive upstream for as
// long as this node keeps them.
func (e *Engine) announceSubDODAG(now time.Time, parent netip.Addr) {
	for i := range e.routes.ents {
		r := &e.routes.ents[i]
		if !r.used || (!r.infinite && !r.expires.After(now)) {
			continue
		}
		pl := e.conf.DefaultLifetime
		if r.infinite {
			pl = lifetimeInfinite
		}
		e.addFwd(now, parent, netip.PrefixFrom(r.target, 128), Transit{PathSequence: r.seq, PathLifetime: pl})
	}
	e.flushFwd(now, parent)
}

// addFwd adds a target with its transit to the DAO being forwarded,
// sending it first when full.
func (e *Engine) addFwd(now time.Time, parent netip.Addr, t netip.Prefix, tr Transit) {
	d := &e.fwdDAO
	if d.NumTargets == MaxTargets {
		e.flushFwd(now, parent)
	}
	g := uint8(d.NumTargets)
	d.Targets[d.NumTargets] = Target{Prefix: t, Group: g}
	tr.Group = g
	d.Transits[d.NumTransits] = tr
	d.NumTargets++
	d.NumTransits++
}

// flushFwd sends the DAO being forwarded, if it has targets.
func (e *Engine) flushFwd(now time.Time, parent netip.Addr) {
	d := &e.fwdDAO
	if d.NumTargets == 0 {
		return
	}
	d.Instance, d.ExpectACK, d.DODAGID = e.cfg.Instance, !e.cfg.NoDAOACK, e.dodagID
	e.daoSeq = e.daoSeq.Next()
	d.Sequence = e.daoSeq
	e.queueDAO(now, parent, e.ll, hopLimitLink, e.fwdOwn)
	e.fwdOwn = false
	d.NumTargets, d.NumTransits = 0, 0
}

// queueDAO encodes e.fwdDAO into the outbox and, if it asks for a
// DAO-ACK, keeps a copy for retransmission; own marks this node's own DAO.
func (e *Engine) queueDAO(now time.Time, dst, src netip.Addr, hl uint8, own bool) bool {
	ob := Outbound{Dst: dst, Src: src, HopLimit: hl, Code: CodeDAO}
	m := e.queue(ob)
	b, err := e.fwdDAO.Append(m.buf)
	if err != nil {
		e.unqueue()
		return false
	}
	m.buf = b
	e.counters.DAOSent++
	if !e.fwdDAO.ExpectACK {
		return true
	}
	for i := range e.pend {
		p := &e.pend[i]
		if own && p.used && p.own {
			p.used = false // a newer own DAO replaces the one waiting
		}
	}
	for i := range e.pend {
		if p := &e.pend[i]; !p.used {
			*p = pendingDAO{used: true, own: own, seq: e.fwdDAO.Sequence, ob: ob,
				buf: append(p.buf[:0], b...), at: now.Add(e.daoAckWait())}
			break
		}
	}
	return true
}

// pendingDAO is a DAO sent with the K flag and not yet acknowledged.
type pendingDAO struct {
	used  bool
	own   bool
	seq   Lollipop
	tries int
	at    time.Time
	ob    Outbound
	buf   []byte
}

// pollPending retransmits the DAOs whose DAO-ACK is overdue, and gives up
// after DAORetries.
func (e *Engine) pollPending(now time.Time) {
	for i := range e.pend {
		p := &e.pend[i]
		if !p.used || now.Before(p.at) {
			continue
		}
		if p.tries >= e.cfg.DAORetries {
			p.used = false
			e.counters.DAOFailures++
			if p.own {
				// Try again soon, well before the route expires: until
				// a DAO gets through, the root cannot reach this node.
				// Each failure in a row doubles the wait (1, 2, 4 ...
				// minutes up to a quarter of the route lifetime): a
				// root whose neighbourhood is saturated answers a
				// fraction of the DAOs, and every node retrying each
				// minute kept a 3,000-node mesh from converging.
				e.daoFails = min(e.daoFails+1, 16)
				if per := e.refreshPeriod(); per > 0 {
					wait := min(time.Minute<<(e.daoFails-1), per/4) // 1, 2, 4 ... minutes
					wait = max(wait, min(per/8, time.Minute))       // short lifetimes: as before
					e.refreshAt = now.Add(e.jitter(wait))
				}
				e.daoFailed(now)
			}
			continue
		}
		if !e.refreshPending(p) {
			p.used = false // everything it said is out of date
			continue
		}
		p.tries++
		// Back off exponentially, with jitter: a DAO-ACK that is late
		// on a loaded mesh is not helped by more DAOs. A non-storing
		// DAO crosses the DODAG, and at a large mesh's start every one
		// crosses the root's neighbourhood: retries every 20 s kept a
		// 3,000-node mesh saturated, and doubling to 160 s sends a
		// quarter fewer DAOs there. A storing DAO goes one hop, and
		// its failure is what moves a node off a one-way link, so its
		// backoff stops at 40 s.
		p.at = now.Add(e.jitter(e.daoAckWait() << min(p.tries, e.daoBackoffCap())))
		e.counters.DAORetransmits++
		e.counters.DAOSent++
		m := e.queue(p.ob)
		m.buf = append(m.buf, p.buf...)
	}
}

// daoAckWait is the first wait for a DAO-ACK: DAOAckTimeout, and in
// non-storing mode DAOAckPerHop more for each DAGRank step below the root
// (about a hop of ETX 1): the DAO and its DAO-ACK cross the DODAG both
// ways, and at 40 hops a loaded mesh takes longer than 5 s; every
// retransmission sent before the DAO-ACK could arrive is load on the
// root's neighbourhood.
func (e *Engine) daoAckWait() time.Duration {
	w := e.cfg.DAOAckTimeout
	if e.mop == MOPNonStoring && e.rank != InfiniteRank {
		// The root's DAGRank is 1.
		w += time.Duration(max(DAGRank(e.rank, e.conf.MinHopRankIncrease), 1)-1) * e.cfg.DAOAckPerHop
	}
	return w
}

// daoBackoffCap is how many times the DAO-ACK wait doubles.
func (e *Engine) daoBackoffCap() int {
	if e.mop == MOPStoring {
		return 3
	}
	return 5
}

// refreshPending drops from a storing-mode DAO about to be retransmitted
// the targets whose state changed since it was sent, and reports whether
// any is left. A retransmission repeats old news: a route announced
// before a No-Path DAO removed it, resent after the No-Path went on,
// would outlive the No-Path at the ancestors and leave them a route to a
// node that has none.
func (e *Engine) refreshPending(p *pendingDAO) bool {
	if e.mop != MOPStoring {
		return true
	}
	d := &e.rtxDAO
	if d.Unmarshal(p.buf) != nil {
		return true
	}
	toParent := e.parent >= 0 && p.ob.Dst == e.nbrs[e.parent].addr
	var keep [MaxTargets]bool
	kept, dropped := 0, 0
	for i := range d.Targets[:d.NumTargets] {
		tg := &d.Targets[i]
		tr := transitFor(d, tg.Group)
		ok := tr != nil
		if ok {
			a := tg.Prefix.Addr()
			r := e.routes.get(a)
			switch {
			case tr.PathLifetime == 0:
				// A No-Path to a former parent cleans the old branch;
				// one to the parent holds while the route is gone.
				ok = !toParent || r == nil
			case e.IsLocal(a):
				ok = toParent && tr.PathSequence == e.pathSeq
			default:
				ok = toParent && r != nil && r.seq == tr.PathSequence
			}
		}
		keep[i] = ok
		if ok {
			kept++
		} else {
			dropped++
		}
	}
	if dropped == 0 {
		return true
	}
	if kept == 0 {
		return false
	}
	// Rebuild the DAO with the targets kept, one group each.
	f := &e.fwdDAO
	*f = DAO{Instance: d.Instance, ExpectACK: d.ExpectACK, Sequence: d.Sequence, DODAGID: d.DODAGID}
	for i := range d.Targets[:d.NumTargets] {
		if !keep[i] {
			continue
		}
		g := uint8(f.NumTargets)
		tr := *transitFor(d, d.Targets[i].Group)
		tr.Group = g
		f.Targets[f.NumTargets] = Target{Prefix: d.Targets[i].Prefix, Group: g}
		f.Transits[f.NumTransits] = tr
		f.NumTargets++
		f.NumTransits++
	}
	b, err := f.Append(p.buf[:0])
	f.NumTargets, f.NumTransits = 0, 0
	if err != nil {
		return false
	}
	p.buf = b
	return true
}

// clearPending forgets the DAOs awaiting acknowledgement.
func (e *Engine) clearPending() {
	for i := range e.pend {
		e.pend[i].used = false
	}
}

// queueDAOACK answers a DAO.
func (e *Engine) queueDAOACK(dst, src netip.Addr, hl uint8, seq Lollipop, status uint8) {
	m := e.queue(Outbound{Dst: dst, Src: src, HopLimit: hl, Code: CodeDAOACK})
	a := DAOACK{Instance: e.cfg.Instance, Sequence: seq, Status: status, DODAGID: e.dodagID}
	b, err := a.Append(m.buf)
	if err != nil {
		e.unqueue()
		return
	}
	m.buf = b
	e.counters.DAOACKSent++
}

// transitFor returns the first Transit of a target's group.
// hostTarget returns DAO target i of d and its transit. It reports false
// for a target without a transit, and for one that is not a single IPv6
// address (counted as unsupported): meshgw routes /128 targets only.
func (e *Engine) hostTarget(d *DAO, i int) (netip.Addr, *Transit, bool) {
	tg := &d.Targets[i]
	tr := transitFor(d, tg.Group)
	if tr == nil {
		return netip.Addr{}, nil, false
	}
	if tg.Prefix.Bits() != 128 || !tg.Prefix.Addr().Is6() {
		e.counters.Drops[DropUnsupported]++
		return netip.Addr{}, nil, false
	}
	return tg.Prefix.Addr(), tr, true
}

func transitFor(d *DAO, g uint8) *Transit {
	for i := range d.Transits[:d.NumTransits] {
		if d.Transits[i].Group == g {
			return &d.Transits[i]
		}
	}
	return nil
}

// olderSeq reports whether the path sequence a is older than b. Counters
// that cannot be compared count as newer, so that a node that lost its
// state (a reboot) is heard.
func olderSeq(a, b Lollipop) bool {
	c, ok := Compare(a, b)
	return ok && c < 0
}

func (e *Engine) handleDAO(now time.Time, src netip.Addr, d *DAO) error {
	if d.Instance != e.cfg.Instance {
		return e.drop(DropOtherInstance, ErrDropped)
	}
	if !e.Joined() || !e.inDODAG {
		return e.drop(DropNotJoined, ErrDropped)
	}
	if d.DODAGID.IsValid() && d.DODAGID != e.dodagID {
		return e.drop(DropOtherDODAG, ErrDropped)
	}
	if e.mop == MOPNonStoring {
		if !e.root {
			return e.drop(DropUnsupported, ErrDropped)
		}
		if !e.graphDAO(now, d) {
			return e.drop(DropDAOLoop, ErrDropped)
		}
		if d.ExpectACK {
			e.queueDAOACK(src, e.global, hopLimitE2E, d.Sequence, 0)
		}
		return nil
	}
	if !src.IsLinkLocalUnicast() {
		// Storing-mode DAOs travel one hop, from the child's link-local
		// address, which becomes the next hop.
		return e.drop(DropMalformed, ErrDropped)
	}
	from := src
	if e.parent >= 0 && from == e.nbrs[e.parent].addr {
		// RFC 6550 section 9.8: a DAO from the preferred parent means
		// it routes through this node; installing it would loop. The
		// parent took this node for a child on an old rank: a DIO
		// tells it the current one.
		e.queueDIO(from)
		return e.drop(DropDAOLoop, ErrDropped)
	}
	if i := e.findNbr(from); i >= 0 && !e.root && !e.nbrs[i].stale &&
		e.nbrs[i].rank != InfiniteRank && e.above(e.nbrs[i].rank) {
		// A DAO sender is a child, whose rank is above this node's.
		// One that advertised a lower DAGRank is not in the sub-DODAG,
		// or this node missed the DIO with its new rank: no route
		// through it and no DAO-ACK, so that it retries, and a DIS
		// asks it for its rank.
		e.queueDIS(from)
		return e.drop(DropDAOLoop, ErrDropped)
	}
	e.storeDAO(now, from, d)
	if d.ExpectACK {
		e.queueDAOACK(src, e.ll, hopLimitLink, d.Sequence, 0)
	}
	return nil
}

// storeDAO installs (storing mode) the targets of a child's DAO and
// forwards what changed to the parent.
func (e *Engine) storeDAO(now time.Time, from netip.Addr, d *DAO) {
	var parent netip.Addr
	if !e.root && e.parent >= 0 {
		parent = e.nbrs[e.parent].addr
	}
	for i := range d.Targets[:d.NumTargets] {
		a, tr, valid := e.hostTarget(d, i)
		if !valid {
			continue
		}
		if e.IsLocal(a) {
			continue
		}
		if parent.IsValid() && a == e.nbrs[e.parent].global {
			// The parent reported below this node: a loop.
			e.counters.Drops[DropDAOLoop]++
			continue
		}
		r := e.routes.get(a)
		if r != nil && olderSeq(tr.PathSequence, r.seq) {
			e.counters.Drops[DropDAOStale]++
			continue
		}
		// Only news goes up: a new target, a newer path sequence (the
		// target moved; the ancestors may hold the old one through
		// another branch), or a withdrawal. A target already routed
		// here with the same path sequence that moved between children
		// (a node above it changed parent) changes nothing above this
		// node, where the old and the new path meet: the ancestors
		// route it here either way. Refreshes are carried by this
		// node's own (announceSubDODAG).
		changed := r == nil || r.seq != tr.PathSequence
		if tr.PathLifetime == 0 {
			if r == nil {
				continue
			}
			if r.nextHop != from {
				if r.alt == from {
					r.alt = netip.Addr{} // the other path withdrew
				}
				continue
			}
			if r.alt.IsValid() && r.seq == tr.PathSequence {
				// The same announcement came over two paths: the one
				// left stays, and the ancestors keep routing here.
				r.nextHop, r.alt = r.alt, netip.Addr{}
				e.counters.RoutesRemoved++
				continue
			}
			e.routes.remove(a)
			e.counters.RoutesRemoved++
		} else {
			// An announcement with the path sequence of the route but
			// from another child (an intermediate node moved, or a
			// retransmission of the old path's DAO overtook the new
			// one) takes over, and the old next hop stays as the
			// alternative that a No-Path DAO from the new one falls
			// back to.
			var alt netip.Addr
			if r != nil && r.seq == tr.PathSequence && r.nextHop != from {
				alt = r.nextHop
			} else if r != nil && r.seq == tr.PathSequence && r.alt != from {
				alt = r.alt
			}
			exp, finite := e.lifetime(now, tr.PathLifetime)
			if e.routes.put(a, from, tr.PathSequence, exp, !finite) {
				e.counters.RouteEvictions++
			}
			e.routes.get(a).alt = alt
		}
		if changed || tr.PathLifetime == 0 {
			e.queueUp(now, a, Transit{PathSequence: tr.PathSequence, PathLifetime: tr.PathLifetime})
		}
	}
}

// aggEntry is a sub-DODAG change waiting to go up (storing mode).
type aggEntry struct {
	target netip.Addr
	tr     Transit
}

// queueUp schedules a change of the sub-DODAG (a new or moved route, or a
// No-Path) for the parent. Changes are gathered for AggregationDelay and
// sent together, a later change of a target replacing an earlier one: a
// parent change below sends the sub-DODAG in several DAOs within
// milliseconds, and forwarding each at once multiplied the DAOs along the
// whole path to the root.
func (e *Engine) queueUp(now time.Time, target netip.Addr, tr Transit) {
	if e.root || e.parent < 0 {
		return
	}
	if e.aggIdx == nil {
		e.aggIdx = make(map[netip.Addr]int)
	}
	if k, ok := e.aggIdx[target]; ok {
		e.agg[k].tr = tr
	} else {
		e.aggIdx[target] = len(e.agg)
		e.agg = append(e.agg, aggEntry{target: target, tr: tr})
	}
	if e.aggAt.IsZero() {
		e.aggAt = now.Add(e.cfg.AggregationDelay)
	}
}

// flushUp sends the gathered sub-DODAG changes to the parent.
func (e *Engine) flushUp(now time.Time) {
	e.aggAt = time.Time{}
	if len(e.agg) == 0 {
		return
	}
	if !e.root && e.parent >= 0 {
		parent := e.nbrs[e.parent].addr
		e.fwdDAO.NumTargets, e.fwdDAO.NumTransits = 0, 0
		e.fwdOwn = false
		for i := range e.agg {
			a := &e.agg[i]
			e.addFwd(now, parent, netip.PrefixFrom(a.target, 128), a.tr)
		}
		e.flushFwd(now, parent)
	}
	e.agg = e.agg[:0]
	clear(e.aggIdx)
}

func (e *Engine) handleDAOACK(a *DAOACK) error {
	if a.Instance != e.cfg.Instance {
		return e.drop(DropOtherInstance, ErrDropped)
	}
	found := false
	for i := range e.pend {
		if p := &e.pend[i]; p.used && p.seq == a.Sequence {
			if p.own {
				e.daoFails = 0
			}
			p.used, found = false, true
			break
		}
	}
	if !found {
		return e.drop(DropUnexpectedACK, ErrDropped)
	}
	if a.Rejected() {
		e.counters.DAORejected++
	}
	return nil
}

// route is a storing-mode downward route.
type route struct {
	used     bool
	infinite bool
	seq      Lollipop
	target   netip.Addr
	nextHop  netip.Addr
	// alt is a second next hop that announced the target with the same
	// path sequence, or invalid.
	alt     netip.Addr
	expires time.Time
}

// routeTable is a bounded map of host routes with lifetimes.
type routeTable struct {
	idx        map[netip.Addr]int32
	ents       []route
	free       []int32
	max, n     int
	nextExpiry time.Time
}

func (t *routeTable) init(max int) {
	t.max = max
	t.idx = make(map[netip.Addr]int32)
}

func (t *routeTable) get(a netip.Addr) *route {
	if i, ok := t.idx[a]; ok {
		return &t.ents[i]
	}
	return nil
}

// put adds or updates a route and reports whether another was evicted to
// make room.
func (t *routeTable) put(a, nextHop netip.Addr, seq Lollipop, exp time.Time, infinite bool) (evicted bool) {
	i, ok := t.idx[a]
	if !ok {
		if t.n >= t.max {
			t.evict()
			evicted = true
		}
		if k := len(t.free); k > 0 {
			i = t.free[k-1]
			t.free = t.free[:k-1]
		} else {
			t.ents = append(t.ents, route{})
			i = int32(len(t.ents) - 1)
		}
		t.idx[a] = i
		t.n++
	}
	t.ents[i] = route{used: true, infinite: infinite, seq: seq, target: a, nextHop: nextHop, expires: exp}
	if !infinite && (t.nextExpiry.IsZero() || exp.Before(t.nextExpiry)) {
		t.nextExpiry = exp
	}
	return evicted
}

// evict removes the route closest to expiry.
func (t *routeTable) evict() {
	victim := -1
	for i := range t.ents {
		r := &t.ents[i]
		if !r.used {
			continue
		}
		if victim < 0 || (!r.infinite && (t.ents[victim].infinite || r.expires.Before(t.ents[victim].expires))) {
			victim = i
		}
	}
	if victim >= 0 {
		t.remove(t.ents[victim].target)
	}
}

func (t *routeTable) remove(a netip.Addr) {
	i, ok := t.idx[a]
	if !ok {
		return
	}
	delete(t.idx, a)
	t.ents[i] = route{}
	t.free = append(t.free, i)
	t.n--
}

// clear removes every route.
func (t *routeTable) clear() {
	for i := range t.ents {
		if t.ents[i].used {
			t.remove(t.ents[i].target)
		}
	}
	t.nextExpiry = time.Time{}
}

// removeNextHop removes every route through nextHop.
func (t *routeTable) removeNextHop(nextHop netip.Addr) int {
	n := 0
	for i := range t.ents {
		if r := &t.ents[i]; r.used && r.nextHop == nextHop {
			t.remove(r.target)
			n++
		}
	}
	return n
}

// expireRoutes removes the storing routes whose lifetime ended and tells
// the parent with a No-Path DAO, so that the ancestors drop them at once
// instead of a lifetime later.
func (e *Engine) expireRoutes(now time.Time) {
	t := &e.routes
	t.nextExpiry = time.Time{}
	for i := range t.ents {
		r := &t.ents[i]
		if !r.used || r.infinite {
			continue
		}
		if !now.Before(r.expires) {
			e.queueUp(now, r.target, Transit{PathSequence: r.seq})
			t.remove(r.target)
			e.counters.RoutesExpired++
		} else if t.nextExpiry.IsZero() || r.expires.Before(t.nextExpiry) {
			t.nextExpiry = r.expires
		}
	}
}

// above reports whether a neighbour advertising rank is closer to the
// root than this node: its DAGRank is lower (RFC 6550 section 3.5.1) than
// this node's current and advertised ranks, so it cannot be a child. An equal DAGRank is let pass, as Contiki-NG does:
// a child's rank that rose a little since its last DIO looks equal.
func (e *Engine) above(rank uint16) bool {
	mhri := e.conf.MinHopRankIncrease
	// The children know the advertised rank, which may be below the
	// current one until the next DIO.
	return DAGRank(rank, mhri) < DAGRank(min(e.rank, e.advRank), mhri)
}

// withdrawNextHop removes the storing routes through nextHop and sends
// the parent No-Path DAOs for them, so that the ancestors stop routing
// them here.
func (e *Engine) withdrawNextHop(now time.Time, nextHop netip.Addr) {
	withdrawn := false
	for i := range e.routes.ents {
		r := &e.routes.ents[i]
		switch {
		case !r.used:
		case r.alt == nextHop:
			r.alt = netip.Addr{}
		case r.nextHop != nextHop:
		case r.alt.IsValid():
			r.nextHop, r.alt = r.alt, netip.Addr{}
		default:
			e.withdrawRoute(now, r)
			withdrawn = true
		}
	}
	if withdrawn && e.Joined() {
		// The targets behind a lost child may have moved to another
		// child, which announced them before this node lost its routes
		// and sees nothing new to tell: ask the children for their DAOs,
		// or the targets stay unreachable until their next refresh (3
		// minutes in a 100-node mesh where 20 % of the nodes stopped).
		e.requestDAOs(now)
	}
}

// withdrawRoute removes the storing route r and tells the parent with a
// No-Path DAO.
func (e *Engine) withdrawRoute(now time.Time, r *route) {
	e.queueUp(now, r.target, Transit{PathSequence: r.seq})
	e.routes.remove(r.target)
	e.counters.RoutesRemoved++
}

// requestDAOs increments the DTSN so that the children send their DAOs
// again (RFC 6550 section 9.6), after this node found a stale route: the
// route it should have had comes back at once instead of at the next
// refresh. The DIO that carries it goes out within Imin; requests before
// it share it.
func (e *Engine) requestDAOs(now time.Time) {
	if e.dtsnPending || now.Before(e.requestAt) {
		return
	}
	e.dtsnPending = true
	e.requestAt = now.Add(requestDAOsGap)
	e.dtsn = e.dtsn.Next()
	e.trickle.Inconsistent(now)
	e.trickle.ForceNext()
}

// requestDAOsGap is the least time between two DTSN increments of a
// router for route repair: each makes every child send its whole
// sub-DODAG, and on a loaded mesh the DAOs cause the losses that cause
// the next request.
const requestDAOsGap = time.Minute

// Route is a downward route for reports.
type Route struct {
	// Target is the destination (/128).
	Target netip.Addr
	// NextHop is the child's link-local address (storing mode) or the
	// target's parent in the DAO parent graph (non-storing root; invalid
	// when unknown).
	NextHop netip.Addr
	// Expires is when the route ends; zero for an infinite lifetime.
	Expires time.Time
}

// AppendRoutes appends the downward routes to dst.
func (e *Engine) AppendRoutes(dst []Route) []Route {
	for i := range e.routes.ents {
		if r := &e.routes.ents[i]; r.used {
			dst = append(dst, Route{Target: r.target, NextHop: r.nextHop, Expires: r.expires})
		}
	}
	for i := range e.graph.nodes {
		n := &e.graph.nodes[i]
		if !n.used || !n.registered {
			continue
		}
		rt := Route{Target: n.addr, Expires: n.expires}
		switch {
		case n.parent == graphRoot:
			rt.NextHop = e.global
		case n.parent >= 0:
			rt.NextHop = e.graph.nodes[n.parent].addr
		}
		dst = append(dst, rt)
	}
	return dst
}

// Parent values of nsNode besides an index.
const (
	graphUnknown int32 = -1
	graphRoot    int32 = -2
)

// nsNode is a node of the non-storing root's DAO parent graph.
type nsNode struct {
	used bool
	// registered: the node's own DAO was received (otherwise it is only
	// known as somebody's parent).
	registered bool
	infinite   bool
	seq        Lollipop
	parent     int32
	addr       netip.Addr
	expires    time.Time
	// cache is the source route (first hop .. addr) computed at
	// generation cacheGen; cacheOK says whether one exists.
	cacheGen uint64
	cacheOK  bool
	cache    []netip.Addr
}

// nsGraph is the non-storing root's DAO parent graph (RFC 6550 section
// 9.7) with per-destination source route caches, invalidated as a whole
// by a generation number whenever a parent link changes.
type nsGraph struct {
	idx        map[netip.Addr]int32
	nodes      []nsNode
	free       []int32
	max, n     int
	reg        int // registered nodes
	gen        uint64
	nextExpiry time.Time
}

func (g *nsGraph) init(max int) {
	g.max = max
	g.idx = make(map[netip.Addr]int32)
	g.gen = 1
}

// lookup returns a's node, creating an unregistered one if create is set.
func (g *nsGraph) lookup(a netip.Addr, create bool) (i int32, evicted bool) {
	if i, ok := g.idx[a]; ok {
		return i, false
	}
	if !create {
		return graphUnknown, false
	}
	if g.n >= g.max {
		g.evict()
		evicted = true
	}
	if k := len(g.free); k > 0 {
		i = g.free[k-1]
		g.free = g.free[:k-1]
	} else {
		g.nodes = append(g.nodes, nsNode{})
		i = int32(len(g.nodes) - 1)
	}
	c := g.nodes[i].cache[:0]
	g.nodes[i] = nsNode{used: true, parent: graphUnknown, addr: a, cache: c}
	g.idx[a] = i
	g.n++
	return i, evicted
}

// evict removes the node closest to expiry, unregistered nodes first.
func (g *nsGraph) evict() {
	victim := int32(-1)
	worse := func(a, b *nsNode) bool { // a is a better victim than b
		if a.registered != b.registered {
			return !a.registered
		}
		if a.infinite != b.infinite {
			return !a.infinite
		}
		return a.expires.Before(b.expires)
	}
	for i := range g.nodes {
		if n := &g.nodes[i]; n.used && (victim < 0 || worse(n, &g.nodes[victim])) {
			victim = int32(i)
		}
	}
	if victim >= 0 {
		g.remove(victim)
	}
}

// remove deletes node i; nodes that had it as parent lose their route.
func (g *nsGraph) remove(i int32) {
	n := &g.nodes[i]
	if n.registered {
		g.reg--
	}
	delete(g.idx, n.addr)
	c := n.cache[:0]
	*n = nsNode{cache: c}
	g.free = append(g.free, i)
	g.n--
	for k := range g.nodes {
		if g.nodes[k].used && g.nodes[k].parent == i {
			g.nodes[k].parent = graphUnknown
		}
	}
	g.gen++
}

// expire removes registrations whose lifetime ended.
func (g *nsGraph) expire(now time.Time) int {
	n := 0
	g.nextExpiry = time.Time{}
	for i := range g.nodes {
		x := &g.nodes[i]
		if !x.used || x.infinite {
			continue
		}
		if !now.Before(x.expires) {
			g.remove(int32(i))
			n++
		} else if g.nextExpiry.IsZero() || x.expires.Before(g.nextExpiry) {
			g.nextExpiry = x.expires
		}
	}
	return n
}

// graphDAO applies a DAO to the parent graph. It returns false if every
// target was refused as a loop.
func (e *Engine) graphDAO(now time.Time, d *DAO) bool {
	g := &e.graph
	loops, ok := 0, 0
	for i := range d.Targets[:d.NumTargets] {
		a, tr, valid := e.hostTarget(d, i)
		if !valid {
			continue
		}
		if e.IsLocal(a) || a == e.dodagID {
			continue
		}
		ti, _ := g.lookup(a, false)
		if ti >= 0 && g.nodes[ti].registered && olderSeq(tr.PathSequence, g.nodes[ti].seq) {
			e.counters.Drops[DropDAOStale]++
			continue
		}
		if tr.PathLifetime == 0 {
			if ti >= 0 {
				g.remove(ti)
				e.counters.RoutesRemoved++
			}
			ok++
			continue
		}
		if !tr.Parent.IsValid() || tr.Parent.IsMulticast() || tr.Parent == a {
			e.counters.Drops[DropMalformed]++
			continue
		}
		// Find or create the target first, then its parent, so that an
		// eviction for the parent cannot free the target's slot.
		var ev bool
		if ti < 0 {
			if ti, ev = g.lookup(a, true); ev {
				e.counters.RouteEvictions++
			}
		}
		pi := graphRoot
		if tr.Parent != e.global && tr.Parent != e.dodagID {
			if pi, ev = g.lookup(tr.Parent, true); ev {
				e.counters.RouteEvictions++
			}
			if g.nodes[ti].addr != a { // the target itself was evicted
				if ti, ev = g.lookup(a, true); ev {
					e.counters.RouteEvictions++
				}
			}
			if g.loops(ti, pi) {
				loops++
				e.counters.Drops[DropDAOLoop]++
				if !g.nodes[ti].registered && g.nodes[ti].parent == graphUnknown {
					g.remove(ti)
				}
				continue
			}
			if !g.nodes[pi].registered {
				// Keep the placeholder parent as long as its child.
				g.nodes[pi].expires, g.nodes[pi].infinite = time.Time{}, true
			}
		}
		n := &g.nodes[ti]
		if n.parent != pi {
			n.parent = pi
			g.gen++
		}
		exp, finite := e.lifetime(now, tr.PathLifetime)
		if !n.registered {
			g.reg++
		}
		n.registered, n.seq, n.expires, n.infinite = true, tr.PathSequence, exp, !finite
		if finite && (g.nextExpiry.IsZero() || exp.Before(g.nextExpiry)) {
			g.nextExpiry = exp
		}
		ok++
	}
	return ok > 0 || loops == 0
}

// loops reports whether making p the parent of t closes a cycle.
func (g *nsGraph) loops(t, p int32) bool {
	for hops := 0; p >= 0; hops++ {
		if p == t || hops > maxSourceRouteHops {
			return true
		}
		p = g.nodes[p].parent
	}
	return false
}

// route returns the source route to node i (its first hop first, i's
// address last) from the cache, computing it if the graph changed.
func (g *nsGraph) route(i int32) ([]netip.Addr, bool) {
	n := &g.nodes[i]
	if n.cacheGen == g.gen {
		return n.cache, n.cacheOK
	}
	n.cacheGen, n.cacheOK = g.gen, false
	depth := 0
	j := i
	for ; j >= 0; j = g.nodes[j].parent {
		if depth++; depth > maxSourceRouteHops {
			return nil, false
		}
	}
	if j != graphRoot {
		return nil, false
	}
	if cap(n.cache) < depth {
		n.cache = make([]netip.Addr, depth)
	}
	n.cache = n.cache[:depth]
	k := depth - 1
	for j = i; j >= 0; j = g.nodes[j].parent {
		n.cache[k] = g.nodes[j].addr
		k--
	}
	n.cacheOK = true
	return n.cache, true
}

// SourceRoute returns, at a non-storing root, the source route to dst: the
// addresses from the first hop (a child of the root) to dst itself. The
// slice belongs to the engine and stays valid until the next call that
// changes the DAO parent graph (HandleMessage, Poll, NeighborLost).
func (e *Engine) SourceRoute(dst netip.Addr) ([]netip.Addr, bool) {
	if e.graph.idx == nil {
		return nil, false
	}
	i, ok := e.graph.idx[dst]
	if !ok || !e.graph.nodes[i].registered {
		return nil, false
	}
	return e.graph.route(i)
}

// CanRoute reports whether the node has a downward route to dst: a storing
// route, or at a non-storing root a complete source route.
func (e *Engine) CanRoute(dst netip.Addr) bool {
	if e.routes.get(dst) != nil {
		return true
	}
	_, ok := e.SourceRoute(dst)
	return ok
}
