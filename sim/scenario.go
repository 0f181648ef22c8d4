package sim

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/meshgw/meshgw/radio"
)

// At runs fn at virtual time t (an offset from Epoch; a time already past
// means now, after the events already due). fn runs on the medium's
// goroutine and may call any method of the medium.
func (m *Medium) At(t time.Duration, fn func(now time.Time)) {
	e := &event{idx: -1, kind: evCall, fn: fn}
	m.q.schedule(e, max(int64(t), m.now))
}

// StopNode turns node id off at time t: it stops sending (a frame on the
// air is cut off) and receiving, its station is no longer called, and its
// pending timers are dropped. Transmit requests it still held are reported
// by StartNode.
func (m *Medium) StopNode(t time.Duration, id NodeID) error {
	if !m.valid(id) {
		return fmt.Errorf("sim: stop node %d: %w", id, ErrNoNode)
	}
	m.At(t, func(time.Time) { m.stop(&m.nodes[id]) })
	return nil
}

// StartNode turns node id on again at time t. With st nil the node keeps
// its station and state (a reboot that kept memory): each transmit request
// the stop interrupted is completed with TxError and ErrNodeStopped. With a
// new station the node restarts from scratch: its queue is discarded and
// its radio configuration is reset.
func (m *Medium) StartNode(t time.Duration, id NodeID, st Station) error {
	if !m.valid(id) {
		return fmt.Errorf("sim: start node %d: %w", id, ErrNoNode)
	}
	m.At(t, func(time.Time) { m.start(&m.nodes[id], st) })
	return nil
}

func (m *Medium) stop(n *node) {
	if !n.running {
		return
	}
	if n.onAir {
		m.endAir(&n.emitter, true)
	}
	n.running = false
	n.stopped = true
	m.q.remove(&n.pollEv)
	m.q.remove(&n.macEv)
	m.q.remove(&n.ackEv)
	if n.lockID != 0 {
		m.drop(DropAborted)
	}
	n.lockID = 0
	n.resetSignals()
	n.waitingAck = false
	n.ccaActive = false
	n.macBusy = false
}

func (m *Medium) start(n *node, st Station) {
	if !n.stopped || (st == nil && n.st == nil) {
		return
	}
	n.running = true
	n.stopped = false
	n.lastPoll, n.samePolls = -1, 0
	if st != nil {
		n.st = st
		n.setConfig(defaultRadioConfig(n.id, m.cfg.Radio.DefaultTxPowerDBm))
		for ; n.qLen > 0; n.qLen-- {
			m.drop(DropStopped)
		}
		n.qHead = 0
		m.afterCall(n)
		return
	}
	m.afterCall(n)
	for n.qLen > 0 && n.running && !n.macBusy {
		s := n.head()
		d := radio.TxDone{Handle: s.req.Handle, Status: radio.TxError, Timestamp: m.nowT, Err: ErrNodeStopped}
		n.qHead = (n.qHead + 1) % len(n.q)
		n.qLen--
		m.drop(DropStopped)
		m.deliverTxDone(n, d)
	}
	m.kick(n)
}

// DegradeLink adds dB of path loss (negative to improve) to the link a→b
// at time t, and to b→a as well when symmetric.
func (m *Medium) DegradeLink(t time.Duration, a, b NodeID, dB float64, symmetric bool) error {
	if !m.valid(a) || !m.valid(b) || a == b {
		return fmt.Errorf("sim: degrade link %d→%d: %w", a, b, ErrNoNode)
	}
	if math.IsNaN(dB) || math.IsInf(dB, 0) {
		return errors.New("sim: degrade link: dB not finite")
	}
	m.At(t, func(time.Time) {
		m.addLoss(a, b, dB)
		if symmetric {
			m.addLoss(b, a, dB)
		}
	})
	return nil
}

func (m *Medium) addLoss(a, b NodeID, dB float64) {
	m.setLoss(a, b, m.linkLoss(a, b)+dB)
	sortLinks(m.nodes[a].links)
}

