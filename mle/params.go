package mle

import (
	"bytes"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// checkParam validates a parameter value in meshgw's encoding.
func checkParam(id ParamID, v []byte) bool {
	switch id {
	case ParamChannel:
		return len(v) == 1 && v[0] >= 11 && v[0] <= 26
	case ParamPANID:
		return len(v) == 2
	case ParamPermitJoining:
		return len(v) == 1 && v[0] <= 1
	case ParamBeaconPayload:
		return len(v) <= MaxBeaconPayload
	}
	return false
}

// current returns the applied value of parameter id in wire form.
func (e *Engine) current(id ParamID, buf *[MaxBeaconPayload]byte) []byte {
	switch id {
	case ParamChannel:
		buf[0] = e.home // not the channel of a scan or a visit
		return buf[:1]
	case ParamPANID:
		buf[0], buf[1] = byte(e.params.PANID>>8), byte(e.params.PANID)
		return buf[:2]
	case ParamPermitJoining:
		buf[0] = 0
		if e.params.PermitJoining {
			buf[0] = 1
		}
		return buf[:1]
	default:
		return e.params.BeaconPayload
	}
}

// Distribute changes network parameter id to value after delay, on this
// node and, through Update messages that every node repeats to its
// neighbours with the remaining delay, on the whole mesh: a coordinated
// switch. Values use meshgw's encoding (see the package documentation).
// A node that misses every Update ends up without links and finds the mesh
// again by scanning (Config.ScanChannels).
func (e *Engine) Distribute(now time.Time, id ParamID, value []byte, delay time.Duration) error {
	if !checkParam(id, value) {
		return ErrParam
	}
	e.start(now)
	e.adopt(now, id, value, max(delay, 0))
	e.updateLeft = e.cfg.UpdateRepeats
	e.updateAt = now
	e.schedule(now)
	return nil
}

// adopt records a pending change; it reports whether it was news.
func (e *Engine) adopt(now time.Time, id ParamID, value []byte, delay time.Duration) bool {
	p := &e.pendParams[id]
	var cur [MaxBeaconPayload]byte
	if p.active {
		if bytes.Equal(p.value[:p.n], value) {
			return false
		}
	} else if bytes.Equal(e.current(id, &cur), value) {
		return false
	}
	p.active = true
	p.at = now.Add(delay)
	p.n = copy(p.value[:], value)
	return true
}

// onUpdate takes the parameters of an Update from an established
// neighbour and relays them when they are news.
func (e *Engine) onUpdate(now time.Time) {
	m := &e.rx
	for i := range m.NumParams {
		if p := &m.Params[i]; p.ID > ParamBeaconPayload || !checkParam(p.ID, p.Value) {
			e.drop(DropParam)
			return
		}
	}
	news := false
	for i := range m.NumParams {
		p := &m.Params[i]
		if e.adopt(now, p.ID, p.Value, time.Duration(p.Delay)*time.Millisecond) {
			news = true
		}
	}
	if news {
		e.updateLeft = e.cfg.UpdateRepeats
		// Spread the relays of neighbours that heard the same Update.
		e.updateAt = now.Add(e.randUpTo(updateSpacing / 4))
	}
}

// sendUpdate sends an Update with every pending change (remaining delay)
// or, when reply is set and nothing is pending, every current value.
func (e *Engine) sendUpdate(now time.Time, ext wpan.ExtAddr, reply bool) {
	m := e.newMsg(CmdUpdate)
	var cur [4][MaxBeaconPayload]byte
	for id := range e.pendParams {
		p := &e.pendParams[id]
		switch {
		case p.active:
			_ = m.AddParam(NetworkParam{ID: ParamID(id), Delay: uint32(max(p.at.Sub(now), 0) / time.Millisecond), Value: p.value[:p.n]})
		case reply:
			_ = m.AddParam(NetworkParam{ID: ParamID(id), Value: e.current(ParamID(id), &cur[id])})
		}
	}
	if m.NumParams == 0 {
		return
	}
	dst, multicast := e.allN, true
	if reply {
		dst, multicast = e.unicast(ext), false
	}
	e.stats.Updates++
	e.send(dst, ext, multicast, m)
}

// pollParams applies due changes and repeats Updates.
func (e *Engine) pollParams(now time.Time) {
	if e.updateLeft > 0 && !now.Before(e.updateAt) {
		e.updateLeft--
		e.sendUpdate(now, wpan.ExtAddr{}, false)
		e.updateAt = now.Add(e.jitter(updateSpacing))
	}
	for id := range e.pendParams {
		p := &e.pendParams[id]
		if !p.active || now.Before(p.at) {
			continue
		}
		p.active = false
		v := p.value[:p.n]
		switch ParamID(id) {
		case ParamChannel:
			if v[0] != e.home {
				e.startMove(now, e.home)
			}
			e.params.Channel = v[0]
			e.home = v[0]
			// Announce on the new channel at once.
			e.trickle.i = 0
			e.trickle.reset(now, e.rnd)
		case ParamPANID:
			e.params.PANID = uint16(v[0])<<8 | uint16(v[1])
		case ParamPermitJoining:
			e.params.PermitJoining = v[0] == 1
		case ParamBeaconPayload:
			e.params.BeaconPayload = e.beacon[:copy(e.beacon[:], v)]
		}
		e.stats.ParamsApplied++
		e.emit(Event{Kind: EventParam, Param: ParamID(id)})
	}
	if e.updateLeft > 0 && e.nothingPending() {
		e.updateLeft = 0 // the change is done; relays would only confuse
	}
}

func (e *Engine) nothingPending() bool {
	for i := range e.pendParams {
		if e.pendParams[i].active {
			return false
		}
	}
	return true
}

// orphaned reports a node that had links and has lost them all.
func (e *Engine) orphaned() bool {
	return !e.cfg.NoOrphanScan && e.hadLinks && len(e.links) == 0
}

// pollScan runs the orphan scan: a node that has had no link for
// OrphanTimeout tries each channel of ScanChannels with a multicast Link
// Request for ScanDwell and stays where a link forms; when none does, it
// returns to its channel and waits again.
func (e *Engine) pollScan(now time.Time) {
	if !e.scanning {
		if !e.orphaned() || now.Before(e.lostAt.Add(e.cfg.OrphanTimeout)) {
			return
		}
		e.scanning = true
		e.scanIdx = 0
		e.stats.Scans++
	} else {
		if now.Before(e.scanAt) {
			return
		}
		e.scanIdx++
	}
	if e.scanIdx >= len(e.cfg.ScanChannels) {
		e.scanning = false
		e.lostAt = now
		e.setChannel(e.home)
		return
	}
	e.setChannel(e.cfg.ScanChannels[e.scanIdx])
	e.sendMulticastRequest(now)
	e.scanAt = now.Add(e.cfg.ScanDwell)
}

func (e *Engine) setChannel(ch uint8) {
	if ch == e.params.Channel {
		return
	}
	e.params.Channel = ch
	e.emit(Event{Kind: EventParam, Param: ParamChannel})
}

// stragglerWait is how long after a channel switch a node waits for its
// neighbours to be heard on the new channel before it visits the old one;
// later visits wait twice as long each time. stragglerVisits bounds the
// visits, stragglerDwell is their length.
const (
	stragglerWait   = 20 * time.Second
	stragglerVisits = 5
	stragglerDwell  = 3 * time.Second
	// stragglerDelay is the delay of the Update sent on the old channel:
	// long enough for the stragglers to relay it among themselves.
	stragglerDelay = 5 * time.Second
)

// channelMove tracks the neighbours left behind by a channel switch.
type channelMove struct {
	active bool
	phase  uint8 // 0 waiting, 1 visiting (handshake), 2 visiting (Update sent)
	old    uint8
	at     time.Time
	next   time.Time
	wait   time.Duration
	visits int
	behind []wpan.ExtAddr // neighbours at the switch
}

// startMove records the neighbours of a channel switch.
func (e *Engine) startMove(now time.Time, old uint8) {
	mv := &e.move
	behind := mv.behind[:0]
	for i := range e.links {
		behind = append(behind, e.links[i].ext)
	}
	*mv = channelMove{active: true, old: old, at: now, next: now.Add(stragglerWait), wait: stragglerWait, behind: behind}
}

// stragglers reports whether a neighbour of the switch has not been heard
// on the new channel.
func (e *Engine) stragglers() bool {
	for _, ext := range e.move.behind {
		if l := e.find(ext); l == nil || l.heard.Before(e.move.at) {
			return true
		}
	}
	return false
}

// pollMove visits the old channel after a switch while a neighbour of the
// switch has not been heard on the new one: it sends a multicast Link
// Request there (the stragglers' links may have timed out), then an Update,
// which the stragglers accept from the established neighbour and relay
// among themselves, and returns.
func (e *Engine) pollMove(now time.Time) {
	mv := &e.move
	if !mv.active || now.Before(mv.next) {
		return
	}
	switch mv.phase {
	case 1:
		mv.phase = 2
		mv.next = now.Add(stragglerDwell / 2)
		m := e.newMsg(CmdUpdate)
		ch := [1]byte{e.home}
		_ = m.AddParam(NetworkParam{ID: ParamChannel, Delay: uint32(stragglerDelay / time.Millisecond), Value: ch[:]})
		e.stats.Updates++
		e.send(e.allN, wpan.ExtAddr{}, true, m)
		return
	case 2:
		mv.phase = 0
		e.setChannel(e.home)
		mv.wait *= 2
		mv.next = now.Add(mv.wait)
		return
	}
	if !e.stragglers() || mv.visits >= stragglerVisits || e.scanning {
		mv.active = false
		return
	}
	mv.visits++
	mv.phase = 1
	mv.next = now.Add(stragglerDwell / 2)
	e.stats.StragglerVisits++
	e.setChannel(mv.old)
	e.sendMulticastRequest(now)
}
