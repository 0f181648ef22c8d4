package sim_test

import (
	"errors"
	"testing"
	"time"

	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/sim"
)

func mustNew(t testing.TB, topo sim.Topology, cfg sim.Config) *sim.Medium {
	t.Helper()
	m, err := sim.New(topo, cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	return m
}

func attach(t testing.TB, m *sim.Medium, s *station) *station {
	t.Helper()
	if err := m.Attach(s.id, s); err != nil {
		t.Fatalf("Attach(%d): %v", s.id, err)
	}
	return s
}

func run(t testing.TB, m *sim.Medium, until time.Duration) {
	t.Helper()
	if err := m.RunUntil(until); err != nil {
		t.Fatalf("RunUntil(%v): %v", until, err)
	}
}

// TestReceptionFallsWithDistance places receivers at rising distance from
// one sender; the fraction of frames each receives must not rise with
// distance, and must go from all to none through intermediate values.
func TestReceptionFallsWithDistance(t *testing.T) {
	cfg := quietConfig()
	cfg.Propagation.NoiseFloorDBm = -97 // SNR at the sensitivity level: −3 dB
	p := cfg.Propagation
	rxDBm := []float64{-85, -96, -98, -99, -99.6, -101}
	topo := sim.Topology{Positions: []sim.Position{{}}}
	for _, dBm := range rxDBm {
		topo.Positions = append(topo.Positions, sim.Position{X: distanceFor(p, dBm)})
	}
	m := mustNew(t, topo, cfg)
	const frames = 400
	tx := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 10*time.Millisecond))
	tx.count = frames
	var rxs []*station
	for i := range rxDBm {
		rxs = append(rxs, attach(t, m, newStation(m, sim.NodeID(i+1), 11)))
	}
	run(t, m, 5*time.Second)
	if tx.sent != frames || tx.done[radio.TxSent] != frames {
		t.Fatalf("sender sent %d frames, %d TxSent; want %d", tx.sent, tx.done[radio.TxSent], frames)
	}
	prev := frames + 1
	graded := 0
	for i, r := range rxs {
		t.Logf("%.1f m (%.1f dBm): %d/%d", topo.Positions[i+1].X, rxDBm[i], r.rxCount, frames)
		if r.rxCount > prev {
			t.Errorf("receiver at %.1f m got %d frames, more than the nearer one (%d)", topo.Positions[i+1].X, r.rxCount, prev)
		}
		if r.rxCount > 0 && r.rxCount < frames*95/100 {
			graded++
		}
		prev = r.rxCount
	}
	if rxs[0].rxCount < frames*99/100 {
		t.Errorf("nearest receiver got %d/%d", rxs[0].rxCount, frames)
	}
	if last := rxs[len(rxs)-1]; last.rxCount != 0 {
		t.Errorf("receiver below sensitivity got %d frames, want 0", last.rxCount)
	}
	if graded < 2 {
		t.Errorf("only %d receivers between 0 and 95 %%; want a graded fall", graded)
	}
}

// TestReceptionRisesWithTxPower sends from one node at rising power levels
// to a receiver at the edge of its range.
func TestReceptionRisesWithTxPower(t *testing.T) {
	cfg := quietConfig()
	cfg.Propagation.NoiseFloorDBm = -97
	d := distanceFor(cfg.Propagation, -101) // out of range at 0 dBm
	levels := []int8{-4, 0, 2, 3, 4, 8}
	counts := make([]int, len(levels))
	var energy []float64
	for i, lvl := range levels {
		m := mustNew(t, sim.Line(2, d), cfg)
		tx := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 10*time.Millisecond))
		tx.count = 300
		tx.power = &lvl
		rx := attach(t, m, newStation(m, 1, 11))
		run(t, m, 4*time.Second)
		counts[i] = rx.rxCount
		nm := m.NodeMetrics(0)
		if nm.MeanTxDBm != float64(lvl) {
			t.Errorf("at %d dBm: MeanTxDBm = %v", lvl, nm.MeanTxDBm)
		}
		energy = append(energy, nm.TxEnergyJ)
		t.Logf("%+d dBm: %d/300 received, %.3g J", lvl, rx.rxCount, nm.TxEnergyJ)
	}
	for i := 1; i < len(levels); i++ {
		if counts[i] < counts[i-1] {
			t.Errorf("%d dBm received %d < %d at %d dBm", levels[i], counts[i], counts[i-1], levels[i-1])
		}
		if energy[i] <= energy[i-1] {
			t.Errorf("%d dBm used %g J, not more than %g J at %d dBm", levels[i], energy[i], energy[i-1], levels[i-1])
		}
	}
	if counts[0] != 0 || counts[len(counts)-1] != 300 {
		t.Errorf("counts %v: want 0 at %d dBm and 300 at %d dBm", counts, levels[0], levels[len(levels)-1])
	}
}

