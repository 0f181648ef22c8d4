package node

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/meshgw/meshgw/radio/zep"
)

// chanHost delivers packets to a channel.
type chanHost chan []byte

func (h chanHost) Deliver(_ time.Time, pkt []byte) {
	select {
	case h <- bytes.Clone(pkt):
	default:
	}
}

// TestLoopEchoOverZEP runs two nodes in real time, each on its own loop,
// over real UDP sockets speaking ZEP v2, and pings across the secured link.
func TestLoopEchoOverZEP(t *testing.T) {
	var drv [2]*zep.Driver
	for i := range drv {
		d, err := zep.Open(zep.Config{Listen: "127.0.0.1:0", DeviceID: uint16(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		drv[i] = d
		t.Cleanup(func() { _ = d.Close() })
	}
	drv[0].AddPeer(drv[1].LocalAddr())
	drv[1].AddPeer(drv[0].LocalAddr())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hosts := [2]chanHost{make(chanHost, 8), make(chanHost, 8)}
	var nodes [2]*Node
	var loops [2]*Loop
	errs := make(chan error, 2)
	for i := range nodes {
		n, err := New(testConfig(i, hosts[i]), drv[i])
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = n
		loops[i] = NewLoop(n, drv[i], 0)
		go func() { errs <- loops[i].Run(ctx) }()
	}
	data := bytes.Repeat([]byte("meshgw"), 100) // 600 bytes: fragmented
	for seq := uint16(1); seq <= 3; seq++ {
		pkt := AppendEchoRequest(nil, nodes[0].LinkLocal(), nodes[1].LinkLocal(), 42, seq, data)
		if !loops[0].Inject(pkt) {
			t.Fatal("inject refused")
		}
		select {
		case got := <-hosts[0]:
			r, ok := ParseEchoReply(got)
			if !ok || r.Seq != seq || r.ID != 42 || !bytes.Equal(r.Data, data) {
				t.Fatalf("bad reply %x", got)
			}
		case <-ctx.Done():
			t.Fatal("no echo reply over ZEP")
		}
	}
	var st Stats
	if err := loops[0].Do(ctx, func(n *Node, _ time.Time) { st = n.Stats() }); err != nil {
		t.Fatal(err)
	}
	if st.TxAcked == 0 || st.TxNoAck != 0 {
		t.Fatalf("unicast frames not acknowledged over ZEP: %+v", st)
	}
	cancel()
	for range loops {
		<-errs
	}
}
