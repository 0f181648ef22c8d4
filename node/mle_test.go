package node

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
)

var netKey = [16]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}

// simSensitivity is the receive sensitivity of the simulated radio, the
// reference of the link margin.
const simSensitivity = -100

func mleTestConfig(i int) Config {
	c := testConfig(i, nil)
	c.Security = SecurityConfig{}
	c.MLE = &mle.Config{NetworkKey: netKey, ReceiveSensitivity: simSensitivity}
	return c
}

// recPort is the simulated radio with a record of every frame the node
// handed to it.
type recPort struct {
	*sim.Radio
	frames [][]byte
}

func (p *recPort) Transmit(r radio.TxRequest) error {
	p.frames = append(p.frames, bytes.Clone(r.PSDU))
	return p.Radio.Transmit(r)
}

type mesh struct {
	m     *sim.Medium
	nodes []*Node
	ports []*recPort
	hosts []*recorder
}

// newMesh attaches an MLE node to every node of topo; cfg may adjust each
// node's configuration.
func newMesh(t testing.TB, topo sim.Topology, cfg func(i int, c *Config)) *mesh {
	t.Helper()
	m, err := sim.New(topo, sim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ms := &mesh{m: m}
	for i := range topo.Len() {
		c := mleTestConfig(i)
		h := new(recorder)
		c.Host = h
		if cfg != nil {
			cfg(i, &c)
		}
		p := &recPort{Radio: m.Radio(sim.NodeID(i))}
		n, err := New(c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Attach(sim.NodeID(i), n); err != nil {
			t.Fatal(err)
		}
		ms.nodes = append(ms.nodes, n)
		ms.ports = append(ms.ports, p)
		ms.hosts = append(ms.hosts, h)
	}
	return ms
}

func (ms *mesh) run(t testing.TB, d time.Duration) {
	t.Helper()
	if err := ms.m.RunUntil(d); err != nil {
		t.Fatal(err)
	}
}

func (ms *mesh) linked(a, b int) bool {
	_, ok := ms.nodes[a].Neighbor(ms.nodes[b].Ext())
	return ok
}

func TestMLELinkPair(t *testing.T) {
	ms := newMesh(t, sim.Line(2, 10), nil)
	ms.run(t, 10*time.Second)
	for i := range 2 {
		if !ms.linked(i, 1-i) {
			t.Fatalf("node %d has no link to node %d; stats %+v", i, 1-i, ms.nodes[i].Stats().MLE)
		}
	}
	// Secured data flows over the link.
	a, b := ms.nodes[0], ms.nodes[1]
	ms.m.At(11*time.Second, func(now time.Time) {
		if err := a.HandlePacket(now, AppendEchoRequest(nil, a.LinkLocal(), b.LinkLocal(), 1, 1, []byte("hi"))); err != nil {
			t.Error(err)
		}
	})
	ms.run(t, 13*time.Second)
	if len(ms.hosts[0].echoReplies()) != 1 {
		t.Fatalf("no echo reply; A %+v\nB %+v", a.Stats(), b.Stats())
	}
	li, _ := a.Neighbor(b.Ext())
	t.Logf("link A→B: %+v", li)
	t.Logf("A mle %+v", a.Stats().MLE)
}

// goodPairs returns the node pairs whose link margin is at least minDB in
// both directions at 0 dBm.
func goodPairs(m *sim.Medium, minDB float64) [][2]int {
	var out [][2]int
	for a := range m.Len() {
		for b := a + 1; b < m.Len(); b++ {
			la, lb := m.PathLoss(sim.NodeID(a), sim.NodeID(b)), m.PathLoss(sim.NodeID(b), sim.NodeID(a))
			if -la-simSensitivity >= minDB && -lb-simSensitivity >= minDB {
				out = append(out, [2]int{a, b})
			}
		}
	}
	return out
}

func (ms *mesh) missing(pairs [][2]int) (miss [][2]int) {
	for _, p := range pairs {
		if !ms.linked(p[0], p[1]) || !ms.linked(p[1], p[0]) {
			miss = append(miss, p)
		}
	}
	return miss
}

func (ms *mesh) totalLinks() (sum, minL, maxL int) {
	minL = 1 << 30
	for _, n := range ms.nodes {
		l := n.Links()
		sum += l
		minL, maxL = min(minL, l), max(maxL, l)
	}
	return sum, minL, maxL
}

func TestMLEMesh50EstablishesGoodLinks(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		ms := newMesh(t, sim.Random(50, 8, sim.DefaultPropagation(), 0, seed), nil)
		pairs := goodPairs(ms.m, 10)
		var at time.Duration
		for step := 10 * time.Second; step <= 5*time.Minute; step += 10 * time.Second {
			ms.run(t, step)
			if len(ms.missing(pairs)) == 0 {
				at = step
				break
			}
		}
		if miss := ms.missing(pairs); len(miss) != 0 {
			t.Fatalf("seed %d: %d of %d good pairs have no link after 5 min: %v", seed, len(miss), len(pairs), miss)
		}
		sum, lo, hi := ms.totalLinks()
		var st mle.Stats
		for _, n := range ms.nodes {
			s := n.Stats().MLE
			st.Advertisements += s.Advertisements
			st.LinkRequests += s.LinkRequests
			st.Retransmissions += s.Retransmissions
			for r, d := range s.Drops {
				st.Drops[r] += d
			}
		}
		t.Logf("seed %d: %d good pairs (margin >= 10 dB both ways) all linked by %v; %d links (per node %d..%d, mean %.1f); ads %d, requests %d, retransmissions %d, drops %v",
			seed, len(pairs), at, sum/2, lo, hi, float64(sum)/50, st.Advertisements, st.LinkRequests, st.Retransmissions, st.Drops)
		// Links are symmetric.
		for i, n := range ms.nodes {
			for _, li := range n.AppendNeighbors(nil) {
				j := ms.index(li.Ext)
				if !ms.linked(j, i) {
					t.Errorf("seed %d: %d links %d but not back", seed, i, j)
				}
			}
		}
	}
}

func (ms *mesh) index(ext wpan.ExtAddr) int {
	for i, n := range ms.nodes {
		if n.Ext() == ext {
			return i
		}
	}
	return -1
}

// counters returns the MAC frame counters of the secured frames and the
// MLE frame counters of the secured MLE messages among psdus.
func counters(t *testing.T, psdus [][]byte) (mac, mleFC []uint32) {
	t.Helper()
	dec, err := New(Config{Ext: wpan.ExtAddrFromUint64(0xdec), NoShort: true, Security: SecurityConfig{Open: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range psdus {
		var f wpan.Frame
		b := bytes.Clone(p)
		if err := f.Decode(b); err != nil {
			t.Fatal(err)
		}
		if f.Security {
			mac = append(mac, f.Aux.FrameCounter)
			continue
		}
		pkt, err := dec.lp.Input(sim.Epoch, nil, f.Src, f.Dst, f.Payload)
		if err != nil || pkt == nil || !isMLE(pkt) {
			t.Fatalf("unsecured frame that is not MLE: % x", p)
		}
		var h mle.Header
		if err := h.Decode(pkt[ipv6HeaderLen+8:]); err != nil || h.Suite != mle.Suite154 {
			t.Fatalf("MLE message not secured: %v", err)
		}
		mleFC = append(mleFC, h.Aux.FrameCounter)
	}
	return mac, mleFC
}

func TestRestartNeverReusesCountersAndRelinks(t *testing.T) {
	const me = 4 // the centre of a 3×3 grid
	macStore, mleStore := new(wpan.MemCounterStore), new(wpan.MemCounterStore)
	stores := func(c *Config) {
		c.FrameCounters, c.MLECounters, c.CounterReserve = macStore, mleStore, 32
	}
	ms := newMesh(t, sim.Grid(3, 3, 15), func(i int, c *Config) {
		if i == me {
			stores(c)
		}
	})
	ping := func(nd *Node, from, to time.Duration) {
		for at := from; at < to; at += 2 * time.Second {
			ms.m.At(at, func(now time.Time) {
				for k, li := range nd.AppendNeighbors(nil) {
					_ = nd.HandlePacket(now, AppendEchoRequest(nil, nd.LinkLocal(), linkLocal(li.Ext.IID()), 1, uint16(k), []byte("x")))
				}
			})
		}
	}
	old := ms.nodes[me]
	ping(old, 15*time.Second, 60*time.Second)
	ms.run(t, 59*time.Second)
	neighbours := old.AppendNeighbors(nil)
	if len(neighbours) < 4 {
		t.Fatalf("centre has %d links before the crash", len(neighbours))
	}
	// Crash at 60 s: no shutdown, nothing saved beyond what the stores
	// already hold. Restart at 61 s with a new node on the same stores.
	if err := ms.m.StopNode(60*time.Second, me); err != nil {
		t.Fatal(err)
	}
	c := mleTestConfig(me)
	stores(&c)
	host := new(recorder)
	c.Host = host
	port := &recPort{Radio: ms.m.Radio(me)}
	fresh, err := New(c, port)
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.m.StartNode(61*time.Second, me, fresh); err != nil {
		t.Fatal(err)
	}
	ping(fresh, 70*time.Second, 120*time.Second)
	ms.run(t, 125*time.Second)

	macBefore, mleBefore := counters(t, ms.ports[me].frames)
	macAfter, mleAfter := counters(t, port.frames)
	if len(macBefore) == 0 || len(mleBefore) == 0 || len(macAfter) == 0 || len(mleAfter) == 0 {
		t.Fatalf("too few frames: MAC %d/%d, MLE %d/%d", len(macBefore), len(macAfter), len(mleBefore), len(mleAfter))
	}
	maxMAC, maxMLE := slices.Max(macBefore), slices.Max(mleBefore)
	if m := slices.Min(macAfter); m <= maxMAC {
		t.Fatalf("MAC counter %d after the restart, not above %d", m, maxMAC)
	}
	if m := slices.Min(mleAfter); m <= maxMLE {
		t.Fatalf("MLE counter %d after the restart, not above %d", m, maxMLE)
	}
	t.Logf("before the crash: %d secured frames (MAC counters up to %d), %d MLE messages (up to %d); after: %d frames from %d, %d MLE messages from %d",
		len(macBefore), maxMAC, len(mleBefore), maxMLE, len(macAfter), slices.Min(macAfter), len(mleAfter), slices.Min(mleAfter))
	// Every old neighbour has a link with the restarted node again and
	// answered its echo requests (its secured frames were accepted).
	for _, li := range neighbours {
		j := ms.index(li.Ext)
		back, ok := ms.nodes[j].Neighbor(fresh.Ext())
		if _, mine := fresh.Neighbor(li.Ext); !ok || !mine {
			t.Fatalf("no link between the restarted node and %d (theirs %v, ours %v)", j, ok, mine)
		}
		if !back.LastHeard.After(sim.Time(61 * time.Second)) {
			t.Fatalf("node %d has not heard the restarted node: %+v", j, back)
		}
	}
	replies := map[[16]byte]bool{}
	for _, r := range host.echoReplies() {
		replies[r.Src] = true
	}
	if len(replies) < len(neighbours) {
		t.Fatalf("echo replies from %d of %d neighbours after the restart; stats %+v", len(replies), len(neighbours), fresh.Stats())
	}
}

// connected reports whether the link graph of the mesh is connected.
func (ms *mesh) connected() bool {
	seen := map[int]bool{0: true}
	todo := []int{0}
	for len(todo) > 0 {
		i := todo[0]
		todo = todo[1:]
		for _, li := range ms.nodes[i].AppendNeighbors(nil) {
			if j := ms.index(li.Ext); !seen[j] {
				seen[j] = true
				todo = append(todo, j)
			}
		}
	}
	return len(seen) == len(ms.nodes)
}

func TestChannelMove50(t *testing.T) {
	const (
		from, to = 15, 20
		missing  = 3 // off the air while the move happens
	)
	// A random topology may fall apart into islands that no Update can
	// cross; take the first seed whose links connect every node.
	var ms *mesh
	var seed uint64
	for seed = 1; seed <= 20; seed++ {
		ms = newMesh(t, sim.Random(50, 8, sim.DefaultPropagation(), 0, seed), nil)
		ms.run(t, 170*time.Second)
		if ms.connected() {
			break
		}
	}
	if !ms.connected() {
		t.Fatal("no connected mesh among 20 seeds")
	}
	pairs := goodPairs(ms.m, 10)
	before := make([][]mle.LinkInfo, len(ms.nodes))
	for i, n := range ms.nodes {
		before[i] = n.AppendNeighbors(nil)
	}
	if err := ms.m.StopNode(170*time.Second, missing); err != nil {
		t.Fatal(err)
	}
	if err := ms.m.StartNode(240*time.Second, missing, nil); err != nil {
		t.Fatal(err)
	}
	switchAt := 180*time.Second + 30*time.Second
	ms.m.At(180*time.Second, func(now time.Time) {
		if err := ms.nodes[0].MoveChannel(now, to, 30*time.Second); err != nil {
			t.Error(err)
		}
	})
	// When did each node reach the new channel with a link there?
	arrived := make([]time.Duration, len(ms.nodes))
	for at := switchAt; at <= 15*time.Minute; at += 5 * time.Second {
		ms.run(t, at)
		for i, n := range ms.nodes {
			if arrived[i] == 0 && n.Channel() == to && n.Links() > 0 {
				arrived[i] = at
			}
		}
	}
	moved, last, lastNode := 0, time.Duration(0), 0
	for i, at := range arrived {
		if at != 0 && at <= switchAt+5*time.Second {
			moved++
		}
		if at > last {
			last, lastNode = at, i
		}
	}
	var updates uint64
	for i, n := range ms.nodes {
		if n.Channel() != to || ms.m.Radio(sim.NodeID(i)).Config().Channel != to {
			t.Fatalf("node %d on channel %d (radio %d)", i, n.Channel(), ms.m.Radio(sim.NodeID(i)).Config().Channel)
		}
		updates += n.Stats().MLE.Updates
	}
	if miss := ms.missing(pairs); len(miss) != 0 {
		t.Fatalf("%d good pairs without a link on channel %d: %v", len(miss), to, miss)
	}
	relinked, total := 0, 0
	for i, bl := range before {
		for _, li := range bl {
			total++
			if now, ok := ms.nodes[i].Neighbor(li.Ext); ok && now.LastHeard.After(sim.Time(switchAt)) {
				relinked++
			}
		}
	}
	sum, _, _ := ms.totalLinks()
	var visits, scans uint64
	for _, n := range ms.nodes {
		visits += n.Stats().MLE.StragglerVisits
		scans += n.Stats().MLE.Scans
	}
	t.Logf("seed %d: %d of 50 nodes on channel %d with links within 5 s of the switch (%v); node %d (off the air during the move) arrived at %v, the last node (%d) at %v; %d Updates, %d straggler visits, %d orphan scans; %d of %d links from before heard again on the new channel; %d links now; all %d good pairs linked",
		seed, moved, to, switchAt, missing, arrived[missing], lastNode, last, updates, visits, scans, relinked, total, sum/2, len(pairs))
	if relinked < total*95/100 {
		t.Fatalf("only %d of %d links re-formed", relinked, total)
	}
}

func TestLinkQualityTracksDegradedLink(t *testing.T) {
	ms := newMesh(t, sim.Line(2, 10), nil)
	a, b := ms.nodes[0], ms.nodes[1]
	ms.run(t, 5*time.Minute)
	la, _ := a.Neighbor(b.Ext())
	lb, _ := b.Neighbor(a.Ext())
	if la.QualityIn != mle.LinkQuality3 || la.QualityOut != mle.LinkQuality3 {
		t.Fatalf("good link not at quality 3: %+v", la)
	}
	// Take 26 dB off the link both ways: the margin falls from about
	// 31 dB to about 5 dB (quality 1).
	const start = 5 * time.Minute
	if err := ms.m.DegradeLink(start, 0, 1, 26, true); err != nil {
		t.Fatal(err)
	}
	ads0 := a.Stats().MLE.Advertisements
	firstDrop, settled := -1, -1
	for at := start; at < start+15*time.Minute; at += time.Second {
		ms.run(t, at)
		li, _ := b.Neighbor(a.Ext())
		n := int(a.Stats().MLE.Advertisements - ads0)
		if firstDrop < 0 && li.QualityIn < mle.LinkQuality3 {
			firstDrop = n
		}
		back, _ := a.Neighbor(b.Ext())
		if li.QualityIn == mle.LinkQuality1 && back.QualityOut == mle.LinkQuality1 {
			settled = n
			lb = li
			break
		}
	}
	t.Logf("before: margin %d dB; after a 26 dB loss: quality below 3 after %d advertisements, quality 1 in both directions after %d (margin %d dB, RSS %d dBm)",
		la.MarginIn, firstDrop, settled, lb.MarginIn, lb.RSSAvg)
	if firstDrop < 0 || firstDrop > 6 || settled < 0 || settled > 16 {
		t.Fatalf("link quality did not follow the degraded link: first change after %d, settled after %d advertisements", firstDrop, settled)
	}
}
