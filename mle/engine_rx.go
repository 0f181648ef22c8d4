package mle

import (
	"bytes"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// HandleMessage processes one received MLE message. It checks, in order:
// the hop limit (255), the security header, the sender's replay floor
// (established neighbours), the MIC, the body, the key sequence rules
// (DecideKey), and then acts on the command. Every message that is dropped
// is counted by DropReason. in.Payload is decrypted in place.
func (e *Engine) HandleMessage(now time.Time, in *Inbound) {
	e.start(now)
	e.stats.RxMessages++
	e.handle(now, in)
	e.schedule(now)
}

func (e *Engine) handle(now time.Time, in *Inbound) {
	if in.HopLimit != HopLimit {
		e.drop(DropHopLimit)
		return
	}
	src, ok := ExtAddrFromLinkLocal(in.Src)
	if !ok || src == e.cfg.Ext || !in.Dst.Is6() {
		e.drop(DropMalformed)
		return
	}
	var h Header
	if err := h.Decode(in.Payload); err != nil {
		e.drop(DropMalformed)
		return
	}
	if h.Suite == SuiteNone {
		e.handleUnsecured(now, in, src, len(in.Payload) > 0)
		return
	}
	if e.cfg.Unsecured {
		e.drop(DropNoKey)
		return
	}
	seq, fc := h.Aux.KeySequence, h.Aux.FrameCounter
	l := e.find(src)
	if l != nil && !l.open {
		switch l.mle.Check(seq, fc) {
		case ReplayFresh:
		case ReplayStaleKey:
			e.drop(DropKeySequence)
			return
		default:
			e.drop(DropReplay)
			return
		}
	}
	c := e.cipher(seq)
	if c == nil {
		e.drop(DropMIC)
		return
	}
	body, _, err := Open(in.Payload, c, src, in.Src, in.Dst)
	if err != nil {
		e.drop(DropMIC)
		return
	}
	m := &e.rx
	if err := m.Decode(body); err != nil {
		if err == ErrUnknownCommand {
			e.drop(DropUnknownCommand)
		} else {
			e.drop(DropMalformed)
		}
		return
	}
	multicast := in.Dst.IsMulticast()
	switch m.Command {
	case CmdLinkRequest:
		e.onLinkRequest(now, in, src, seq, fc, multicast)
	case CmdLinkAccept, CmdLinkAcceptAndRequest:
		e.onLinkAccept(now, in, src, seq, fc)
	default:
		// Every other command is acted on only from an established
		// neighbour, whose counter was checked above.
		if l == nil {
			if m.Command == CmdAdvertisement {
				e.onStrangerAdvertisement(now, in, src)
				return
			}
			e.drop(DropUnknownNeighbor)
			return
		}
		if !e.acceptPeer(now, l, in, seq, fc) {
			return
		}
		l = e.find(src) // acceptPeer may rotate keys but keeps the table
		switch m.Command {
		case CmdLinkReject:
			e.removeLink(now, src)
			e.startRequest(now, src, false)
		case CmdAdvertisement:
			e.onAdvertisement(l, in.RSSI)
		case CmdUpdate:
			e.onUpdate(now)
		case CmdUpdateRequest:
			e.sendUpdate(now, src, true)
		}
	}
}

// acceptPeer applies the key sequence rules to a message from an
// established neighbour and commits its counter. It reports false when the
// message is dropped.
func (e *Engine) acceptPeer(now time.Time, l *link, in *Inbound, seq, fc uint32) bool {
	act := DecideKey(KeyInput{
		Current: e.keySeq, Received: seq, Class: ClassPeer,
		Neighbor: true, NeighborSequence: l.mle.KeySequence,
		GuardRunning: now.Before(e.guardUntil),
	})
	if act == KeyDrop {
		e.drop(DropKeySequence)
		return false
	}
	l.mle.Commit(seq, fc)
	e.heard(now, l, in.RSSI)
	e.accepted(l.ext, seq, fc)
	ext := l.ext
	switch act {
	case KeyAdoptGuarded:
		e.setKeySequence(now, seq)
	case KeyReestablish:
		e.startRequest(now, ext, true)
	}
	return true
}

func (e *Engine) accepted(src wpan.ExtAddr, seq, fc uint32) {
	e.stats.Accepted++
	if e.cfg.OnAccept != nil {
		e.cfg.OnAccept(src, seq, fc)
	}
}

// heard records an authenticated message or frame from an established
// neighbour.
func (e *Engine) heard(now time.Time, l *link, rss int8) {
	l.heard = now
	if l.rss.Add(rss) {
		avg, _ := l.rss.Average()
		l.qIn = QualityFromMargin(LinkMargin(avg, e.sens), l.qIn)
	}
	if l.revalidate {
		l.revalidate = false
		e.cancelRequest(l.ext)
	}
}

// ObserveRx records a frame the node accepted from neighbour ext at the
// link layer (data frames, secured and replay-checked by the MAC): it keeps
// the link alive and feeds the RSS average. Frames from strangers are
// ignored.
func (e *Engine) ObserveRx(now time.Time, ext wpan.ExtAddr, rssi int8) {
	if l := e.find(ext); l != nil {
		moved := l.revalidate || l.open || l.heard.Add(e.cfg.LinkTimeout*3/4).Equal(e.deadline)
		e.heard(now, l, rssi)
		if moved {
			// Hearing a neighbour only moves its link's timer later, so
			// the deadline changes only when that timer was it, or when
			// a re-validation ends. Data frames arrive by the thousand:
			// the full recomputation, over every link and timer, was a
			// twentieth of a large simulation's time.
			e.schedule(now)
		}
	}
}

// ObserveTx records the outcome of a unicast frame to neighbour ext: the
// number of transmissions and whether it was acknowledged. It feeds the
// link's ETX estimate.
func (e *Engine) ObserveTx(now time.Time, ext wpan.ExtAddr, attempts int, acked bool) {
	if l := e.find(ext); l != nil {
		l.etx.Record(attempts, acked)
	}
}

func (e *Engine) margin(rssi int8) uint8 { return LinkMargin(rssi, e.sens) }

func (e *Engine) onLinkRequest(now time.Time, in *Inbound, src wpan.ExtAddr, seq, fc uint32, multicast bool) {
	m := &e.rx
	if !m.Has(TLVChallenge) {
		e.drop(DropMalformed)
		return
	}
	if l := e.find(src); l != nil {
		if !e.acceptPeer(now, l, in, seq, fc) {
			return
		}
		// The request's counter is above the neighbour's floor, so it
		// is fresh: answer with our counters; no challenge is needed.
		e.scheduleReply(now, in, src, false, multicast)
		return
	}
	if DecideKey(KeyInput{Current: e.keySeq, Received: seq}) == KeyDrop {
		e.drop(DropKeySequence)
		return
	}
	if multicast && e.margin(in.RSSI) < e.minLM {
		e.drop(DropWeak)
		return
	}
	if !e.room(e.margin(in.RSSI)) {
		e.drop(DropCapacity)
		return
	}
	e.scheduleReply(now, in, src, true, multicast)
}

// scheduleReply answers a Link Request: at once for unicast, after a
// random delay in [0, 1 s] for multicast (draft §8).
func (e *Engine) scheduleReply(now time.Time, in *Inbound, src wpan.ExtAddr, andReq, multicast bool) {
	m := &e.rx
	d := delayed{used: true, at: now, ext: src, andReq: andReq, margin: e.margin(in.RSSI), clen: uint8(len(m.Challenge))}
	copy(d.challenge[:], m.Challenge)
	if !multicast {
		e.sendAccept(now, &d)
		return
	}
	d.at = now.Add(e.randUpTo(MaxResponseDelayTime))
	for i := range e.delay {
		if x := &e.delay[i]; x.used && x.ext == src {
			*x = d // a newer request from the same sender replaces it
			return
		}
	}
	for i := range e.delay {
		if !e.delay[i].used {
			e.delay[i] = d
			return
		}
	}
	e.drop(DropCapacity)
}

// matchResponse finds the challenge a Response answers and consumes it.
func (e *Engine) matchResponse(now time.Time, src wpan.ExtAddr, resp []byte) bool {
	for i := range e.reqs {
		r := &e.reqs[i]
		if r.used && r.ext == src && bytes.Equal(r.challenge[:], resp) {
			*r = request{}
			return true
		}
	}
	for i := range e.pend {
		p := &e.pend[i]
		if p.used && p.ext == src && now.Before(p.until) && bytes.Equal(p.challenge[:], resp) {
			*p = pending{}
			return true
		}
	}
	for i := range e.mcast {
		c := &e.mcast[i]
		if now.Before(c.until) && bytes.Equal(c.challenge[:], resp) {
			return true // one multicast challenge is answered by many
		}
	}
	return false
}

func (e *Engine) onLinkAccept(now time.Time, in *Inbound, src wpan.ExtAddr, seq, fc uint32) {
	m := &e.rx
	andReq := m.Command == CmdLinkAcceptAndRequest
	if !m.Has(TLVResponse) || !m.Has(TLVLinkFrameCounter) || (andReq && !m.Has(TLVChallenge)) {
		e.drop(DropMalformed)
		return
	}
	if !e.matchResponse(now, src, m.Response) {
		e.drop(DropStaleResponse)
		return
	}
	act := DecideKey(KeyInput{Current: e.keySeq, Received: seq, Class: ClassAuthoritative})
	l := e.find(src)
	margin := e.margin(in.RSSI)
	if l == nil {
		if margin < e.minLM {
			e.drop(DropWeak)
			return
		}
		l = e.addLink(now, src, margin)
		if l == nil {
			e.drop(DropCapacity)
			return
		}
	}
	// The Response proves the message fresh: learn both counters.
	next := fc
	if m.Has(TLVMLEFrameCounter) {
		next = m.MLEFrameCounter
	}
	l.mle.Learn(seq, next)
	l.mle.Commit(seq, fc)
	l.open = false
	l.mode = m.Mode
	if m.NumSourceAddrs > 0 {
		for i := range m.NumSourceAddrs {
			if a := m.SourceAddrs[i]; a.Mode == wpan.AddrShort {
				l.short, l.hasShort = a.Short, true
			}
		}
	}
	if m.Has(TLVLinkMargin) {
		l.marginOut, l.hasMargin = m.LinkMargin, true
	}
	l.since = now
	e.heard(now, l, in.RSSI)
	e.cancelRequest(src)
	e.accepted(src, seq, fc)
	e.stats.LinksUp++
	e.emit(Event{Kind: EventLinkUp, Neighbor: src, Short: l.short, HasShort: l.hasShort,
		KeySequence: seq, LinkFrameCounter: m.LinkFrameCounter})
	if act == KeyAdoptForced {
		e.setKeySequence(now, seq)
	}
	if andReq {
		d := delayed{ext: src, margin: margin, clen: uint8(len(m.Challenge))}
		copy(d.challenge[:], m.Challenge)
		e.sendAccept(now, &d)
	}
}

// onStrangerAdvertisement reacts to an authenticated Advertisement from a
// node without a link: its freshness is unknown (it may be a replay), so
// nothing in it is used; the engine only asks the sender for a link.
func (e *Engine) onStrangerAdvertisement(now time.Time, in *Inbound, src wpan.ExtAddr) {
	mg := e.margin(in.RSSI)
	if mg < e.minLM {
		e.drop(DropWeak)
		return
	}
	if !e.room(mg) || e.coolingDown(now, src) || e.requesting(src) {
		return
	}
	e.startRequest(now, src, false)
}

// onAdvertisement takes what an established neighbour says about how well
// it hears this node, and measures the margin of the Advertisement itself
// when it declares its power.
func (e *Engine) onAdvertisement(l *link, rssi int8) {
	m := &e.rx
	if m.Has(TLVTxPower) && rssi != InvalidRSS {
		rel := int(e.margin(rssi)) - int(m.TxPower)
		l.margin0In, l.hasM0In = int8(min(max(rel, -127), 127)), true
	}
	q := &m.LinkQuality
	if !m.Has(TLVLinkQuality) {
		return
	}
	n := q.Len()
	for i := range n {
		r := q.Record(i)
		if !e.isSelf(r.Addr) {
			continue
		}
		l.qOut = qualityFromIDR(r.IDR)
		if e.hasTxPow && m.Has(TLVLinkMargins) && i < len(m.LinkMargins) {
			if lm := int8(m.LinkMargins[i]); lm != NoLinkMargin {
				l.margin0Out, l.hasM0Out = lm, true
				e.emit(Event{Kind: EventLinkMargin, Neighbor: l.ext, LinkMargin0DBm: lm})
			}
		}
		return
	}
}

func (e *Engine) isSelf(a []byte) bool {
	switch len(a) {
	case 8:
		return wpan.ExtAddr(a) == e.cfg.Ext
	case 2:
		s := wpan.ShortAddr(uint16(a[0])<<8 | uint16(a[1]))
		return e.cfg.Short != wpan.ShortNone && s == e.cfg.Short
	}
	return false
}

// handleUnsecured processes a suite-255 message: only in the open profile,
// where any such message from a neighbour in range creates or refreshes
// its link. Nothing protects these links from replay.
func (e *Engine) handleUnsecured(now time.Time, in *Inbound, src wpan.ExtAddr, _ bool) {
	if !e.cfg.Unsecured {
		e.drop(DropUnsecured)
		return
	}
	m := &e.rx
	if err := m.Decode(in.Payload[1:]); err != nil {
		if err == ErrUnknownCommand {
			e.drop(DropUnknownCommand)
		} else {
			e.drop(DropMalformed)
		}
		return
	}
	if m.CheckUnsecured() != nil {
		e.drop(DropMalformed)
		return
	}
	l := e.find(src)
	mg := e.margin(in.RSSI)
	switch m.Command {
	case CmdLinkRequest, CmdLinkAccept, CmdLinkAcceptAndRequest, CmdAdvertisement:
		if l == nil {
			if mg < e.minLM {
				e.drop(DropWeak)
				return
			}
			if l = e.addLink(now, src, mg); l == nil {
				e.drop(DropCapacity)
				return
			}
			l.open = true
			l.since = now
			e.stats.LinksUp++
			e.emit(Event{Kind: EventLinkUp, Neighbor: src})
		}
		e.heard(now, l, in.RSSI)
		e.stats.Accepted++
		if m.Command == CmdLinkRequest {
			e.scheduleReply(now, in, src, false, in.Dst.IsMulticast())
		}
		if m.Command == CmdAdvertisement {
			e.onAdvertisement(l, in.RSSI)
		}
	case CmdUpdate:
		if l == nil {
			e.drop(DropUnknownNeighbor)
			return
		}
		e.heard(now, l, in.RSSI)
		e.stats.Accepted++
		e.onUpdate(now)
	default:
		if l == nil {
			e.drop(DropUnknownNeighbor)
			return
		}
		e.heard(now, l, in.RSSI)
	}
}

// idrFromQuality is meshgw's estimate of the incoming inverse delivery
// ratio it advertises for a neighbour: the draft leaves the measurement
// open, and the link quality (from the averaged margin) is what every
// receiver has.
func idrFromQuality(q LinkQuality) uint8 {
	switch q {
	case LinkQuality3:
		return IDRPerfect // 1.0
	case LinkQuality2:
		return 0x28 // 1.25
	case LinkQuality1:
		return 0x40 // 2.0
	default:
		return IDRUnusable
	}
}

// qualityFromIDR inverts idrFromQuality.
func qualityFromIDR(idr uint8) LinkQuality {
	switch {
	case idr <= IDRPerfect:
		return LinkQuality3
	case idr <= 0x28:
		return LinkQuality2
	case idr <= 0x40:
		return LinkQuality1
	default:
		return LinkQuality0
	}
}