// TestHiddenTerminals: nodes 0 and 2 cannot hear each other but node 1
// between them hears both; frames sent at once collide at node 1.
func TestHiddenTerminals(t *testing.T) {
	for _, csma := range []bool{false, true} {
		cfg := quietConfig()
		spacing := distanceFor(cfg.Propagation, -97)
		m := mustNew(t, sim.Line(3, spacing), cfg)
		a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 20*time.Millisecond))
		b := attach(t, m, newStation(m, 1, 11))
		c := attach(t, m, newStation(m, 2, 11).every(time.Millisecond, 20*time.Millisecond))
		a.csma, c.csma = csma, csma
		a.count, c.count = 200, 200
		run(t, m, 5*time.Second)
		mt := m.Metrics()
		t.Logf("csma=%v: middle got %d of %d, collisions %d", csma, b.rxCount, a.sent+c.sent, mt.Collisions)
		if a.rxCount != 0 || c.rxCount != 0 {
			t.Errorf("csma=%v: hidden nodes heard each other (%d, %d frames)", csma, a.rxCount, c.rxCount)
		}
		if mt.Collisions == 0 {
			t.Errorf("csma=%v: no collisions counted", csma)
		}
		if !csma && b.rxCount != 0 {
			t.Errorf("simultaneous frames: middle node received %d, want 0", b.rxCount)
		}
		if csma && b.rxCount >= 400*9/10 {
			t.Errorf("hidden terminals with CSMA: middle got %d of 400; CSMA cannot avoid these collisions", b.rxCount)
		}
	}
	// Control: one sender alone gets through.
	cfg := quietConfig()
	m := mustNew(t, sim.Line(3, distanceFor(cfg.Propagation, -97)), cfg)
	a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 20*time.Millisecond))
	a.count = 200
	b := attach(t, m, newStation(m, 1, 11))
	run(t, m, 5*time.Second)
	if b.rxCount < 195 {
		t.Errorf("single sender: middle got %d/200", b.rxCount)
	}
}

// tenSenders runs ten nodes in a 2×5 grid with the given spacing, each
// broadcasting 300 frames at 40 ms ± 10 ms, for 20 s, and returns the
// medium's metrics.
func tenSenders(t *testing.T, cfg sim.Config, spacing float64, csma bool) sim.Metrics {
	t.Helper()
	m := mustNew(t, sim.Grid(2, 5, spacing), cfg)
	for id := range sim.NodeID(10) {
		s := attach(t, m, newStation(m, id, 11).every(time.Duration(id)*time.Millisecond, 40*time.Millisecond))
		s.jitter = 10 * time.Millisecond
		s.csma = csma
		s.count = 300
	}
	run(t, m, 20*time.Second)
	return m.Metrics()
}

// TestCSMAReducesCollisions: ten nodes that all hear each other send
// broadcasts at a high load, with and without CSMA-CA.
func TestCSMAReducesCollisions(t *testing.T) {
	collisions := map[bool]uint64{}
	delivered := map[bool]uint64{}
	for _, csma := range []bool{false, true} {
		cfg := sim.DefaultConfig()
		cfg.Seed = 7
		mt := tenSenders(t, cfg, 3, csma)
		collisions[csma] = mt.Collisions
		delivered[csma] = mt.FramesRx
		t.Logf("csma=%v: tx %d, rx %d, collisions %d, drops %v", csma, mt.FramesTx, mt.FramesRx, mt.Collisions, mt.Drops)
	}
	if collisions[true]*3 > collisions[false] {
		t.Errorf("collisions with CSMA %d, without %d: want at least 3× fewer", collisions[true], collisions[false])
	}
	if delivered[true] <= delivered[false] {
		t.Errorf("delivered with CSMA %d, without %d: want more", delivered[true], delivered[false])
	}
}

