package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/wpan"
)

// Epoch is virtual time zero: the time.Time a station sees at the start of
// every run. Virtual time t is Epoch.Add(t).
var Epoch = time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)

// Time returns the time.Time of the virtual offset d.
func Time(d time.Duration) time.Time { return Epoch.Add(d) }

// Station is what the medium drives: a sans-I/O node. The medium calls it
// only from the goroutine that runs the medium, never concurrently.
//
// After every call into a station the medium reads Deadline again and
// schedules Poll for it; a zero time means no deadline. A deadline in the
// past makes Poll run at the current virtual time.
type Station interface {
	// HandleRadio delivers a received frame or a transmit completion. ev and
	// the PSDU it carries are valid only until HandleRadio returns.
	HandleRadio(now time.Time, ev *radio.Event)
	// Poll runs the station's timers at its deadline.
	Poll(now time.Time)
	// Deadline returns when the station next needs Poll, or the zero time.
	Deadline() time.Time
}

// Config sets up a medium.
type Config struct {
	// Seed selects the run: the same topology, stations, scenario and seed
	// give an identical run.
	Seed        uint64
	Propagation Propagation
	Radio       RadioModel
	// CCAThresholdDBm is the energy-detect CCA threshold: the channel is
	// busy when the received energy reaches it during the CCA.
	CCAThresholdDBm float64
	// CCAMode selects what makes the channel busy: energy at the
	// threshold, or also carrier sense (the receiver synchronized to a
	// frame, however weak). The zero value is CCACarrierOrEnergy.
	CCAMode CCAMode
	// TxQueueLen is how many transmit requests a radio holds before
	// Transmit returns radio.ErrBusy.
	TxQueueLen int
}

// CCAMode is a clear channel assessment mode (IEEE 802.15.4-2015
// §10.2.8).
type CCAMode uint8

// CCA modes.
const (
	// CCACarrierOrEnergy is mode 3 with the OR option: busy when the
	// energy reaches the threshold or the receiver is synchronized to a
	// frame. Radios detect a frame's preamble down to their sensitivity,
	// far below an energy threshold; it is the mode Contiki-NG sets on
	// the CC2538 and that the nRF52840 offers as CarrierOrEd.
	CCACarrierOrEnergy CCAMode = iota
	// CCAEnergy is mode 1: busy only when the energy reaches the
	// threshold (the nRF52840 driver's default). Senders farther apart
	// than the threshold distance do not hear each other.
	CCAEnergy
)

// DefaultConfig returns the documented defaults with seed 1.
func DefaultConfig() Config {
	return Config{
		Seed:            1,
		Propagation:     DefaultPropagation(),
		Radio:           NRF52840(),
		CCAThresholdDBm: -75,
		TxQueueLen:      8,
	}
}

// ConfigError names the invalid field of a Config.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "sim: config: " + e.Field + ": " + e.Reason }

func configError(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }

// Errors of the medium.
var (
	// ErrNodeStopped is returned by a stopped node's radio, and reported in
	// TxDone.Err for requests a stop discarded when the node restarts with
	// its state kept.
	ErrNodeStopped = errors.New("sim: node stopped")
	// ErrNoNode is returned for a NodeID outside the topology.
	ErrNoNode = errors.New("sim: no such node")
	// ErrLivelock is returned by Run when a station keeps asking to be
	// polled at the same virtual instant.
	ErrLivelock = errors.New("sim: station polled repeatedly without time advancing")
	// ErrFrameTooShort is returned by Transmit for a PSDU shorter than a
	// frame control field.
	ErrFrameTooShort = errors.New("sim: frame shorter than 2 bytes")
)

// maxSamePolls is how often one station may be polled at one instant.
const maxSamePolls = 10000

// link is a directed link from an emitter to a node.
type link struct {
	to   int32
	pl   float32 // path loss in dB: model, shadowing, overrides, faults
	gain float64 // 10^(−pl/10)
}

