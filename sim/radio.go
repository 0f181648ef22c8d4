package sim

import (
	"slices"

	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/wpan"
)

// Radio is a node's simulated radio: the radio.Port its station calls. Like
// a CC2538 or nRF52840 driven by an RCP firmware, it filters addresses,
// sends acknowledgments itself, runs unslotted CSMA-CA and retransmits
// unacknowledged frames. Its methods do not block: Transmit queues the
// frame, and the completion arrives in virtual time through the station's
// HandleRadio. They must be called from the goroutine running the medium.
type Radio struct {
	n *node
}

var _ radio.Port = (*Radio)(nil)

// ID returns the node the radio belongs to.
func (r *Radio) ID() NodeID { return r.n.id }

// Config returns the radio's current configuration.
func (r *Radio) Config() radio.Config { return r.n.cfg }

// Capabilities reports auto-ack, retries and CSMA-CA, the modelled
// radio's power levels and channels 11–26.
func (r *Radio) Capabilities() radio.Capabilities {
	return radio.Capabilities{
		AutoAck:      true,
		Retries:      true,
		CSMA:         true,
		TxPowers:     slices.Clone(r.n.capsPowers),
		TxCurrentsMA: slices.Clone(r.n.capsMA),
		Channels:     slices.Clone(r.n.capChannels),
	}
}

// Configure applies c. A channel outside 11–26 or a power level the modelled
// radio lacks is radio.ErrUnsupported. Changing channel or turning the
// receiver off abandons the frame being received.
func (r *Radio) Configure(c radio.Config) error {
	n := r.n
	if c.Channel < 11 || c.Channel > 26 {
		return radio.ErrUnsupported
	}
	if n.m.cfg.Radio.level(c.TxPowerDBm) < 0 {
		return radio.ErrUnsupported
	}
	old := n.cfg
	n.setConfig(c)
	if c.Channel != old.Channel {
		if n.lockID != 0 {
			n.m.drop(DropAborted)
		}
		n.lockID = 0
		n.resetSignals()
	}
	if !c.RxOn && n.lockID != 0 {
		n.lockID = 0
		n.m.drop(DropAborted)
	}
	return nil
}

// Transmit queues req. It returns radio.ErrFrameTooLong, ErrFrameTooShort,
// radio.ErrUnsupported (a power level the radio lacks, or MaxRetries above
// 7), radio.ErrBusy when the queue is full, or ErrNodeStopped. Frames
// queued before the node's station is attached go out once it is.
func (r *Radio) Transmit(req radio.TxRequest) error {
	n := r.n
	m := n.m
	switch {
	case n.stopped:
		return ErrNodeStopped
	case len(req.PSDU) > radio.MaxPSDU-radio.FCSLen:
		return radio.ErrFrameTooLong
	case len(req.PSDU) < 2:
		return ErrFrameTooShort
	case req.HasTxPower && m.cfg.Radio.level(req.TxPowerDBm) < 0:
		return radio.ErrUnsupported
	case req.MaxRetries > 7:
		return radio.ErrUnsupported
	}
	if n.qLen == len(n.q) {
		m.drop(DropQueueFull)
		return radio.ErrBusy
	}
	s := &n.q[(n.qHead+n.qLen)%len(n.q)]
	s.req = req
	s.req.PSDU = nil
	s.n = copy(s.buf[:], req.PSDU)
	n.qLen++
	m.kick(n)
	return nil
}

func (n *node) head() *txSlot { return &n.q[n.qHead] }

// kick starts the MAC procedure for the queue head if the radio is idle.
func (m *Medium) kick(n *node) {
	if n.macBusy || n.qLen == 0 || !n.running {
		return
	}
	n.macBusy = true
	n.attempts = 0
	m.beginAttempt(n)
}

// beginAttempt starts one transmission attempt: CSMA-CA, or straight to the
// air.
func (m *Medium) beginAttempt(n *node) {
	if n.head().req.CSMA {
		n.nb, n.be = 0, macMinBE
		m.backoff(n)
		return
	}
	n.macEv.kind = evTxStart
	m.q.schedule(&n.macEv, m.now)
}

// backoff waits a random number of unit backoff periods in [0, 2^BE−1].
func (m *Medium) backoff(n *node) {
	slots := m.rng.IntN(1 << n.be)
	n.macEv.kind = evBackoffEnd
	m.q.schedule(&n.macEv, m.now+int64(slots)*int64(unitBackoff))
}

// ccaBusy is the CSMA-CA step after a busy CCA.
func (m *Medium) ccaBusy(n *node) {
	n.nb++
	n.be = min(n.be+1, macMaxBE)
	if n.nb > macMaxBackoff {
		m.drop(DropChannelBusy)
		m.complete(n, radio.TxChannelBusy, false, 0, false)
		return
	}
	m.backoff(n)
}