// TestCarrierSense: ten senders 18 m apart in a 2×5 grid hear each other
// between about −78 and −96 dBm, above the sensitivity but mostly below the
// −75 dBm energy threshold. Energy-detect CCA finds the channel clear while
// a neighbour transmits; carrier sense defers to it.
func TestCarrierSense(t *testing.T) {
	collisions := map[sim.CCAMode]uint64{}
	for _, mode := range []sim.CCAMode{sim.CCAEnergy, sim.CCACarrierOrEnergy} {
		cfg := sim.DefaultConfig()
		cfg.Seed = 7
		cfg.CCAMode = mode
		mt := tenSenders(t, cfg, 18, true)
		collisions[mode] = mt.Collisions
		t.Logf("CCA mode %d: tx %d, rx %d, collisions %d, drops %v", mode, mt.FramesTx, mt.FramesRx, mt.Collisions, mt.Drops)
	}
	if collisions[sim.CCACarrierOrEnergy]*3 > collisions[sim.CCAEnergy] {
		t.Errorf("collisions with carrier sense %d, energy only %d: want at least 3× fewer",
			collisions[sim.CCACarrierOrEnergy], collisions[sim.CCAEnergy])
	}
	cfg := sim.DefaultConfig()
	cfg.CCAMode = sim.CCAEnergy + 1
	if _, err := sim.New(sim.Line(2, 10), cfg); err == nil {
		t.Error("New accepted an unknown CCA mode")
	}
}

// TestAckLostOnBadReverseLink: the forward link is good and the reverse
// link is dead, so every attempt arrives but no ACK does.
func TestAckLostOnBadReverseLink(t *testing.T) {
	for _, tc := range []struct {
		name       string
		reverseDB  float64
		wantStatus radio.TxStatus
		wantTries  uint8
		wantRx     int
	}{
		{"good reverse link", 0, radio.TxAcked, 1, 1},
		{"dead reverse link", 140, radio.TxNoAck, 4, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo := sim.Line(2, 20)
			if tc.reverseDB > 0 {
				topo.Links = []sim.LinkOverride{{A: 1, B: 0, PathLossDB: tc.reverseDB, OneWay: true}}
			}
			m := mustNew(t, topo, quietConfig())
			a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 0))
			a.dst, a.ackReq, a.csma, a.retries, a.record = shortOf(1), true, true, 3, true
			b := attach(t, m, newStation(m, 1, 11))
			run(t, m, time.Second)
			if len(a.dones) != 1 {
				t.Fatalf("got %d TxDone, want 1", len(a.dones))
			}
			d := a.dones[0]
			if d.Status != tc.wantStatus || d.Attempts != tc.wantTries {
				t.Errorf("TxDone = %v after %d attempts, want %v after %d", d.Status, d.Attempts, tc.wantStatus, tc.wantTries)
			}
			if tc.wantStatus == radio.TxAcked && (!d.HasAckRSSI || d.AckRSSI > -50 || d.AckRSSI < -90) {
				t.Errorf("ack RSSI %d (has %v), want a plausible value", d.AckRSSI, d.HasAckRSSI)
			}
			if b.rxCount != tc.wantRx {
				t.Errorf("receiver got %d copies, want %d", b.rxCount, tc.wantRx)
			}
			mt := m.Metrics()
			if mt.AcksTx != uint64(tc.wantRx) {
				t.Errorf("AcksTx = %d, want %d", mt.AcksTx, tc.wantRx)
			}
		})
	}
}

// TestUnicastFiltering: a unicast frame reaches only its destination's
// station, and a frame for another PAN reaches nobody.
func TestUnicastFiltering(t *testing.T) {
	m := mustNew(t, sim.Line(3, 5), quietConfig())
	a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 10*time.Millisecond))
	a.dst, a.count = shortOf(2), 5
	b := attach(t, m, newStation(m, 1, 11))
	c := attach(t, m, newStation(m, 2, 11))
	run(t, m, time.Second)
	if b.rxCount != 0 || c.rxCount != 5 {
		t.Errorf("bystander got %d, destination %d; want 0 and 5", b.rxCount, c.rxCount)
	}
	// The bystander in promiscuous mode hears them all.
	b.cfg.Promiscuous = true
	if err := b.port.Configure(b.cfg); err != nil {
		t.Fatal(err)
	}
	a.count = 5
	a.next = m.Now()
	m.Wake(0)
	run(t, m, 2*time.Second)
	if b.rxCount != 5 {
		t.Errorf("promiscuous bystander got %d, want 5", b.rxCount)
	}
}

