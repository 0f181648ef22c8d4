package txpower

import (
	"slices"
	"time"
)

// holdKind says what stopped a link's search.
type holdKind uint8

const (
	heldByMargin holdKind = iota // no lower level has the margin
	heldByFloor                  // a floor from a recent loss or degradation
	heldByMin                    // the lowest allowed level
)

// link is the state of one neighbour. Levels are indices into
// params.levels.
type link[K comparable] struct {
	key    K
	roles  Role
	state  LinkState
	held   holdKind
	reason ReasonKind
	lvl    uint8 // current level
	hi     uint8 // last level confirmed good (above lvl during a trial)
	floor  uint8 // lowest level allowed until floorUntil, when hasFloor

	hasFloor bool
	hasLast  bool
	hasWhy   bool
	lastM    uint8
	lastU    int8
	why      int16  // margin at the decision, for ReasonMargin and ReasonTrialFailed
	streak   uint16 // consecutive trouble-free feedback events at lvl

	m   margins
	etx etx

	floorUntil time.Time
	childUntil time.Time // when RoleChild from HandleRx ends; zero: set by SetRole, no end
	changed    time.Time // when lvl last changed
	updated    time.Time // when feedback last came
	wake       time.Time // when to evaluate a reduction again; zero for none
}

// Controller chooses transmit power levels for one node. It is not safe for
// concurrent use: the node's owner goroutine calls it, passing the current
// time into every method that acts on time.
//
// K identifies a neighbour; a node uses its neighbours' EUI-64
// (wpan.ExtAddr), the simulator may use anything comparable.
type Controller[K comparable] struct {
	p     params[K]
	links []link[K]
	index map[K]int32
	level uint8 // node level
	bcast uint8 // broadcast level

	hasNodeFloor   bool
	nodeFloor      uint8
	nodeFloorUntil time.Time
	nodeFloorKey   K
	nodeFloorRole  Role

	stats Stats
}

// New returns a controller for cfg. Every link starts unknown, at the
// highest allowed level; the pinned neighbours of cfg are needed from the
// start.
func New[K comparable](cfg Config[K]) (*Controller[K], error) {
	p, err := cfg.params()
	if err != nil {
		return nil, err
	}
	c := &Controller[K]{p: p, index: make(map[K]int32, len(p.pinned))}
	for _, k := range p.pinned {
		if _, err := c.SetRole(time.Time{}, k, RolePinned, true); err != nil {
			return nil, err
		}
	}
	c.level = c.nodeLevel()
	c.bcast = c.broadcastLevel()
	return c, nil
}

// Policy returns the configured policy.
func (c *Controller[K]) Policy() Policy { return c.p.policy }

// Levels returns the allowed levels in dBm, ascending.
func (c *Controller[K]) Levels() []int8 { return slices.Clone(c.p.levels) }

// TargetDB returns the target link margin in dB.
func (c *Controller[K]) TargetDB() uint8 { return uint8(c.p.target) }

// Level returns the node's level in dBm: the highest level any needed link
// has, at least the floor a recent loss of a needed link set, and the
// highest allowed level when no link is needed or the policy is Fixed. The
// node sends broadcasts at this level and configures the radio with it.
func (c *Controller[K]) Level() int8 { return c.p.levels[c.level] }

// BroadcastLevel returns the level in dBm for broadcasts: the highest level
// of any neighbour the controller has state for, needed or not, and at
// least the node level. A broadcast thus reaches every neighbour at the
// level its own feedback asks for, and the neighbourhood the node's
// Advertisements and DIOs maintain does not shrink when the node needs
// fewer links: a neighbour without feedback, or one whose margin is short
// of the target even at the highest level, keeps broadcasts there.
func (c *Controller[K]) BroadcastLevel() int8 { return c.p.levels[c.bcast] }

// LevelFor returns the level in dBm for unicasts to k (for
// radio.TxRequest.TxPowerDBm): the link's own level, or the highest
// allowed level when the controller has no state for k (a new link starts
// there).
func (c *Controller[K]) LevelFor(k K) int8 {
	if i, ok := c.index[k]; ok {
		return c.p.levels[c.links[i].lvl]
	}
	return c.p.levels[c.p.topIndex]
}

