package scenario

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meshgw/meshgw/node"
	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/sim"
)

// dodagDefaults are the root's DODAG parameters before the mode and the
// objective function are chosen.
var dodagDefaults = rpl.DefaultDODAGParams(meshPrefix)

// controlBound returns the steady-state control rate per node-hour that
// p implies at most for a node that sends daos DAOs per route refresh: a
// DIO per Trickle Imax, and the refresh's DAOs every half route lifetime
// (the earliest refresh).
func controlBound(p rpl.DODAGParams, daos int) float64 {
	b := time.Hour.Seconds() / p.Trickle.Imax().Seconds()
	if life := time.Duration(p.DefaultLifetime) * time.Duration(p.LifetimeUnit) * time.Second; life > 0 {
		b += float64(daos) * 2 * time.Hour.Seconds() / life.Seconds()
	}
	return b
}

// trafficPort is the UDP port of the end-to-end traffic.
const trafficPort = 5684

// meshPrefix is the prefix the root advertises.
var meshPrefix = netip.MustParsePrefix("2001:db8:6c6f:7770::/64")

// drainTime is how long before the end of the run traffic stops, so that
// the last packets can arrive.
const drainTime = 10 * time.Second

// tailWindow is the window of the tail PDR (the last 10 minutes).
const tailWindow = 10 * time.Minute

// ParseFail parses "FRACTION@TIME", e.g. "0.2@900s".
func ParseFail(s string) (fraction float64, at time.Duration, err error) {
	f, t, ok := strings.Cut(s, "@")
	if !ok {
		return 0, 0, fmt.Errorf("scenario: --fail %q is not FRACTION@TIME", s)
	}
	fraction, err = strconv.ParseFloat(f, 64)
	if err != nil || fraction <= 0 || fraction > 1 {
		return 0, 0, fmt.Errorf("scenario: --fail fraction %q is not in (0, 1]", f)
	}
	at, err = time.ParseDuration(t)
	if err != nil || at <= 0 {
		return 0, 0, fmt.Errorf("scenario: --fail time %q is not a positive duration", t)
	}
	return fraction, at, nil
}

// Degrade is a link whose path loss rises by DB (both directions) at At.
type Degrade struct {
	A, B int
	DB   float64
	At   time.Duration
}

// ParseDegrade parses "A-B+DB@TIME", e.g. "3-7+12@600s".
func ParseDegrade(s string) (Degrade, error) {
	var d Degrade
	link, at, ok := strings.Cut(s, "@")
	if !ok {
		return d, fmt.Errorf("scenario: --degrade %q is not A-B+DB@TIME", s)
	}
	ab, db, ok := strings.Cut(link, "+")
	if !ok {
		return d, fmt.Errorf("scenario: --degrade %q lacks +DB", s)
	}
	a, b, ok := strings.Cut(ab, "-")
	if !ok {
		return d, fmt.Errorf("scenario: --degrade %q lacks the link A-B", s)
	}
	var err error
	if d.A, err = strconv.Atoi(a); err != nil || d.A < 0 {
		return d, fmt.Errorf("scenario: --degrade node %q is not a node number", a)
	}
	if d.B, err = strconv.Atoi(b); err != nil || d.B < 0 || d.B == d.A {
		return d, fmt.Errorf("scenario: --degrade node %q is not another node number", b)
	}
	if d.DB, err = strconv.ParseFloat(db, 64); err != nil || d.DB <= 0 {
		return d, fmt.Errorf("scenario: --degrade loss %q is not a positive number of dB", db)
	}
	if d.At, err = time.ParseDuration(at); err != nil || d.At <= 0 {
		return d, fmt.Errorf("scenario: --degrade time %q is not a positive duration", at)
	}
	return d, nil
}