// txStart puts the queue head on the air.
func (m *Medium) txStart(n *node) {
	if n.onAir { // still sending an ACK
		if n.head().req.CSMA {
			m.ccaBusy(n)
		} else {
			n.macEv.kind = evTxStart
			m.q.schedule(&n.macEv, n.endEv.at)
		}
		return
	}
	s := n.head()
	dBm := n.cfg.TxPowerDBm
	if s.req.HasTxPower {
		dBm = s.req.TxPowerDBm
	}
	n.attempts++
	e := &n.emitter
	e.air.n = copy(e.air.buf[:], s.buf[:s.n])
	m.startAir(e, n.cfg.Channel, float64(dBm), true, false)
}

// complete ends the request at the queue head and reports it.
func (m *Medium) complete(n *node, st radio.TxStatus, fp bool, ackRSSI int8, hasAckRSSI bool) {
	s := n.head()
	d := radio.TxDone{
		Handle:       s.req.Handle,
		Status:       st,
		Attempts:     n.attempts,
		FramePending: fp,
		AckRSSI:      ackRSSI,
		HasAckRSSI:   hasAckRSSI,
		Timestamp:    m.nowT,
	}
	switch st {
	case radio.TxAcked:
		m.metrics.Acked++
	case radio.TxNoAck:
		m.drop(DropNoAck)
	}
	n.qHead = (n.qHead + 1) % len(n.q)
	n.qLen--
	n.macBusy = false
	n.waitingAck = false
	m.q.remove(&n.macEv)
	m.deliverTxDone(n, d)
	m.kick(n)
}

// startAir puts e's air buffer (a.n bytes already in a.buf) on the channel.
func (m *Medium) startAir(e *emitter, channel uint8, dBm float64, isFrame, isAck bool) {
	a := &e.air
	m.nextAir++
	a.id = m.nextAir
	a.isFrame, a.isAck, a.aborted = isFrame, isAck, false
	a.channel = channel
	a.chMask = 1 << channel
	a.dBm = dBm
	a.mw = dBmToMW(dBm)
	e.onAir = true
	dur := Airtime(a.n + radio.FCSLen)
	if n := e.node; n != nil {
		if n.lockID != 0 {
			n.lockID = 0
			m.drop(DropAborted)
		}
		c := &n.counters
		if isAck {
			c.acksTx++
			m.metrics.AcksTx++
		} else {
			c.framesTx++
			m.metrics.FramesTx++
		}
		c.airtime += dur
		c.dBmNs += dBm * float64(dur)
		c.energyJ += m.cfg.Radio.VoltageV * m.levelMA[int8(dBm)] / 1000 * dur.Seconds()
		m.capture(n, a)
	}
	m.propagate(e)
	m.q.schedule(&e.endEv, m.now+int64(dur))
}

// propagate starts e's signal at every running node on its channel that it
// reaches above the interference floor. Links are sorted by path loss, so
// the loop stops at the first one too weak for the current power.
func (m *Medium) propagate(e *emitter) {
	a := &e.air
	a.rxs = a.rxs[:0]
	for i := range e.links {
		l := &e.links[i]
		p := a.dBm - float64(l.pl)
		if p < m.floorDBm {
			break
		}
		r := &m.nodes[l.to]
		if !r.running || a.chMask&(1<<r.channel) == 0 {
			continue
		}
		mw := a.mw * l.gain
		a.rxs = append(a.rxs, rxEntry{r: r, mw: mw, epoch: r.sigEpoch})
		m.signalStart(r, a, p, mw)
	}
}

// signalStart adds a's signal (p dBm, mw) at r and synchronizes r to it if
// r is listening, idle and the frame is above the sensitivity level.
func (m *Medium) signalStart(r *node, a *air, p, mw float64) {
	r.nsig++
	r.energy += mw
	if r.ccaActive && r.energy > r.ccaPeak {
		r.ccaPeak = r.energy
	}
	if r.lockID != 0 {
		if i := r.energy - r.lockMW; i > r.lockI {
			r.lockI = i
		}
		if a.isFrame && p >= m.prop.SensitivityDBm {
			m.drop(DropRxBusy)
		}
		return
	}
	if !a.isFrame || p < m.prop.SensitivityDBm {
		return
	}
	if r.onAir {
		m.drop(DropRxBusy)
		return
	}
	if !r.rxOn {
		m.drop(DropRxOff)
		return
	}
	r.lockID = a.id
	if r.ccaActive {
		r.ccaCarrier = true
	}
	r.lockMW = mw
	r.lockDBm = p
	r.lockI = 0
	if r.nsig > 1 {
		r.lockI = max(r.energy-mw, 0)
	}
}

// removeSignal takes a signal of mw off r, unless r's bookkeeping was reset
// since it started. The energy is a running sum; it is set to exactly zero
// when the last signal ends so rounding cannot accumulate.
func (r *node) removeSignal(mw float64, epoch uint32) {
	if epoch != r.sigEpoch || r.nsig == 0 {
		return
	}
	r.nsig--
	if r.nsig == 0 {
		r.energy = 0
		return
	}
	r.energy = max(r.energy-mw, 0)
}

