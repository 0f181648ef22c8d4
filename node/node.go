package node

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/wpan"
	"github.com/meshgw/meshgw/wpan/lowpan"
)

// Host receives the IPv6 packets addressed to a node that the node does not
// consume itself. On a gateway it writes them to the TUN device; in a
// simulation it records them. Deliver runs on the node's owner goroutine and
// must not block; pkt is valid only until it returns.
type Host interface {
	Deliver(now time.Time, pkt []byte)
}

// SecurityConfig is the link-layer security of a node. Security is on by
// default: a zero SecurityConfig with a non-zero Key secures every frame at
// ENC-MIC-32 with key identifier mode 1, as Thread does.
type SecurityConfig struct {
	// Open turns link-layer security off (the open interop profile for
	// stacks without it). Secured frames are then dropped as unknown keys.
	Open bool
	// Key is the 128-bit MAC key.
	Key [wpan.KeySize]byte
	// KeyIndex is the key index sent in key identifier mode 1 (1–255;
	// zero means 1).
	KeyIndex uint8
	// Level is the security level; zero means ENC-MIC-32 (5).
	Level wpan.SecurityLevel
}

// Config configures a Node.
type Config struct {
	// Ext is the node's EUI-64.
	Ext wpan.ExtAddr
	// Short is the node's short address; wpan.ShortNone (or zero value
	// with NoShort) means the node sends from its extended address.
	Short   wpan.ShortAddr
	NoShort bool
	// PAN is the PAN ID.
	PAN wpan.PANID
	// Channel is the 2.4 GHz channel (11–26); zero means 11.
	Channel uint8
	// TxPowerDBm is the transmit power of a node without power control
	// (TxPower nil).
	TxPowerDBm int8
	// TxPower turns transmit power control on (see package txpower and
	// PowerConfig); nil sends every frame at TxPowerDBm. Levels may be
	// empty: the node takes the radio's Capabilities().TxPowers. The node
	// then sends unicasts at the controller's level for their neighbour,
	// broadcasts at its broadcast level and configures the radio (whose
	// acknowledgments go at it) with its node level (TxPowerDBm is not
	// used), tells it the links RPL needs (the preferred parent, the
	// children that are next hops of downward routes) and the neighbours
	// that send the node unicasts (which need its acknowledgments), and
	// feeds it MAC acknowledgments and, with MLE, the margins neighbours
	// report in their Advertisements.
	TxPower *PowerConfig
	// Security configures link-layer security.
	Security SecurityConfig
	// FrameCounters persists the outgoing frame counter; nil keeps it in
	// memory (simulation and tests only: a restart would reuse nonces).
	FrameCounters wpan.CounterStore
	// CounterReserve is how far ahead counters are reserved in
	// FrameCounters; zero means wpan.DefaultCounterReserve.
	CounterReserve uint32
	// MaxRetries is macMaxFrameRetries; zero means 3 (set NoRetries for 0).
	MaxRetries uint8
	NoRetries  bool
	// LinkRetries is how many more times a frame the radio gave up on
	// (unacknowledged after every MAC retry, or channel busy) is handed to
	// the radio again, each after a random backoff that doubles per round
	// (10–20 ms, 20–40 ms, 40–80 ms, ...). The radio's own retries follow
	// each other within milliseconds and so fail together against the
	// same burst (a hidden node's fragments, a neighbour forwarding); the
	// rounds outlast it, as Contiki-NG's and RIOT's software retries do.
	// Zero means DefaultLinkRetries; NoLinkRetries turns them off.
	LinkRetries   uint8
	NoLinkRetries bool
	// TxQueue is the transmit queue length in frames; zero means 64.
	TxQueue int
	// Lowpan bounds the 6LoWPAN reassembly state.
	Lowpan lowpan.Config
	// ReplayCapacity and DSNCapacity bound the per-sender security and
	// duplicate-detection state; zero takes the wpan defaults.
	ReplayCapacity int
	DSNCapacity    int
	// Addresses are extra unicast addresses of the node (the link-local
	// addresses derived from Ext and Short are always its own).
	Addresses [][16]byte
	// Host receives packets for this node; nil drops them (counted).
	Host Host

	// MLE turns Mesh Link Establishment on (see mle.Config); nil leaves
	// it off, the open interop profile for stacks without MLE, in which
	// secured frames are accepted from any holder of the MAC key. With
	// MLE on, the node fills in Ext, Short, Channel, PANID, Counters,
	// LinkCounter and (when nil) Rand; with MLE security on (the
	// default) the MAC key is derived from MLE.NetworkKey and the key
	// sequence (Security.Key is ignored), and secured frames are accepted
	// only from established neighbours.
	MLE *mle.Config
	// MLECounters persists the outgoing MLE frame counter, separately
	// from FrameCounters as in Thread; nil keeps it in memory.
	MLECounters wpan.CounterStore
	// RPL turns RPL routing on (see rpl.Config); nil leaves it off, and
	// the node then sends only to link-local and multicast destinations.
	// The node fills in LinkLocal, Rand (when nil: a ChaCha8 stream
	// seeded from the EUI-64, distinct from MLE's) and, with MLE on,
	// Metrics (when nil: the ETX of MLE's established links; without MLE
	// every neighbour heard counts as a link of ETX 1). Root with DODAG
	// makes the node the DODAG root.
	RPL *rpl.Config
	// AcceptHook, when set, is called for every secured frame and every
	// MLE message accepted into the node's state, with the layer, the
	// sender, the key (MAC: key index, MLE: key sequence) and the frame
	// counter. Harnesses use it to prove no counter is accepted twice.
	AcceptHook func(layer Layer, src wpan.ExtAddr, key, counter uint32)
}