// rplConfig returns node i's RPL configuration.
func (r *run) rplConfig(i int) (*rpl.Config, error) {
	// Route tables hold the whole mesh: the root's in non-storing mode,
	// and the routers' near the root in storing mode (the tables grow
	// only with the routes learnt).
	c := &rpl.Config{MaxRoutes: max(r.o.Nodes, 1024)}
	if i != 0 {
		return c, nil
	}
	c.Root = true
	c.DODAG = dodagDefaults
	switch r.o.Mode {
	case "storing":
		c.DODAG.MOP = rpl.MOPStoring
	case "non-storing":
		c.DODAG.MOP = rpl.MOPNonStoring
	default:
		return nil, fmt.Errorf("scenario: mode %q is not storing or non-storing", r.o.Mode)
	}
	switch r.o.OF {
	case "of0":
		c.DODAG.OCP = rpl.OCPOF0
	case "mrhof":
		c.DODAG.OCP = rpl.OCPMRHOF
	default:
		return nil, fmt.Errorf("scenario: objective function %q is not of0 or mrhof", r.o.OF)
	}
	return c, nil
}

// sample is one delivered packet's latency, kept for percentiles.
type sample struct {
	sent    time.Time
	latency time.Duration
}

// traffic is the end-to-end traffic generator and its bookkeeping. Every
// non-root node sends, and the root sends to every node, but only packets
// of nodes that can reach the root over usable links (see convergence)
// count: a node out of radio range of the mesh cannot deliver anything.
type traffic struct {
	r        *run
	interval time.Duration
	counting bool // after convergence: packets sent now count
	stopAt   time.Time

	// ids: one per packet sent while counting; delivered marks arrivals.
	up, down     []packetRec
	latencies    []sample
	payload      [16]byte
	pkt          []byte
	downSchedule schedule
}

type packetRec struct {
	sent      time.Time
	delivered bool
}

// schedule is a min-heap of (time, node) for the root's downward packets.
type schedule []downEvent

type downEvent struct {
	at   time.Time
	node int
}

func (s schedule) Len() int           { return len(s) }
func (s schedule) Less(i, j int) bool { return s[i].at.Before(s[j].at) }
func (s schedule) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s *schedule) Push(x any)        { *s = append(*s, x.(downEvent)) }
func (s *schedule) Pop() any {
	old := *s
	e := old[len(old)-1]
	*s = old[:len(old)-1]
	return e
}

// encode writes the traffic payload: direction (0 up, 1 down), packet id.
func (t *traffic) encode(down bool, id uint32) []byte {
	p := t.payload[:]
	clear(p)
	if down {
		p[0] = 1
	}
	binary.BigEndian.PutUint32(p[4:], id)
	return p
}

// sendUp sends node i's upward packet at now.
func (t *traffic) sendUp(now time.Time, s *station) {
	if !now.Before(t.stopAt) {
		return
	}
	src, ok := s.n.GlobalAddr()
	root, rok := t.r.stations[0].n.GlobalAddr()
	id := uint32(len(t.up))
	if t.counting && t.r.conv.reach[s.index] {
		t.up = append(t.up, packetRec{sent: now})
	} else {
		id = ^uint32(0) // warm-up: not counted
	}
	if !ok || !rok {
		return // not joined: the packet cannot even be addressed
	}
	t.pkt = node.AppendUDP(t.pkt[:0], src.As16(), root.As16(), trafficPort, trafficPort, 64, t.encode(false, id))
	_ = s.n.HandlePacket(now, t.pkt)
}

// sendDown sends the root's packet to node i at now.
func (t *traffic) sendDown(now time.Time, i int) {
	if !now.Before(t.stopAt) {
		return
	}
	root := t.r.stations[0].n
	src, ok := root.GlobalAddr()
	dst := t.r.globals[i]
	id := uint32(len(t.down))
	if t.counting && t.r.conv.reach[i] {
		t.down = append(t.down, packetRec{sent: now})
	} else {
		id = ^uint32(0)
	}
	if !ok {
		return
	}
	t.pkt = node.AppendUDP(t.pkt[:0], src.As16(), dst.As16(), trafficPort, trafficPort, 64, t.encode(true, id))
	_ = root.HandlePacket(now, t.pkt)
}

