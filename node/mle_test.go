package node

import (
	"bytes"
	"testing"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/sim"
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