// Layer names the layer in an AcceptHook call.
type Layer uint8

// Layers.
const (
	LayerMAC Layer = iota + 1 // an 802.15.4 frame secured at the link layer
	LayerMLE                  // an MLE message secured by MLE
)

// macKey is one MAC key and the key index it is sent with.
type macKey struct {
	idx uint8
	key *wpan.CCMStar
}

// txSlot is one sealed frame waiting in the transmit queue.
type txSlot struct {
	buf      [wpan.MaxFrameLen]byte
	n        int
	ack      bool
	dst      wpan.Addr
	datagram uint32
	frags    bool  // part of a fragmented datagram
	rounds   uint8 // link retry rounds already used
	attempts int   // transmissions in the rounds so far
	power    int8  // dBm, with power control: the node level when queued, then the power sent at
}

// Node is one IEEE 802.15.4 mesh node. It is sans-I/O and not safe for
// concurrent use: one owner (the simulator, or a Loop) calls it.
type Node struct {
	cfg   Config
	port  radio.Port
	level wpan.SecurityLevel
	kidx  uint8

	key      *wpan.CCMStar
	macKeys  [3]macKey // with MLE: key sequence -1, 0, +1; key is macKeys[1]
	counters *wpan.CounterSource
	mle      *mle.Engine
	started  bool
	replay   *wpan.ReplayWindows
	dsn      *wpan.DSNFilter
	lp       *lowpan.Layer
	frags    lowpan.Fragments

	rxFrame wpan.Frame
	txFrame wpan.Frame
	rxPSDU  [wpan.MaxFrameLen]byte
	rxBuf   [lowpan.MaxDatagramSize]byte
	fragBuf [wpan.MaxFrameLen]byte
	pktBuf  [lowpan.MaxDatagramSize]byte
	mleBuf  [256]byte

	// Metadata of the frame being received, for MLE.
	rxSrc     wpan.Addr
	rxRSSI    int8
	rxMLEOnly bool // unsecured frame on a secured link: only MLE may pass

	queue    []txSlot
	qHead    int
	qLen     int
	inflight bool
	holding  bool      // the head waits for a link retry round
	holdTill time.Time // when it may go
	rng      *rand.Rand
	handle   uint32
	datagram uint32
	seq      uint8

	shortToExt map[wpan.ShortAddr]wpan.ExtAddr
	addrs      [][16]byte
	groups     [][16]byte

	// RPL state (nil rpl: RPL off).
	rpl       *rpl.Engine
	isLocal   func(netip.Addr) bool // rpl.IsLocal, bound once
	globalIdx int                   // index of the global address in addrs; 0: none yet
	rplBuf    []byte                // control message being sent
	rplPkt    []byte                // its IPv6 packet
	hostBuf   []byte                // a copy of a host packet being routed
	fwdBuf    []byte                // a packet rebuilt with RPL headers
	rxHdrs    [maxTunnelDepth]extHdrs
	txHdrs    extHdrs
	fwdPkt    rpl.Packet
	dec       rpl.Decision
	rplDirty  bool // MLE events reached RPL: drain it
	draining  bool // drainRPL is running
	parent    netip.Addr
	hasParent bool
	pinAt     time.Time
	pinned    map[wpan.ExtAddr]struct{}
	pinMark   map[wpan.ExtAddr]bool
	routes    []rpl.Route

	pwr *power // transmit power control; nil: fixed at cfg.TxPowerDBm

	stats Stats
}