// HandleMargin takes a link margin the neighbour k reported for this node
// (an MLE Link Margin TLV): marginDB is how far above its receive
// sensitivity it heard this node's frames sent at usedDBm. When the
// neighbour averages frames sent at several levels, pass the highest of
// them: the controller then underestimates the margin rather than
// overestimating it. It reports whether the node level or the broadcast
// level changed.
//
// A margin whose fast average falls below target − hysteresis raises the
// link at once to the level the margin says is needed, and a margin of 0
// (heard at or below the neighbour's sensitivity) at the link's level
// raises it to the highest level; a link on trial whose margin estimate
// falls below the target returns to its last good level.
func (c *Controller[K]) HandleMargin(now time.Time, k K, marginDB uint8, usedDBm int8) bool {
	l := c.get(now, k)
	if l == nil {
		c.stats.Dropped++
		return false
	}
	c.stats.MarginReports++
	l.updated = now
	l.lastM, l.lastU, l.hasLast = marginDB, usedDBm, true
	sample := (int32(marginDB) + c.p.topDBm - int32(usedDBm)) << fixShift
	l.m.add(sample)
	if c.p.policy == Fixed {
		return false
	}
	c.expireFloor(l, now)
	lvl := int(l.lvl)
	switch {
	case marginDB == 0 && c.indexAtOrBelow(usedDBm) >= lvl:
		// Heard at or below its sensitivity: frames are being lost, and
		// the margin (clamped at 0) cannot say what is needed.
		l.m.fast = sample
		l.m.reseed()
		c.raise(l, now, ReasonMargin, c.p.topIndex, lvl+1, 0, true)
	case !c.adequate(l.m.fast, lvl, c.p.target-c.p.hyst):
		// The fast average lags a sudden drop: go by the lower of it and
		// this report, and restart the averages from there.
		l.m.fast = min(l.m.fast, sample)
		l.m.reseed()
		why := int16(roundDB(c.at(l.m.fast, lvl)))
		target := c.needed(l.m.fast, c.p.target, lvl+1)
		c.raise(l, now, ReasonMargin, target, lvl+1, why, true)
	case l.state == StateTrial && !c.adequate(l.m.slow, lvl, c.p.target):
		c.stats.TrialsFailed++
		c.raise(l, now, ReasonTrialFailed, int(l.hi), lvl+1, int16(roundDB(c.at(l.m.slow, lvl))), true)
	case c.unsettled(l) && l.m.freshN >= holdSamples && !c.adequate(l.m.freshMean(), lvl, c.p.target):
		c.correct(l, now)
	default:
		c.good(l, now)
	}
	return c.update(now)
}

// HandleAck takes the outcome of one unicast frame to neighbour k sent at
// usedDBm: how many times it went on the air and whether an
// acknowledgment came at last (radio.TxDone's Attempts and Status ==
// TxAcked). A frame that never went on the air (attempts 0, for example a
// busy channel) says nothing about the link and is ignored. It reports
// whether the node level or the broadcast level changed.
//
// An unacknowledged frame sent at the link's level (or above) raises the
// link at once — to the last good level during a trial, else to the level
// the margin says is needed, or to the highest level when the margin does
// not explain the loss — and sets a floor one level above the one that
// failed, for the link and, for a needed link, for the node. An ETX above
// the limit raises the link the same way.
func (c *Controller[K]) HandleAck(now time.Time, k K, usedDBm int8, attempts uint8, acked bool) bool {
	if attempts == 0 {
		return false
	}
	l := c.get(now, k)
	if l == nil {
		c.stats.Dropped++
		return false
	}
	c.stats.AckReports++
	l.updated = now
	used := c.indexAtOrBelow(usedDBm)
	if !acked {
		c.stats.Losses++
	}
	if c.p.policy == Fixed {
		l.etx.add(attempts, acked)
		return false
	}
	c.expireFloor(l, now)
	lvl := int(l.lvl)
	fl := min(used+1, c.p.topIndex)
	if !acked {
		if l.roles != 0 {
			c.setNodeFloor(now, fl, l)
		}
		if used < lvl {
			// A frame queued before the last raise: the level it used is
			// bad, the current one is untested.
			c.setFloor(l, now, fl)
			l.streak = 0
			return c.update(now)
		}
		kind, target := ReasonLoss, c.p.topIndex
		if l.state == StateTrial {
			kind, target = ReasonTrialFailed, int(l.hi)
			c.stats.TrialsFailed++
		}
		if l.m.valid() {
			if c.adequate(l.m.slow, max(used, 0), c.p.target) {
				// The margin said the level was fine, and it was not:
				// forget the margin rather than trust it again.
				l.m = margins{}
			} else if n := c.needed(l.m.fast, c.p.target, used+1); n >= 0 && kind == ReasonLoss {
				target = n
			}
		}
		c.raise(l, now, kind, target, fl, 0, false)
		return c.update(now)
	}
	if used == lvl {
		l.etx.add(attempts, true)
		if l.etx.n >= etxRamp && int(l.etx.v) > c.p.etxLimit {
			target := c.p.topIndex
			if l.state == StateTrial {
				target = int(l.hi)
				c.stats.TrialsFailed++
			} else if l.m.valid() {
				if n := c.needed(l.m.fast, c.p.target, lvl+1); n >= 0 {
					target = n
				}
			}
			c.raise(l, now, ReasonETX, target, lvl+1, 0, false)
			return c.update(now)
		}
	}
	switch {
	case attempts > 1:
		l.streak = 0 // retries: not trouble enough to act on, not evidence either
	case used <= lvl:
		c.good(l, now)
	}
	return c.update(now)
}