// air is one transmission of an emitter: a frame, an ACK or interferer
// noise.
type air struct {
	id      uint64
	isFrame bool
	isAck   bool
	aborted bool
	channel uint8
	chMask  uint32
	dBm     float64
	mw      float64
	n       int // PSDU length without FCS
	buf     [radio.MaxPSDU]byte
	rxs     []rxEntry
}

// emitter is anything that radiates: a node's radio or an interferer.
type emitter struct {
	pos   Position
	links []link // ascending path loss
	air   air
	onAir bool
	endEv event
	node  *node       // nil for an interferer
	noise *interferer // nil for a node
}

// rxEntry is a node a transmission reaches and the power it adds there.
type rxEntry struct {
	r     *node
	mw    float64
	epoch uint32 // the receiver's sigEpoch when the signal started
}

// txSlot holds a queued transmit request.
type txSlot struct {
	req radio.TxRequest // PSDU nil: the frame is in buf
	n   int
	buf [radio.MaxPSDU - radio.FCSLen]byte
}

// node is the medium's state of one station and its radio. The fields a
// transmission touches at every receiver come first, to share cache lines.
type node struct {
	// Reception (hot).
	running   bool
	ccaActive bool
	rxOK      bool
	channel   uint8 // mirrors cfg.Channel
	rxOn      bool  // mirrors cfg.RxOn
	rxLQI     uint8
	rxRSSI    int8
	lockID    uint64  // the frame being received, 0 for none
	energy    float64 // mW of all signals arriving
	lockMW    float64
	lockI     float64 // highest interference during the frame, mW
	lockDBm   float64
	ccaPeak   float64
	// ccaCarrier: the receiver was synchronized to a frame during the CCA.
	ccaCarrier bool
	nsig       int32  // signals arriving
	sigEpoch   uint32 // bumped when the signal bookkeeping is reset

	emitter
	m     *Medium
	id    NodeID
	st    Station
	radio Radio

	stopped bool // by StopNode, until StartNode
	cfg     radio.Config

	// Transmit queue (ring) and the MAC procedure for its head.
	q                []txSlot
	qHead, qLen      int
	macBusy          bool
	nb, be, attempts uint8
	waitingAck       bool
	ackSeq           uint8
	ackToSend        uint8
	pollEv, macEv    event
	ackEv            event
	lastPoll         int64
	samePolls        int

	counters    nodeCounters
	capsPowers  []int8
	capsMA      []float64
	capChannels []uint8
}

type nodeCounters struct {
	framesTx, acksTx, framesRx uint64
	airtime                    time.Duration
	energyJ                    float64
	dBmNs                      float64 // Σ dBm·airtime(ns)
}

// interferer is a scheduled noise source.
type interferer struct {
	emitter
	cfg              Interferer
	onDur, periodDur int64
	onEv             *event
}

// Medium is the simulated IEEE 802.15.4 medium and the discrete-event
// scheduler that drives its stations in virtual time. It is not safe for
// concurrent use: one goroutine builds it, attaches stations and runs it.
type Medium struct {
	cfg   Config
	prop  Propagation
	q     queue
	now   int64
	nowT  time.Time
	rng   *rand.Rand
	nodes []node
	noise []*interferer

	noiseMW  float64
	floorDBm float64
	ccaMW    float64
	levelMA  map[int8]float64
	nextAir  uint64

	hash    uint64
	metrics Metrics
	ev      radio.Event
	rxbuf   [radio.MaxPSDU]byte
	pcap    *pcapWriter
	zep     *zepWriter
	err     error
}