// deliver records a traffic packet delivered to a node's host.
func (t *traffic) deliver(now time.Time, pkt []byte) bool {
	if len(pkt) != 48+16 || pkt[6] != 17 || binary.BigEndian.Uint16(pkt[42:44]) != trafficPort {
		return false
	}
	p := pkt[48:]
	id := binary.BigEndian.Uint32(p[4:])
	recs := t.up
	if p[0] == 1 {
		recs = t.down
	}
	if id >= uint32(len(recs)) || recs[id].delivered {
		return true
	}
	recs[id].delivered = true
	t.latencies = append(t.latencies, sample{sent: recs[id].sent, latency: now.Sub(recs[id].sent)})
	return true
}

// rootPoll runs the root's downward schedule.
func (t *traffic) rootPoll(now time.Time) {
	for len(t.downSchedule) > 0 && !now.Before(t.downSchedule[0].at) {
		e := &t.downSchedule[0]
		t.sendDown(now, e.node)
		e.at = e.at.Add(t.interval)
		heap.Fix(&t.downSchedule, 0)
	}
}

func (t *traffic) rootDeadline() time.Time {
	if len(t.downSchedule) == 0 {
		return time.Time{}
	}
	return t.downSchedule[0].at
}

// fill writes the traffic section of the report.
func (t *traffic) fill(rep *Traffic, end time.Time) {
	count := func(recs []packetRec, from time.Time) (sent, delivered uint64) {
		for _, r := range recs {
			if r.sent.Before(from) {
				continue
			}
			sent++
			if r.delivered {
				delivered++
			}
		}
		return sent, delivered
	}
	rep.SentUp, rep.DeliveredUp = count(t.up, time.Time{})
	rep.SentDown, rep.DeliveredDown = count(t.down, time.Time{})
	rep.PDRUp = ratio(rep.DeliveredUp, rep.SentUp)
	rep.PDRDown = ratio(rep.DeliveredDown, rep.SentDown)
	tail := end.Add(-drainTime - tailWindow)
	su, du := count(t.up, tail)
	sd, dd := count(t.down, tail)
	rep.PDRUpLast10m, rep.PDRDownLast10m = ratio(du, su), ratio(dd, sd)
	lat := make([]time.Duration, len(t.latencies))
	for i, s := range t.latencies {
		lat[i] = s.latency
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		rep.LatencyP50ms = ms(lat[len(lat)/2])
		rep.LatencyP99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	}
}

func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// convergence tracks converged_at_s and reconverged_at_s.
type convergence struct {
	r         *run
	reach     []bool // nodes that can reach the root over usable links
	alive     []bool
	converged time.Duration // -1 until converged
	failedAt  time.Duration // 0: no failure
	reconv    time.Duration // -1 until reconverged after the failure
	// control counts DIO+DIS+DAO sent by all nodes at convergence, for
	// the control rate after convergence.
	controlAtConv uint64
	// steadyAt is when the steady-state window begins (half-way from
	// convergence or reconvergence to the end, and at least Imax after
	// it), steadyControl what the reachable nodes had sent by then and
	// steadyNodes how many there were.
	steadyAt      time.Duration
	steadyControl uint64
	steadyNodes   int
	steadyGen     int // bumped by every new window and by a failure
	// upOK[i] == gen marks the nodes whose parent chain reached the root
	// in the current done pass.
	upOK []uint32
	gen  uint32
}

// steadyWindow is the shortest steady-state window the report computes a
// control rate over.
const steadyWindow = 30 * time.Minute

