package rpl

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"time"
)

// LinkMetrics supplies the link statistics the objective functions need.
// The node implements it from MLE's link table.
type LinkMetrics interface {
	// LinkETX returns the ETX (times ETXDivisor) of the link to the
	// neighbour with link-local address neighbor, and ok = false when
	// there is no usable link to it (no MLE link established, or lost).
	LinkETX(neighbor netip.Addr) (etx uint16, ok bool)
}

// DODAGParams are the DODAG-wide parameters a root advertises in its DIOs
// (base object, DODAG Configuration option and Prefix Information option).
// Routers take them from the DIOs they hear.
type DODAGParams struct {
	// Prefix is the /64 (or shorter) prefix advertised in the PIO with the
	// A flag; nodes form their global address from it and their IID.
	Prefix netip.Prefix
	// DODAGID is the root's global address; zero means Prefix + the
	// root's IID.
	DODAGID netip.Addr
	// MOP is MOPNonStoring or MOPStoring.
	MOP MOP
	// OCP selects the objective function: OCPOF0 or OCPMRHOF.
	OCP uint16
	// MinHopRankIncrease is the rank step of one hop.
	MinHopRankIncrease uint16
	// MaxRankIncrease bounds the rank increase of local repair; 0
	// disables the limit.
	MaxRankIncrease uint16
	// Trickle holds the DIO Trickle parameters.
	Trickle TrickleConfig
	// DefaultLifetime and LifetimeUnit (seconds) give DAO route lifetimes:
	// DefaultLifetime × LifetimeUnit; a DefaultLifetime of 0xFF is
	// infinite.
	DefaultLifetime uint8
	LifetimeUnit    uint16
	// Preference is the 3-bit DODAGPreference (7 most preferred).
	Preference uint8
	// PCS is the Path Control Size, 0..7.
	PCS uint8
	// Version is the initial DODAG version. A root should persist it and
	// start from a newer one after a restart (see GlobalRepair).
	Version Lollipop
	// AnnounceRPI9008 sets the DODAG Configuration flag that announces
	// RPI option type 0x23 (RFC 9008).
	AnnounceRPI9008 bool
}

// DefaultMaxRankIncrease is meshgw's default DAGMaxRankIncrease: 2048,
// 16 × MinHopRankIncrease 128 (the value OpenWSN and nanostack advertise,
// 8 × 256). It holds for both objective functions: one OF0 hop adds up
// to 9 × MinHopRankIncrease (RFC 8180's step 3·ETX − 2 at ETX 3.67) and
// one MRHOF hop up to 4 (MaxLinkMetric, ETX 4), so a node can fall back
// to a parent one worse hop deeper without detaching. Contiki-NG
// classic's 7 × MinHopRankIncrease, made for MRHOF, is less than one
// bad OF0 hop: with it OF0 nodes detached and poisoned their sub-DODAG
// whenever one link degraded.
const DefaultMaxRankIncrease = 2048

// DefaultDODAGParams returns meshgw's root defaults for prefix: non-storing
// mode, MRHOF with MinHopRankIncrease 128, MaxRankIncrease
// DefaultMaxRankIncrease (which also suits OF0), Trickle 12/8/10, route
// lifetime 30 × 60 s, version LollipopInit. They suit Contiki-NG (lite and
// classic) nodes; see the package documentation for RIOT.
func DefaultDODAGParams(prefix netip.Prefix) DODAGParams {
	return DODAGParams{
		Prefix:             prefix,
		MOP:                MOPNonStoring,
		OCP:                OCPMRHOF,
		MinHopRankIncrease: 128,
		MaxRankIncrease:    DefaultMaxRankIncrease,
		Trickle:            DefaultTrickleConfig(),
		DefaultLifetime:    30,
		LifetimeUnit:       60,
		Version:            LollipopInit,
	}
}

// ContikiNGParams returns root parameters for a mesh of Contiki-NG RPL-lite
// nodes: MOP 1 (the only mode RPL-lite has), OCP 1 (MRHOF),
// MinHopRankIncrease 128, MaxRankIncrease 8 hops, Trickle 12/8/10,
// lifetime 30 × 60 s.
func ContikiNGParams(prefix netip.Prefix) DODAGParams {
	p := DefaultDODAGParams(prefix)
	p.MaxRankIncrease = 8 * 128
	return p
}