// New builds a medium for the topology: it precomputes every link whose
// signal at the highest power level reaches the interference floor, using a
// spatial grid so the work grows with the number of links. Nodes start
// without stations and are off the air until Attach.
func New(topo Topology, cfg Config) (*Medium, error) {
	if err := cfg.Propagation.validate(); err != nil {
		return nil, err
	}
	if err := cfg.Radio.validate(); err != nil {
		return nil, err
	}
	if math.IsNaN(cfg.CCAThresholdDBm) || math.IsInf(cfg.CCAThresholdDBm, 0) {
		return nil, configError("CCAThresholdDBm", "must be finite")
	}
	if cfg.CCAMode > CCAEnergy {
		return nil, configError("CCAMode", "unknown mode")
	}
	if cfg.TxQueueLen <= 0 {
		return nil, configError("TxQueueLen", "must be positive")
	}
	if len(topo.Positions) > math.MaxInt32 {
		return nil, configError("Topology", "too many nodes")
	}
	for i, p := range topo.Positions {
		if math.IsNaN(p.X+p.Y+p.Z) || math.IsInf(p.X+p.Y+p.Z, 0) {
			return nil, configError(fmt.Sprintf("Topology.Positions[%d]", i), "not finite")
		}
	}
	for i, l := range topo.Links {
		if l.A < 0 || int(l.A) >= len(topo.Positions) || l.B < 0 || int(l.B) >= len(topo.Positions) || l.A == l.B {
			return nil, configError(fmt.Sprintf("Topology.Links[%d]", i), "bad node numbers")
		}
		if math.IsNaN(l.PathLossDB) || math.IsInf(l.PathLossDB, 0) {
			return nil, configError(fmt.Sprintf("Topology.Links[%d]", i), "path loss not finite")
		}
	}
	m := &Medium{
		cfg:      cfg,
		prop:     cfg.Propagation,
		rng:      rand.New(rand.NewPCG(cfg.Seed, 0x6d656469756d)), // "medium"
		noiseMW:  dBmToMW(cfg.Propagation.NoiseFloorDBm),
		floorDBm: cfg.Propagation.InterferenceFloorDBm,
		ccaMW:    dBmToMW(cfg.CCAThresholdDBm),
		levelMA:  make(map[int8]float64, len(cfg.Radio.Levels)),
		hash:     14695981039346656037,
		nowT:     Epoch,
	}
	powers := make([]int8, 0, len(cfg.Radio.Levels))
	currents := make([]float64, 0, len(cfg.Radio.Levels))
	for _, l := range cfg.Radio.Levels {
		m.levelMA[l.DBm] = l.CurrentMA
		powers = append(powers, l.DBm)
		currents = append(currents, l.CurrentMA)
	}
	channels := make([]uint8, 0, 16)
	for c := uint8(11); c <= 26; c++ {
		channels = append(channels, c)
	}
	m.nodes = make([]node, len(topo.Positions))
	for i := range m.nodes {
		n := &m.nodes[i]
		n.m = m
		n.id = NodeID(i)
		n.pos = topo.Positions[i]
		n.node = n
		n.radio.n = n
		n.setConfig(defaultRadioConfig(n.id, cfg.Radio.DefaultTxPowerDBm))
		n.q = make([]txSlot, cfg.TxQueueLen)
		n.pollEv = event{idx: -1, kind: evPoll, n: n}
		n.macEv = event{idx: -1, n: n}
		n.ackEv = event{idx: -1, kind: evAckSend, n: n}
		n.endEv = event{idx: -1, kind: evAirEnd, em: &n.emitter, n: n}
		n.capsPowers = powers
		n.capsMA = currents
		n.capChannels = channels
		n.lastPoll = -1
	}
	m.buildLinks(topo)
	return m, nil
}

// setConfig sets the radio configuration and its hot copies.
func (n *node) setConfig(c radio.Config) {
	n.cfg = c
	n.channel = c.Channel
	n.rxOn = c.RxOn
}