// markSteady schedules the start of the steady-state window after
// (re)convergence at t: the first half of the rest of the run, and at
// least Imax, is warm-up (Trickle doubling its interval after the last
// resets, parents and routes settling).
func (c *convergence) markSteady(t time.Duration) {
	c.steadyGen++
	gen := c.steadyGen
	c.steadyAt = max(t+dodagDefaults.Trickle.Imax(), t+(c.r.o.Duration-t)/2)
	c.steadyNodes = 0
	if c.r.o.Duration-c.steadyAt < steadyWindow {
		return
	}
	c.r.m.At(c.steadyAt, func(time.Time) {
		if gen != c.steadyGen {
			return // a failure came first
		}
		c.steadyControl = c.r.controlSent(c.reach)
		c.steadyNodes = 0
		for _, ok := range c.reach {
			if ok {
				c.steadyNodes++
			}
		}
	})
}

// usableLossDB is the largest path loss of a link MLE accepts at 0 dBm:
// sensitivity plus its minimum link margin (3 dB).
const usableLossDB = -sensitivityDBm - 3

// reachable recomputes which alive nodes can reach the root.
func (c *convergence) reachable() {
	n := len(c.r.stations)
	c.reach = make([]bool, n)
	if !c.alive[0] {
		return
	}
	c.reach[0] = true
	queue := []int{0}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		for _, b := range c.r.m.Neighbors(sim.NodeID(a)) {
			j := int(b)
			if j >= n || c.reach[j] || !c.alive[j] {
				continue
			}
			loss := c.r.m.PathLoss(sim.NodeID(a), b) - float64(c.r.o.TxPowerDBm)
			back := c.r.m.PathLoss(b, sim.NodeID(a)) - float64(c.r.o.TxPowerDBm)
			if loss <= usableLossDB && back <= usableLossDB {
				c.reach[j] = true
				queue = append(queue, j)
			}
		}
	}
}

// done reports whether every reachable alive node has a chain of live
// preferred parents up to the root and the root can route to it.
func (c *convergence) done() bool {
	root := c.r.stations[0].n
	n := len(c.r.stations)
	if len(c.upOK) != n {
		c.upOK = make([]uint32, n)
	}
	c.gen++
	c.upOK[0] = c.gen
	for i := range c.r.stations {
		if i == 0 || !c.reach[i] {
			continue
		}
		if !c.chainUp(i) || !root.CanRoute(c.r.globals[i]) {
			return false
		}
	}
	return true
}

// chainUp reports whether node i's preferred parents lead through live
// nodes to the root, remembering the nodes found so in this pass.
func (c *convergence) chainUp(i int) bool {
	for hops := 0; hops < len(c.r.stations); hops++ {
		if c.upOK[i] == c.gen {
			return true
		}
		st, ok := c.r.stations[i].n.RPLState()
		if !ok || !st.Joined || !st.Parent.IsValid() {
			return false
		}
		p, ok := c.r.byLinkLocal[st.Parent]
		if !ok || !c.alive[p] {
			return false
		}
		i = p
	}
	return false // a loop
}

// check runs every second of virtual time until (re)converged.
func (c *convergence) check(now time.Time) {
	t := now.Sub(sim.Epoch)
	switch {
	case c.converged < 0:
		if c.done() {
			c.converged = t
			if c.r.traffic != nil {
				c.r.traffic.counting = true
			}
			c.controlAtConv = c.r.controlSent(nil)
			c.markSteady(t)
		}
	case c.failedAt > 0 && t > c.failedAt && c.reconv < 0:
		if c.done() {
			c.reconv = t
			c.markSteady(t)
		}
	}
	if c.converged < 0 || (c.failedAt > 0 && c.reconv < 0) {
		c.r.m.At(t+time.Second, c.check)
	}
}

// fail marks the killed nodes dead (the medium stops them at the same
// instant) and recomputes who can still reach the root.
func (c *convergence) fail(time.Time) {
	for _, k := range c.r.killed {
		c.alive[k] = false
	}
	c.steadyGen++ // the window restarts after reconvergence
	c.steadyNodes = 0
	c.reachable()
	if c.converged >= 0 {
		// The check loop ended at convergence; run it again.
		c.r.m.At(c.failedAt+time.Second, c.check)
	}
}