// RIOTParams returns root parameters for a mesh of RIOT gnrc_rpl nodes:
// MOP 2 (storing, the only mode RIOT routes in), OCP 0 (OF0, the only
// objective function RIOT has), MinHopRankIncrease 256, MaxRankIncrease 0
// (RIOT's default), Trickle 12/8/10 (RIOT follows the root's DODAG
// Configuration option), lifetime 5 × 60 s as RIOT uses.
func RIOTParams(prefix netip.Prefix) DODAGParams {
	p := DefaultDODAGParams(prefix)
	p.MOP, p.OCP = MOPStoring, OCPOF0
	p.MinHopRankIncrease, p.MaxRankIncrease = 256, 0
	p.DefaultLifetime = 5
	return p
}

// Config configures an Engine. Zero durations and sizes take the defaults
// documented on each field.
type Config struct {
	// Root makes the engine the DODAG root; DODAG then holds the DODAG's
	// parameters. Routers learn the parameters from DIOs.
	Root  bool
	DODAG DODAGParams
	// LinkLocal is this node's link-local address (fe80::/64); its low 64
	// bits are the IID of every address the engine forms.
	LinkLocal netip.Addr
	// Instance is the RPLInstanceID (global instances, below 128).
	Instance uint8
	// Rand is the random source (Trickle, jitter); required.
	Rand *rand.Rand
	// Metrics supplies link ETX; nil means every neighbour heard is a link
	// of ETX 1.
	Metrics LinkMetrics

	// RPIType is the RPL Option type of the RPIs this node emits:
	// RPIType6553 (default) or RPIType9008.
	RPIType uint8
	// NoDAOACK stops requesting DAO-ACKs (the K flag).
	NoDAOACK bool
	// DAOAckTimeout is the wait for a DAO-ACK before the first retry (5 s);
	// it doubles for each retry up to 32 times (non-storing) or 8 times
	// (storing) the first, and the retries' waits are jittered by ±50 %.
	DAOAckTimeout time.Duration
	// DAOAckPerHop is added to the first DAO-ACK wait of a non-storing
	// router for each DAGRank step below the root (200 ms).
	DAOAckPerHop time.Duration
	// DAORetries is the number of DAO retransmissions (5).
	DAORetries int
	// DAODelay is the mean delay before a DAO after a change (1 s,
	// RFC 6550's DEFAULT_DAO_DELAY, jittered ±50 %).
	DAODelay time.Duration
	// SwitchDAODelay is the mean delay before the DAO that announces a
	// new preferred parent in non-storing mode (10 s, jittered ±50 %);
	// joining uses DAODelay.
	SwitchDAODelay time.Duration
	// DISInterval is the first DIS delay while joining (1 s); it doubles
	// up to DISMaxInterval (10 min). A new MLE link (LinkChanged) starts
	// the doubling again, and the neighbours' DIOs reach a node that has
	// a link whatever its DIS interval, so a long maximum only spares
	// the neighbourhood of a node that cannot join: each multicast DIS
	// resets the Trickle timers of the routers that hear it (RFC 6550
	// section 8.3), about four DIOs each within the next minute.
	DISInterval, DISMaxInterval time.Duration
	// JoinDIODelay bounds the random delay of one extra DIO a router
	// sends when it joins or rejoins, besides Trickle's first one at
	// [Imin/2, Imin): a DODAG then grows a hop per JoinDIODelay/2 on
	// average instead of per 3/4 Imin (about 3 s with Imin 2^12 ms). Zero
	// means 1 s; a negative value disables it.
	JoinDIODelay time.Duration
	// AggregationDelay is how long a storing-mode router gathers the
	// changes of its sub-DODAG before it sends them to its parent in
	// one DAO (DAODelay/4).
	AggregationDelay time.Duration
	// MaxParents bounds the parent candidate table (8).
	MaxParents int
	// MaxPendingDAOs bounds the DAOs awaiting a DAO-ACK (16); DAOs
	// beyond it are sent without retries.
	MaxPendingDAOs int
	// MaxRoutes bounds the downward route table: storing routes, or the
	// non-storing root's DAO parent graph (1024).
	MaxRoutes int
	// DetachHold is how long a node that poisoned its sub-DODAG waits
	// before it chooses a new parent (the Trickle Imin).
	DetachHold time.Duration
	// ParentCheck is the period of parent re-evaluation and candidate
	// ageing (15 s).
	ParentCheck time.Duration
	// ParentSwitchDelay is how long a candidate must stay better than a
	// usable preferred parent, by the objective function's hysteresis,
	// before the node switches to it (10 s; negative: at once). Link
	// estimates swing with every burst of collisions; each switch costs
	// DAOs (in storing mode for the whole sub-DODAG) that load the
	// channel and move the estimates again. Joining, and leaving a
	// parent that is no candidate any more, are never delayed.
	ParentSwitchDelay time.Duration
	// CandidateTimeout drops candidates not heard for this long (three
	// maximum Trickle intervals).
	CandidateTimeout time.Duration
}