// HandleRx takes a unicast frame that neighbour k sent this node and asked
// to be acknowledged: k depends on this node's acknowledgments, which the
// radio sends at the node level, so k has RoleChild until ChildHold after
// its last such frame (unless SetRole gave it RoleChild, which then stays
// until SetRole takes it away). It reports whether the node level or the
// broadcast level changed. Under the Fixed policy it does nothing. Handling
// a frame from a known neighbour does not allocate.
func (c *Controller[K]) HandleRx(now time.Time, k K) bool {
	if c.p.policy == Fixed {
		return false // every level is the highest already
	}
	i, ok := c.index[k]
	if !ok {
		if len(c.links) >= c.p.maxLinks && !c.evict() {
			c.stats.Dropped++
			return false
		}
		c.add(now, k)
		i = int32(len(c.links) - 1)
	}
	l := &c.links[i]
	l.updated = now
	switch {
	case l.roles&RoleChild == 0:
		l.roles |= RoleChild
		l.childUntil = now.Add(c.p.child)
		return c.update(now)
	case !l.childUntil.IsZero():
		l.childUntil = now.Add(c.p.child)
	}
	return false
}

// SetRole gives neighbour k role r (on) or takes it away (off). A needed
// link the controller knows nothing about is at the highest level until
// feedback arrives. It reports whether the node level or the broadcast
// level changed, and returns ErrFull when k is new and every slot holds a
// needed link (a link that is not needed is evicted to make room, the
// least recently updated first).
func (c *Controller[K]) SetRole(now time.Time, k K, r Role, on bool) (bool, error) {
	r &= roleAll
	i, ok := c.index[k]
	if !on {
		if !ok {
			return false, nil
		}
		c.links[i].roles &^= r
		if r&RoleChild != 0 {
			c.links[i].childUntil = time.Time{}
		}
		return c.update(now), nil
	}
	if !ok {
		if len(c.links) >= c.p.maxLinks && !c.evict() {
			return false, ErrFull
		}
		c.add(now, k)
		i = int32(len(c.links) - 1)
	}
	c.links[i].roles |= r
	if r&RoleChild != 0 {
		c.links[i].childUntil = time.Time{}
	}
	return c.update(now), nil
}

// SetParent makes k the only neighbour with RoleParent (the RPL preferred
// parent). See SetRole.
func (c *Controller[K]) SetParent(now time.Time, k K) (bool, error) {
	for i := range c.links {
		if c.links[i].key != k {
			c.links[i].roles &^= RoleParent
		}
	}
	return c.SetRole(now, k, RoleParent, true)
}

// ClearRole takes role r away from every neighbour (for example
// RoleNextHop before setting the next hops of a new route table). It
// reports whether the node level or the broadcast level changed.
func (c *Controller[K]) ClearRole(now time.Time, r Role) bool {
	for i := range c.links {
		c.links[i].roles &^= r
		if r&RoleChild != 0 {
			c.links[i].childUntil = time.Time{}
		}
	}
	return c.update(now)
}

// Forget drops all state for neighbour k, roles included (when its MLE
// link is torn down). It reports whether the node level or the broadcast
// level changed.
func (c *Controller[K]) Forget(now time.Time, k K) bool {
	if i, ok := c.index[k]; ok {
		c.remove(int(i))
	}
	return c.update(now)
}

