package scenario

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/node"
	"github.com/meshgw/meshgw/node/txpower"
	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
)

// Options describe a scenario. The zero value of a field takes the default
// named in its comment.
type Options struct {
	// Nodes is the number of nodes (default 50). A topology file sets it.
	Nodes int
	// Topology is "random" (default), "grid", "line" or a JSON file.
	Topology string
	// Neighbors is the mean neighbour count of a random topology (10).
	Neighbors float64
	// Spacing is the distance in metres between grid or line nodes (30).
	Spacing float64
	// Duration is the virtual time to run (10 min).
	Duration time.Duration
	// Seed selects the run (1); the same options and seed give the same run.
	Seed uint64
	// TxPowerDBm is every node's transmit power (0 dBm) without power
	// control; a random topology is sized for it.
	TxPowerDBm int8
	// TxPower selects power control: "" (none: TxPowerDBm), "fixed"
	// (the controller's fixed policy: the radio's maximum level) or
	// "adaptive" (the least level that keeps every needed link's margin).
	TxPower string
	// Channel is the 2.4 GHz channel (15).
	Channel uint8
	// Open turns link-layer and MLE security off (the interop profile).
	Open bool
	// NoMLE turns Mesh Link Establishment off: nodes accept secured frames
	// from any sender that has the key, as plain 802.15.4 does.
	NoMLE bool
	// NoRPL turns RPL off. With RPL, node 0 is the gateway: the DODAG
	// root.
	NoRPL bool
	// Mode is the RPL mode of operation: "non-storing" (default) or
	// "storing".
	Mode string
	// OF is the objective function: "mrhof" (default) or "of0".
	OF string
	// TrafficInterval makes every non-root node send a UDP packet up to
	// the root, and the root one down to each node, at this interval
	// with random offsets. Packets count once the mesh has converged.
	TrafficInterval time.Duration
	// Degrade lists links whose path loss rises during the run.
	Degrade []Degrade
	// BootSpread spreads the nodes' power-on uniformly over this time
	// (the root boots at 0), as after a site-wide power cut; zero boots
	// every node at once.
	BootSpread time.Duration
	// FailFraction of the non-root nodes stop at FailAt (--fail F@T).
	FailFraction float64
	FailAt       time.Duration
	// Attack adds an attacker: "replay" records frames during the first
	// half of the run and replays them, verbatim and with raised counters
	// and changed keys, during the second half.
	Attack string
	// BroadcastInterval makes every node broadcast a secured 60-byte frame
	// (a link-local multicast UDP datagram) at this interval, starting at a
	// random offset: the MAC-only load. Zero: none.
	BroadcastInterval time.Duration
	// Pcap, when set, receives a pcap of every frame on the medium.
	Pcap io.Writer
	// ZEP, when set, is a UDP address that receives every frame as ZEP v2.
	ZEP string
	// Progress, when set, receives a line of progress every ProgressEvery
	// of virtual time (default Duration/10).
	Progress      io.Writer
	ProgressEvery time.Duration
}

// BroadcastFrameBytes is the PSDU length (FCS included) of the frames
// --broadcast-interval sends.
const BroadcastFrameBytes = 60

// broadcastPort is the UDP port of the broadcast load (0xF0B0: its 4-bit
// NHC form keeps the frame small).
const broadcastPort = 0xF0B0