// DefaultLinkRetries is Config.LinkRetries' default.
const DefaultLinkRetries = 3

const (
	maxLinkRetries = 6
	// linkRetryBase is the shortest backoff before a link retry round; the
	// backoff is uniform in [base, 2·base) and base doubles per round.
	linkRetryBase = 10 * time.Millisecond
)

// macSeedTag makes the MAC random stream of a node (link retry backoffs)
// differ from its MLE and RPL streams.
var macSeedTag = [4]byte{'M', 'A', 'C', 0}

// seededRand returns a ChaCha8 stream seeded from the node's EUI-64 and a
// tag that keeps the streams of its layers apart (MLE's tag is zero).
func seededRand(ext wpan.ExtAddr, tag [4]byte) *rand.Rand {
	var seed [32]byte
	copy(seed[:], ext[:])
	copy(seed[8:], tag[:])
	return rand.New(rand.NewChaCha8(seed))
}

// Errors New and HandlePacket return.
var (
	// ErrNoKey is returned by New for a secured node without a key.
	ErrNoKey = errors.New("node: link security is on but no key is configured")
	// ErrNoRoute is returned for a destination the node has no next hop for.
	ErrNoRoute = errors.New("node: no route to destination")
	// ErrQueueFull is returned when the transmit queue cannot take the packet.
	ErrQueueFull = errors.New("node: transmit queue full")
	// ErrBadPacket is returned for a malformed IPv6 packet.
	ErrBadPacket = errBadIPv6
)

