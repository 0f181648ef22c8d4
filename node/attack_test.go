package node

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
)

// attacker is a station that records every frame it hears (promiscuous)
// and later puts frames back on the air, one every 5 ms.
type attacker struct {
	port      *sim.Radio
	recording bool
	frames    [][]byte
	queue     [][]byte
	next      time.Time
	handle    uint32
	sent      int
}

func (a *attacker) HandleRadio(now time.Time, ev *radio.Event) {
	if ev.Kind == radio.EventFrame && a.recording {
		a.frames = append(a.frames, bytes.Clone(ev.Frame.PSDU))
	}
}

func (a *attacker) Poll(now time.Time) {
	if len(a.queue) == 0 || now.Before(a.next) {
		return
	}
	a.handle++
	if a.port.Transmit(radio.TxRequest{Handle: a.handle, PSDU: a.queue[0], CSMA: true}) == nil {
		a.sent++
	}
	a.queue = a.queue[1:]
	a.next = now.Add(5 * time.Millisecond)
}

func (a *attacker) Deadline() time.Time {
	if len(a.queue) == 0 {
		return time.Time{}
	}
	return a.next
}

// acceptLog records every (receiver, layer, sender, key, counter) a node
// accepted; a replay that got through would appear twice.
type acceptLog struct {
	seen map[acceptKey]int
	dups int
}

type acceptKey struct {
	rx      int
	layer   Layer
	src     wpan.ExtAddr
	key, fc uint32
}

func (l *acceptLog) hook(rx int) func(Layer, wpan.ExtAddr, uint32, uint32) {
	return func(layer Layer, src wpan.ExtAddr, key, fc uint32) {
		k := acceptKey{rx, layer, src, key, fc}
		if l.seen[k]++; l.seen[k] > 1 {
			l.dups++
		}
	}
}

// variants returns the frames an attacker makes of a recorded one: the
// frame itself and copies with a raised frame counter or a changed key
// (MAC: key index; MLE: key sequence +1, and a far jump), rebuilt with a
// correct UDP checksum so that they reach MLE.
func variants(t *testing.T, forger *Node, fp *capturePort, psdu []byte) [][]byte {
	out := [][]byte{psdu}
	var f wpan.Frame
	b := bytes.Clone(psdu)
	if f.Decode(b) != nil || f.Type != wpan.FrameData {
		return out
	}
	if f.Security {
		aux := len(psdu) - len(f.Payload) - len(f.MIC) - 6 // level 5, key id mode 1
		c := bytes.Clone(psdu)
		binary.LittleEndian.PutUint32(c[aux+1:], binary.LittleEndian.Uint32(c[aux+1:])+1000)
		out = append(out, c)
		k := bytes.Clone(psdu)
		k[aux+5]++
		out = append(out, k)
		return out
	}
	pkt, err := forger.lp.Input(sim.Epoch, nil, f.Src, f.Dst, f.Payload)
	if err != nil || pkt == nil || !isMLE(pkt) || len(pkt) < ipv6HeaderLen+8+mle.SecuredOverhead {
		return out
	}
	payload := pkt[ipv6HeaderLen+8:]
	if payload[0] != byte(mle.Suite154) {
		return out
	}
	for _, mod := range []func(p []byte){
		func(p []byte) { binary.LittleEndian.PutUint32(p[2:], binary.LittleEndian.Uint32(p[2:])+1000) },
		func(p []byte) { binary.BigEndian.PutUint32(p[6:], binary.BigEndian.Uint32(p[6:])+1) },
		func(p []byte) { binary.BigEndian.PutUint32(p[6:], binary.BigEndian.Uint32(p[6:])+5) },
	} {
		p := bytes.Clone(payload)
		mod(p)
		forged := AppendUDP(nil, ipSrc(pkt), ipDst(pkt), mle.Port, mle.Port, mle.HopLimit, p)
		fp.frames = nil
		if err := forger.send(forged, false); err != nil {
			t.Fatal(err)
		}
		fp.complete(radio.TxSent)
		out = append(out, fp.frames...)
	}
	return out
}