func (o *Options) defaults() error {
	if o.Topology == "" {
		o.Topology = "random"
	}
	if o.Nodes == 0 {
		o.Nodes = 50
	}
	if o.Nodes < 0 {
		return fmt.Errorf("scenario: nodes %d is negative", o.Nodes)
	}
	if o.Neighbors == 0 {
		o.Neighbors = 10
	}
	if o.Spacing == 0 {
		o.Spacing = 30
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Minute
	}
	if o.Duration < 0 {
		return fmt.Errorf("scenario: duration %v is negative", o.Duration)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Channel == 0 {
		o.Channel = 15
	}
	if o.Mode == "" {
		o.Mode = "non-storing"
	}
	if o.OF == "" {
		o.OF = "mrhof"
	}
	if o.BootSpread < 0 {
		return fmt.Errorf("scenario: boot spread %v is negative", o.BootSpread)
	}
	if o.TrafficInterval < 0 {
		return fmt.Errorf("scenario: traffic interval %v is negative", o.TrafficInterval)
	}
	if o.FailFraction < 0 || o.FailFraction > 1 || (o.FailFraction > 0 && (o.FailAt <= 0 || o.FailAt >= o.Duration)) {
		return fmt.Errorf("scenario: failure %v@%v is not a fraction in (0, 1] at a time within the run", o.FailFraction, o.FailAt)
	}
	if o.TxPower != "" {
		if _, err := txpower.ParsePolicy(o.TxPower); err != nil {
			return fmt.Errorf("scenario: --txpower %q is not fixed or adaptive", o.TxPower)
		}
	}
	if o.Attack != "" && o.Attack != "replay" {
		return fmt.Errorf("scenario: unknown attack %q (known: replay)", o.Attack)
	}
	if o.BroadcastInterval < 0 {
		return fmt.Errorf("scenario: broadcast interval %v is negative", o.BroadcastInterval)
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = max(o.Duration/10, time.Second)
	}
	return nil
}

// topology builds the scenario's topology.
func (o *Options) topology(prop sim.Propagation) (sim.Topology, error) {
	switch o.Topology {
	case "random":
		return sim.Random(o.Nodes, o.Neighbors, prop, float64(o.TxPowerDBm), o.Seed), nil
	case "line":
		return sim.Line(o.Nodes, o.Spacing), nil
	case "grid":
		rows := int(math.Sqrt(float64(o.Nodes)))
		for rows > 1 && o.Nodes%rows != 0 {
			rows--
		}
		return sim.Grid(rows, o.Nodes/rows, o.Spacing), nil
	default:
		if !strings.HasSuffix(o.Topology, ".json") {
			return sim.Topology{}, fmt.Errorf("scenario: topology %q is not grid, line, random or a .json file", o.Topology)
		}
		t, err := sim.LoadTopology(o.Topology)
		if err != nil {
			return t, err
		}
		o.Nodes = t.Len()
		return t, nil
	}
}

// Run runs the scenario and returns its report. It checks ctx between
// slices of virtual time.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	cfg := sim.DefaultConfig()
	cfg.Seed = o.Seed
	topo, err := o.topology(cfg.Propagation)
	if err != nil {
		return nil, err
	}
	m, err := sim.New(topo, cfg)
	if err != nil {
		return nil, err
	}
	r := &run{o: o, m: m, report: &Report{Nodes: m.Len(), Seed: o.Seed}, accepted: map[acceptKey]uint32{}}
	if o.Attack == "replay" {
		// The attacker is one more radio, at the centre of the mesh.
		topo.Positions = append(topo.Positions, centre(topo))
		if m, err = sim.New(topo, cfg); err != nil {
			return nil, err
		}
		r.m = m
	}
	if o.Pcap != nil {
		if err := m.CapturePcap(o.Pcap); err != nil {
			return nil, err
		}
	}
	if o.ZEP != "" {
		conn, err := net.Dial("udp", o.ZEP)
		if err != nil {
			return nil, fmt.Errorf("scenario: zep: %w", err)
		}
		defer conn.Close()
		m.StreamZEP(conn)
	}
	if err := r.build(); err != nil {
		return nil, err
	}
	for _, d := range o.Degrade {
		if d.A >= r.report.Nodes || d.B >= r.report.Nodes {
			return nil, fmt.Errorf("scenario: --degrade %d-%d: the mesh has nodes 0-%d", d.A, d.B, r.report.Nodes-1)
		}
		if err := m.DegradeLink(d.At, sim.NodeID(d.A), sim.NodeID(d.B), d.DB, true); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	if err := r.runFor(ctx); err != nil {
		return nil, err
	}
	r.report.WallS = time.Since(start).Seconds()
	r.finish()
	return r.report, nil
}

// run is one scenario in progress.
type run struct {
	o        Options
	m        *sim.Medium
	stations []*station
	report   *Report
	peakHeap uint64

	bsent, brecv uint64
	accepted     map[acceptKey]uint32
	attacker     *attacker

	traffic     *traffic
	conv        *convergence
	globals     []netip.Addr       // node i's global address
	byLinkLocal map[netip.Addr]int // node index by link-local address
	killed      []int
}

// station runs one node and its traffic on the medium.
type station struct {
	r        *run
	n        *node.Node
	next     time.Time // next broadcast; zero: none
	interval time.Duration
	bcast    []byte
	nextUp   time.Time // next upward traffic packet; zero: none
	root     bool
	index    int
	bootAt   time.Time // the node is off (deaf and silent) until then
	booted   bool
}

func (s *station) HandleRadio(now time.Time, ev *radio.Event) {
	if !s.booted && ev.Kind == radio.EventFrame {
		return // not powered on yet
	}
	s.n.HandleRadio(now, ev)
}

func (s *station) Poll(now time.Time) {
	if !s.booted {
		if now.Before(s.bootAt) {
			return
		}
		s.booted = true
	}
	if !s.next.IsZero() && !now.Before(s.next) {
		if s.n.HandlePacket(now, s.bcast) == nil {
			s.r.bsent++
		}
		s.next = s.next.Add(s.interval)
	}
	if t := s.r.traffic; t != nil {
		if s.root {
			t.rootPoll(now)
		} else if !s.nextUp.IsZero() && !now.Before(s.nextUp) {
			t.sendUp(now, s)
			s.nextUp = s.nextUp.Add(t.interval)
		}
	}
	s.n.Poll(now)
}

func (s *station) Deadline() time.Time {
	if !s.booted {
		return s.bootAt
	}
	d := earliest(s.n.Deadline(), s.next)
	if t := s.r.traffic; t != nil {
		if s.root {
			d = earliest(d, t.rootDeadline())
		} else {
			d = earliest(d, s.nextUp)
		}
	}
	return d
}

// earliest returns the earlier of two deadlines, zero meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// Deliver implements node.Host: it counts the traffic and the broadcast
// load.
func (s *station) Deliver(now time.Time, pkt []byte) {
	if t := s.r.traffic; t != nil && t.deliver(now, pkt) {
		return
	}
	if len(pkt) >= 48 && pkt[6] == 17 && binary.BigEndian.Uint16(pkt[42:44]) == broadcastPort {
		s.r.brecv++
	}
}

// nodeConfig is node i's configuration.
func (r *run) nodeConfig(i int, host node.Host) (node.Config, error) {
	c := node.Config{
		Ext:        wpan.ExtAddrFromUint64(0x00124b0000000000 + uint64(i) + 1),
		NoShort:    true,
		PAN:        0xface,
		Channel:    r.o.Channel,
		TxPowerDBm: r.o.TxPowerDBm,
		Host:       host,
	}
	k := sha256.Sum256(fmt.Appendf(nil, "meshgw simulation network key %d", r.o.Seed))
	switch {
	case r.o.Open:
		c.Security.Open = true
		if !r.o.NoMLE {
			c.MLE = &mle.Config{Unsecured: true, ReceiveSensitivity: sensitivityDBm}
		}
	case r.o.NoMLE:
		copy(c.Security.Key[:], k[:16])
	default:
		c.MLE = &mle.Config{ReceiveSensitivity: sensitivityDBm}
		copy(c.MLE.NetworkKey[:], k[:16])
	}
	if r.accepted != nil {
		c.AcceptHook = r.acceptHook(i)
	}
	if r.o.TxPower != "" {
		pol, _ := txpower.ParsePolicy(r.o.TxPower)
		c.TxPower = &node.PowerConfig{Policy: pol}
	}
	if !r.o.NoRPL {
		rc, err := r.rplConfig(i)
		if err != nil {
			return c, err
		}
		c.RPL = rc
	}
	return c, nil
}

// sensitivityDBm is the simulated radio's receive sensitivity.
const sensitivityDBm = -100

// acceptKey names one sender's counter space at one receiver.
type acceptKey struct {
	rx    int32
	layer node.Layer
	src   wpan.ExtAddr
	key   uint32
}

// acceptHook returns node rx's AcceptHook: a counter accepted at or below
// one accepted before from the same sender and key is a replay that got
// through.
func (r *run) acceptHook(rx int) func(node.Layer, wpan.ExtAddr, uint32, uint32) {
	return func(layer node.Layer, src wpan.ExtAddr, key, counter uint32) {
		k := acceptKey{int32(rx), layer, src, key}
		if last, ok := r.accepted[k]; ok && counter <= last {
			r.report.MLE.ReplayAccepted++
			return
		}
		r.accepted[k] = counter
	}
}

func (r *run) build() error {
	rng := newRand(r.o.Seed)
	payload, err := r.broadcastPayload()
	if err != nil {
		return err
	}
	nodes := r.m.Len()
	if r.o.Attack != "" {
		nodes--
	}
	r.report.Nodes = nodes
	r.stations = make([]*station, nodes)
	r.globals = make([]netip.Addr, nodes)
	r.byLinkLocal = make(map[netip.Addr]int, nodes)
	if !r.o.NoRPL && r.o.TrafficInterval > 0 {
		r.traffic = &traffic{r: r, interval: r.o.TrafficInterval, stopAt: sim.Time(r.o.Duration - drainTime)}
	}
	for i := range r.stations {
		s := &station{r: r, index: i, interval: r.o.BroadcastInterval, root: i == 0 && !r.o.NoRPL}
		cfg, err := r.nodeConfig(i, s)
		if err != nil {
			return err
		}
		n, err := node.New(cfg, r.m.Radio(sim.NodeID(i)))
		if err != nil {
			return err
		}
		if r.o.BootSpread > 0 && i != 0 {
			s.bootAt = sim.Epoch.Add(time.Duration(rng.Uint64() % uint64(r.o.BootSpread)))
		} else {
			s.bootAt = sim.Epoch
		}
		ll := n.LinkLocal()
		r.byLinkLocal[netip.AddrFrom16(ll)] = i
		g := meshPrefix.Addr().As16()
		copy(g[8:], ll[8:])
		r.globals[i] = netip.AddrFrom16(g)
		if t := r.traffic; t != nil && i != 0 {
			s.nextUp = sim.Epoch.Add(time.Duration(rng.Uint64() % uint64(t.interval)))
			heap.Push(&t.downSchedule, downEvent{at: sim.Epoch.Add(time.Duration(rng.Uint64() % uint64(t.interval))), node: i})
		}
		s.n = n
		if s.interval > 0 {
			s.bcast = node.AppendUDP(nil, n.LinkLocal(), allNodes, broadcastPort, broadcastPort, 255, payload)
			s.next = sim.Epoch.Add(time.Duration(rng.Uint64() % uint64(s.interval)))
		}
		if err := r.m.Attach(sim.NodeID(i), s); err != nil {
			return err
		}
		r.stations[i] = s
	}
	r.report.Broadcast.FrameBytes = BroadcastFrameBytes
	if !r.o.NoRPL {
		r.setupConvergence(rng)
	}
	if r.o.Attack == "replay" {
		return r.addAttacker(sim.NodeID(nodes))
	}
	return nil
}

var allNodes = [16]byte{0xff, 0x02, 15: 1}

// broadcastPayload finds the UDP payload length that makes the broadcast
// frame exactly BroadcastFrameBytes long, by encoding it on a probe node.
func (r *run) broadcastPayload() ([]byte, error) {
	var p probePort
	cfg, err := r.nodeConfig(0, nil)
	if err != nil {
		return nil, err
	}
	cfg.RPL, cfg.TxPower = nil, nil
	n, err := node.New(cfg, &p)
	if err != nil {
		return nil, err
	}
	size := 20
	for range 3 {
		pkt := node.AppendUDP(nil, n.LinkLocal(), allNodes, broadcastPort, broadcastPort, 255, make([]byte, size))
		if err := n.HandlePacket(sim.Epoch, pkt); err != nil {
			return nil, err
		}
		n.HandleRadio(sim.Epoch, &radio.Event{Kind: radio.EventTxDone, TxDone: radio.TxDone{Handle: p.handle, Status: radio.TxSent}})
		got := p.last + wpan.FCSLen
		if got == BroadcastFrameBytes {
			return make([]byte, size), nil
		}
		size += BroadcastFrameBytes - got
		if size < 0 {
			break
		}
	}
	return nil, errors.New("scenario: cannot size the broadcast frame")
}

type probePort struct {
	last   int
	handle uint32
}

func (p *probePort) Capabilities() radio.Capabilities { return radio.Capabilities{} }
func (p *probePort) Configure(radio.Config) error     { return nil }
func (p *probePort) Transmit(t radio.TxRequest) error {
	p.last, p.handle = len(t.PSDU), t.Handle
	return nil
}

// runFor runs the medium to the end, a progress slice at a time.
func (r *run) runFor(ctx context.Context) error {
	start := time.Now()
	for t := time.Duration(0); t < r.o.Duration; {
		t = min(t+r.o.ProgressEvery, r.o.Duration)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.m.RunUntil(t); err != nil {
			return err
		}
		r.sampleHeap()
		if r.o.Progress != nil {
			r.progress(t, time.Since(start))
		}
	}
	return nil
}

// progress prints one line a person can follow: time, frames, links,
// DODAG membership and traffic so far.
func (r *run) progress(t, wall time.Duration) {
	mt := r.m.Metrics()
	line := fmt.Sprintf("t=%-7v wall=%-7v frames=%-8d collisions=%-8d", t, wall.Round(time.Millisecond), mt.FramesTx+mt.AcksTx, mt.Collisions)
	if !r.o.NoMLE {
		links := 0
		for _, s := range r.stations {
			links += s.n.Links()
		}
		line += fmt.Sprintf(" links=%-6d", links/2)
	}
	if !r.o.NoRPL {
		joined := 0
		for _, s := range r.stations {
			if st, ok := s.n.RPLState(); ok && st.Joined {
				joined++
			}
		}
		routes := 0
		if st, ok := r.stations[0].n.RPLState(); ok {
			routes = st.Routes
		}
		line += fmt.Sprintf(" joined=%d/%d routes@root=%d", joined, len(r.stations), routes)
		if c := r.conv; c != nil && c.converged >= 0 {
			line += fmt.Sprintf(" converged@%v", c.converged)
		}
	}
	if tr := r.traffic; tr != nil {
		var su, du, sd, dd int
		for _, p := range tr.up {
			su++
			if p.delivered {
				du++
			}
		}
		for _, p := range tr.down {
			sd++
			if p.delivered {
				dd++
			}
		}
		line += fmt.Sprintf(" up=%d/%d down=%d/%d", du, su, dd, sd)
	}
	if r.o.BroadcastInterval > 0 {
		line += fmt.Sprintf(" broadcasts=%d accepted=%d", r.bsent, r.brecv)
	}
	fmt.Fprintln(r.o.Progress, line)
}

func (r *run) sampleHeap() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.peakHeap = max(r.peakHeap, ms.HeapAlloc)
}