// defaultRadioConfig is a radio's configuration before Configure: channel
// 11, no PAN, no short address, extended address 02:00:…:id+1.
func defaultRadioConfig(id NodeID, dBm int8) radio.Config {
	var c radio.Config
	c.Channel = 11
	c.PAN = 0xffff
	c.Short = 0xfffe
	v := uint64(0x0200000000000000) | uint64(uint32(id)+1)
	for i := range 8 {
		c.Ext[i] = byte(v >> (56 - 8*i))
	}
	c.TxPowerDBm = dBm
	c.RxOn = true
	return c
}

// maxLinkLoss is the largest path loss worth tracking: a signal at the
// highest power level that loses more arrives below the interference floor.
func (m *Medium) maxLinkLoss() float64 {
	return float64(m.cfg.Radio.maxDBm()) - m.floorDBm
}

// buildLinks computes every link with path loss ≤ maxLinkLoss. Nodes are
// binned into square cells as wide as the farthest such link can reach
// (shadowing is truncated at +3σ), so only the 3×3 cells around a node are
// searched.
func (m *Medium) buildLinks(topo Topology) {
	n := len(m.nodes)
	if n == 0 {
		return
	}
	maxLoss := m.maxLinkLoss()
	reach := m.prop.DistanceForLoss(maxLoss + 3*m.prop.ShadowingSigmaDB)
	reach = max(reach, 1e-9)
	type cellKey struct{ x, y int64 }
	cellOf := func(p Position) cellKey {
		return cellKey{int64(math.Floor(p.X / reach)), int64(math.Floor(p.Y / reach))}
	}
	cells := make(map[cellKey][]int32)
	for i := range m.nodes {
		k := cellOf(m.nodes[i].pos)
		cells[k] = append(cells[k], int32(i))
	}
	reach2 := reach * reach
	for i := range m.nodes {
		a := &m.nodes[i]
		k := cellOf(a.pos)
		for dx := int64(-1); dx <= 1; dx++ {
			for dy := int64(-1); dy <= 1; dy++ {
				for _, j := range cells[cellKey{k.x + dx, k.y + dy}] {
					if int(j) <= i {
						continue
					}
					b := &m.nodes[j]
					ddx, ddy, ddz := a.pos.X-b.pos.X, a.pos.Y-b.pos.Y, a.pos.Z-b.pos.Z
					d2 := ddx*ddx + ddy*ddy + ddz*ddz
					if d2 > reach2 {
						continue
					}
					mean := m.prop.MeanPathLoss(math.Sqrt(d2))
					if pl := mean + m.prop.shadowing(m.cfg.Seed, a.id, b.id); pl <= maxLoss {
						a.links = append(a.links, newLink(j, pl))
					}
					if pl := mean + m.prop.shadowing(m.cfg.Seed, b.id, a.id); pl <= maxLoss {
						b.links = append(b.links, newLink(int32(i), pl))
					}
				}
			}
		}
	}
	for _, o := range topo.Links {
		m.setLoss(o.A, o.B, o.PathLossDB)
		if !o.OneWay {
			m.setLoss(o.B, o.A, o.PathLossDB)
		}
	}
	// Size every node's receiver list for the worst case (all its links)
	// from one flat array, so that transmissions never grow it. The
	// three-index slices keep an append beyond the bound (a link added by
	// DegradeLink) from spilling into the next node's part.
	total := 0
	for i := range m.nodes {
		sortLinks(m.nodes[i].links)
		m.nodes[i].links = slices.Clip(m.nodes[i].links)
		total += len(m.nodes[i].links)
	}
	rxs := make([]rxEntry, total)
	off := 0
	for i := range m.nodes {
		nd := &m.nodes[i]
		k := len(nd.links)
		nd.air.rxs = rxs[off : off : off+k]
		off += k
	}
}

func newLink(to int32, pl float64) link {
	return link{to: to, pl: float32(pl), gain: math.Pow(10, -float64(float32(pl))/10)}
}

func sortLinks(ls []link) {
	slices.SortFunc(ls, func(x, y link) int {
		switch {
		case x.pl < y.pl:
			return -1
		case x.pl > y.pl:
			return 1
		}
		return int(x.to) - int(y.to)
	})
}