// resetSignals forgets every signal arriving at r (it changed channel or
// stopped); their ends will not be subtracted.
func (r *node) resetSignals() {
	r.nsig = 0
	r.energy = 0
	r.sigEpoch++
}

// endAir ends e's transmission: every receiver loses the signal, the ones
// synchronized to it decide whether they received it, and then the frames
// are handed over.
func (m *Medium) endAir(e *emitter, aborted bool) {
	a := &e.air
	a.aborted = aborted
	e.onAir = false
	m.q.remove(&e.endEv)
	for i := range a.rxs {
		x := &a.rxs[i]
		r := x.r
		r.removeSignal(x.mw, x.epoch)
		if r.lockID == a.id {
			r.lockID = 0
			m.decide(r, a)
		}
	}
	for i := range a.rxs {
		if r := a.rxs[i].r; r.rxOK {
			r.rxOK = false
			m.receive(r, a)
		}
	}
	n := e.node
	if n == nil || aborted || a.isAck || !n.running {
		return
	}
	// A data frame went out: wait for its ACK or report it sent.
	s := n.head()
	if s.req.AckRequest {
		h, err := wpan.PeekAckInfo(a.buf[:a.n])
		n.waitingAck = err == nil && !h.SeqSuppressed // else nothing can match
		n.ackSeq = h.Seq
		n.macEv.kind = evAckTimeout
		m.q.schedule(&n.macEv, m.now+int64(ackWait))
		return
	}
	m.complete(n, radio.TxSent, false, 0, false)
}

// decide sets r.rxOK when r received a intact: below the capture threshold
// an overlapped frame is lost, otherwise the PER at the SINR (interference
// counted as noise) decides.
func (m *Medium) decide(r *node, a *air) {
	if a.aborted {
		m.drop(DropAborted)
		return
	}
	sinrDB := mwToDBm(r.lockMW / (m.noiseMW + r.lockI))
	overlap := r.lockI > 0
	if overlap && sinrDB < m.prop.CaptureThresholdDB {
		m.metrics.Collisions++
		m.drop(DropCollision)
		return
	}
	if per := frameErrorRate(sinrDB, a.n+radio.FCSLen); per > 0 && m.rng.Float64() < per {
		if overlap {
			m.metrics.Collisions++
		}
		m.drop(DropCorrupt)
		return
	}
	r.rxOK = true
	r.rxRSSI = clampInt8(r.lockDBm)
	r.rxLQI = lqiFromSINR(sinrDB)
}

// receive runs r's radio on an intact frame: ACK matching, address
// filtering, automatic acknowledgment, then delivery to the station.
func (m *Medium) receive(r *node, a *air) {
	if !r.running {
		return
	}
	psdu := a.buf[:a.n]
	h, err := wpan.PeekAckInfo(psdu)
	if err == nil && h.Type == wpan.FrameAck {
		if r.waitingAck && !h.SeqSuppressed && h.Seq == r.ackSeq {
			m.metrics.AcksRx++
			m.complete(r, radio.TxAcked, h.FramePending, r.rxRSSI, true)
		}
		if !r.cfg.Promiscuous {
			return
		}
	} else if !r.cfg.Promiscuous {
		if err != nil {
			m.drop(DropMalformed)
			return
		}
		if !r.accepts(&h) {
			m.drop(DropFiltered)
			return
		}
		if h.AckRequest && !h.SeqSuppressed && h.Dst.Mode != wpan.AddrNone && !h.Dst.IsBroadcast() {
			r.ackToSend = h.Seq
			m.q.schedule(&r.ackEv, m.now+int64(turnaround))
		}
	}
	r.counters.framesRx++
	m.metrics.FramesRx++
	m.mix(uint64(uint32(r.id))<<16 | uint64(uint8(r.rxRSSI))<<8 | uint64(r.rxLQI))
	copy(m.rxbuf[:], psdu)
	m.ev = radio.Event{Kind: radio.EventFrame, Frame: radio.Frame{
		PSDU:      m.rxbuf[:a.n],
		RSSI:      r.rxRSSI,
		LQI:       r.rxLQI,
		Channel:   a.channel,
		Timestamp: m.nowT,
	}}
	r.st.HandleRadio(m.nowT, &m.ev)
	m.afterCall(r)
}

// accepts is the radio's address filter (IEEE 802.15.4-2015 §6.7.2, third
// level): beacons pass; otherwise a destination PAN must be broadcast or
// ours and a destination address broadcast or ours. Frames without a
// destination address pass (the MAC above decides).
func (r *node) accepts(h *wpan.AckInfo) bool {
	if h.Type == wpan.FrameBeacon {
		return true
	}
	if h.DstPANPresent && h.DstPAN != wpan.BroadcastPAN && h.DstPAN != r.cfg.PAN {
		return false
	}
	switch h.Dst.Mode {
	case wpan.AddrShort:
		return h.Dst.Short == wpan.BroadcastShort || h.Dst.Short == r.cfg.Short
	case wpan.AddrExt:
		return h.Dst.Ext == r.cfg.Ext
	}
	return true
}