// Engine errors beside the codec's sentinels.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("rpl: invalid engine configuration")
	// ErrChecksum reports a control message with a wrong ICMPv6 checksum.
	ErrChecksum = errors.New("rpl: bad ICMPv6 checksum")
	// ErrDropped reports a well-formed control message the engine did not
	// act on; Counters.Drops says why.
	ErrDropped = errors.New("rpl: control message dropped")
)

// AllRPLNodes is ff02::1a, the link-scope multicast address of DIOs and
// DISes.
var AllRPLNodes = netip.AddrFrom16([16]byte{0xff, 0x02, 15: 0x1a})

// Outbound describes a control message the node must send. The node builds
// the IPv6 header from Src to Dst with HopLimit and computes the checksum
// with SetChecksum.
type Outbound struct {
	// Dst is AllRPLNodes, a neighbour's link-local address, or (DAO and
	// DAO-ACK in non-storing mode) a global address several hops away,
	// which the node routes like any packet.
	Dst netip.Addr
	// Src is the source address: the link-local address, or the global
	// address for end-to-end messages.
	Src netip.Addr
	// HopLimit is 255 for link-local messages and 64 otherwise.
	HopLimit uint8
	// Code is the message's code.
	Code Code
}

type outMsg struct {
	Outbound
	buf []byte
}

// neighbor is an entry of the parent candidate table.
type neighbor struct {
	used   bool
	addr   netip.Addr // link-local
	global netip.Addr
	rank   uint16
	dtsn   Lollipop
	heard  time.Time
	// stale marks a neighbour whose advertised rank predates a rank
	// increase of this node while it was not below this node: it may be
	// in the sub-DODAG with a rank it has not updated yet, so it is no
	// parent candidate until its next DIO.
	stale bool
	// banUntil: the neighbour failed this node's DAO as its parent and
	// is no candidate until then, unless it is the only one.
	banUntil time.Time
}

