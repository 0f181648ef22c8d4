package mle

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// Retransmission parameters of link configuration requests (draft §8): the
// unicast retransmission timeout, the multicast retransmission timeout, the
// maximum retransmission count and the largest random delay before
// answering a multicast request. Every timeout is multiplied by a uniform
// random factor in [0.9, 1.1].
const (
	URT                  = time.Second
	MRT                  = 5 * time.Second
	MRC                  = 3
	MaxResponseDelayTime = time.Second
)

// Engine defaults (see [Config]).
const (
	DefaultMaxLinks           = 32
	DefaultLinkTimeout        = 100 * time.Second // OpenThread kMaxNeighborAge
	DefaultAdvertiseMin       = time.Second       // Trickle Imin (Thread)
	DefaultAdvertiseMax       = 32 * time.Second  // Trickle Imax (Thread)
	DefaultMinLinkMargin      = 3                 // dB: link quality 1 or better
	DefaultRejectInterval     = time.Second
	DefaultUpdateRepeats      = 3
	DefaultScanDwell          = 2 * time.Second
	DefaultMaxAdvertisedLinks = 6
	// linkAcceptTimeout is how long a challenge sent in a Link Accept And
	// Request stays valid (OpenThread kLinkAcceptTimeout).
	linkAcceptTimeout = 3 * time.Second
	// requestCooldown is how long a neighbour that never answered a Link
	// Request is not asked again because of its Advertisements.
	requestCooldown = 5 * time.Minute
	// updateSpacing is the nominal time between repeated Updates.
	updateSpacing = 2 * time.Second
)

// MaxBeaconPayload is the longest beacon payload the engine distributes.
const MaxBeaconPayload = 16

// maxOutLen is the largest MLE message the engine builds; every message it
// sends fits one unsecured 802.15.4 frame after 6LoWPAN compression.
const maxOutLen = 112

// Fixed table sizes of transient handshake state.
const (
	maxRequests = 16 // outstanding unicast Link Requests
	maxPending  = 32 // challenges sent in Link Accept And Request
	maxDelayed  = 32 // replies waiting out the multicast response delay
	maxCooldown = 16
)

// Config configures an [Engine]. The zero value of every tuning field takes
// its default; Ext, Rand and (when secured) NetworkKey are required.
type Config struct {
	// Ext is the node's EUI-64. MLE messages are sent from the link-local
	// address formed from it, and their nonce uses it.
	Ext wpan.ExtAddr
	// Short is the node's short address, wpan.ShortNone when it has none.
	Short wpan.ShortAddr
	// Mode is the capability byte sent in the Mode TLV.
	Mode Mode
	// NetworkKey is the key the MLE (and MAC) keys are derived from.
	NetworkKey [KeyLen]byte
	// KeySequence is the initial key sequence.
	KeySequence uint32
	// Unsecured selects the open profile: messages are sent and accepted
	// with security suite 255 and carry no challenge, response or frame
	// counters, so links give no replay protection. Secured is the
	// default.
	Unsecured bool
	// Counters hands out the outgoing MLE frame counters (reserved ahead
	// in a store, so a restart never reuses one). Nil keeps them in memory,
	// for tests only.
	Counters *wpan.CounterSource
	// LinkCounter returns the node's next outgoing 802.15.4 frame counter,
	// sent in the Link-layer Frame Counter TLV. Nil sends 0.
	LinkCounter func() uint32
	// Rand is the source of challenges, delays and jitter. The engine
	// never reads another source, so a seeded generator makes a simulation
	// deterministic; on real radios seed a ChaCha8 from crypto/rand,
	// because challenges must be unpredictable (draft §7.3, RFC 4086).
	Rand *rand.Rand
	// Channel and PANID are the network parameters the node starts with.
	Channel uint8
	PANID   uint16
	// MaxLinks bounds the link table (DefaultMaxLinks).
	MaxLinks int
	// LinkTimeout is how long a link lives without an authenticated
	// message from the neighbour; after three quarters of it a unicast
	// Link Request re-validates the link (DefaultLinkTimeout).
	LinkTimeout time.Duration
	// AdvertiseMin and AdvertiseMax bound the Trickle interval of
	// Advertisements (1 s and 32 s).
	AdvertiseMin, AdvertiseMax time.Duration
	// MaxAdvertisedLinks bounds the Link Quality records per
	// Advertisement; with more links the records rotate
	// (DefaultMaxAdvertisedLinks keeps an Advertisement in one frame).
	MaxAdvertisedLinks int
	// ReceiveSensitivity is the radio's sensitivity in dBm, the reference
	// of the link margin; zero means DefaultReceiveSensitivity.
	ReceiveSensitivity int8
	// MinLinkMargin is the margin in dB below which the engine neither
	// answers multicast Link Requests nor accepts new links
	// (DefaultMinLinkMargin; set NoMinLinkMargin for none).
	MinLinkMargin   uint8
	NoMinLinkMargin bool
	// KeySwitchGuard is how long after a key rotation a neighbour's next
	// key sequence is not adopted (DefaultKeySwitchGuard hours).
	KeySwitchGuard time.Duration
	// RejectInterval is the least time between two Link Rejects.
	RejectInterval time.Duration
	// UpdateRepeats is how often a node sends each Update it originates or
	// relays (DefaultUpdateRepeats).
	UpdateRepeats int
	// ScanChannels are the channels an orphan scans, in order; nil means
	// 11–26. ScanDwell is the time per channel (DefaultScanDwell).
	// OrphanTimeout is how long a node that had links waits with none
	// before it scans (zero: LinkTimeout). NoOrphanScan turns scanning off.
	ScanChannels  []uint8
	ScanDwell     time.Duration
	OrphanTimeout time.Duration
	NoOrphanScan  bool
	// OnAccept, when set, is called for every message accepted into the
	// engine's state with its sender, key sequence and frame counter:
	// messages from established neighbours that passed the replay check
	// and Link Accepts carrying the response to this node's challenge.
	// A harness uses it to prove that no (sender, counter) is accepted
	// twice.
	OnAccept func(src wpan.ExtAddr, keySeq, counter uint32)
}