// Deadline returns when Poll should next be called: when a link may be
// lowered after its dwell time or a floor expires. ok is false when there
// is nothing to wait for.
func (c *Controller[K]) Deadline() (t time.Time, ok bool) {
	earliest := func(d time.Time) {
		if !ok || d.Before(t) {
			t, ok = d, true
		}
	}
	if c.hasNodeFloor {
		earliest(c.nodeFloorUntil)
	}
	for i := range c.links {
		l := &c.links[i]
		if !l.wake.IsZero() {
			earliest(l.wake)
		}
		if l.hasFloor {
			earliest(l.floorUntil)
		}
		if !l.childUntil.IsZero() {
			earliest(l.childUntil)
		}
	}
	return t, ok
}

// Poll runs what is due at now: expired floors go, neighbours whose
// ChildHold ended lose RoleChild, links whose dwell time ended are
// evaluated for a lower level. It reports whether the node level or the
// broadcast level changed.
func (c *Controller[K]) Poll(now time.Time) bool {
	for i := range c.links {
		l := &c.links[i]
		c.expireFloor(l, now)
		if !l.childUntil.IsZero() && !now.Before(l.childUntil) {
			l.roles &^= RoleChild
			l.childUntil = time.Time{}
		}
		if !l.wake.IsZero() && !now.Before(l.wake) && c.p.policy != Fixed {
			c.evaluate(l, now)
		}
	}
	return c.update(now)
}

// Reason explains the node level.
func (c *Controller[K]) Reason() Reason[K] {
	r := Reason[K]{TargetDB: uint8(c.p.target), LevelDBm: c.Level()}
	if c.p.policy == Fixed {
		r.Kind = ReasonFixed
		return r
	}
	var b *link[K]
	for i := range c.links {
		if l := &c.links[i]; l.roles != 0 && (b == nil || l.lvl > b.lvl) {
			b = l
		}
	}
	if c.hasNodeFloor && (b == nil || c.nodeFloor > b.lvl) {
		r.Kind, r.Until = ReasonFloor, c.nodeFloorUntil
		r.Neighbour, r.Role, r.HasNeighbour = c.nodeFloorKey, c.nodeFloorRole, true
		return r
	}
	if b == nil {
		r.Kind = ReasonNoNeed
		return r
	}
	r.Kind, r.Neighbour, r.Role, r.HasNeighbour = b.reason, b.key, b.roles, true
	r.MarginDB, r.HasMargin = c.margin(b)
	return r
}

// Link returns the status of neighbour k, and false when the controller has
// no state for it.
func (c *Controller[K]) Link(k K) (LinkStatus[K], bool) {
	i, ok := c.index[k]
	if !ok {
		return LinkStatus[K]{}, false
	}
	return c.status(&c.links[i]), true
}

// Links appends the status of every neighbour with state to dst, needed
// links first, in the order they were added otherwise.
func (c *Controller[K]) Links(dst []LinkStatus[K]) []LinkStatus[K] {
	for pass := range 2 {
		for i := range c.links {
			if l := &c.links[i]; (l.roles != 0) == (pass == 0) {
				dst = append(dst, c.status(l))
			}
		}
	}
	return dst
}

// Stats returns the counters.
func (c *Controller[K]) Stats() Stats { return c.stats }

func (c *Controller[K]) status(l *link[K]) LinkStatus[K] {
	s := LinkStatus[K]{
		Neighbour: l.key, Roles: l.roles, State: l.state, Reason: l.reason,
		LevelDBm:     c.p.levels[l.lvl],
		LastMarginDB: l.lastM, LastUsedDBm: l.lastU, HasLast: l.hasLast,
		Changed: l.changed, Updated: l.updated,
	}
	if l.m.valid() {
		s.MarginDB = int16(roundDB(c.at(l.m.slow, int(l.lvl))))
		s.MarginAtMaxDB = int16(roundDB(l.m.slow))
		s.HasMargin = true
	}
	if l.etx.n > 0 {
		s.ETX, s.HasETX = int(l.etx.v), true
	}
	if l.hasFloor {
		s.FloorDBm, s.FloorUntil, s.HasFloor = c.p.levels[l.floor], l.floorUntil, true
	}
	return s
}

// margin returns the margin a Reason shows for l: the one that drove the
// decision, or else the current estimate at its level.
func (c *Controller[K]) margin(l *link[K]) (int16, bool) {
	if l.hasWhy {
		return l.why, true
	}
	if l.m.valid() {
		return int16(roundDB(c.at(l.m.slow, int(l.lvl)))), true
	}
	return 0, false
}

// good counts a trouble-free feedback event and looks for a lower level.
func (c *Controller[K]) good(l *link[K], now time.Time) {
	if l.streak < 1<<16-1 {
		l.streak++
	}
	c.evaluate(l, now)
}

