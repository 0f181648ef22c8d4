package sim_test

import (
	"fmt"
	"time"

	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/sim"
)

// beacon is a minimal Station: it broadcasts one frame per second and
// counts what it hears.
type beacon struct {
	port  radio.Port
	next  time.Time
	heard int
}

func (b *beacon) HandleRadio(now time.Time, ev *radio.Event) {
	if ev.Kind == radio.EventFrame {
		b.heard++
	}
}

func (b *beacon) Poll(now time.Time) {
	if now.Before(b.next) {
		return
	}
	frame := []byte{0x41, 0x88, 0, 0xce, 0xfa, 0xff, 0xff, 0x01, 0x00, 'h', 'i'}
	_ = b.port.Transmit(radio.TxRequest{PSDU: frame, CSMA: true})
	b.next = b.next.Add(time.Second)
}

func (b *beacon) Deadline() time.Time { return b.next }

func ExampleMedium() {
	m, err := sim.New(sim.Line(3, 30), sim.DefaultConfig())
	if err != nil {
		panic(err)
	}
	var bs []*beacon
	for id := range sim.NodeID(m.Len()) {
		b := &beacon{port: m.Radio(id), next: sim.Time(time.Duration(id) * 100 * time.Millisecond)}
		_ = m.Radio(id).Configure(radio.Config{Channel: 15, PAN: 0xface, Short: 1, TxPowerDBm: 0, RxOn: true})
		_ = m.Attach(id, b)
		bs = append(bs, b)
	}
	_ = m.StopNode(5*time.Second, 2)
	if err := m.RunUntil(10 * time.Second); err != nil {
		panic(err)
	}
	mt := m.Metrics()
	fmt.Println("frames sent:", mt.FramesTx, "node 0 heard:", bs[0].heard, "node 2 heard:", bs[2].heard)
	// Output: frames sent: 25 node 0 heard: 15 node 2 heard: 10
}