// Inbound is an MLE message as the node received it.
type Inbound struct {
	// Src and Dst are the IPv6 source and destination addresses.
	Src, Dst netip.Addr
	// HopLimit is the IPv6 hop limit; anything but 255 is dropped.
	HopLimit uint8
	// MACSrc is the 802.15.4 source address of the frame.
	MACSrc wpan.Addr
	// RSSI is the frame's received signal strength in dBm.
	RSSI int8
	// LinkSecured reports that the frame was secured at the link layer.
	LinkSecured bool
	// Payload is the UDP payload. The engine decrypts it in place.
	Payload []byte
}

// Outbound is an MLE message the node must send: a UDP datagram from and to
// port 19788, from the node's link-local address (formed from its EUI-64) to
// Dst, with hop limit 255 and without link-layer security.
type Outbound struct {
	Dst netip.Addr
	// Neighbor is the destination's EUI-64 for unicast messages.
	Neighbor wpan.ExtAddr
	// Multicast reports a multicast destination.
	Multicast bool
	// Payload aliases a buffer of the engine that stays valid until the
	// next call into the engine other than PopOutbound and PopEvent.
	Payload []byte
}

// EventKind says what an [Event] reports.
type EventKind uint8

// Event kinds.
const (
	// EventLinkUp: a link was established (or re-established) with
	// Neighbor. Seed the link-layer replay window of Neighbor under key
	// sequence KeySequence with LinkFrameCounter, and map Short to
	// Neighbor when HasShort.
	EventLinkUp EventKind = iota + 1
	// EventLinkDown: the link with Neighbor ended.
	EventLinkDown
	// EventKeySequence: the node switched to key sequence KeySequence;
	// derive the new MAC key.
	EventKeySequence
	// EventParam: network parameter Param changed; read Params.
	EventParam
	// EventLinkMargin: Neighbor reported, in an Advertisement's Link
	// Margins TLV, the margin at which it hears this node's
	// Advertisements, normalised to 0 dBm (LinkMargin0DBm): the margin
	// of frames sent at p dBm is LinkMargin0DBm + p. Only an engine that
	// declares its power (SetTxPower) gets these reports.
	EventLinkMargin
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventLinkUp:
		return "link-up"
	case EventLinkDown:
		return "link-down"
	case EventKeySequence:
		return "key-sequence"
	case EventParam:
		return "param"
	case EventLinkMargin:
		return "link-margin"
	default:
		return fmt.Sprintf("EventKind(%d)", uint8(k))
	}
}