// snapshot is the state a replay must not change: the link table (who,
// since when, last heard, key sequence), the parameters, the key sequence,
// and what the node delivered.
func snapshot(n *Node) string {
	links := n.AppendNeighbors(nil)
	slices.SortFunc(links, func(a, b mle.LinkInfo) int { return bytes.Compare(a.Ext[:], b.Ext[:]) })
	var b bytes.Buffer
	for _, l := range links {
		fmt.Fprintf(&b, "%v %v %v %d|", l.Ext, l.Established.UnixNano(), l.LastHeard.UnixNano(), l.KeySequence)
	}
	p, _ := n.Params()
	s := n.Stats()
	fmt.Fprintf(&b, "%+v key %d delivered %d echoes %d accepted %d", p, n.KeySequence(), s.Delivered, s.EchoReplied, s.MLE.Accepted)
	return b.String()
}

func TestReplayAttack(t *testing.T) {
	const n = 20
	topo := sim.Random(n, 8, sim.DefaultPropagation(), 0, 7)
	var cx, cy float64
	for _, p := range topo.Positions {
		cx += p.X / n
		cy += p.Y / n
	}
	topo.Positions = append(topo.Positions, sim.Position{X: cx, Y: cy})
	log := &acceptLog{seen: map[acceptKey]int{}}
	ms := newMesh(t, sim.Topology{Positions: topo.Positions[:n]}, nil)
	_ = ms
	// Rebuild with the attacker's position in the medium.
	m, err := sim.New(topo, sim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ms = &mesh{m: m}
	for i := range n {
		c := mleTestConfig(i)
		h := new(recorder)
		c.Host = h
		c.AcceptHook = log.hook(i)
		node, err := New(c, m.Radio(sim.NodeID(i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Attach(sim.NodeID(i), node); err != nil {
			t.Fatal(err)
		}
		ms.nodes = append(ms.nodes, node)
		ms.hosts = append(ms.hosts, h)
	}
	atk := &attacker{port: m.Radio(n), recording: true}
	if err := atk.port.Configure(radio.Config{Channel: 15, PAN: 0xface, RxOn: true, Promiscuous: true}); err != nil {
		t.Fatal(err)
	}
	if err := m.Attach(n, atk); err != nil {
		t.Fatal(err)
	}
	// Secured unicast traffic to every neighbour, each datagram unique.
	seq := 0
	for at := 40 * time.Second; at < 120*time.Second; at += 4 * time.Second {
		m.At(at, func(now time.Time) {
			for i, nd := range ms.nodes {
				for _, li := range nd.AppendNeighbors(nil) {
					seq++
					dst := linkLocal(li.Ext.IID())
					pkt := AppendUDP(nil, nd.LinkLocal(), dst, 5683, 5683, 64, fmt.Appendf(nil, "datagram %d from %d", seq, i))
					_ = nd.HandlePacket(now, pkt)
				}
			}
		})
	}
	ms.run(t, 130*time.Second)
	atk.recording = false
	delivered := 0
	for _, h := range ms.hosts {
		delivered += len(h.pkts)
	}
	if delivered == 0 || len(atk.frames) == 0 {
		t.Fatalf("nothing to replay: %d delivered, %d recorded", delivered, len(atk.frames))
	}

	// The forger turns recorded frames into variants.
	fc := testConfig(99, nil)
	fc.Security = SecurityConfig{Open: true}
	fp := new(capturePort)
	forger, err := New(fc, fp)
	if err != nil {
		t.Fatal(err)
	}
	fp.n = forger
	var all [][]byte
	mleFrames, dataFrames := 0, 0
	for _, f := range atk.frames {
		v := variants(t, forger, fp, f)
		if len(v) == 4 {
			mleFrames++
		} else if len(v) == 3 {
			dataFrames++
		}
		all = append(all, v...)
	}
	t.Logf("recorded %d frames (%d secured MLE, %d secured data); %d replays with variants; %d datagrams delivered before",
		len(atk.frames), mleFrames, dataFrames, len(all), delivered)
	if mleFrames == 0 || dataFrames == 0 {
		t.Fatal("the recording lacks MLE messages or secured data frames")
	}

	before := func() (s [n]Stats) {
		for i, nd := range ms.nodes {
			s[i] = nd.Stats()
		}
		return s
	}
	// Phase 1: inject every variant at every node at one instant and
	// compare the node's state before and after each frame.
	// A frame the receiver never got (lost on its link, heard by the
	// attacker) is accepted once when relayed later: its counter is above
	// the floor, as for any delayed frame. Such a first delivery must add
	// exactly one new entry to the accept log, and the same frame again
	// must change nothing. Any other state change is a replay accepted.
	var changed, firstDeliveries, injected int
	s0 := before()
	m.At(200*time.Second, func(now time.Time) {
		for i, nd := range ms.nodes {
			for _, f := range all {
				snap, logged := snapshot(nd), len(log.seen)
				nd.InjectFrame(now, f, -50)
				injected++
				after := snapshot(nd)
				if after == snap && len(log.seen) == logged {
					continue
				}
				if len(log.seen) == logged+1 && log.dups == 0 {
					firstDeliveries++
					nd.InjectFrame(now, f, -50)
					if again := snapshot(nd); again == after && len(log.seen) == logged+1 {
						continue
					}
				}
				changed++
				if changed < 5 {
					k := 0
					for k < len(snap) && k < len(after) && snap[k] == after[k] {
						k++
					}
					t.Errorf("node %d: replayed frame % x changed state at %q: %q", i, f, snap[max(k-60, 0):], after[max(k-60, 0):])
				}
			}
		}
	})
	ms.run(t, 201*time.Second)
	s1 := before()
	// Phase 2: the attacker replays everything over the air.
	m.At(300*time.Second, func(now time.Time) {
		atk.queue = append(atk.queue, all...)
		atk.next = now
		m.Wake(n)
	})
	ms.run(t, 400*time.Second)
	s2 := before()
	if len(atk.queue) != 0 {
		t.Fatalf("%d replays still queued", len(atk.queue))
	}

	rejected := func(a, b [n]Stats) (mac, mleRej, mic, unknown uint64) {
		for i := range n {
			mac += b[i].Drops[DropReplay] + b[i].Drops[DropDuplicate] - a[i].Drops[DropReplay] - a[i].Drops[DropDuplicate]
			mic += b[i].Drops[DropMIC] - a[i].Drops[DropMIC] + b[i].MLE.Drops[mle.DropMIC] - a[i].MLE.Drops[mle.DropMIC]
			unknown += b[i].Drops[DropUnknownNeighbor] + b[i].Drops[DropNoKey] - a[i].Drops[DropUnknownNeighbor] - a[i].Drops[DropNoKey]
			mleRej += b[i].MLE.ReplayRejected() - a[i].MLE.ReplayRejected()
		}
		return
	}
	mac1, mle1, mic1, unk1 := rejected(s0, s1)
	mac2, mle2, mic2, unk2 := rejected(s1, s2)
	t.Logf("injected %d frames at the nodes: %d first deliveries of frames the receiver had lost, %d replays accepted; rejected: MAC replay %d, MLE replay %d, MIC %d, unknown sender/key %d",
		injected, firstDeliveries, changed, mac1, mle1, mic1, unk1)
	t.Logf("over the air: %d replays sent; rejected: MAC replay %d, MLE replay %d, MIC %d, unknown sender/key %d",
		atk.sent, mac2, mle2, mic2, unk2)
	t.Logf("replay_accepted = %d (a (receiver, sender, key, counter) accepted twice), %d accepts logged", log.dups, len(log.seen))
	if changed != 0 || log.dups != 0 {
		t.Fatalf("replay accepted: %d state changes, %d duplicate accepts", changed, log.dups)
	}
	if mac1 == 0 || mle1 == 0 || mic1 == 0 || mac2 == 0 || mle2 == 0 || mic2 == 0 {
		t.Fatal("replays were not counted as rejected in every category")
	}
	for i, h := range ms.hosts {
		seen := map[string]bool{}
		for _, p := range h.pkts {
			if seen[string(p)] {
				t.Fatalf("node %d delivered a datagram twice", i)
			}
			seen[string(p)] = true
		}
	}
}