// Interferer is a noise source on the medium, such as a Wi-Fi access point
// or a microwave oven: it radiates PowerDBm from Position on its channels
// for DutyCycle of every Period, from Start until Stop.
type Interferer struct {
	Position Position
	PowerDBm float64
	// Channels lists the 802.15.4 channels it covers; empty means all.
	Channels []uint8
	// Start and Stop bound its activity (Stop zero: forever).
	Start, Stop time.Duration
	// Period is the on/off cycle and DutyCycle the fraction (0, 1] of each
	// period it is on, starting at the beginning of the period. A duty
	// cycle of 1 radiates continuously.
	Period    time.Duration
	DutyCycle float64
}

// AddInterferer adds a noise source. Its links are computed when it is
// added, by a pass over all nodes.
func (m *Medium) AddInterferer(in Interferer) error {
	switch {
	case math.IsNaN(in.PowerDBm) || math.IsInf(in.PowerDBm, 0) || in.PowerDBm > 60:
		return configError("Interferer.PowerDBm", "must be finite and at most 60 dBm")
	case !(in.DutyCycle > 0 && in.DutyCycle <= 1):
		return configError("Interferer.DutyCycle", "must be in (0, 1]")
	case in.DutyCycle < 1 && in.Period <= 0:
		return configError("Interferer.Period", "must be positive with a duty cycle below 1")
	case in.Start < 0 || (in.Stop != 0 && in.Stop <= in.Start):
		return configError("Interferer.Stop", "must be zero or after Start")
	case math.IsNaN(in.Position.X + in.Position.Y + in.Position.Z):
		return configError("Interferer.Position", "not finite")
	}
	var mask uint32
	for _, c := range in.Channels {
		if c < 11 || c > 26 {
			return configError("Interferer.Channels", "channels must be 11–26")
		}
		mask |= 1 << c
	}
	if mask == 0 {
		mask = 0xffff << 11
	}
	it := &interferer{cfg: in}
	it.pos = in.Position
	it.noise = it
	it.endEv = event{idx: -1, kind: evNoiseOff}
	it.endEv.em = &it.emitter
	it.air.chMask = mask
	it.air.isFrame = false
	maxLoss := in.PowerDBm - m.floorDBm
	for i := range m.nodes {
		d := it.pos.dist(m.nodes[i].pos)
		// Interferers get their own shadowing stream: ids above all nodes.
		pl := m.prop.MeanPathLoss(d) + m.prop.shadowing(m.cfg.Seed, NodeID(-1-len(m.noise)), NodeID(i))
		if pl <= maxLoss {
			it.links = append(it.links, newLink(int32(i), pl))
		}
	}
	sortLinks(it.links)
	if in.DutyCycle < 1 {
		it.periodDur = int64(in.Period)
		it.onDur = max(int64(float64(in.Period)*in.DutyCycle), 1)
	}
	m.noise = append(m.noise, it)
	on := &event{idx: -1, kind: evNoiseOn, em: &it.emitter}
	m.q.schedule(on, max(int64(in.Start), m.now))
	it.onEv = on
	return nil
}

func (m *Medium) noiseOn(e *emitter) {
	it := e.noise
	stop := int64(it.cfg.Stop)
	if stop != 0 && m.now >= stop {
		return
	}
	a := &e.air
	m.nextAir++
	a.id = m.nextAir
	a.isFrame = false
	a.dBm = it.cfg.PowerDBm
	a.mw = dBmToMW(a.dBm)
	e.onAir = true
	m.propagate(e)
	off := int64(math.MaxInt64)
	if it.periodDur > 0 {
		off = m.now + it.onDur
	}
	if stop != 0 {
		off = min(off, stop)
	}
	if off != math.MaxInt64 {
		m.q.schedule(&e.endEv, off)
	}
}

func (m *Medium) noiseOff(e *emitter) {
	it := e.noise
	m.endAir(e, false)
	if it.periodDur == 0 {
		return
	}
	next := m.now - it.onDur + it.periodDur
	if stop := int64(it.cfg.Stop); stop != 0 && next >= stop {
		return
	}
	m.q.schedule(it.onEv, next)
}