// Event is something the node must act on.
type Event struct {
	Kind             EventKind
	Neighbor         wpan.ExtAddr
	Short            wpan.ShortAddr
	HasShort         bool
	KeySequence      uint32
	LinkFrameCounter uint32
	Param            ParamID
	// LinkMargin0DBm is the reported margin of an EventLinkMargin.
	LinkMargin0DBm int8
}

// Params are the network parameters the engine maintains and distributes.
type Params struct {
	Channel       uint8
	PANID         uint16
	PermitJoining bool
	// BeaconPayload aliases the engine's copy; copy it to keep it.
	BeaconPayload []byte
}

// LinkInfo describes the link with one neighbour.
type LinkInfo struct {
	Ext      wpan.ExtAddr
	Short    wpan.ShortAddr
	HasShort bool
	Mode     Mode
	// RSSAvg is the averaged RSS of the neighbour's frames in dBm
	// (InvalidRSS before the first sample).
	RSSAvg int8
	// MarginIn is the link margin of the neighbour's frames here, and
	// QualityIn its link quality with hysteresis.
	MarginIn  uint8
	QualityIn LinkQuality
	// MarginOut is the margin at which the neighbour last reported
	// hearing this node (Link Margin TLV of its Link Accept), valid when
	// HasMarginOut. QualityOut is the quality it reports for this node in
	// its Advertisements (NoLinkQuality before the first).
	MarginOut    uint8
	HasMarginOut bool
	QualityOut   LinkQuality
	// MarginOut0DBm is the margin at which the neighbour last reported
	// hearing this node's Advertisements (Link Margins TLV), normalised to
	// a transmit power of 0 dBm: frames sent at p dBm have a margin of
	// MarginOut0DBm + p there. Valid when HasMarginOut0DBm; reports come
	// only once this node declares its power (Engine.SetTxPower).
	MarginOut0DBm    int8
	HasMarginOut0DBm bool
	// MarginIn0DBm is the same for the other direction: the margin of the
	// neighbour's last Advertisement here minus the Tx Power it declared,
	// which this node reports back in its own Advertisements. Valid when
	// HasMarginIn0DBm.
	MarginIn0DBm    int8
	HasMarginIn0DBm bool
	// ETX is the estimate from MAC acknowledgements times ETXDivisor
	// (ETXInit before the first sample, ETXValid false).
	ETX      int
	ETXValid bool
	// KeySequence is the key sequence the neighbour last used.
	KeySequence uint32
	Pinned      bool
	// Established is when the link was (last) established; LastHeard when
	// the last authenticated message or frame from the neighbour came.
	Established, LastHeard time.Time
}

// Cost returns the routing cost of the link: that of the worse of its two
// directions.
func (l LinkInfo) Cost() uint8 {
	q := l.QualityIn
	if l.QualityOut != NoLinkQuality && l.QualityOut < q {
		q = l.QualityOut
	}
	return q.Cost()
}

// Errors of the engine's API.
var (
	// ErrNoRand reports a Config without a random source.
	ErrNoRand = errors.New("mle: config has no random source")
	// ErrParam reports a network parameter value the engine cannot
	// distribute: a channel outside 11–26, a PAN ID that is not two bytes,
	// a beacon payload over MaxBeaconPayload bytes.
	ErrParam = errors.New("mle: invalid network parameter")
)

// link is one entry of the link table.
type link struct {
	ext        wpan.ExtAddr
	short      wpan.ShortAddr
	hasShort   bool
	mode       Mode
	mle        ReplayState
	rss        RSSAverager
	qIn        LinkQuality
	qOut       LinkQuality
	marginOut  uint8
	hasMargin  bool
	margin0Out int8 // the neighbour's report for this node, normalised to 0 dBm
	hasM0Out   bool
	margin0In  int8 // this node's measurement of the neighbour's last Advertisement, normalised
	hasM0In    bool
	etx        ETXEstimator
	pinned     bool
	open       bool // established without security (open profile)
	since      time.Time
	heard      time.Time
	revalidate bool // a re-validation Link Request is outstanding
}

// request is an outstanding unicast Link Request.
type request struct {
	used       bool
	revalidate bool
	ext        wpan.ExtAddr
	challenge  [MaxChallengeLen]byte
	sent       int
	rt         time.Duration
	next       time.Time
}