// TestChannelsIsolated: nodes on different channels never hear each other
// nor interfere.
func TestChannelsIsolated(t *testing.T) {
	m := mustNew(t, sim.Line(4, 2), quietConfig())
	a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 5*time.Millisecond))
	b := attach(t, m, newStation(m, 1, 15))
	c := attach(t, m, newStation(m, 2, 15).every(time.Millisecond, 5*time.Millisecond))
	d := attach(t, m, newStation(m, 3, 11))
	a.count, c.count = 100, 100
	run(t, m, 2*time.Second)
	if a.rxCount != 0 || c.rxCount != 0 {
		t.Errorf("senders heard the other channel: %d, %d", a.rxCount, c.rxCount)
	}
	if b.rxCount != 100 || d.rxCount != 100 {
		t.Errorf("same-channel receivers got %d (ch 15) and %d (ch 11), want 100 each", b.rxCount, d.rxCount)
	}
	if mt := m.Metrics(); mt.Collisions != 0 {
		t.Errorf("%d collisions across channels", mt.Collisions)
	}
}

// TestStoppedNode: a stopped node neither sends nor receives, and its
// station is not called; restarted with its state kept it works again.
func TestStoppedNode(t *testing.T) {
	m := mustNew(t, sim.Line(2, 5), quietConfig())
	a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 10*time.Millisecond))
	b := attach(t, m, newStation(m, 1, 11).every(5*time.Millisecond, 10*time.Millisecond))
	if err := m.StopNode(time.Second, 1); err != nil {
		t.Fatal(err)
	}
	if err := m.StartNode(2*time.Second, 1, nil); err != nil {
		t.Fatal(err)
	}
	run(t, m, time.Second-time.Microsecond)
	aRx, bRx, bPolls, bTx := a.rxCount, b.rxCount, b.polls, m.NodeMetrics(1).FramesTx
	if aRx == 0 || bRx == 0 {
		t.Fatalf("before the stop: %d and %d frames received", aRx, bRx)
	}
	run(t, m, 2*time.Second-time.Microsecond)
	if b.rxCount != bRx || b.polls != bPolls {
		t.Errorf("stopped node: rx %d→%d, polls %d→%d", bRx, b.rxCount, bPolls, b.polls)
	}
	if got := m.NodeMetrics(1).FramesTx; got > bTx+1 {
		t.Errorf("stopped node sent %d frames", got-bTx)
	}
	if a.rxCount > aRx+1 {
		t.Errorf("the other node heard %d frames from the stopped node", a.rxCount-aRx)
	}
	if err := b.port.Transmit(radio.TxRequest{PSDU: []byte{1, 2, 3}}); !errors.Is(err, sim.ErrNodeStopped) {
		t.Errorf("Transmit on a stopped node: %v, want ErrNodeStopped", err)
	}
	run(t, m, 3*time.Second)
	if b.rxCount < bRx+90 || a.rxCount < aRx+90 {
		t.Errorf("after the restart: rx %d→%d and %d→%d", bRx, b.rxCount, aRx, a.rxCount)
	}
}

// TestDegradeLink: 40 dB more path loss at 1 s cuts the link.
func TestDegradeLink(t *testing.T) {
	m := mustNew(t, sim.Line(2, 20), quietConfig())
	a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 10*time.Millisecond))
	b := attach(t, m, newStation(m, 1, 11))
	before := m.PathLoss(0, 1)
	if err := m.DegradeLink(time.Second, 0, 1, 40, true); err != nil {
		t.Fatal(err)
	}
	run(t, m, time.Second-time.Microsecond)
	n := b.rxCount
	run(t, m, 2*time.Second)
	if n < 95 || b.rxCount != n {
		t.Errorf("received %d before and %d after the degradation", n, b.rxCount-n)
	}
	if got := m.PathLoss(1, 0); got != before+40 {
		t.Errorf("PathLoss(1, 0) = %v, want %v", got, before+40)
	}
	_ = a
}