// finish fills the report from the medium and the nodes.
func (r *run) finish() {
	mt := r.m.Metrics()
	rep := r.report
	rep.VirtualS = r.o.Duration.Seconds()
	rep.Events = mt.Events
	rep.Frames = Frames{Tx: mt.FramesTx + mt.AcksTx, Rx: mt.FramesRx, Acked: mt.Acked, Collisions: mt.Collisions}
	rep.Frames.DroppedBy = map[string]uint64{}
	for reason, d := range mt.Drops {
		if d == 0 {
			continue
		}
		name := sim.DropReason(reason).String()
		rep.Frames.DroppedBy[name] = d
		if sim.DropReason(reason) != sim.DropFiltered {
			rep.Frames.Dropped += d
		}
	}
	rep.Broadcast.Sent, rep.Broadcast.Received = r.bsent, r.brecv
	var energy, dbmAir, air float64
	for i := range r.m.Len() {
		nm := r.m.NodeMetrics(sim.NodeID(i))
		energy += nm.TxEnergyJ
		dbmAir += nm.MeanTxDBm * nm.Airtime.Seconds()
		air += nm.Airtime.Seconds()
	}
	var links int
	rep.NodeDrops = map[string]uint64{}
	for _, st := range r.stations {
		links += st.n.Links()
		s := st.n.Stats()
		for reason, d := range s.Drops {
			if d > 0 && node.DropReason(reason) != node.DropRPL {
				rep.NodeDrops[node.DropReason(reason).String()] += d
			}
		}
		for reason, d := range s.RPLDrops {
			if d > 0 {
				rep.NodeDrops["rpl_"+rpl.DropReason(reason).String()] += d
			}
		}
		rep.MLE.ReplayRejected += s.MLE.ReplayRejected() + s.Drops[node.DropReplay]
	}
	rep.MLE.Links = uint64(links / 2)
	if a := r.attacker; a != nil {
		rep.Attack = &Attack{Recorded: a.recorded, Replayed: a.sent}
	}
	r.fillRPL()
	rep.Power.TxEnergyMJ = energy * 1000
	if air > 0 {
		rep.Power.MeanTxDBm = dbmAir / air
	}
	rep.PeakHeapMiB = float64(r.peakHeap) / (1 << 20)
}

// newRand returns the scenario's own generator, separate from the medium's
// so that traffic offsets do not shift the medium's random draws.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6d65736867772d73)) }