// pending is a challenge sent in a Link Accept And Request.
type pending struct {
	used      bool
	ext       wpan.ExtAddr
	challenge [MaxChallengeLen]byte
	until     time.Time
}

// delayed is a reply to a multicast Link Request waiting out its delay.
type delayed struct {
	used      bool
	at        time.Time
	ext       wpan.ExtAddr
	andReq    bool
	margin    uint8
	challenge [MaxChallengeLen]byte
	clen      uint8
}

type cooldown struct {
	ext   wpan.ExtAddr
	until time.Time
}

// mcastChallenge is the challenge of a multicast Link Request.
type mcastChallenge struct {
	challenge [MaxChallengeLen]byte
	until     time.Time
}

type outSlot struct {
	dst       netip.Addr
	neighbor  wpan.ExtAddr
	multicast bool
	n         int
	buf       [maxOutLen]byte
}

// pendingParam is a network parameter change waiting for its time.
type pendingParam struct {
	active bool
	at     time.Time
	n      int
	value  [MaxBeaconPayload]byte
}

// Engine is the MLE protocol engine of one node: link establishment with
// challenge and response, the link table with per-neighbour replay state and
// link quality, Trickle-timed Advertisements, key sequence rotation, and the
// distribution of network parameters. It is sans-I/O: the node feeds it
// received messages (HandleMessage), transmit outcomes (ObserveTx), frames
// heard from neighbours (ObserveRx) and the time (Poll at Deadline), and
// drains what it must send (PopOutbound) and act on (PopEvent) after every
// call. It never reads a clock, sleeps or starts a goroutine, and it is not
// safe for concurrent use.
//
// Link state machine, per neighbour:
//
//	none ──Link Request──▶ (challenge pending) ──Link Accept + Response──▶ up
//	none ◀── timeout, Link Reject, eviction, failed re-validation ── up
//	up ──3/4 LinkTimeout silent──▶ up, re-validating (unicast Link Request)
type Engine struct {
	cfg   Config
	rnd   *rand.Rand
	ctr   *wpan.CounterSource
	ll    netip.Addr
	allN  netip.Addr
	sens  int8
	minLM uint8

	keySeq     uint32
	ciphers    [3]*Cipher // keySeq-1, keySeq, keySeq+1
	guardUntil time.Time

	links    []link
	reqs     [maxRequests]request
	pend     [maxPending]pending
	delay    [maxDelayed]delayed
	cool     [maxCooldown]cooldown
	coolNext int
	mcast    [2]mcastChallenge
	mcastN   int       // multicast requests sent while without links
	mcastAt  time.Time // next multicast Link Request (zero: none)

	trickle  trickle
	adCursor int
	txPower  int8 // declared in Advertisements when hasTxPow
	hasTxPow bool

	params      Params
	beacon      [MaxBeaconPayload]byte
	pendParams  [4]pendingParam
	updateLeft  int
	updateAt    time.Time
	home        uint8 // channel to return to when a scan fails
	scanning    bool
	scanIdx     int
	scanAt      time.Time
	move        channelMove
	hadLinks    bool
	lostAt      time.Time
	nextReject  time.Time
	started     bool
	deadline    time.Time
	out         []outSlot
	outN, outAt int
	events      []Event
	evAt        int

	rx    Message
	tx    Message
	lqBuf [255]byte
	lmBuf [255]byte

	stats Stats
}

// notStarted is the deadline of an engine that has not run yet: in the
// past, so the caller polls it at once.
var notStarted = time.Unix(1, 0)