// TestInterferer: continuous noise on the receiver's channel blocks
// reception and CCA; noise on another channel does not.
func TestInterferer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		channel uint8
		wantRx  bool
	}{
		{"same channel", 11, false},
		{"other channel", 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustNew(t, sim.Line(2, 30), quietConfig())
			a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 10*time.Millisecond))
			a.count = 50
			b := attach(t, m, newStation(m, 1, 11))
			err := m.AddInterferer(sim.Interferer{
				Position: sim.Position{X: 31}, PowerDBm: 0, Channels: []uint8{tc.channel},
				Period: 10 * time.Millisecond, DutyCycle: 1,
			})
			if err != nil {
				t.Fatal(err)
			}
			run(t, m, time.Second)
			if got := b.rxCount > 40; got != tc.wantRx {
				t.Errorf("received %d/50", b.rxCount)
			}
		})
	}
	// A 50 % duty cycle lets about half through.
	m := mustNew(t, sim.Line(2, 30), quietConfig())
	a := attach(t, m, newStation(m, 0, 11).every(time.Millisecond, 7*time.Millisecond))
	a.count = 200
	b := attach(t, m, newStation(m, 1, 11))
	if err := m.AddInterferer(sim.Interferer{Position: sim.Position{X: 31}, Period: 100 * time.Millisecond, DutyCycle: 0.5}); err != nil {
		t.Fatal(err)
	}
	run(t, m, 2*time.Second)
	if b.rxCount < 60 || b.rxCount > 140 {
		t.Errorf("50 %% duty cycle: received %d/200", b.rxCount)
	}
}

// runScenario runs a mixed broadcast/unicast scenario and returns the
// medium.
func runScenario(t testing.TB, seed uint64, n int, until time.Duration) *sim.Medium {
	cfg := sim.DefaultConfig()
	cfg.Seed = seed
	topo := sim.Random(n, 8, cfg.Propagation, 0, 42)
	m := mustNew(t, topo, cfg)
	for id := range sim.NodeID(n) {
		s := newStation(m, id, 11).every(time.Duration(id)*time.Millisecond, time.Second)
		s.jitter = 100 * time.Millisecond
		s.csma = true
		if id%2 == 1 {
			if nb := m.Neighbors(id); len(nb) > 0 {
				s.dst, s.ackReq, s.retries = shortOf(nb[0]), true, 3
			}
		}
		attach(t, m, s)
	}
	if err := m.StopNode(10*time.Second, 3); err != nil {
		t.Fatal(err)
	}
	if err := m.DegradeLink(20*time.Second, 0, 1, 10, true); err != nil {
		t.Fatal(err)
	}
	run(t, m, until)
	return m
}

// TestDeterminism: the same seed gives the same trace, another seed
// another.
func TestDeterminism(t *testing.T) {
	m1 := runScenario(t, 1, 200, time.Minute)
	m2 := runScenario(t, 1, 200, time.Minute)
	m3 := runScenario(t, 2, 200, time.Minute)
	if m1.TraceHash() != m2.TraceHash() {
		t.Errorf("same seed: trace hashes %#x and %#x differ", m1.TraceHash(), m2.TraceHash())
	}
	if m1.Metrics() != m2.Metrics() {
		t.Errorf("same seed: metrics differ:\n%+v\n%+v", m1.Metrics(), m2.Metrics())
	}
	if m1.TraceHash() == m3.TraceHash() {
		t.Errorf("different seeds: same trace hash %#x", m1.TraceHash())
	}
	mt := m1.Metrics()
	if mt.FramesRx == 0 || mt.Acked == 0 || mt.Events < 10000 {
		t.Errorf("scenario did too little: %+v", mt)
	}
}

// TestTopologyFileScenario runs a scenario from testdata.
func TestTopologyFileScenario(t *testing.T) {
	topo, err := sim.LoadTopology("testdata/office.json")
	if err != nil {
		t.Fatal(err)
	}
	m := mustNew(t, topo, sim.DefaultConfig())
	if got := m.PathLoss(0, 5); got != 85 {
		t.Errorf("PathLoss(0, 5) = %v, want the file's 85", got)
	}
	if got := m.PathLoss(5, 0); got != 130 {
		t.Errorf("PathLoss(5, 0) = %v, want the file's one-way 130", got)
	}
	var st []*station
	for id := range sim.NodeID(topo.Len()) {
		s := attach(t, m, newStation(m, id, 11).every(time.Duration(id)*time.Millisecond, 500*time.Millisecond))
		s.csma = true
		s.jitter = 50 * time.Millisecond
		st = append(st, s)
	}
	run(t, m, time.Minute)
	for _, s := range st {
		if s.rxCount == 0 {
			t.Errorf("node %d heard nothing", s.id)
		}
	}
	if mt := m.Metrics(); mt.FramesTx < uint64(topo.Len())*110 {
		t.Errorf("FramesTx = %d", mt.FramesTx)
	}
}