// Engine is the sans-I/O RPL protocol engine of one node: root or router,
// one instance, one grounded DODAG. The owner feeds it control messages
// (HandleMessage), link events (NeighborLost, LinkChanged) and time
// (Poll at Deadline), asks it where packets go (Forward), and sends what
// PopOutbound returns. It starts no goroutine, reads no clock and is not
// safe for concurrent use.
//
// A router's DODAG membership:
//
//	detached (no DODAG) --DIO with config--> joined (rank, parent)
//	joined --all parents lost--> poisoning (INFINITE_RANK DIOs, DetachHold)
//	poisoning --hold over, candidate--> joined   (local repair)
//	joined --DIO with a newer version--> joined (global repair)
type Engine struct {
	cfg  Config
	rng  *rand.Rand
	root bool
	ll   netip.Addr
	iid  [8]byte

	// DODAG identity and parameters.
	inDODAG  bool // the DODAG identity below is known
	dodagID  netip.Addr
	version  Lollipop
	mop      MOP
	conf     DODAGConfig
	pio      PrefixInfo
	hasPIO   bool
	global   netip.Addr
	grounded bool
	pref     uint8
	of       ObjectiveFunction
	of0      OF0
	mrhof    MRHOF

	// Position.
	rank    uint16
	lowest  uint16 // lowest rank advertised in this version
	advRank uint16 // the rank of the last multicast DIO sent
	dtsn    Lollipop
	// dtsnPending: the DTSN was incremented to ask for fresh DAOs and
	// no multicast DIO has carried it yet.
	dtsnPending bool
	requestAt   time.Time // no DTSN increment for route repair before
	parent      int       // index in nbrs, or -1
	nbrs        []neighbor
	cands       []Candidate
	candIdx     []int
	poisoned    bool
	holdUntil   time.Time
	// switchTo is the candidate (link-local address) that beat the
	// preferred parent, and switchAt when it may take over.
	switchTo netip.Addr
	switchAt time.Time

	trickle *Trickle

	// Timers.
	disAt       time.Time
	disInterval time.Duration
	daoAt       time.Time
	pend        []pendingDAO // DAOs sent with the K flag, awaiting a DAO-ACK
	refreshAt   time.Time
	daoFails    int // this node's own DAOs that failed in a row
	checkAt     time.Time
	extraDIOAt  time.Time // one DIO outside Trickle: after joining, or a rank rise
	daoSeq      Lollipop
	pathSeq     Lollipop

	routes routeTable
	graph  nsGraph
	// noPathTo is the former parent owed No-Path DAOs (storing mode),
	// noPathSeq this node's path sequence through it, noPathAt when
	// they go (after the DAOs to the new parent).
	noPathTo  netip.Addr
	noPathSeq Lollipop
	noPathAt  time.Time
	// agg gathers sub-DODAG changes for the parent until aggAt.
	agg    []aggEntry
	aggIdx map[netip.Addr]int
	aggAt  time.Time

	out     []outMsg
	outHead int
	outN    int

	msg      Message
	fwdDAO   DAO
	rtxDAO   DAO  // scratch of refreshPending
	fwdOwn   bool // fwdDAO holds this node's own target
	counters Counters
}

// Defaults.
const (
	defaultDAOAckTimeout  = 5 * time.Second
	defaultDAOAckPerHop   = 200 * time.Millisecond
	defaultDAORetries     = 5
	defaultDAODelay       = time.Second
	defaultJoinDIODelay   = time.Second
	defaultDIS            = time.Second
	defaultSwitchDAODelay = 10 * time.Second
	defaultDISMax         = 10 * time.Minute
	defaultMaxParents     = 8
	defaultMaxRoutes      = 1024
	defaultMaxPending     = 16
	defaultParentCheck    = 15 * time.Second
	defaultSwitchDelay    = 10 * time.Second
	hopLimitLink          = 255
	hopLimitE2E           = 64
	// maxSourceRouteHops bounds a computed source route; a longer DAO
	// parent chain is treated as a loop.
	maxSourceRouteHops = 64
)

