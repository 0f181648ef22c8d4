package firewall

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshgw/meshgw/internal/testenv"
)

// BenchmarkApply10kPrefixes measures one atomic Apply of the default
// ruleset with a 10,000-prefix mesh set (20,001 interval elements, in
// 1,000-element messages) into a namespace without the table.
func BenchmarkApply10kPrefixes(b *testing.B) {
	ns := newNetns(b)
	cfg := largeConfig(10000)
	g, _ := New(WithNetNS(ns.file))
	for b.Loop() {
		b.StopTimer()
		if err := g.Remove(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := g.Apply(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNftLoad10kPrefixes loads the same ruleset (Render's text) with
// `nft -f`, process start and parsing included, for comparison.
func BenchmarkNftLoad10kPrefixes(b *testing.B) {
	testenv.NeedCommand(b, "nft")
	ns := newNetns(b)
	text, err := Render(largeConfig(10000))
	if err != nil {
		b.Fatal(err)
	}
	f := filepath.Join(b.TempDir(), "ruleset.nft")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		_, _ = ns.try("nft", "delete", "table", "inet", TableName)
		b.StartTimer()
		if out, err := ns.try("nft", "-f", f); err != nil {
			b.Fatalf("nft -f: %v: %s", err, out)
		}
	}
}

// BenchmarkForward sends 64-byte UDP datagrams from the uplink namespace
// through gw to the mesh namespace, with and without the guard. On veth,
// gw's forwarding runs in the sender's softirq, so ns/op is the per-packet
// cost of send + forward; delivered/op is the share that reached the sink.
func BenchmarkForward(b *testing.B) {
	for _, guard := range []bool{false, true} {
		name := "noguard"
		if guard {
			name = "guard"
		}
		b.Run(name, func(b *testing.B) {
			tp := newTopology(b)
			if guard {
				cfg := edgeConfig()
				cfg.InboundQuota.Bytes = 1 << 50
				cfg.NewFlowLimit.Rate = 0
				g, _ := New(WithNetNS(tp.gw.file))
				if err := g.Apply(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
			sink := tp.mesh.udpSink(b, sinkPort)
			var got atomic.Int64
			done := make(chan struct{})
			go func() {
				defer close(done)
				buf := make([]byte, 2048)
				for {
					_ = sink.conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
					if _, _, err := sink.conn.ReadFromUDPAddrPort(buf); err != nil {
						return
					}
					got.Add(1)
				}
			}()
			var c *net.UDPConn
			if err := tp.up.do(func() (err error) {
				c, err = net.DialUDP("udp6", nil, &net.UDPAddr{IP: meshAddr.AsSlice(), Port: sinkPort})
				return err
			}); err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msg := make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				_, _ = c.Write(msg)
			}
			b.StopTimer()
			<-done
			b.ReportMetric(float64(got.Load())/float64(b.N), "delivered/op")
		})
	}
}