// setLoss sets the path loss of a→b, adding the link if needed; the caller
// sorts.
func (m *Medium) setLoss(a, b NodeID, pl float64) {
	ls := m.nodes[a].links
	for i := range ls {
		if ls[i].to == int32(b) {
			ls[i] = newLink(int32(b), pl)
			return
		}
	}
	m.nodes[a].links = append(ls, newLink(int32(b), pl))
}

// linkLoss returns the current path loss of a→b, computing it from the
// model when the link is not tracked.
func (m *Medium) linkLoss(a, b NodeID) float64 {
	for _, l := range m.nodes[a].links {
		if l.to == int32(b) {
			return float64(l.pl)
		}
	}
	d := m.nodes[a].pos.dist(m.nodes[b].pos)
	return m.prop.MeanPathLoss(d) + m.prop.shadowing(m.cfg.Seed, a, b)
}

// PathLoss returns the current path loss in dB from a to b: the model with
// shadowing, or the override, plus any degradation.
func (m *Medium) PathLoss(a, b NodeID) float64 {
	if !m.valid(a) || !m.valid(b) || a == b {
		return math.NaN()
	}
	return m.linkLoss(a, b)
}

// Links returns the number of directed links the medium tracks.
func (m *Medium) Links() int {
	total := 0
	for i := range m.nodes {
		total += len(m.nodes[i].links)
	}
	return total
}

// Neighbors returns the nodes that receive a frame id sends at its current
// power above the sensitivity level, nearest (lowest loss) first.
func (m *Medium) Neighbors(id NodeID) []NodeID {
	if !m.valid(id) {
		return nil
	}
	n := &m.nodes[id]
	var out []NodeID
	for _, l := range n.links {
		if float64(n.cfg.TxPowerDBm)-float64(l.pl) < m.prop.SensitivityDBm {
			break
		}
		out = append(out, NodeID(l.to))
	}
	return out
}

func (m *Medium) valid(id NodeID) bool { return id >= 0 && int(id) < len(m.nodes) }

// Len returns the number of nodes.
func (m *Medium) Len() int { return len(m.nodes) }

// Now returns the current virtual time.
func (m *Medium) Now() time.Time { return m.nowT }

// Elapsed returns the current virtual time as an offset from Epoch.
func (m *Medium) Elapsed() time.Duration { return time.Duration(m.now) }

// TraceHash returns a hash of every event the medium has run (its time,
// kind and node) and every delivery: two runs with the same inputs and seed
// have the same hash.
func (m *Medium) TraceHash() uint64 { return m.hash }

func (m *Medium) mix(v uint64) {
	m.hash = (m.hash ^ v) * 1099511628211
}

// Radio returns node id's radio, the radio.Port its station uses, or nil
// for an unknown id.
func (m *Medium) Radio(id NodeID) *Radio {
	if !m.valid(id) {
		return nil
	}
	return &m.nodes[id].radio
}

// Attach gives node id its station and turns the node on at the current
// virtual time: it starts to receive, and the medium reads the station's
// deadline.
func (m *Medium) Attach(id NodeID, st Station) error {
	if !m.valid(id) {
		return fmt.Errorf("sim: attach node %d: %w", id, ErrNoNode)
	}
	if st == nil {
		return fmt.Errorf("sim: attach node %d: nil station", id)
	}
	n := &m.nodes[id]
	n.st = st
	if !n.running && !n.stopped {
		n.running = true
	}
	m.afterCall(n)
	m.kick(n)
	return nil
}

// Wake makes the medium read node id's deadline again. Call it after
// changing a station from outside its callbacks (from an At function, or
// between runs), so that a new deadline takes effect.
func (m *Medium) Wake(id NodeID) {
	if m.valid(id) {
		m.afterCall(&m.nodes[id])
	}
}