// New returns an Engine. A root's DODAG exists at once; a router starts
// detached. Call Start before anything else.
func New(cfg Config) (*Engine, error) {
	if cfg.Rand == nil || !cfg.LinkLocal.Is6() || !cfg.LinkLocal.IsLinkLocalUnicast() ||
		cfg.Instance&LocalInstanceFlag != 0 {
		return nil, ErrConfig
	}
	if cfg.RPIType == 0 {
		cfg.RPIType = RPIType6553
	}
	if !IsRPIType(cfg.RPIType) {
		return nil, ErrConfig
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.DAOAckTimeout, defaultDAOAckTimeout)
	def(&cfg.DAOAckPerHop, defaultDAOAckPerHop)
	def(&cfg.DAODelay, defaultDAODelay)
	def(&cfg.SwitchDAODelay, defaultSwitchDAODelay)
	def(&cfg.DISInterval, defaultDIS)
	def(&cfg.DISMaxInterval, defaultDISMax)
	def(&cfg.ParentCheck, defaultParentCheck)
	if cfg.AggregationDelay <= 0 {
		cfg.AggregationDelay = cfg.DAODelay / 4
	}
	if cfg.ParentSwitchDelay == 0 {
		cfg.ParentSwitchDelay = defaultSwitchDelay
	}
	if cfg.JoinDIODelay == 0 {
		cfg.JoinDIODelay = defaultJoinDIODelay
	}
	if cfg.DAORetries <= 0 {
		cfg.DAORetries = defaultDAORetries
	}
	if cfg.MaxParents <= 0 {
		cfg.MaxParents = defaultMaxParents
	}
	if cfg.MaxPendingDAOs <= 0 {
		cfg.MaxPendingDAOs = defaultMaxPending
	}
	if cfg.MaxRoutes <= 0 {
		cfg.MaxRoutes = defaultMaxRoutes
	}
	e := &Engine{
		cfg:     cfg,
		rng:     cfg.Rand,
		root:    cfg.Root,
		ll:      cfg.LinkLocal,
		parent:  -1,
		rank:    InfiniteRank,
		lowest:  InfiniteRank,
		advRank: InfiniteRank,
		nbrs:    make([]neighbor, cfg.MaxParents),
		pend:    make([]pendingDAO, cfg.MaxPendingDAOs),
		cands:   make([]Candidate, 0, cfg.MaxParents),
		candIdx: make([]int, 0, cfg.MaxParents),
		dtsn:    LollipopInit,
		daoSeq:  LollipopInit,
		pathSeq: LollipopInit,
	}
	a := cfg.LinkLocal.As16()
	copy(e.iid[:], a[8:])
	tc := DefaultTrickleConfig()
	if cfg.Root {
		if err := e.initRoot(); err != nil {
			return nil, err
		}
		tc = e.conf.TrickleConfig()
	}
	t, err := NewTrickle(tc, cfg.Rand)
	if err != nil {
		return nil, ErrConfig
	}
	e.trickle = t
	e.routes.init(cfg.MaxRoutes)
	if cfg.Root && e.mop == MOPNonStoring {
		e.graph.init(cfg.MaxRoutes)
	}
	return e, nil
}

func (e *Engine) initRoot() error {
	p := e.cfg.DODAG
	if !p.Prefix.IsValid() || !p.Prefix.Addr().Is6() || p.Prefix.Bits() > 64 ||
		(p.MOP != MOPNonStoring && p.MOP != MOPStoring) ||
		(p.OCP != OCPOF0 && p.OCP != OCPMRHOF) || p.MinHopRankIncrease == 0 ||
		p.Preference > 7 || p.PCS > 7 || p.LifetimeUnit == 0 || p.DefaultLifetime == 0 ||
		p.Trickle.Validate() != nil {
		return ErrConfig
	}
	e.inDODAG, e.grounded = true, true
	e.mop, e.version, e.pref = p.MOP, p.Version, p.Preference
	e.global = joinIID(p.Prefix, e.iid)
	e.dodagID = p.DODAGID
	if !e.dodagID.IsValid() {
		e.dodagID = e.global
	}
	if !e.dodagID.Is6() {
		return ErrConfig
	}
	e.conf = DODAGConfig{
		PCS:                  p.PCS,
		DIOIntervalDoublings: p.Trickle.Doublings,
		DIOIntervalMin:       p.Trickle.IminExp,
		DIORedundancy:        p.Trickle.Redundancy,
		MaxRankIncrease:      p.MaxRankIncrease,
		MinHopRankIncrease:   p.MinHopRankIncrease,
		OCP:                  p.OCP,
		DefaultLifetime:      p.DefaultLifetime,
		LifetimeUnit:         p.LifetimeUnit,
	}
	if p.AnnounceRPI9008 {
		e.conf.Flags |= ConfigFlagRPI9008
	}
	e.pio = PrefixInfo{
		Prefix:            p.Prefix.Masked(),
		Autonomous:        true,
		ValidLifetime:     0xFFFFFFFF,
		PreferredLifetime: 0xFFFFFFFF,
	}
	e.hasPIO = true
	e.setOF()
	e.rank = RootRank(p.MinHopRankIncrease)
	e.lowest = e.rank
	return nil
}

// setOF selects the objective function of the DODAG's configuration.
func (e *Engine) setOF() {
	mhri := e.conf.MinHopRankIncrease
	if e.conf.OCP == OCPMRHOF {
		e.mrhof = *NewMRHOF(mhri)
		e.of = &e.mrhof
	} else {
		e.of0 = *NewOF0(mhri)
		e.of = &e.of0
	}
}