// TestRandomMeanNeighbors: Random sizes its area for the requested mean
// neighbour count, shadowing and edges included.
func TestRandomMeanNeighbors(t *testing.T) {
	for _, want := range []float64{6, 10, 20} {
		cfg := sim.DefaultConfig()
		topo := sim.Random(3000, want, cfg.Propagation, 0, 5)
		m := mustNew(t, topo, cfg)
		total := 0
		for id := range sim.NodeID(m.Len()) {
			total += len(m.Neighbors(id))
		}
		got := float64(total) / float64(m.Len())
		t.Logf("want %v neighbours, got %.2f; %d links tracked", want, got, m.Links())
		if got < want*0.9 || got > want*1.1 {
			t.Errorf("mean neighbours %.2f, want %v ± 10 %%", got, want)
		}
	}
}

func TestTransmitErrors(t *testing.T) {
	m := mustNew(t, sim.Line(2, 5), quietConfig())
	r := m.Radio(0)
	for _, tc := range []struct {
		name string
		req  radio.TxRequest
		want error
	}{
		{"too long", radio.TxRequest{PSDU: make([]byte, 126)}, radio.ErrFrameTooLong},
		{"too short", radio.TxRequest{PSDU: []byte{1}}, sim.ErrFrameTooShort},
		{"bad power", radio.TxRequest{PSDU: []byte{1, 0, 0}, TxPowerDBm: 1, HasTxPower: true}, radio.ErrUnsupported},
		{"bad retries", radio.TxRequest{PSDU: []byte{1, 0, 0}, MaxRetries: 8}, radio.ErrUnsupported},
	} {
		if err := r.Transmit(tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: Transmit = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := r.Configure(radio.Config{Channel: 27, TxPowerDBm: 0}); !errors.Is(err, radio.ErrUnsupported) {
		t.Errorf("channel 27: %v", err)
	}
	if err := r.Configure(radio.Config{Channel: 11, TxPowerDBm: 1}); !errors.Is(err, radio.ErrUnsupported) {
		t.Errorf("power 1 dBm: %v", err)
	}
	caps := r.Capabilities()
	if !caps.AutoAck || !caps.CSMA || !caps.Retries || len(caps.TxPowers) != 14 || len(caps.Channels) != 16 {
		t.Errorf("Capabilities = %+v", caps)
	}
	// The queue holds TxQueueLen requests (the radio has not run yet).
	s := newStation(m, 0, 11)
	var err error
	for i := 0; i < 20 && err == nil; i++ {
		err = r.Transmit(radio.TxRequest{PSDU: dataFrame(nil, 1, 0xffff, 1, false, 5), CSMA: true})
	}
	if !errors.Is(err, radio.ErrBusy) {
		t.Errorf("full queue: %v, want radio.ErrBusy", err)
	}
	_ = s
	if err := m.Attach(5, s); !errors.Is(err, sim.ErrNoNode) {
		t.Errorf("Attach(5) = %v", err)
	}
}

// livelock is a station that always wants to be polled now.
type livelock struct{ now time.Time }

func (l *livelock) HandleRadio(time.Time, *radio.Event) {}
func (l *livelock) Poll(now time.Time)                  { l.now = now }
func (l *livelock) Deadline() time.Time                 { return l.now }

func TestLivelockDetected(t *testing.T) {
	m := mustNew(t, sim.Line(1, 1), quietConfig())
	if err := m.Attach(0, &livelock{now: sim.Time(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := m.RunUntil(2 * time.Second); !errors.Is(err, sim.ErrLivelock) {
		t.Errorf("RunUntil = %v, want ErrLivelock", err)
	}
}

// TestSteadyStateAllocs: once warmed up, running the medium allocates
// nothing per event.
func TestSteadyStateAllocs(t *testing.T) {
	cfg := sim.DefaultConfig()
	m := mustNew(t, sim.Random(300, 10, cfg.Propagation, 0, 1), cfg)
	for id := range sim.NodeID(300) {
		s := newStation(m, id, 11).every(time.Duration(id)*time.Millisecond, time.Second)
		s.csma = true
		if id%2 == 0 {
			if nb := m.Neighbors(id); len(nb) > 0 {
				s.dst, s.ackReq, s.retries = shortOf(nb[0]), true, 3
			}
		}
		attach(t, m, s)
	}
	run(t, m, 20*time.Second)
	ev := m.Metrics().Events
	allocs := testing.AllocsPerRun(5, func() {
		if err := m.RunFor(5 * time.Second); err != nil {
			t.Fatal(err)
		}
	})
	perRun := (m.Metrics().Events - ev) / 6
	if allocs > 0 {
		t.Errorf("%.1f allocations per %d events, want 0", allocs, perRun)
	}
}