// New returns a node that sends through port and configures port's radio
// (channel, PAN, addresses, power, receiver on).
func New(cfg Config, port radio.Port) (*Node, error) {
	if cfg.Channel == 0 {
		cfg.Channel = 11
	}
	if cfg.Channel < 11 || cfg.Channel > 26 {
		return nil, fmt.Errorf("node: channel %d is not a 2.4 GHz channel (11-26)", cfg.Channel)
	}
	if cfg.NoShort {
		cfg.Short = wpan.ShortNone
	}
	if cfg.MaxRetries == 0 && !cfg.NoRetries {
		cfg.MaxRetries = 3
	}
	if cfg.MaxRetries > 7 {
		return nil, fmt.Errorf("node: max retries %d above 7", cfg.MaxRetries)
	}
	if cfg.LinkRetries == 0 && !cfg.NoLinkRetries {
		cfg.LinkRetries = DefaultLinkRetries
	}
	if cfg.NoLinkRetries {
		cfg.LinkRetries = 0
	}
	if cfg.LinkRetries > maxLinkRetries {
		return nil, fmt.Errorf("node: link retries %d above %d", cfg.LinkRetries, maxLinkRetries)
	}
	if cfg.TxQueue <= 0 {
		cfg.TxQueue = 64
	}
	if cfg.CounterReserve == 0 {
		cfg.CounterReserve = wpan.DefaultCounterReserve
	}
	if cfg.ReplayCapacity == 0 {
		cfg.ReplayCapacity = wpan.DefaultReplayCapacity
	}
	if cfg.DSNCapacity == 0 {
		cfg.DSNCapacity = wpan.DefaultDSNCapacity
	}
	n := &Node{
		cfg:        cfg,
		port:       port,
		replay:     wpan.NewReplayWindows(cfg.ReplayCapacity),
		dsn:        wpan.NewDSNFilter(cfg.DSNCapacity),
		lp:         lowpan.New(cfg.Lowpan),
		queue:      make([]txSlot, cfg.TxQueue),
		shortToExt: make(map[wpan.ShortAddr]wpan.ExtAddr),
	}
	n.rng = seededRand(cfg.Ext, macSeedTag)
	mleKeys := cfg.MLE != nil && !cfg.MLE.Unsecured
	if !cfg.Security.Open {
		n.level = cfg.Security.Level
		if n.level == wpan.LevelNone {
			n.level = wpan.LevelENCMIC32
		}
		if mleKeys {
			if err := n.setMACKeys(cfg.MLE.KeySequence); err != nil {
				return nil, err
			}
		} else {
			if cfg.Security.Key == ([wpan.KeySize]byte{}) {
				return nil, ErrNoKey
			}
			key, err := wpan.NewCCMStar(cfg.Security.Key[:])
			if err != nil {
				return nil, fmt.Errorf("node: %w", err)
			}
			n.key = key
			n.kidx = cfg.Security.KeyIndex
			if n.kidx == 0 {
				n.kidx = 1
			}
		}
		store := cfg.FrameCounters
		if store == nil {
			store = new(wpan.MemCounterStore)
		}
		c, err := wpan.NewCounterSource(store, cfg.CounterReserve)
		if err != nil {
			return nil, fmt.Errorf("node: frame counters: %w", err)
		}
		n.counters = c
	}
	if cfg.MLE != nil {
		if err := n.newMLE(); err != nil {
			return nil, err
		}
	}
	n.addrs = append(n.addrs, linkLocal(cfg.Ext.IID()))
	if cfg.Short != wpan.ShortNone && cfg.Short != wpan.BroadcastShort {
		iid, _ := wpan.ShortAddress(cfg.Short).IID()
		n.addrs = append(n.addrs, linkLocal(iid))
	}
	n.addrs = append(n.addrs, cfg.Addresses...)
	n.groups = append(n.groups, allNodes, allRouters)
	if cfg.RPL != nil {
		if err := n.newRPL(); err != nil {
			return nil, err
		}
	}
	if cfg.TxPower != nil {
		if err := n.newPower(); err != nil {
			return nil, err
		}
	}
	if port != nil {
		if err := n.configureRadio(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// configureRadio applies the node's channel, PAN and addresses to its radio.
func (n *Node) configureRadio() error {
	err := n.port.Configure(radio.Config{
		Channel: n.cfg.Channel, PAN: n.cfg.PAN, Short: n.cfg.Short, Ext: n.cfg.Ext,
		TxPowerDBm: n.radioPower(), RxOn: true,
	})
	if err != nil {
		return fmt.Errorf("node: configure radio: %w", err)
	}
	return nil
}

// Ext returns the node's EUI-64.
func (n *Node) Ext() wpan.ExtAddr { return n.cfg.Ext }

// LinkLocal returns the node's link-local address derived from its EUI-64.
func (n *Node) LinkLocal() [16]byte { return n.addrs[0] }

// Stats returns a copy of the node's counters.
func (n *Node) Stats() Stats {
	s := n.stats
	if n.mle != nil {
		s.MLE = n.mle.Stats()
	}
	if n.pwr != nil {
		s.Power = n.pwr.c.Stats()
	}
	return s
}

// LowpanCounters returns the 6LoWPAN layer's counters.
func (n *Node) LowpanCounters() lowpan.Counters { return n.lp.Counters() }

// ReplayStats returns the link-layer replay windows' counters.
func (n *Node) ReplayStats() wpan.ReplayStats { return n.replay.Stats() }

// SetNeighbor records the EUI-64 of a neighbour that sends from a short
// address, so that its secured frames can be verified (the CCM* nonce uses
// the EUI-64). MLE calls it when it establishes a link.
func (n *Node) SetNeighbor(short wpan.ShortAddr, ext wpan.ExtAddr) { n.shortToExt[short] = ext }

// notStarted is the deadline of a node that has not been polled yet: in
// the past, so that its owner polls it at once.
var notStarted = time.Unix(1, 0)

// Deadline returns when the node next needs Poll, or the zero time: the
// earliest deadline of its layers. A node that has never been polled asks
// for a Poll at once (in the past): its first Poll applies its radio
// configuration again (a simulator may reset the radio when it attaches a
// restarted node) and starts MLE.
func (n *Node) Deadline() time.Time {
	if !n.started {
		return notStarted
	}
	t, ok := n.lp.Deadline()
	if !ok {
		t = time.Time{}
	}
	if n.mle != nil {
		if d := n.mle.Deadline(); t.IsZero() || d.Before(t) {
			t = d
		}
	}
	if n.rpl != nil {
		if d := n.rpl.Deadline(); !d.IsZero() && (t.IsZero() || d.Before(t)) {
			t = d
		}
	}
	if d, ok := n.powerDeadline(); ok && (t.IsZero() || d.Before(t)) {
		t = d
	}
	if n.holding && (t.IsZero() || n.holdTill.Before(t)) {
		t = n.holdTill
	}
	return t
}

// Poll runs the node's timers that are due at now.
func (n *Node) Poll(now time.Time) {
	if !n.started {
		n.started = true
		if n.port != nil {
			_ = n.configureRadio()
		}
		if n.rpl != nil {
			n.rpl.Start(now)
		}
	}
	n.lp.Poll(now)
	if n.mle != nil {
		n.mle.Poll(now)
		n.drainMLE(now)
	}
	if n.rpl != nil {
		n.rpl.Poll(now)
		n.drainRPL(now)
	}
	n.pollPower(now)
	if n.holding && !now.Before(n.holdTill) {
		n.holding = false
	}
	n.kick()
}

// HandleRadio handles a received frame or a transmit completion.
func (n *Node) HandleRadio(now time.Time, ev *radio.Event) {
	switch ev.Kind {
	case radio.EventFrame:
		n.receive(now, &ev.Frame)
	case radio.EventTxDone:
		n.txDone(now, &ev.TxDone)
	}
	n.syncPowerRoles(now)
}

// InjectFrame handles psdu (a MAC frame without FCS) as if the radio had
// received it with rssi on the node's channel: the way a test or an attack
// scenario replays a recorded frame at one node.
func (n *Node) InjectFrame(now time.Time, psdu []byte, rssi int8) {
	n.receive(now, &radio.Frame{PSDU: psdu, RSSI: rssi, LQI: 255, Channel: n.cfg.Channel, Timestamp: now})
}

// HandlePacket sends an IPv6 packet that came from the host side (or from
// a traffic generator) into the mesh. pkt is copied before it returns.
// Link-local and multicast destinations are sent to the link; with RPL,
// other destinations are routed: a packet from one of the node's own
// addresses is originated by the node (it gets an RPI, and at a
// non-storing root an SRH), any other is forwarded (at the root, in an
// IPv6-in-IPv6 tunnel into the mesh; its hop limit is decremented).
func (n *Node) HandlePacket(now time.Time, pkt []byte) error {
	if err := checkIPv6(pkt); err != nil {
		n.drop(DropBadPacket)
		return err
	}
	dst := ipDst(pkt)
	if n.rpl == nil || isMulticast(dst) || isLinkLocal(dst) {
		return n.send(pkt, true)
	}
	if len(pkt) > lowpanMax {
		n.drop(DropTooBig)
		return ErrBadPacket
	}
	if n.hostBuf == nil {
		n.hostBuf = make([]byte, 0, lowpanMax)
	}
	buf := append(n.hostBuf[:0], pkt...)
	o := fromHost
	if n.isOurs(ipSrc(buf)) {
		o = fromSelf
	}
	err := n.originate(now, buf, o)
	n.kick()
	return err
}

func (n *Node) drop(r DropReason) { n.stats.Drops[r]++ }

// receive runs the receive path for one frame.
func (n *Node) receive(now time.Time, rf *radio.Frame) {
	n.stats.RxFrames++
	if len(rf.PSDU) > len(n.rxPSDU) {
		n.drop(DropDecode)
		return
	}
	// Decrypting works in place; the medium may share the PSDU with other
	// receivers, so work on a copy.
	b := n.rxPSDU[:copy(n.rxPSDU[:], rf.PSDU)]
	f := &n.rxFrame
	if err := f.Decode(b); err != nil {
		n.drop(DropDecode)
		return
	}
	if f.Type != wpan.FrameData {
		n.drop(DropFrameType)
		return
	}
	if !n.forUs(f) {
		n.drop(DropNotForUs)
		return
	}
	n.rxSrc, n.rxRSSI, n.rxMLEOnly = f.Src, rf.RSSI, false
	if n.key != nil {
		if !f.Security {
			// MLE link configuration messages are secured by MLE, not
			// by the link layer (draft §10); nothing else may come
			// unsecured, and nothing fragmented.
			if n.mle == nil || isFragment(f.Payload) {
				n.drop(DropUnsecured)
				return
			}
			n.rxMLEOnly = true
		} else if !n.unsecure(now, f, rf.RSSI) {
			return
		}
	} else if f.Security {
		n.drop(DropNoKey)
		return
	}
	if n.pwr != nil && f.AckRequest {
		n.powerRx(now, f.Src)
	}
	if !f.SeqSuppressed && n.dsn.Duplicate(f.Src, f.Seq) {
		n.drop(DropDuplicate)
		return
	}
	n.stats.RxData++
	pkt, err := n.lp.Input(now, n.rxBuf[:0], f.Src, f.Dst, f.Payload)
	if err != nil {
		n.drop(DropLowpan)
		return
	}
	if pkt == nil {
		return // a fragment was stored
	}
	n.handleIPv6(now, pkt)
}

// unsecure verifies and decrypts a secured frame. With MLE it accepts
// frames only from established neighbours and answers a unicast from a
// stranger with a (rate-limited) Link Reject.
func (n *Node) unsecure(now time.Time, f *wpan.Frame, rssi int8) bool {
	ext, known := n.srcExt(f.Src)
	if n.mle != nil && (!known || !n.mle.Linked(ext)) {
		n.drop(DropUnknownNeighbor)
		if known && !f.Dst.IsBroadcast() {
			n.mle.RejectUnknown(now, ext)
			n.drainMLE(now)
		}
		return false
	}
	if err := f.Unsecure(n, n.replay); err != nil {
		n.drop(securityDrop(err))
		return false
	}
	if n.cfg.AcceptHook != nil && known {
		n.cfg.AcceptHook(LayerMAC, ext, uint32(f.Aux.KeyIndex), f.Aux.FrameCounter)
	}
	if n.mle != nil {
		n.mle.ObserveRx(now, ext, rssi)
	}
	return true
}

// srcExt returns the EUI-64 behind a MAC source address.
func (n *Node) srcExt(a wpan.Addr) (wpan.ExtAddr, bool) {
	switch a.Mode {
	case wpan.AddrExt:
		return a.Ext, true
	case wpan.AddrShort:
		ext, ok := n.shortToExt[a.Short]
		return ext, ok
	}
	return wpan.ExtAddr{}, false
}

// isFragment reports a 6LoWPAN FRAG1 or FRAGN payload.
func isFragment(p []byte) bool {
	return len(p) > 0 && (p[0]&0xf8 == 0xc0 || p[0]&0xf8 == 0xe0)
}

func securityDrop(err error) DropReason {
	switch {
	case errors.Is(err, wpan.ErrNoKey):
		return DropNoKey
	case errors.Is(err, wpan.ErrMICFailure):
		return DropMIC
	case errors.Is(err, wpan.ErrDuplicateCounter):
		return DropDuplicate
	case errors.Is(err, wpan.ErrReplayed):
		return DropReplay
	default:
		return DropSecurity
	}
}

// forUs applies the MAC destination filter (the radio does it too unless
// promiscuous).
func (n *Node) forUs(f *wpan.Frame) bool {
	if f.Dst.Mode != wpan.AddrNone && f.DstPAN != n.cfg.PAN && f.DstPAN != wpan.BroadcastPAN {
		return false
	}
	switch f.Dst.Mode {
	case wpan.AddrShort:
		return f.Dst.Short == wpan.BroadcastShort || (f.Dst.Short == n.cfg.Short && n.cfg.Short != wpan.ShortNone)
	case wpan.AddrExt:
		return f.Dst.Ext == n.cfg.Ext
	default:
		return false
	}
}

// LookupKey implements wpan.KeyLookup for the node's single MAC key.
// With MLE, the keys of the previous, current and next key sequence are
// accepted, told apart by their key index.
func (n *Node) LookupKey(src wpan.Addr, _ wpan.PANID, aux wpan.AuxHeader) (*wpan.CCMStar, wpan.ExtAddr, error) {
	if aux.Level != n.level || aux.KeyIDMode != wpan.KeyIDIndex {
		return nil, wpan.ExtAddr{}, wpan.ErrUnsupportedSecurity
	}
	key := n.key
	if aux.KeyIndex != n.kidx {
		key = nil
		for _, k := range n.macKeys {
			if k.key != nil && k.idx == aux.KeyIndex {
				key = k.key
			}
		}
		if key == nil {
			return nil, wpan.ExtAddr{}, wpan.ErrNoKey
		}
	}
	if ext, ok := n.srcExt(src); ok {
		return key, ext, nil
	}
	return nil, wpan.ExtAddr{}, wpan.ErrNoKey
}

// handleIPv6 handles a whole IPv6 packet received from the mesh.
func (n *Node) handleIPv6(now time.Time, pkt []byte) {
	if checkIPv6(pkt) != nil {
		n.drop(DropBadPacket)
		return
	}
	n.stats.RxPackets++
	n.input(now, pkt, 0)
}

// answerEcho replies to an ICMPv6 echo request addressed to this node.
func (n *Node) answerEcho(now time.Time, pkt []byte, dst [16]byte) {
	src := ipSrc(pkt)
	m := pkt[ipv6HeaderLen:]
	if m[1] != 0 || !validChecksum(src, dst, protoICMPv6, m) || isMulticast(src) {
		n.drop(DropBadPacket)
		return
	}
	from := dst
	if isMulticast(dst) {
		from = n.addrs[0]
	}
	id := uint16(m[4])<<8 | uint16(m[5])
	seq := uint16(m[6])<<8 | uint16(m[7])
	reply := appendEcho(n.pktBuf[:0], icmpEchoReply, from, src, id, seq, 64, m[8:])
	var err error
	if n.rpl != nil && !isMulticast(src) && !isLinkLocal(src) {
		err = n.originate(now, reply, fromSelf)
	} else {
		err = n.send(reply, true)
	}
	if err == nil {
		n.stats.EchoReplied++
	}
}

func (n *Node) isOurs(a [16]byte) bool {
	list := n.addrs
	if isMulticast(a) {
		list = n.groups
	}
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// nextHop returns the MAC address to send a packet for dst to.
func (n *Node) nextHop(dst [16]byte) (wpan.Addr, bool) {
	switch {
	case isMulticast(dst):
		return wpan.ShortAddress(wpan.BroadcastShort), true
	case isLinkLocal(dst):
		var iid [8]byte
		copy(iid[:], dst[8:])
		if iid[0] == 0 && iid[1] == 0 && iid[2] == 0 && iid[3] == 0xff && iid[4] == 0xfe && iid[5] == 0 {
			return wpan.ShortAddress(wpan.ShortAddr(uint16(iid[6])<<8 | uint16(iid[7]))), true
		}
		return wpan.ExtAddress(wpan.ExtAddrFromIID(iid)), true
	}
	return wpan.Addr{}, false
}

// srcAddr is the MAC source address the node sends from.
func (n *Node) srcAddr() wpan.Addr {
	if n.cfg.Short != wpan.ShortNone {
		return wpan.ShortAddress(n.cfg.Short)
	}
	return wpan.ExtAddress(n.cfg.Ext)
}

// send compresses, fragments, seals (when secure and the node has a key)
// and queues a valid IPv6 packet for a link-local or multicast
// destination.
func (n *Node) send(pkt []byte, secure bool) error {
	dst, ok := n.nextHop(ipDst(pkt))
	if !ok {
		n.drop(DropNoRoute)
		return ErrNoRoute
	}
	return n.sendTo(pkt, dst, secure)
}

// sendTo compresses, fragments, seals and queues pkt for the MAC
// destination dst.
func (n *Node) sendTo(pkt []byte, dst wpan.Addr, secure bool) error {
	src := n.srcAddr()
	f := &n.txFrame
	*f = wpan.Frame{Type: wpan.FrameData, Version: wpan.Version2006, AckRequest: !dst.IsBroadcast()}
	f.SetAddrs(n.cfg.PAN, dst, n.cfg.PAN, src)
	sealed := n.key != nil && secure
	if sealed {
		f.Security = true
		f.Aux = wpan.AuxHeader{Level: n.level, KeyIDMode: wpan.KeyIDIndex, KeyIndex: n.kidx}
	}
	budget := f.MaxPayload()
	if budget <= 0 {
		n.drop(DropTooBig)
		return fmt.Errorf("node: no room for a payload in a frame to %v", dst)
	}
	if err := n.lp.Output(&n.frags, pkt, src, dst, budget); err != nil {
		n.drop(DropTooBig)
		return fmt.Errorf("node: %w", err)
	}
	frames := n.frags.Frames()
	if len(n.queue)-n.qLen < frames {
		n.drop(DropQueueFull)
		return ErrQueueFull
	}
	n.datagram++
	queued := 0
	for payload, ok := n.frags.Next(n.fragBuf[:0]); ok; payload, ok = n.frags.Next(n.fragBuf[:0]) {
		slot := &n.queue[(n.qHead+n.qLen)%len(n.queue)]
		f.Payload = payload
		f.Seq = n.seq
		var out []byte
		var err error
		if sealed {
			var fc uint32
			fc, err = n.counters.Next()
			if err != nil {
				n.qLen -= queued
				n.drop(DropCounterExhausted)
				return fmt.Errorf("node: %w", err)
			}
			f.Aux.FrameCounter = fc
			out, err = f.AppendSealed(slot.buf[:0], n.key, n.cfg.Ext)
		} else {
			out, err = f.AppendTo(slot.buf[:0])
		}
		if err != nil {
			n.qLen -= queued
			n.drop(DropTooBig)
			return fmt.Errorf("node: encode frame: %w", err)
		}
		n.seq++
		slot.n = len(out)
		slot.ack = f.AckRequest
		slot.dst = dst
		slot.datagram = n.datagram
		slot.frags = frames > 1
		slot.rounds, slot.attempts = 0, 0
		if n.pwr != nil {
			slot.power = n.pwr.bcast
		}
		n.qLen++
		queued++
	}
	n.stats.TxPackets++
	n.kick()
	return nil
}

// kick hands the head of the queue to the radio when nothing is in flight.
func (n *Node) kick() {
	for !n.inflight && !n.holding && n.qLen > 0 {
		slot := &n.queue[n.qHead]
		n.handle++
		req := radio.TxRequest{
			Handle:     n.handle,
			PSDU:       slot.buf[:slot.n],
			AckRequest: slot.ack,
			CSMA:       true,
			MaxRetries: n.cfg.MaxRetries,
		}
		if n.pwr != nil {
			slot.power = n.framePower(slot)
			req.TxPowerDBm, req.HasTxPower = slot.power, true
		}
		err := n.port.Transmit(req)
		n.stats.TxFrames++
		if err != nil {
			n.stats.TxErrors++
			n.drop(DropTxFailed)
			n.popFailed()
			continue
		}
		n.inflight = true
	}
}

// popFailed removes the head frame after a failure, and with it the rest of
// its datagram's fragments.
func (n *Node) popFailed() {
	slot := n.queue[n.qHead]
	n.pop()
	if !slot.frags {
		return
	}
	for n.qLen > 0 && n.queue[n.qHead].datagram == slot.datagram {
		n.pop()
		n.drop(DropAborted)
	}
}

// retryLater holds the head frame for another link retry round after a
// random backoff, unless its rounds are used up.
func (n *Node) retryLater(now time.Time) bool {
	slot := &n.queue[n.qHead]
	if slot.rounds >= n.cfg.LinkRetries {
		return false
	}
	slot.rounds++
	base := linkRetryBase << (slot.rounds - 1)
	n.holding = true
	n.holdTill = now.Add(base + time.Duration(n.rng.Int64N(int64(base))))
	n.stats.TxRetryRounds++
	return true
}

func (n *Node) pop() {
	n.qHead = (n.qHead + 1) % len(n.queue)
	n.qLen--
}

// txDone handles a transmit completion.
func (n *Node) txDone(now time.Time, d *radio.TxDone) {
	if !n.inflight || d.Handle != n.handle {
		return // stale: not the frame in flight
	}
	n.inflight = false
	if slot := &n.queue[n.qHead]; slot.ack && (d.Status == radio.TxAcked || d.Status == radio.TxNoAck) {
		if ext, ok := n.srcExt(slot.dst); ok {
			acked := d.Status == radio.TxAcked
			slot.attempts += int(d.Attempts)
			if n.mle != nil && (acked || slot.rounds >= n.cfg.LinkRetries) {
				// The link estimate takes the frame's outcome once,
				// after its last round: a round lost to a burst is a
				// few more transmissions, not a lost frame.
				n.mle.ObserveTx(now, ext, min(slot.attempts, int(n.cfg.MaxRetries)+1), acked)
			}
			if n.pwr != nil {
				n.powerAck(now, ext, slot.power, d.Attempts, acked)
			}
		}
	}
	switch d.Status {
	case radio.TxSent:
		n.pop()
	case radio.TxAcked:
		n.stats.TxAcked++
		n.pop()
	case radio.TxNoAck:
		if !n.retryLater(now) {
			n.stats.TxNoAck++
			n.drop(DropTxFailed)
			dst := n.queue[n.qHead].dst
			n.popFailed()
			n.parentFailed(now, dst)
		}
	case radio.TxChannelBusy:
		if !n.retryLater(now) {
			n.stats.TxBusy++
			n.drop(DropTxFailed)
			n.popFailed()
		}
	default:
		n.stats.TxErrors++
		n.drop(DropTxFailed)
		n.popFailed()
	}
	n.kick()
}