// joinIID returns the address of prefix with the interface identifier iid.
func joinIID(p netip.Prefix, iid [8]byte) netip.Addr {
	a := p.Masked().Addr().As16()
	copy(a[8:], iid[:])
	return netip.AddrFrom16(a)
}

// LinkLocalOf returns fe80::IID for the IID of a: meshgw assumes, as
// Contiki-NG and RIOT do, that a node's link-local and global addresses
// share the IID derived from its EUI-64.
func LinkLocalOf(a netip.Addr) netip.Addr {
	b := a.As16()
	ll := [16]byte{0: 0xfe, 1: 0x80}
	copy(ll[8:], b[8:])
	return netip.AddrFrom16(ll)
}

// Start begins operation at now: a root starts sending DIOs, a router
// starts soliciting them.
func (e *Engine) Start(now time.Time) {
	e.checkAt = now.Add(e.cfg.ParentCheck)
	if e.root {
		e.trickle.Reset(now)
		return
	}
	e.disInterval = e.cfg.DISInterval
	e.disAt = now.Add(e.randUpTo(e.disInterval))
}

// randUpTo returns a random duration in [0, d].
func (e *Engine) randUpTo(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(e.rng.Int64N(int64(d) + 1))
}

// jitter returns d scaled by a random factor in [0.5, 1.5].
func (e *Engine) jitter(d time.Duration) time.Duration {
	return d/2 + e.randUpTo(d)
}

// Deadline returns when the engine next needs Poll; the zero time means
// never (nothing is scheduled).
func (e *Engine) Deadline() time.Time {
	var d time.Time
	early := func(t time.Time) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	early(e.trickle.Deadline())
	early(e.disAt)
	early(e.daoAt)
	early(e.extraDIOAt)
	for i := range e.pend {
		if e.pend[i].used {
			early(e.pend[i].at)
		}
	}
	early(e.refreshAt)
	early(e.checkAt)
	early(e.holdUntil)
	early(e.switchAt)
	early(e.aggAt)
	early(e.noPathAt)
	early(e.routes.nextExpiry)
	early(e.graph.nextExpiry)
	return d
}

// Poll runs the timers that are due at now.
func (e *Engine) Poll(now time.Time) {
	due := func(t time.Time) bool { return !t.IsZero() && !now.Before(t) }
	if due(e.holdUntil) {
		e.holdUntil = time.Time{}
		e.selectParent(now)
	}
	if due(e.switchAt) {
		e.switchAt = time.Time{}
		e.selectParent(now)
	}
	if due(e.checkAt) {
		e.checkAt = now.Add(e.cfg.ParentCheck)
		e.ageCandidates(now)
		e.selectParent(now)
	}
	if due(e.routes.nextExpiry) {
		e.expireRoutes(now)
	}
	if due(e.graph.nextExpiry) {
		e.counters.RoutesExpired += uint64(e.graph.expire(now))
	}
	if e.trickle.Poll(now) {
		e.queueDIO(AllRPLNodes)
	}
	if due(e.extraDIOAt) {
		e.extraDIOAt = time.Time{}
		if e.parent >= 0 {
			e.queueDIO(AllRPLNodes)
		}
	}
	if due(e.disAt) {
		e.disAt = time.Time{}
		if !e.root && e.parent < 0 {
			e.queueDIS(AllRPLNodes)
			e.disInterval = min(e.disInterval*2, e.cfg.DISMaxInterval)
			e.disAt = now.Add(e.jitter(e.disInterval))
		}
	}
	if due(e.aggAt) {
		e.flushUp(now)
	}
	if due(e.noPathAt) {
		e.sendNoPath(now)
	}
	e.pollPending(now)
	if due(e.daoAt) {
		e.daoAt = time.Time{}
		e.sendDAO(now)
	}
	if due(e.refreshAt) {
		e.refreshAt = time.Time{}
		e.sendDAO(now)
	}
}

// PopOutbound appends the next control message to send to buf and returns
// the extended buffer, its addressing, and ok = false when there is none.
// The message's checksum is zero; the node fills it in with SetChecksum.
func (e *Engine) PopOutbound(buf []byte) ([]byte, Outbound, bool) {
	if e.outHead >= e.outN {
		e.outHead, e.outN = 0, 0
		return buf, Outbound{}, false
	}
	m := &e.out[e.outHead]
	e.outHead++
	buf = append(buf, m.buf...)
	ob := m.Outbound
	if e.outHead == e.outN {
		e.outHead, e.outN = 0, 0
	}
	return buf, ob, true
}

