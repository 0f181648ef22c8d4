package mle

import (
	"net/netip"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// room reports whether a new link with the given margin fits the table,
// possibly by evicting a worse one.
func (e *Engine) room(margin uint8) bool {
	if len(e.links) < cap(e.links) {
		return true
	}
	return e.victim(QualityFromMargin(margin, NoLinkQuality)) >= 0
}

// victim returns the index of the link to evict for a newcomer of quality
// q: the unpinned link of lowest quality, the highest ETX breaking ties,
// if it is strictly worse than q; -1 when there is none.
func (e *Engine) victim(q LinkQuality) int {
	best := -1
	for i := range e.links {
		l := &e.links[i]
		if l.pinned || l.qIn >= q {
			continue
		}
		if best < 0 || l.qIn < e.links[best].qIn ||
			(l.qIn == e.links[best].qIn && l.etx.ETX() > e.links[best].etx.ETX()) {
			best = i
		}
	}
	return best
}

// addLink adds a link, evicting a worse unpinned one when the table is
// full. It returns nil when there is no room.
func (e *Engine) addLink(now time.Time, ext wpan.ExtAddr, margin uint8) *link {
	if len(e.links) == cap(e.links) {
		v := e.victim(QualityFromMargin(margin, NoLinkQuality))
		if v < 0 {
			return nil
		}
		e.stats.Evictions++
		e.removeLink(now, e.links[v].ext)
	}
	e.links = append(e.links, link{ext: ext, since: now, heard: now, qIn: NoLinkQuality, qOut: NoLinkQuality})
	if !e.hadLinks {
		e.hadLinks = true
	}
	if e.scanning {
		e.scanning = false
		e.home = e.params.Channel
	}
	e.trickle.reset(now, e.rnd)
	return &e.links[len(e.links)-1]
}

// removeLink ends the link with ext, if any.
func (e *Engine) removeLink(now time.Time, ext wpan.ExtAddr) {
	for i := range e.links {
		if e.links[i].ext != ext {
			continue
		}
		last := len(e.links) - 1
		e.links[i] = e.links[last]
		e.links = e.links[:last]
		e.stats.LinksDown++
		e.emit(Event{Kind: EventLinkDown, Neighbor: ext})
		e.cancelRequest(ext)
		if len(e.links) == 0 {
			e.lostAt = now
		}
		e.trickle.reset(now, e.rnd)
		return
	}
}

// RejectUnknown answers a secured unicast frame from ext, which has no
// link with this node, with a Link Reject (draft §8), at most one per
// RejectInterval.
func (e *Engine) RejectUnknown(now time.Time, ext wpan.ExtAddr) {
	e.start(now)
	if e.Linked(ext) || ext == e.cfg.Ext {
		return
	}
	if now.Before(e.nextReject) {
		e.stats.RejectsLimited++
		return
	}
	e.nextReject = now.Add(e.cfg.RejectInterval)
	m := e.newMsg(CmdLinkReject)
	e.stats.Rejects++
	e.send(e.unicast(ext), ext, false, m)
	e.schedule(now)
}

func (e *Engine) unicast(ext wpan.ExtAddr) netip.Addr { return netip.AddrFrom16(linkLocalFor(ext)) }

func (e *Engine) requesting(ext wpan.ExtAddr) bool {
	for i := range e.reqs {
		if e.reqs[i].used && e.reqs[i].ext == ext {
			return true
		}
	}
	return false
}

func (e *Engine) cancelRequest(ext wpan.ExtAddr) {
	for i := range e.reqs {
		if e.reqs[i].used && e.reqs[i].ext == ext {
			e.reqs[i] = request{}
		}
	}
}

func (e *Engine) coolingDown(now time.Time, ext wpan.ExtAddr) bool {
	for i := range e.cool {
		if e.cool[i].ext == ext && now.Before(e.cool[i].until) {
			return true
		}
	}
	return false
}

// startRequest sends a unicast Link Request to ext and retransmits it
// (URT, doubling up to MRT, MRC times). revalidate marks a request that
// checks an established link, which ends when nothing answers.
func (e *Engine) startRequest(now time.Time, ext wpan.ExtAddr, revalidate bool) {
	if e.requesting(ext) {
		return
	}
	slot := -1
	for i := range e.reqs {
		if !e.reqs[i].used {
			slot = i
			break
		}
	}
	if slot < 0 {
		return
	}
	r := &e.reqs[slot]
	*r = request{used: true, revalidate: revalidate, ext: ext, rt: e.jitter(URT)}
	e.newChallenge(&r.challenge)
	r.next = now.Add(r.rt)
	r.sent = 1
	if l := e.find(ext); l != nil && revalidate {
		l.revalidate = true
	}
	e.stats.LinkRequests++
	e.sendRequest(e.unicast(ext), ext, r.challenge[:])
}

func (e *Engine) newMsg(cmd Command) *Message {
	m := &e.tx
	*m = Message{Command: cmd}
	if e.cfg.Short != wpan.ShortNone && e.cfg.Short != wpan.BroadcastShort {
		_ = m.AddSourceAddr(wpan.ShortAddress(e.cfg.Short))
	}
	return m
}

func (e *Engine) sendRequest(dst netip.Addr, ext wpan.ExtAddr, challenge []byte) {
	m := e.newMsg(CmdLinkRequest)
	m.Mode = e.cfg.Mode
	m.Set(TLVMode)
	if !e.cfg.Unsecured {
		m.Challenge = challenge
		m.Set(TLVChallenge)
	}
	e.send(dst, ext, dst.IsMulticast(), m)
}

// sendMulticastRequest sends a Link Request to all nodes with a fresh
// challenge, which stays valid for MRT.
func (e *Engine) sendMulticastRequest(now time.Time) {
	e.mcast[1] = e.mcast[0]
	c := &e.mcast[0]
	e.newChallenge(&c.challenge)
	c.until = now.Add(MRT)
	e.stats.LinkRequests++
	e.sendRequest(e.allN, wpan.ExtAddr{}, c.challenge[:])
}

// sendAccept sends a Link Accept (or Link Accept And Request, with a new
// challenge remembered for linkAcceptTimeout) answering d.
func (e *Engine) sendAccept(now time.Time, d *delayed) {
	cmd := CmdLinkAccept
	if d.andReq {
		cmd = CmdLinkAcceptAndRequest
	}
	m := e.newMsg(cmd)
	m.Mode = e.cfg.Mode
	m.Set(TLVMode)
	m.LinkMargin = d.margin
	m.Set(TLVLinkMargin)
	if !e.cfg.Unsecured {
		m.Response = d.challenge[:d.clen]
		m.Set(TLVResponse)
		var lfc uint32
		if e.cfg.LinkCounter != nil {
			lfc = e.cfg.LinkCounter()
		}
		m.LinkFrameCounter = lfc
		m.Set(TLVLinkFrameCounter)
		m.Set(TLVMLEFrameCounter) // filled in by send with the message's counter
		if d.andReq {
			p := e.pendingSlot(d.ext)
			*p = pending{used: true, ext: d.ext, until: now.Add(linkAcceptTimeout)}
			e.newChallenge(&p.challenge)
			m.Challenge = p.challenge[:]
			m.Set(TLVChallenge)
		}
	}
	e.send(e.unicast(d.ext), d.ext, false, m)
}

// pendingSlot returns the slot for a challenge to ext: its old one, a free
// one, or the one expiring first.
func (e *Engine) pendingSlot(ext wpan.ExtAddr) *pending {
	var free, oldest *pending
	for i := range e.pend {
		p := &e.pend[i]
		if p.used && p.ext == ext {
			return p
		}
		if !p.used && free == nil {
			free = p
		}
		if oldest == nil || p.until.Before(oldest.until) {
			oldest = p
		}
	}
	if free != nil {
		return free
	}
	return oldest
}

// sendAdvertisement sends an Advertisement to all nodes with Link Quality
// records for up to MaxAdvertisedLinks neighbours: the pinned ones (the
// links a higher layer needs) in every Advertisement, the others rotating
// through the remaining records when the table holds more. An engine that
// declares its power (SetTxPower) sends it in a Tx Power TLV, and every
// Advertisement with a measured margin carries a Link Margins TLV with one
// entry per record.
func (e *Engine) sendAdvertisement() {
	m := e.newMsg(CmdAdvertisement)
	q := &m.LinkQuality
	q.AddrLen = 8
	q.Records = e.lqBuf[:0]
	m.LinkMargins = e.lmBuf[:0]
	measured := false
	add := func(l *link) {
		flags := LinkIncoming | LinkOutgoing
		if l.pinned {
			flags |= LinkPriority
		}
		_ = q.Append(LinkRecord{Flags: flags, IDR: idrFromQuality(l.qIn), Addr: l.ext[:]})
		lm := NoLinkMargin
		if l.hasM0In {
			lm, measured = l.margin0In, true
		}
		m.LinkMargins = append(m.LinkMargins, byte(lm))
	}
	n := len(e.links)
	k := min(n, e.cfg.MaxAdvertisedLinks)
	q.Complete = k == n
	if k == n {
		for i := range e.links {
			add(&e.links[i])
		}
	} else {
		cnt := 0
		for i := range e.links {
			if l := &e.links[i]; l.pinned && cnt < k {
				add(l)
				cnt++
			}
		}
		if e.adCursor >= n {
			e.adCursor = 0
		}
		for j := 0; j < n && cnt < k; j++ {
			i := (e.adCursor + j) % n
			if l := &e.links[i]; !l.pinned {
				add(l)
				cnt++
				e.adCursor = (i + 1) % n
			}
		}
	}
	m.Set(TLVLinkQuality)
	if measured {
		m.Set(TLVLinkMargins)
	}
	if e.hasTxPow {
		m.TxPower = e.txPower
		m.Set(TLVTxPower)
	}
	e.stats.Advertisements++
	e.send(e.allN, wpan.ExtAddr{}, true, m)
}

// SetTxPower declares the power, in dBm, this node sends its
// Advertisements at: from then on they carry a Tx Power TLV, neighbours
// report the margin at which they hear them (normalised to 0 dBm, in their
// Link Margins TLV), and each report becomes an EventLinkMargin. A node
// with transmit power control calls it whenever its broadcast level
// changes.
func (e *Engine) SetTxPower(dBm int8) {
	e.txPower, e.hasTxPow = dBm, true
}

// send secures (or, in the open profile, does not) m and queues it.
func (e *Engine) send(dst netip.Addr, ext wpan.ExtAddr, multicast bool, m *Message) {
	if e.outN == len(e.out) {
		e.out = append(e.out, outSlot{}) // grows to the largest burst once
	}
	s := &e.out[e.outN]
	var b []byte
	var err error
	if e.cfg.Unsecured {
		b, err = AppendUnsecured(s.buf[:0], m)
	} else {
		fc, cerr := e.ctr.Next()
		if cerr != nil {
			e.stats.TxErrors++
			return
		}
		if m.Present.Has(TLVMLEFrameCounter) {
			m.MLEFrameCounter = fc
		}
		b, err = AppendSecured(s.buf[:0], m, e.ciphers[1], e.cfg.Ext, fc, e.ll, dst)
	}
	if err != nil || len(b) > len(s.buf) {
		e.stats.TxErrors++
		return
	}
	s.dst, s.neighbor, s.multicast, s.n = dst, ext, multicast, len(b)
	e.outN++
	e.stats.TxMessages++
}

// setKeySequence switches to key sequence seq and restarts the key switch
// guard timer.
func (e *Engine) setKeySequence(now time.Time, seq uint32) {
	if seq == e.keySeq {
		return
	}
	e.keySeq = seq
	if !e.cfg.Unsecured {
		if err := e.loadCiphers(); err != nil {
			return
		}
	}
	e.guardUntil = now.Add(e.cfg.KeySwitchGuard)
	e.stats.KeyRotations++
	e.emit(Event{Kind: EventKeySequence, KeySequence: seq})
	e.trickle.reset(now, e.rnd)
}

// SetKeySequence makes the node use key sequence seq from now on (the
// gateway rotating the network key). Neighbours adopt seq+1 from its
// messages once their guard time has passed; a larger jump makes them
// re-establish their links.
func (e *Engine) SetKeySequence(now time.Time, seq uint32) {
	e.start(now)
	e.setKeySequence(now, seq)
	e.schedule(now)
}

// Refresh sends a unicast Link Request to the established neighbour ext;
// its Link Accept carries the margin at which it hears this node
// (LinkInfo.MarginOut). It reports false for an unknown neighbour.
func (e *Engine) Refresh(now time.Time, ext wpan.ExtAddr) bool {
	return e.request(now, ext, false)
}

// Revalidate checks the link with ext at once, as after three quarters of
// LinkTimeout without a message: a unicast Link Request with retries
// (about 12 s in all), and the link ends if nothing answers. The node calls
// it when frames to a neighbour it depends on go unacknowledged, so that a
// dead neighbour is known in seconds rather than at LinkTimeout. It
// reports false when there is no link with ext.
func (e *Engine) Revalidate(now time.Time, ext wpan.ExtAddr) bool {
	return e.request(now, ext, true)
}

// request starts a unicast Link Request to the linked neighbour ext.
func (e *Engine) request(now time.Time, ext wpan.ExtAddr, revalidate bool) bool {
	e.start(now)
	if !e.Linked(ext) {
		return false
	}
	e.startRequest(now, ext, revalidate)
	e.schedule(now)
	return true
}

// Poll runs the timers that are due at now.
func (e *Engine) Poll(now time.Time) {
	e.start(now)
	// Replies to multicast requests whose delay has passed.
	for i := range e.delay {
		if d := &e.delay[i]; d.used && !now.Before(d.at) {
			dd := *d
			*d = delayed{}
			e.sendAccept(now, &dd)
		}
	}
	// Retransmissions of unicast requests.
	for i := range e.reqs {
		r := &e.reqs[i]
		if !r.used || now.Before(r.next) {
			continue
		}
		if r.sent > MRC {
			ext, reval := r.ext, r.revalidate
			*r = request{}
			e.cool[e.coolNext] = cooldown{ext: ext, until: now.Add(requestCooldown)}
			e.coolNext = (e.coolNext + 1) % len(e.cool)
			if reval {
				e.removeLink(now, ext)
			}
			continue
		}
		r.sent++
		r.rt = e.jitter(min(2*r.rt, MRT))
		r.next = now.Add(r.rt)
		e.newChallenge(&r.challenge) // every challenge sent is new
		e.stats.Retransmissions++
		e.sendRequest(e.unicast(r.ext), r.ext, r.challenge[:])
	}
	// Multicast Link Requests while the node has no link.
	if !e.mcastAt.IsZero() && !now.Before(e.mcastAt) {
		e.mcastAt = time.Time{}
		if len(e.links) == 0 && e.mcastN <= MRC && !e.scanning {
			e.mcastN++
			e.sendMulticastRequest(now)
			e.mcastAt = now.Add(e.jitter(MRT))
		}
	}
	// Link timeouts and re-validation.
	for i := 0; i < len(e.links); i++ {
		l := &e.links[i]
		age := now.Sub(l.heard)
		if age >= e.cfg.LinkTimeout {
			e.removeLink(now, l.ext)
			i--
			continue
		}
		if age >= e.cfg.LinkTimeout*3/4 && !l.revalidate && !l.open {
			e.startRequest(now, l.ext, true)
		}
	}
	e.pollParams(now)
	e.pollMove(now)
	e.pollScan(now)
	if e.trickle.poll(now, e.rnd) {
		e.sendAdvertisement()
	}
	e.schedule(now)
}

// schedule computes the next deadline.
func (e *Engine) schedule(now time.Time) {
	d := e.trickle.next()
	earlier := func(t time.Time) {
		if !t.IsZero() && t.Before(d) {
			d = t
		}
	}
	for i := range e.delay {
		if e.delay[i].used {
			earlier(e.delay[i].at)
		}
	}
	for i := range e.reqs {
		if e.reqs[i].used {
			earlier(e.reqs[i].next)
		}
	}
	earlier(e.mcastAt)
	for i := range e.links {
		l := &e.links[i]
		if l.revalidate || l.open {
			earlier(l.heard.Add(e.cfg.LinkTimeout))
		} else {
			earlier(l.heard.Add(e.cfg.LinkTimeout * 3 / 4))
		}
	}
	for i := range e.pendParams {
		if e.pendParams[i].active {
			earlier(e.pendParams[i].at)
		}
	}
	if e.updateLeft > 0 {
		earlier(e.updateAt)
	}
	if e.move.active {
		earlier(e.move.next)
	}
	if e.scanning {
		earlier(e.scanAt)
	} else if e.orphaned() {
		earlier(e.lostAt.Add(e.cfg.OrphanTimeout))
	}
	e.deadline = d
}