// NewEngine returns an engine for cfg. It does not send anything until the
// first Poll, which its initial Deadline asks for at once.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.Rand == nil {
		return nil, ErrNoRand
	}
	if cfg.MaxLinks <= 0 {
		cfg.MaxLinks = DefaultMaxLinks
	}
	if cfg.LinkTimeout <= 0 {
		cfg.LinkTimeout = DefaultLinkTimeout
	}
	if cfg.AdvertiseMin <= 0 {
		cfg.AdvertiseMin = DefaultAdvertiseMin
	}
	if cfg.AdvertiseMax < cfg.AdvertiseMin {
		cfg.AdvertiseMax = max(DefaultAdvertiseMax, cfg.AdvertiseMin)
	}
	if cfg.MaxAdvertisedLinks <= 0 {
		cfg.MaxAdvertisedLinks = DefaultMaxAdvertisedLinks
	}
	if cfg.KeySwitchGuard <= 0 {
		cfg.KeySwitchGuard = DefaultKeySwitchGuard * time.Hour
	}
	if cfg.RejectInterval <= 0 {
		cfg.RejectInterval = DefaultRejectInterval
	}
	if cfg.UpdateRepeats <= 0 {
		cfg.UpdateRepeats = DefaultUpdateRepeats
	}
	if cfg.ScanDwell <= 0 {
		cfg.ScanDwell = DefaultScanDwell
	}
	if cfg.OrphanTimeout <= 0 {
		cfg.OrphanTimeout = cfg.LinkTimeout
	}
	if cfg.ScanChannels == nil {
		for ch := uint8(11); ch <= 26; ch++ {
			cfg.ScanChannels = append(cfg.ScanChannels, ch)
		}
	}
	if cfg.Channel == 0 {
		cfg.Channel = 11
	}
	e := &Engine{
		cfg:    cfg,
		rnd:    cfg.Rand,
		ctr:    cfg.Counters,
		sens:   cfg.ReceiveSensitivity,
		minLM:  cfg.MinLinkMargin,
		keySeq: cfg.KeySequence,
		links:  make([]link, 0, cfg.MaxLinks),
		out:    make([]outSlot, 4),
		events: make([]Event, 0, 8),
		home:   cfg.Channel,
	}
	e.move.behind = make([]wpan.ExtAddr, 0, cfg.MaxLinks)
	if e.sens == 0 {
		e.sens = DefaultReceiveSensitivity
	}
	if e.minLM == 0 && !cfg.NoMinLinkMargin {
		e.minLM = DefaultMinLinkMargin
	}
	if e.ctr == nil {
		c, err := wpan.NewCounterSource(new(wpan.MemCounterStore), 0)
		if err != nil {
			return nil, err
		}
		e.ctr = c
	}
	e.ll = netip.AddrFrom16(linkLocalFor(cfg.Ext))
	e.allN = netip.AddrFrom16([16]byte{0xff, 0x02, 15: 0x01})
	e.params = Params{Channel: cfg.Channel, PANID: cfg.PANID}
	e.params.BeaconPayload = e.beacon[:0]
	e.trickle = trickle{imin: cfg.AdvertiseMin, imax: cfg.AdvertiseMax}
	if !cfg.Unsecured {
		if err := e.loadCiphers(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func linkLocalFor(ext wpan.ExtAddr) [16]byte {
	iid := ext.IID()
	var a [16]byte
	a[0], a[1] = 0xfe, 0x80
	copy(a[8:], iid[:])
	return a
}

// loadCiphers derives the ciphers of keySeq-1, keySeq and keySeq+1. It
// allocates; it runs at start and on key rotation only.
func (e *Engine) loadCiphers() error {
	for i := range e.ciphers {
		seq := e.keySeq + uint32(i) - 1
		if i == 0 && e.keySeq == 0 {
			e.ciphers[i] = nil
			continue
		}
		c, err := NewCipher(DeriveKeys(e.cfg.NetworkKey, seq))
		if err != nil {
			return err
		}
		e.ciphers[i] = c
	}
	return nil
}

// cipher returns the cipher of key sequence seq, deriving one for a
// sequence outside the cached three (counted in Stats.KeyDerivations).
func (e *Engine) cipher(seq uint32) *Cipher {
	switch {
	case seq == e.keySeq:
		return e.ciphers[1]
	case seq == e.keySeq+1:
		return e.ciphers[2]
	case seq+1 == e.keySeq && e.ciphers[0] != nil:
		return e.ciphers[0]
	}
	e.stats.KeyDerivations++
	c, err := NewCipher(DeriveKeys(e.cfg.NetworkKey, seq))
	if err != nil {
		return nil
	}
	return c
}

// KeySequence returns the current key sequence.
func (e *Engine) KeySequence() uint32 { return e.keySeq }

// Params returns the current network parameters.
func (e *Engine) Params() Params { return e.params }

// Stats returns a copy of the engine's counters.
func (e *Engine) Stats() Stats { return e.stats }

// Links returns the number of established links.
func (e *Engine) Links() int { return len(e.links) }

// Linked reports whether ext is an established neighbour.
func (e *Engine) Linked(ext wpan.ExtAddr) bool { return e.find(ext) != nil }

// Link returns the link information of neighbour ext.
func (e *Engine) Link(ext wpan.ExtAddr) (LinkInfo, bool) {
	l := e.find(ext)
	if l == nil {
		return LinkInfo{}, false
	}
	return e.info(l), true
}

// AppendLinks appends the information of every established link to dst, in
// table order, and returns the extended slice.
func (e *Engine) AppendLinks(dst []LinkInfo) []LinkInfo {
	for i := range e.links {
		dst = append(dst, e.info(&e.links[i]))
	}
	return dst
}

func (e *Engine) info(l *link) LinkInfo {
	rss, _ := l.rss.Average()
	return LinkInfo{
		Ext: l.ext, Short: l.short, HasShort: l.hasShort, Mode: l.mode,
		RSSAvg: rss, MarginIn: LinkMargin(rss, e.sens), QualityIn: l.qIn,
		MarginOut: l.marginOut, HasMarginOut: l.hasMargin, QualityOut: l.qOut,
		MarginOut0DBm: l.margin0Out, HasMarginOut0DBm: l.hasM0Out,
		MarginIn0DBm: l.margin0In, HasMarginIn0DBm: l.hasM0In,
		ETX: l.etx.ETX(), ETXValid: l.etx.Valid(),
		KeySequence: l.mle.KeySequence, Pinned: l.pinned,
		Established: l.since, LastHeard: l.heard,
	}
}

// Pin marks the link with ext as needed by a higher layer (an RPL parent or
// child) or releases it. A pinned link is never evicted to make room for
// another; it still ends when the neighbour goes silent. Pin reports
// whether ext is an established neighbour.
func (e *Engine) Pin(ext wpan.ExtAddr, on bool) bool {
	l := e.find(ext)
	if l == nil {
		return false
	}
	l.pinned = on
	return true
}

// Deadline returns when the engine next needs Poll. It never returns the
// zero time: an engine always has its Advertisement timer.
func (e *Engine) Deadline() time.Time {
	if !e.started {
		return notStarted
	}
	return e.deadline
}

// PopOutbound returns the next message to send, if any.
func (e *Engine) PopOutbound() (Outbound, bool) {
	if e.outAt >= e.outN {
		e.outAt, e.outN = 0, 0
		return Outbound{}, false
	}
	s := &e.out[e.outAt]
	e.outAt++
	return Outbound{Dst: s.dst, Neighbor: s.neighbor, Multicast: s.multicast, Payload: s.buf[:s.n]}, true
}

// PopEvent returns the next event, if any.
func (e *Engine) PopEvent() (Event, bool) {
	if e.evAt >= len(e.events) {
		e.evAt = 0
		e.events = e.events[:0]
		return Event{}, false
	}
	ev := e.events[e.evAt]
	e.evAt++
	return ev, true
}

func (e *Engine) emit(ev Event) { e.events = append(e.events, ev) }

func (e *Engine) find(ext wpan.ExtAddr) *link {
	for i := range e.links {
		if e.links[i].ext == ext {
			return &e.links[i]
		}
	}
	return nil
}

// jitter multiplies d by a uniform random factor in [0.9, 1.1].
func (e *Engine) jitter(d time.Duration) time.Duration {
	return d*9/10 + time.Duration(e.rnd.Int64N(int64(d)/5+1))
}

// randUpTo returns a uniform random duration in [0, d] with 1 ms resolution.
func (e *Engine) randUpTo(d time.Duration) time.Duration {
	return time.Duration(e.rnd.Int64N(int64(d/time.Millisecond)+1)) * time.Millisecond
}

func (e *Engine) newChallenge(dst *[MaxChallengeLen]byte) {
	v := e.rnd.Uint64()
	for i := range dst {
		dst[i] = byte(v >> (8 * i))
	}
}

func (e *Engine) start(now time.Time) {
	if e.started {
		return
	}
	e.started = true
	e.trickle.reset(now, e.rnd)
	e.mcastAt = now.Add(e.randUpTo(MaxResponseDelayTime))
}