// PendingOutbound returns the number of messages PopOutbound still holds.
func (e *Engine) PendingOutbound() int { return e.outN - e.outHead }

// queue reserves an outbox slot; the caller appends the message to its
// buf (reset to length 0).
func (e *Engine) queue(ob Outbound) *outMsg {
	if e.outN == len(e.out) {
		e.out = append(e.out, outMsg{buf: make([]byte, 0, 128)})
	}
	m := &e.out[e.outN]
	e.outN++
	m.Outbound = ob
	m.buf = m.buf[:0]
	return m
}

// unqueue drops the slot queue returned last (encoding failed).
func (e *Engine) unqueue() { e.outN-- }

// GlobalAddr returns this node's global address, formed from the DODAG's
// prefix and the IID, once known.
func (e *Engine) GlobalAddr() (netip.Addr, bool) { return e.global, e.global.IsValid() }

// Prefix returns the DODAG's prefix (the PIO's, with the A flag), once
// known: the prefix of every global address in the DODAG, which the node
// uses as 6LoWPAN context 0.
func (e *Engine) Prefix() (netip.Prefix, bool) { return e.pio.Prefix, e.hasPIO }

// IsLocal reports whether a is one of this node's unicast addresses.
func (e *Engine) IsLocal(a netip.Addr) bool {
	return a == e.ll || (e.global.IsValid() && a == e.global)
}

// Counters returns the engine's counters.
func (e *Engine) Counters() Counters { return e.counters }

// Joined reports whether the node is part of a DODAG with a finite rank:
// the root always, a router once it has a preferred parent.
func (e *Engine) Joined() bool { return e.root || e.parent >= 0 }

// Parent returns the preferred parent's link-local address.
func (e *Engine) Parent() (netip.Addr, bool) {
	if e.parent < 0 {
		return netip.Addr{}, false
	}
	return e.nbrs[e.parent].addr, true
}

// Rank returns the node's rank (InfiniteRank when detached).
func (e *Engine) Rank() uint16 { return e.rank }

// State is a snapshot of the engine for reports.
type State struct {
	Root   bool
	Joined bool
	// Poisoned reports a router that lost all parents and advertises
	// INFINITE_RANK while it waits to rejoin.
	Poisoned bool
	Rank     uint16
	// DAGRank is floor(Rank / MinHopRankIncrease).
	DAGRank uint16
	// Parent is the preferred parent's link-local address.
	Parent netip.Addr
	// ParentSetSize counts candidates whose rank is below this node's.
	ParentSetSize int
	Instance      uint8
	DODAGID       netip.Addr
	Version       Lollipop
	DTSN          Lollipop
	MOP           MOP
	OCP           uint16
	// Global is the global address formed from the DODAG's prefix.
	Global netip.Addr
	// Routes counts downward routes: storing-mode routes, or at a
	// non-storing root the nodes registered in the DAO parent graph.
	Routes int
}

// State returns a snapshot of the engine.
func (e *Engine) State() State {
	s := State{
		Root:     e.root,
		Joined:   e.Joined(),
		Poisoned: e.poisoned,
		Rank:     e.rank,
		Instance: e.cfg.Instance,
		DODAGID:  e.dodagID,
		Version:  e.version,
		DTSN:     e.dtsn,
		MOP:      e.mop,
		OCP:      e.conf.OCP,
		Global:   e.global,
		Routes:   e.routes.n + e.graph.reg,
	}
	if e.inDODAG {
		s.DAGRank = DAGRank(e.rank, e.conf.MinHopRankIncrease)
		for i := range e.nbrs {
			n := &e.nbrs[i]
			if n.used && n.rank != InfiniteRank && DAGRank(n.rank, e.conf.MinHopRankIncrease) < s.DAGRank {
				s.ParentSetSize++
			}
		}
	}
	if e.parent >= 0 {
		s.Parent = e.nbrs[e.parent].addr
	}
	return s
}
