package node

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
)

var testKey = [16]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}

// recorder is a Host that keeps copies of delivered packets.
type recorder struct{ pkts [][]byte }

func (r *recorder) Deliver(_ time.Time, pkt []byte) { r.pkts = append(r.pkts, bytes.Clone(pkt)) }

func (r *recorder) echoReplies() []EchoReply {
	var out []EchoReply
	for _, p := range r.pkts {
		if e, ok := ParseEchoReply(p); ok {
			out = append(out, e)
		}
	}
	return out
}

func testConfig(i int, host Host) Config {
	return Config{
		Ext:      wpan.ExtAddrFromUint64(0x0212_4b00_0000_0000 + uint64(i)),
		NoShort:  true,
		PAN:      0xface,
		Channel:  15,
		Security: SecurityConfig{Key: testKey},
		Host:     host,
	}
}

// simPair builds two nodes 10 m apart on a simulated medium.
func simPair(t *testing.T, cfgB func(*Config)) (*sim.Medium, [2]*Node, [2]*recorder) {
	t.Helper()
	m, err := sim.New(sim.Line(2, 10), sim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var nodes [2]*Node
	var hosts [2]*recorder
	for i := range 2 {
		hosts[i] = new(recorder)
		cfg := testConfig(i, hosts[i])
		if i == 1 && cfgB != nil {
			cfgB(&cfg)
		}
		n, err := New(cfg, m.Radio(sim.NodeID(i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Attach(sim.NodeID(i), n); err != nil {
			t.Fatal(err)
		}
		nodes[i] = n
	}
	return m, nodes, hosts
}

func TestEchoOverSimulatedLinkSecured(t *testing.T) {
	for _, size := range []int{8, 200, 1200} { // 1200: fragmented
		m, nodes, hosts := simPair(t, nil)
		data := bytes.Repeat([]byte{0xa5}, size)
		m.At(time.Second, func(now time.Time) {
			pkt := AppendEchoRequest(nil, nodes[0].LinkLocal(), nodes[1].LinkLocal(), 7, 1, data)
			if err := nodes[0].HandlePacket(now, pkt); err != nil {
				t.Errorf("HandlePacket: %v", err)
			}
		})
		if err := m.RunUntil(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		replies := hosts[0].echoReplies()
		if len(replies) != 1 {
			t.Fatalf("size %d: got %d echo replies, want 1 (A %+v, B %+v)", size, len(replies), nodes[0].Stats(), nodes[1].Stats())
		}
		r := replies[0]
		if r.ID != 7 || r.Seq != 1 || !bytes.Equal(r.Data, data) || r.Src != nodes[1].LinkLocal() {
			t.Fatalf("size %d: reply %+v", size, r)
		}
		if got := nodes[1].Stats().EchoReplied; got != 1 {
			t.Fatalf("B answered %d echoes", got)
		}
		for i, n := range nodes {
			if d := n.Stats().Dropped(); d != 0 {
				t.Fatalf("size %d: node %d dropped %d: %+v", size, i, d, n.Stats().Drops)
			}
		}
		if size == 1200 && nodes[1].LowpanCounters().Reassembled != 1 {
			t.Fatalf("1200-byte echo was not reassembled: %+v", nodes[1].LowpanCounters())
		}
	}
}

func TestWrongKeyIsDropped(t *testing.T) {
	m, nodes, hosts := simPair(t, func(c *Config) { c.Security.Key[0] ^= 1 })
	m.At(time.Second, func(now time.Time) {
		pkt := AppendEchoRequest(nil, nodes[0].LinkLocal(), nodes[1].LinkLocal(), 1, 1, []byte("x"))
		_ = nodes[0].HandlePacket(now, pkt)
	})
	if err := m.RunUntil(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	if len(hosts[0].pkts) != 0 || nodes[1].Stats().EchoReplied != 0 {
		t.Fatal("a frame under the wrong key was accepted")
	}
	if d := nodes[1].Stats().Drops[DropMIC]; d == 0 {
		t.Fatalf("no MIC drop counted: %+v", nodes[1].Stats().Drops)
	}
}

// capturePort records transmit requests and completes them at once.
type capturePort struct {
	n      *Node
	frames [][]byte
}

func (p *capturePort) Capabilities() radio.Capabilities { return radio.Capabilities{} }
func (p *capturePort) Configure(radio.Config) error     { return nil }
func (p *capturePort) Transmit(r radio.TxRequest) error {
	p.frames = append(p.frames, bytes.Clone(r.PSDU))
	return nil
}

// complete reports the in-flight frame done.
func (p *capturePort) complete(status radio.TxStatus) {
	p.n.HandleRadio(time.Time{}, &radio.Event{Kind: radio.EventTxDone, TxDone: radio.TxDone{Handle: p.n.handle, Status: status}})
}

func frameEvent(psdu []byte) *radio.Event {
	return &radio.Event{Kind: radio.EventFrame, Frame: radio.Frame{PSDU: psdu, Channel: 15}}
}

func newCaptured(t *testing.T, i int, cfg func(*Config)) (*Node, *capturePort, *recorder) {
	t.Helper()
	h := new(recorder)
	c := testConfig(i, h)
	if cfg != nil {
		cfg(&c)
	}
	p := new(capturePort)
	n, err := New(c, p)
	if err != nil {
		t.Fatal(err)
	}
	p.n = n
	return n, p, h
}

func TestReplayedFrameIsDropped(t *testing.T) {
	a, pa, _ := newCaptured(t, 0, nil)
	b, _, hb := newCaptured(t, 1, nil)
	now := sim.Epoch
	udp := AppendUDP(nil, a.LinkLocal(), b.LinkLocal(), 5683, 5683, 64, []byte("hello"))
	if err := a.HandlePacket(now, udp); err != nil {
		t.Fatal(err)
	}
	pa.complete(radio.TxAcked)
	if err := a.HandlePacket(now, udp); err != nil {
		t.Fatal(err)
	}
	pa.complete(radio.TxAcked)
	if len(pa.frames) != 2 {
		t.Fatalf("sent %d frames", len(pa.frames))
	}
	b.HandleRadio(now, frameEvent(pa.frames[0]))
	b.HandleRadio(now, frameEvent(pa.frames[1]))
	if len(hb.pkts) != 2 || !bytes.Equal(hb.pkts[0], udp) {
		t.Fatalf("delivered %d packets", len(hb.pkts))
	}
	// Replay the first frame: its counter is below B's window.
	b.HandleRadio(now, frameEvent(pa.frames[0]))
	// Replay the second frame again: a duplicate counter.
	b.HandleRadio(now, frameEvent(pa.frames[1]))
	// A replayed frame with its counter raised: the MIC no longer verifies.
	forged := bytes.Clone(pa.frames[0])
	fcOff := 3 + 2 + 8 + 8 + 1 // FCF, seq, PAN, dst ext, src ext, security control
	forged[fcOff+3]++          // counter + 2^24
	b.HandleRadio(now, frameEvent(forged))
	if len(hb.pkts) != 2 {
		t.Fatalf("a replay was delivered: %d packets", len(hb.pkts))
	}
	s := b.Stats()
	if s.Drops[DropReplay] != 1 || s.Drops[DropDuplicate] != 1 || s.Drops[DropMIC] != 1 {
		t.Fatalf("drops %+v", s.Drops)
	}
}

func TestRestartNeverReusesCounter(t *testing.T) {
	store := new(wpan.MemCounterStore)
	withStore := func(c *Config) { c.FrameCounters = store; c.CounterReserve = 10 }
	a, pa, _ := newCaptured(t, 0, withStore)
	b, _, hb := newCaptured(t, 1, nil)
	now := sim.Epoch
	send := func(a *Node, pa *capturePort) {
		udp := AppendUDP(nil, a.LinkLocal(), b.LinkLocal(), 1, 2, 64, []byte("x"))
		if err := a.HandlePacket(now, udp); err != nil {
			t.Fatal(err)
		}
		pa.complete(radio.TxAcked)
		b.HandleRadio(now, frameEvent(pa.frames[len(pa.frames)-1]))
	}
	for range 15 {
		send(a, pa)
	}
	// Crash: a new node on the same store, without any shutdown.
	a2, pa2, _ := newCaptured(t, 0, withStore)
	for range 5 {
		send(a2, pa2)
	}
	if len(hb.pkts) != 20 {
		t.Fatalf("B accepted %d of 20 frames after the restart; drops %+v", len(hb.pkts), b.Stats().Drops)
	}
	var before, after []uint32
	for _, f := range pa.frames {
		before = append(before, frameCounter(t, f))
	}
	for _, f := range pa2.frames {
		after = append(after, frameCounter(t, f))
	}
	maxBefore := before[len(before)-1]
	for _, c := range after {
		if c <= maxBefore {
			t.Fatalf("counter %d after restart not above %d", c, maxBefore)
		}
	}
}

func frameCounter(t *testing.T, psdu []byte) uint32 {
	t.Helper()
	var f wpan.Frame
	if err := f.Decode(psdu); err != nil {
		t.Fatal(err)
	}
	return f.Aux.FrameCounter
}

func TestBadInputIsCountedNotPanicking(t *testing.T) {
	b, _, hb := newCaptured(t, 1, nil)
	open, po, _ := newCaptured(t, 0, func(c *Config) { c.Security = SecurityConfig{Open: true} })
	now := sim.Epoch
	udp := AppendUDP(nil, open.LinkLocal(), b.LinkLocal(), 1, 2, 64, []byte("x"))
	if err := open.HandlePacket(now, udp); err != nil {
		t.Fatal(err)
	}
	unsecured := po.frames[0]
	cases := []struct {
		name string
		psdu []byte
		want DropReason
	}{
		{"empty", nil, DropDecode},
		{"truncated", []byte{0x41, 0xcc}, DropDecode},
		{"too long", make([]byte, 200), DropDecode},
		{"ack frame", wpan.AppendImmAck(nil, 3, false), DropFrameType},
		{"unsecured data", unsecured, DropUnsecured},
	}
	for _, c := range cases {
		before := b.Stats().Drops[c.want]
		b.HandleRadio(now, frameEvent(c.psdu))
		if got := b.Stats().Drops[c.want]; got != before+1 {
			t.Errorf("%s: drop %v counted %d times", c.name, c.want, got-before)
		}
	}
	if len(hb.pkts) != 0 {
		t.Fatal("bad input was delivered")
	}
	if err := b.HandlePacket(now, []byte{0x60, 0}); !errors.Is(err, ErrBadPacket) {
		t.Fatalf("HandlePacket(short) = %v", err)
	}
	global := AppendUDP(nil, [16]byte{0x20, 0x01, 15: 1}, [16]byte{0x20, 0x01, 15: 2}, 1, 2, 64, nil)
	if err := b.HandlePacket(now, global); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("HandlePacket(global) = %v", err)
	}
}

func TestFailedFragmentAbortsDatagram(t *testing.T) {
	a, pa, _ := newCaptured(t, 0, func(c *Config) { c.NoLinkRetries = true })
	b, _, _ := newCaptured(t, 1, nil)
	now := sim.Epoch
	big := AppendUDP(nil, a.LinkLocal(), b.LinkLocal(), 1, 2, 64, make([]byte, 600))
	small := AppendUDP(nil, a.LinkLocal(), b.LinkLocal(), 1, 2, 64, []byte("after"))
	if err := a.HandlePacket(now, big); err != nil {
		t.Fatal(err)
	}
	if err := a.HandlePacket(now, small); err != nil {
		t.Fatal(err)
	}
	pa.complete(radio.TxNoAck) // the first fragment fails
	// The rest of the big datagram is dropped; the small packet goes next.
	if len(pa.frames) != 2 {
		t.Fatalf("%d frames handed to the radio, want 2", len(pa.frames))
	}
	s := a.Stats()
	if s.Drops[DropAborted] == 0 || s.TxNoAck != 1 {
		t.Fatalf("stats %+v", s)
	}
	var f wpan.Frame
	if err := f.Decode(pa.frames[1]); err != nil || len(f.Payload) > 40 {
		t.Fatalf("second frame is not the small packet: %v, %d bytes", err, len(f.Payload))
	}
}

// lastPort keeps only the last frame, without allocating.
type lastPort struct {
	buf  [wpan.MaxFrameLen]byte
	last []byte
}

func (p *lastPort) Capabilities() radio.Capabilities { return radio.Capabilities{} }
func (p *lastPort) Configure(radio.Config) error     { return nil }
func (p *lastPort) Transmit(r radio.TxRequest) error {
	p.last = p.buf[:copy(p.buf[:], r.PSDU)]
	return nil
}

type countHost struct{ n int }

func (h *countHost) Deliver(time.Time, []byte) { h.n++ }

// BenchmarkSendReceiveSecured measures one 64-byte UDP datagram through the
// whole node: compress, seal, encode; then decode, verify, decrypt,
// decompress and deliver.
func BenchmarkSendReceiveSecured(b *testing.B) {
	h := new(countHost)
	pa := new(lastPort)
	a, _ := New(testConfig(0, nil), pa)
	rx, _ := New(testConfig(1, h), new(lastPort))
	pkt := AppendUDP(nil, a.LinkLocal(), rx.LinkLocal(), 5683, 5683, 64, make([]byte, 64))
	now := sim.Epoch
	ev := &radio.Event{Kind: radio.EventFrame}
	done := &radio.Event{Kind: radio.EventTxDone}
	b.ReportAllocs()
	for b.Loop() {
		_ = a.HandlePacket(now, pkt)
		done.TxDone = radio.TxDone{Handle: a.handle, Status: radio.TxAcked}
		a.HandleRadio(now, done)
		ev.Frame.PSDU = pa.last
		rx.HandleRadio(now, ev)
	}
	if h.n == 0 {
		b.Fatal("nothing delivered")
	}
}

// TestLinkRetryRounds checks that a frame the radio gave up on is handed to
// it again, unchanged, after a backoff that grows per round, that nothing
// else overtakes it meanwhile, and that after the last round it is dropped
// and the next packet goes.
func TestLinkRetryRounds(t *testing.T) {
	a, pa, _ := newCaptured(t, 0, func(c *Config) { c.LinkRetries = 2 })
	b, _, _ := newCaptured(t, 1, nil)
	now := sim.Epoch
	a.Poll(now)
	first := AppendUDP(nil, a.LinkLocal(), b.LinkLocal(), 1, 2, 64, []byte("first"))
	second := AppendUDP(nil, a.LinkLocal(), b.LinkLocal(), 1, 2, 64, []byte("second"))
	for _, p := range [][]byte{first, second} {
		if err := a.HandlePacket(now, p); err != nil {
			t.Fatal(err)
		}
	}
	fail := func() {
		t.Helper()
		a.HandleRadio(now, &radio.Event{Kind: radio.EventTxDone, TxDone: radio.TxDone{Handle: a.handle, Status: radio.TxNoAck, Attempts: 4}})
	}
	if len(pa.frames) != 1 {
		t.Fatalf("%d frames handed to the radio, want 1", len(pa.frames))
	}
	// Round r waits [10·2^(r-1), 20·2^(r-1)) ms.
	for r, wait := range []time.Duration{10 * time.Millisecond, 20 * time.Millisecond} {
		fail()
		dl := a.Deadline()
		if d := dl.Sub(now); d < wait || d >= 2*wait {
			t.Fatalf("round %d: retry after %v, want in [%v, %v)", r+1, d, wait, 2*wait)
		}
		a.Poll(now.Add(wait / 2))
		if len(pa.frames) != r+1 {
			t.Fatalf("round %d: frame handed to the radio before its backoff ended", r+1)
		}
		now = dl
		a.Poll(now)
		if len(pa.frames) != r+2 || !bytes.Equal(pa.frames[r+1], pa.frames[0]) {
			t.Fatalf("round %d: %d frames handed over, the last not the first frame again", r+1, len(pa.frames))
		}
	}
	fail() // the last round fails too: the frame is dropped
	if len(pa.frames) != 4 || bytes.Equal(pa.frames[3], pa.frames[0]) {
		t.Fatalf("after the last round: %d frames handed over, want the second packet as the 4th", len(pa.frames))
	}
	s := a.Stats()
	if s.TxRetryRounds != 2 || s.TxNoAck != 1 || s.Drops[DropTxFailed] != 1 {
		t.Fatalf("stats: %d retry rounds, %d no-ack, %d tx_failed; want 2, 1, 1", s.TxRetryRounds, s.TxNoAck, s.Drops[DropTxFailed])
	}
	if _, err := New(testConfig(2, nil), nil); err != nil {
		t.Fatal(err)
	}
	c := testConfig(2, nil)
	c.LinkRetries = maxLinkRetries + 1
	if _, err := New(c, nil); err == nil {
		t.Fatal("New accepted link retries above the maximum")
	}
}
