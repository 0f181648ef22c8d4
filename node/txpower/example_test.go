package txpower_test

import (
	"fmt"
	"time"

	"github.com/meshgw/meshgw/node/txpower"
)

// A node wires the controller to its MLE link table, its RPL state and its
// radio: feedback in, a level per frame out.
func Example() {
	type eui64 = [8]byte
	parent := eui64{0x02, 0, 0, 0, 0, 0, 0, 1}
	c, err := txpower.New(txpower.Config[eui64]{
		Levels: txpower.Steps(-20, 8, 1), // radio.Capabilities.TxPowers
	})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.SetParent(now, parent) // RPL chose a preferred parent
	fmt.Println("unknown parent:", c.Level(), "dBm")

	// The parent hears this node 22 dB above its sensitivity at +8 dBm
	// (MLE Link Margin TLV), and acknowledges every frame.
	for i := range 60 {
		now = now.Add(time.Second)
		p := c.LevelFor(parent) // radio.TxRequest{TxPowerDBm: p, HasTxPower: true}
		c.HandleAck(now, parent, p, 1, true)
		c.HandleMargin(now, parent, uint8(22-8+int(p)), p)
		if d, ok := c.Deadline(); ok && !now.Before(d) {
			c.Poll(now)
		}
		if i == 59 {
			fmt.Println("settled:", c.Level(), "dBm;", c.Reason())
		}
	}

	// A frame to the parent goes unacknowledged: straight back up.
	now = now.Add(time.Second)
	c.HandleAck(now, parent, c.LevelFor(parent), 4, false)
	fmt.Println("after a loss:", c.Level(), "dBm;", c.Reason().Kind)
	// Output:
	// unknown parent: 8 dBm
	// settled: -4 dBm; parent [2 0 0 0 0 0 0 1]: adequate margin (margin 10 dB >= 10 dB) at -4 dBm
	// after a loss: 8 dBm; frame lost
}
