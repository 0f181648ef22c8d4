package sim_test

import (
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
)

// testPAN is the PAN every test station joins.
const testPAN = 0xface

// shortOf is node id's short address.
func shortOf(id sim.NodeID) uint16 { return uint16(id) + 1 }

// dataFrame builds a 2006 data frame with PAN ID compression and short
// addresses, carrying payload bytes of filler.
func dataFrame(b []byte, seq uint8, dst, src uint16, ackReq bool, payload int) []byte {
	fcf := uint16(0x8841) // data, PAN ID compression, dst short, version 0, src short
	if ackReq {
		fcf |= 1 << 5
	}
	b = binary.LittleEndian.AppendUint16(b[:0], fcf)
	b = append(b, seq)
	b = binary.LittleEndian.AppendUint16(b, testPAN)
	b = binary.LittleEndian.AppendUint16(b, dst)
	b = binary.LittleEndian.AppendUint16(b, src)
	for i := range payload {
		b = append(b, byte(i))
	}
	return b
}

// rxRecord is a frame a test station heard.
type rxRecord struct {
	at   time.Duration
	src  uint16
	seq  uint8
	rssi int8
	lqi  uint8
	ch   uint8
}

// station is the test station: it sends a data frame every period (with
// optional uniform jitter) through its radio.Port and counts or records
// what it hears.
type station struct {
	port   *sim.Radio
	id     sim.NodeID
	cfg    radio.Config
	rng    *rand.Rand
	next   time.Time
	period time.Duration
	jitter time.Duration
	count  int // frames left to send; <0 for unlimited

	dst     uint16
	ackReq  bool
	csma    bool
	retries uint8
	payload int
	power   *int8 // per-frame override

	seq    uint8
	buf    []byte
	record bool

	polls   int
	sent    int
	sendErr int
	rxCount int
	rx      []rxRecord
	done    [5]int
	dones   []radio.TxDone
}

func newStation(m *sim.Medium, id sim.NodeID, channel uint8) *station {
	s := &station{
		port:    m.Radio(id),
		id:      id,
		rng:     rand.New(rand.NewPCG(uint64(id), 99)),
		dst:     0xffff,
		payload: 20,
		count:   -1,
		buf:     make([]byte, 0, 127),
	}
	s.cfg = radio.Config{
		Channel:    channel,
		PAN:        testPAN,
		Short:      wpan.ShortAddr(shortOf(id)),
		Ext:        wpan.ExtAddrFromUint64(0x1000 + uint64(id)),
		TxPowerDBm: 0,
		RxOn:       true,
	}
	if err := s.port.Configure(s.cfg); err != nil {
		panic(err)
	}
	return s
}

// every makes s send every period from first on.
func (s *station) every(first, period time.Duration) *station {
	s.next = sim.Time(first)
	s.period = period
	return s
}

func (s *station) HandleRadio(now time.Time, ev *radio.Event) {
	switch ev.Kind {
	case radio.EventFrame:
		s.rxCount++
		if s.record {
			f := &ev.Frame
			r := rxRecord{at: now.Sub(sim.Epoch), rssi: f.RSSI, lqi: f.LQI, ch: f.Channel}
			if len(f.PSDU) >= 9 {
				r.seq = f.PSDU[2]
				r.src = binary.LittleEndian.Uint16(f.PSDU[7:])
			}
			s.rx = append(s.rx, r)
		}
	case radio.EventTxDone:
		s.done[ev.TxDone.Status]++
		if s.record {
			s.dones = append(s.dones, ev.TxDone)
		}
	}
}

func (s *station) Poll(now time.Time) {
	s.polls++
	if s.next.IsZero() || now.Before(s.next) {
		return
	}
	if s.count != 0 {
		s.send()
		if s.count > 0 {
			s.count--
		}
	}
	if s.period == 0 || s.count == 0 {
		s.next = time.Time{}
		return
	}
	s.next = s.next.Add(s.period)
	if s.jitter > 0 {
		s.next = s.next.Add(time.Duration(s.rng.Int64N(int64(s.jitter))))
	}
}

func (s *station) send() {
	s.seq++
	s.buf = dataFrame(s.buf, s.seq, s.dst, shortOf(s.id), s.ackReq, s.payload)
	req := radio.TxRequest{
		Handle:     uint32(s.seq),
		PSDU:       s.buf,
		AckRequest: s.ackReq,
		CSMA:       s.csma,
		MaxRetries: s.retries,
	}
	if s.power != nil {
		req.TxPowerDBm, req.HasTxPower = *s.power, true
	}
	if err := s.port.Transmit(req); err != nil {
		s.sendErr++
		return
	}
	s.sent++
}

func (s *station) Deadline() time.Time { return s.next }

// quietConfig is the default configuration without shadowing, so tests can
// place nodes at exact path losses.
func quietConfig() sim.Config {
	c := sim.DefaultConfig()
	c.Propagation.ShadowingSigmaDB = 0
	return c
}

// distanceFor returns the distance at which a 0 dBm frame arrives at dBm.
func distanceFor(p sim.Propagation, dBm float64) float64 {
	return p.DistanceForLoss(-dBm)
}
