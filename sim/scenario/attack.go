package scenario

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
	"github.com/meshgw/meshgw/wpan/lowpan"
)

// maxRecorded bounds what the attacker keeps.
const maxRecorded = 4000

// attacker is a promiscuous station that records every frame it hears
// during the first half of the run and puts each back on the air in the
// second half, verbatim and as variants: for secured MAC frames a raised
// frame counter and another key index, for secured MLE messages a raised
// MLE frame counter and key sequences +1 and +5 (re-compressed with a
// correct UDP checksum, so that they reach MLE's checks).
type attacker struct {
	port   *sim.Radio
	until  time.Time // record until, replay after
	frames [][]byte
	queue  [][]byte
	next   time.Time
	handle uint32
	sent   int
	// recorded is how many frames were recorded.
	recorded int
	queued   bool // the recording has been turned into the replay queue
}

func centre(t sim.Topology) sim.Position {
	var c sim.Position
	n := float64(len(t.Positions))
	for _, p := range t.Positions {
		c.X += p.X / n
		c.Y += p.Y / n
	}
	return c
}

func (r *run) addAttacker(id sim.NodeID) error {
	a := &attacker{port: r.m.Radio(id), until: sim.Time(r.o.Duration / 2)}
	err := a.port.Configure(radio.Config{Channel: r.o.Channel, PAN: 0xface, RxOn: true, Promiscuous: true})
	if err != nil {
		return err
	}
	r.attacker = a
	return r.m.Attach(id, a)
}

func (a *attacker) HandleRadio(now time.Time, ev *radio.Event) {
	if ev.Kind != radio.EventFrame || a.queued || len(a.frames) >= maxRecorded {
		return
	}
	if now.Before(a.until) {
		a.frames = append(a.frames, bytes.Clone(ev.Frame.PSDU))
	}
}

func (a *attacker) Poll(now time.Time) {
	if !a.queued && !now.Before(a.until) {
		for _, f := range a.frames {
			a.queue = append(a.queue, variants(f)...)
		}
		a.recorded = len(a.frames)
		a.frames = nil
		a.queued = true
		a.next = now
	}
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
	if !a.queued {
		return a.until
	}
	if len(a.queue) == 0 {
		return time.Time{}
	}
	return a.next
}

// variants returns psdu and the modified copies an attacker makes of it.
func variants(psdu []byte) [][]byte {
	out := [][]byte{psdu}
	var f wpan.Frame
	if f.Decode(bytes.Clone(psdu)) != nil || f.Type != wpan.FrameData {
		return out
	}
	if f.Security {
		hdr := f.HeaderLen()
		aux := hdr - f.Aux.Len()
		c := bytes.Clone(psdu)
		binary.LittleEndian.PutUint32(c[aux+1:], f.Aux.FrameCounter+1000)
		k := bytes.Clone(psdu)
		k[aux+f.Aux.Len()-1]++
		return append(out, c, k)
	}
	// An unsecured frame: MLE travels in one, secured at the MLE layer.
	var ctx lowpan.Contexts
	pkt, err := lowpan.Decompress(nil, f.Payload, f.Src, f.Dst, &ctx)
	if err != nil || len(pkt) < 48+mle.SecuredOverhead || pkt[6] != 17 ||
		binary.BigEndian.Uint16(pkt[42:44]) != mle.Port || pkt[48] != byte(mle.Suite154) {
		return out
	}
	for _, mod := range []func(p []byte){
		func(p []byte) { binary.LittleEndian.PutUint32(p[2:], binary.LittleEndian.Uint32(p[2:])+1000) },
		func(p []byte) { binary.BigEndian.PutUint32(p[6:], binary.BigEndian.Uint32(p[6:])+1) },
		func(p []byte) { binary.BigEndian.PutUint32(p[6:], binary.BigEndian.Uint32(p[6:])+5) },
	} {
		p := bytes.Clone(pkt)
		mod(p[48:])
		p[46], p[47] = 0, 0
		binary.BigEndian.PutUint16(p[46:], udpChecksum(p))
		payload, err := lowpan.Compress(nil, p, f.Src, f.Dst, &ctx)
		if err != nil {
			continue
		}
		g := f
		g.Payload = payload
		if b, err := g.AppendTo(nil); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// udpChecksum computes the checksum of the UDP datagram in the IPv6 packet
// pkt (checksum field zeroed).
func udpChecksum(pkt []byte) uint16 {
	var s uint32
	add := func(b []byte) {
		for len(b) >= 2 {
			s += uint32(b[0])<<8 | uint32(b[1])
			b = b[2:]
		}
		if len(b) == 1 {
			s += uint32(b[0]) << 8
		}
	}
	add(pkt[8:40])
	n := len(pkt) - 40
	s += uint32(n) + 17
	add(pkt[40:])
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	c := ^uint16(s)
	if c == 0 {
		c = 0xffff
	}
	return c
}