// RunUntil runs every event up to and including virtual time t (an offset
// from Epoch) and leaves the clock at t.
func (m *Medium) RunUntil(t time.Duration) error {
	end := int64(t)
	for m.err == nil && len(m.q.h) > 0 && m.q.h[0].at <= end {
		e := m.q.pop()
		if e.at > m.now {
			m.now = e.at
			m.nowT = Epoch.Add(time.Duration(e.at))
		}
		m.metrics.Events++
		id := uint64(0xffffffff)
		if e.n != nil {
			id = uint64(uint32(e.n.id))
		}
		m.mix(uint64(e.at))
		m.mix(uint64(e.kind)<<32 | id)
		m.dispatch(e)
	}
	if m.err != nil {
		return m.err
	}
	if end > m.now {
		m.now = end
		m.nowT = Epoch.Add(t)
	}
	return nil
}

// RunFor runs for d of virtual time.
func (m *Medium) RunFor(d time.Duration) error { return m.RunUntil(time.Duration(m.now) + d) }

func (m *Medium) dispatch(e *event) {
	n := e.n
	switch e.kind {
	case evPoll:
		if n.lastPoll == m.now {
			n.samePolls++
			if n.samePolls > maxSamePolls {
				m.err = fmt.Errorf("sim: node %d at %v: %w", n.id, time.Duration(m.now), ErrLivelock)
				return
			}
		} else {
			n.lastPoll, n.samePolls = m.now, 0
		}
		n.st.Poll(m.nowT)
		m.afterCall(n)
	case evBackoffEnd:
		n.ccaActive = true
		n.ccaPeak = n.energy
		n.ccaCarrier = n.lockID != 0
		n.macEv.kind = evCCAEnd
		m.q.schedule(&n.macEv, m.now+int64(ccaDuration))
	case evCCAEnd:
		n.ccaActive = false
		if n.ccaPeak >= m.ccaMW || n.onAir || (n.ccaCarrier && m.cfg.CCAMode == CCACarrierOrEnergy) {
			m.ccaBusy(n)
			return
		}
		n.macEv.kind = evTxStart
		m.q.schedule(&n.macEv, m.now+int64(turnaround))
	case evTxStart:
		m.txStart(n)
	case evAirEnd:
		m.endAir(e.em, false)
	case evAckTimeout:
		n.waitingAck = false
		if n.attempts <= n.head().req.MaxRetries {
			m.beginAttempt(n)
		} else {
			m.complete(n, radio.TxNoAck, false, 0, false)
		}
	case evAckSend:
		if n.onAir || !n.running {
			return
		}
		e := &n.emitter
		e.air.n = len(wpan.AppendImmAck(e.air.buf[:0], n.ackToSend, false))
		m.startAir(e, n.cfg.Channel, float64(n.cfg.TxPowerDBm), true, true)
	case evNoiseOn:
		m.noiseOn(e.em)
	case evNoiseOff:
		m.noiseOff(e.em)
	case evCall:
		e.fn(m.nowT)
	}
}

// afterCall reschedules n's Poll for the station's current deadline.
func (m *Medium) afterCall(n *node) {
	if !n.running {
		return
	}
	dl := n.st.Deadline()
	if dl.IsZero() {
		m.q.remove(&n.pollEv)
		return
	}
	at := int64(dl.Sub(Epoch))
	if at < m.now {
		at = m.now
	}
	if n.pollEv.idx >= 0 && n.pollEv.at == at {
		return
	}
	m.q.schedule(&n.pollEv, at)
}

// deliverTxDone reports the outcome of the request at the queue head, which
// the caller has already removed.
func (m *Medium) deliverTxDone(n *node, d radio.TxDone) {
	m.mix(uint64(uint32(n.id))<<8 | uint64(d.Status))
	m.ev = radio.Event{Kind: radio.EventTxDone, TxDone: d}
	n.st.HandleRadio(m.nowT, &m.ev)
	m.afterCall(n)
}