// evaluate lowers l when the evidence allows: GoodReports trouble-free
// events and Dwell at the level. It confirms a trial first, then takes the
// bisection midpoint between the lowest allowed level and the current one,
// or the level the margin says is needed if that is higher.
func (c *Controller[K]) evaluate(l *link[K], now time.Time) {
	l.wake = time.Time{}
	if int(l.streak) < c.p.good {
		return
	}
	if d := l.changed.Add(c.p.dwell); now.Before(d) {
		l.wake = d
		return
	}
	if l.state == StateTrial {
		if l.m.valid() && l.m.freshN < trialReports {
			return // the margin has a say: wait for its reports at this level
		}
		l.state, l.hi, l.reason, l.hasWhy = StateSearch, l.lvl, ReasonAdequate, false
	}
	lvl, lo := int(l.lvl), 0
	if l.hasFloor {
		lo = int(l.floor)
	}
	verified := l.m.valid() && l.m.freshN >= holdSamples
	if verified && c.unsettled(l) && !c.adequate(l.m.freshMean(), lvl, c.p.target) {
		c.correct(l, now)
		return
	}
	if lvl == 0 {
		l.state, l.held, l.reason, l.hasWhy = StateHold, heldByMin, ReasonMinLevel, false
		return
	}
	if lo >= lvl {
		l.state, l.held = StateHold, heldByFloor
		l.wake = l.floorUntil
		return
	}
	mid := lo + (lvl-lo)/2
	var cand int
	switch {
	case l.m.valid():
		thr := c.p.target
		if l.state == StateHold {
			if l.held == heldByMargin {
				thr += c.p.hyst // settled: lower only with the dead band to spare
			} else if verified {
				// The floor that stopped the search is gone, and the
				// reports at this level show the target: one look at the
				// target below, then the dead band.
				l.held = heldByMargin
			}
		}
		pred := c.needed(l.m.slow, thr, lo)
		if pred < 0 || pred >= lvl {
			if l.state == StateHold {
				return
			}
			// Settle only on holdSamples reports made at this level: the
			// estimate that led the search here is biased towards the
			// reports that looked good. A settled link leaves its level
			// only on degradation or with the dead band to spare.
			if !verified {
				return
			}
			l.m.slow = l.m.freshMean()
			l.state, l.held, l.reason, l.hasWhy = StateHold, heldByMargin, ReasonAdequate, false
			return
		}
		cand = max(mid, pred)
	case l.state == StateHold:
		cand = lvl - 1 // no margin to go by: probe one level down
	default:
		cand = mid
	}
	l.hi, l.lvl = l.lvl, uint8(cand)
	l.state, l.reason, l.hasWhy = StateTrial, ReasonTrial, false
	l.changed, l.streak, l.etx = now, 0, etx{}
	l.m.restart()
	c.stats.StepsDown++
}

// unsettled reports whether l's level is not yet backed by margin reports
// at it: the link is searching, or a floor stopped its search.
func (c *Controller[K]) unsettled(l *link[K]) bool {
	return l.state == StateSearch || (l.state == StateHold && l.held == heldByFloor)
}

// correct raises a searching link whose reports at its level show less than
// the target: the search went lower than it should have, misled by an early
// estimate of few reports. The reports at this level become the estimate.
func (c *Controller[K]) correct(l *link[K], now time.Time) {
	fm, lvl := l.m.freshMean(), int(l.lvl)
	l.m.slow = fm
	c.raise(l, now, ReasonMargin, c.needed(fm, c.p.target, lvl+1), lvl+1, int16(roundDB(c.at(fm, lvl))), true)
}

// raise lifts l to target (at least floor and one above its level, at most
// the top) and sets a floor for FloorHold.
func (c *Controller[K]) raise(l *link[K], now time.Time, kind ReasonKind, target, floor int, why int16, hasWhy bool) {
	floor = min(floor, c.p.topIndex)
	c.setFloor(l, now, floor)
	if target < 0 {
		target = c.p.topIndex
	}
	target = min(max(target, floor), c.p.topIndex)
	l.reason, l.why, l.hasWhy = kind, why, hasWhy
	l.state, l.streak, l.etx, l.wake = StateSearch, 0, etx{}, time.Time{}
	if target > int(l.lvl) {
		l.lvl = uint8(target)
		l.changed = now
		l.m.restart()
		c.stats.StepsUp++
	}
	l.hi = l.lvl
}

func (c *Controller[K]) setFloor(l *link[K], now time.Time, floor int) {
	if !l.hasFloor || uint8(floor) > l.floor {
		l.floor = uint8(floor)
	}
	l.hasFloor, l.floorUntil = true, now.Add(c.p.hold)
}

func (c *Controller[K]) setNodeFloor(now time.Time, floor int, l *link[K]) {
	if !c.hasNodeFloor || uint8(floor) >= c.nodeFloor {
		c.nodeFloor, c.nodeFloorKey, c.nodeFloorRole = uint8(floor), l.key, l.roles
	}
	c.hasNodeFloor, c.nodeFloorUntil = true, now.Add(c.p.hold)
}

func (c *Controller[K]) expireFloor(l *link[K], now time.Time) {
	if l.hasFloor && !now.Before(l.floorUntil) {
		l.hasFloor = false
	}
}

// update expires the node floor and recomputes the node and broadcast
// levels, reporting whether either changed.
func (c *Controller[K]) update(now time.Time) bool {
	if c.hasNodeFloor && !now.Before(c.nodeFloorUntil) {
		c.hasNodeFloor = false
	}
	nl := c.nodeLevel()
	changed := nl != c.level
	if changed {
		c.level = nl
		c.stats.NodeChanges++
	}
	if bl := c.broadcastLevel(); bl != c.bcast {
		c.bcast = bl
		changed = true
	}
	return changed
}

// broadcastLevel returns the highest level of any link, at least the node
// level.
func (c *Controller[K]) broadcastLevel() uint8 {
	bl := c.level
	for i := range c.links {
		bl = max(bl, c.links[i].lvl)
	}
	return bl
}

func (c *Controller[K]) nodeLevel() uint8 {
	top := uint8(c.p.topIndex)
	if c.p.policy == Fixed {
		return top
	}
	nl, found := uint8(0), false
	for i := range c.links {
		if l := &c.links[i]; l.roles != 0 {
			nl, found = max(nl, l.lvl), true
		}
	}
	if !found {
		nl = top
	}
	if c.hasNodeFloor {
		nl = max(nl, c.nodeFloor)
	}
	return nl
}

// at returns a margin at top (dB × 256) moved to level q.
func (c *Controller[K]) at(v int32, q int) int32 {
	return v - (c.p.topDBm-int32(c.p.levels[q]))<<fixShift
}

// adequate reports whether margin-at-top v gives at least thr dB, rounded
// to whole dB, at level q.
func (c *Controller[K]) adequate(v int32, q int, thr int32) bool {
	return c.at(v, q) >= thr<<fixShift-fixHalf
}

// needed returns the least level at or above from where margin-at-top v
// gives thr dB, or -1 when none does.
func (c *Controller[K]) needed(v int32, thr int32, from int) int {
	for q := max(from, 0); q <= c.p.topIndex; q++ {
		if c.adequate(v, q, thr) {
			return q
		}
	}
	return -1
}

// indexAtOrBelow returns the highest allowed level not above dBm, or -1
// when dBm is below all of them.
func (c *Controller[K]) indexAtOrBelow(dBm int8) int {
	lo, hi := 0, len(c.p.levels) // first index with level > dBm
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.p.levels[m] <= dBm {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// get returns the state for k, adding it when there is room.
func (c *Controller[K]) get(now time.Time, k K) *link[K] {
	if i, ok := c.index[k]; ok {
		return &c.links[i]
	}
	if len(c.links) >= c.p.maxLinks {
		return nil
	}
	return c.add(now, k)
}

func (c *Controller[K]) add(now time.Time, k K) *link[K] {
	top := uint8(c.p.topIndex)
	c.links = append(c.links, link[K]{
		key: k, lvl: top, hi: top, reason: ReasonUnknown, changed: now, updated: now,
	})
	c.index[k] = int32(len(c.links) - 1)
	return &c.links[len(c.links)-1]
}

// evict removes the least recently updated link that is not needed, and
// reports whether there was one.
func (c *Controller[K]) evict() bool {
	v := -1
	for i := range c.links {
		if c.links[i].roles == 0 && (v < 0 || c.links[i].updated.Before(c.links[v].updated)) {
			v = i
		}
	}
	if v < 0 {
		return false
	}
	c.remove(v)
	return true
}

func (c *Controller[K]) remove(i int) {
	last := len(c.links) - 1
	delete(c.index, c.links[i].key)
	if i != last {
		c.links[i] = c.links[last]
		c.index[c.links[i].key] = int32(i)
	}
	c.links[last] = link[K]{}
	c.links = c.links[:last]
}
