package firewall

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

const (
	payloadLen = 1000
	l3Len      = 40 + 8 + payloadLen // what the quota counts per packet
	sinkPort   = 9000
)

// edgeConfig is the traffic tests' policy: a small inbound quota per /64,
// a generous outbound one, UDP 9000 open into the mesh.
func edgeConfig() Config {
	c := DefaultConfig("mesh0", "up0", meshPfx)
	c.InboundQuota = Quota{Bytes: 20000, Window: time.Second, Mode: IdleTimeout, KeyBits: 64, MaxSources: 64}
	c.OutboundQuota.Bytes = 1 << 30
	c.NewFlowLimit = RateLimit{Rate: 10000, Burst: 10000, Window: time.Minute, MaxSources: 64}
	c.Services = []Service{{Name: "sink", Prefix: meshPfx, Protocol: UDP, Port: sinkPort}}
	return c
}

func applyGuard(t *testing.T, ns *netns, cfg Config) *Guard {
	t.Helper()
	g, err := New(WithNetNS(ns.file))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Apply(context.Background(), cfg); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return g
}

func counters(t *testing.T, g *Guard) Counters {
	t.Helper()
	c, err := g.Counters()
	if err != nil {
		t.Fatalf("Counters: %v", err)
	}
	return c
}

// wantQuotaBytes asserts that exactly the quota (± one packet) got through.
func wantQuotaBytes(t *testing.T, who netip.Addr, gotPayload int, quota uint64) {
	t.Helper()
	got := gotPayload / payloadLen * l3Len
	if diff := got - int(quota); diff > l3Len || diff < -l3Len {
		t.Errorf("source %v: %d L3 bytes got through, want the quota %d ± one packet (%d)", who, got, quota, l3Len)
	}
}

func TestIntegrationEdgeTraffic(t *testing.T) {
	tp := newTopology(t)
	cfg := edgeConfig()
	g := applyGuard(t, tp.gw, cfg)
	sink := tp.mesh.udpSink(t, sinkPort)
	upRaw := tp.up.rawSender(t)
	meshRaw := tp.mesh.rawSender(t)
	payload := make([]byte, payloadLen)
	const sent = 40 // 40 × 1048 bytes, about twice the quota

	srcA := netip.MustParseAddr("2001:db8:aa::1")
	srcA2 := netip.MustParseAddr("2001:db8:aa::2") // same /64 as srcA
	srcB := netip.MustParseAddr("2001:db8:bb::1")

	t.Run("quota per source", func(t *testing.T) {
		upRaw.send(t, udpPacket(srcA, meshAddr, 5000, sinkPort, payload), sent)
		upRaw.send(t, udpPacket(srcA2, meshAddr, 5000, sinkPort, payload), 5)
		upRaw.send(t, udpPacket(srcB, meshAddr, 5000, sinkPort, payload), sent)
		got := sink.drain()
		wantQuotaBytes(t, srcA, got[srcA], cfg.InboundQuota.Bytes)
		wantQuotaBytes(t, srcB, got[srcB], cfg.InboundQuota.Bytes)
		if got[srcA2] != 0 {
			t.Errorf("%v shares %v's /64 quota, which is used up, yet %d bytes got through", srcA2, srcA, got[srcA2])
		}
		c := counters(t, g)
		dropped := c.Rules[RuleQuotaIn].Packets
		passed := uint64((got[srcA] + got[srcB]) / payloadLen)
		if dropped+passed != 2*sent+5 {
			t.Errorf("quota_in dropped %d and %d passed, want %d in all", dropped, passed, 2*sent+5)
		}
		var seen int
		for _, s := range c.Sources {
			if s.Direction != Inbound {
				continue
			}
			want := map[netip.Prefix]bool{netip.MustParsePrefix("2001:db8:aa::/64"): true, netip.MustParsePrefix("2001:db8:bb::/64"): true}
			if !want[s.Source] {
				continue
			}
			seen++
			if !s.Depleted || s.Used != s.Limit || s.Limit != cfg.InboundQuota.Bytes {
				t.Errorf("usage of %v = %+v, want depleted at the limit %d", s.Source, s, cfg.InboundQuota.Bytes)
			}
		}
		if seen != 2 {
			t.Errorf("Counters().Sources = %+v, want both /64s listed", c.Sources)
		}
	})

	t.Run("quota resets after the idle timeout", func(t *testing.T) {
		// Wait (bounded) for the kernel to expire srcA's element; the test
		// asserts bytes, not time.
		pfx := netip.MustParsePrefix("2001:db8:aa::/64")
		deadline := time.Now().Add(10 * time.Second)
		for {
			present := false
			for _, s := range counters(t, g).Sources {
				present = present || s.Source == pfx
			}
			if !present {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("element %v did not expire within 10s of a %v timeout", pfx, cfg.InboundQuota.Window)
			}
			time.Sleep(100 * time.Millisecond)
		}
		upRaw.send(t, udpPacket(srcA, meshAddr, 5000, sinkPort, payload), sent)
		got := sink.drain()
		wantQuotaBytes(t, srcA, got[srcA], cfg.InboundQuota.Bytes)
	})

	t.Run("spoofed mesh source from the uplink", func(t *testing.T) {
		before := counters(t, g).Rules[RuleUplinkSrcMesh].Packets
		spoof := netip.MustParseAddr("2001:db8:1::99")
		upRaw.send(t, udpPacket(spoof, meshAddr, 5000, sinkPort, payload[:10]), 20)
		if got := sink.drain(); got[spoof] != 0 {
			t.Errorf("%d bytes from spoofed mesh source %v crossed the edge", got[spoof], spoof)
		}
		if d := counters(t, g).Rules[RuleUplinkSrcMesh].Packets - before; d != 20 {
			t.Errorf("uplink_src_mesh counted %d packets, want 20", d)
		}
	})

	t.Run("off-prefix and fib-failing sources from the mesh", func(t *testing.T) {
		upSink := tp.up.udpSink(t, sinkPort+1)
		off := netip.MustParseAddr("2001:db8:77::1")
		own := gwMesh // in the mesh prefix, but a local address of gw: fib says missing
		c0 := counters(t, g).Rules
		meshRaw.send(t, udpPacket(off, upAddr, 5000, sinkPort+1, payload[:10]), 20)
		meshRaw.send(t, udpPacket(own, upAddr, 5000, sinkPort+1, payload[:10]), 20)
		meshRaw.send(t, udpPacket(meshAddr, upAddr, 5000, sinkPort+1, payload[:10]), 3)
		got := upSink.drain()
		if got[off] != 0 || got[own] != 0 {
			t.Errorf("spoofed mesh sources got through: %v", got)
		}
		if got[meshAddr] != 30 {
			t.Errorf("genuine mesh source delivered %d bytes, want 30", got[meshAddr])
		}
		c1 := counters(t, g).Rules
		if d := c1[RuleMeshSrcOffPrefix].Packets - c0[RuleMeshSrcOffPrefix].Packets; d != 20 {
			t.Errorf("mesh_src_off_prefix counted %d, want 20", d)
		}
		if d := c1[RuleMeshSrcFib].Packets - c0[RuleMeshSrcFib].Packets; d != 20 {
			t.Errorf("mesh_src_fib counted %d, want 20", d)
		}
	})

	t.Run("replies to established flows pass, unsolicited do not", func(t *testing.T) {
		var echo *net.UDPConn
		if err := tp.up.do(func() (err error) {
			echo, err = net.ListenUDP("udp6", &net.UDPAddr{Port: 7000})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		defer echo.Close()
		go func() {
			buf := make([]byte, 2048)
			_ = echo.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, from, err := echo.ReadFromUDPAddrPort(buf)
			if err == nil {
				_, _ = echo.WriteToUDPAddrPort(buf[:n], from)
			}
		}()
		var c *net.UDPConn
		if err := tp.mesh.do(func() (err error) {
			c, err = net.DialUDP("udp6", nil, &net.UDPAddr{IP: upAddr.AsSlice(), Port: 7000})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != "ping" {
			t.Fatalf("reply to an outbound flow: %q, %v; want \"ping\"", buf[:n], err)
		}
		// The same port from the uplink without a flow is dropped.
		other := tp.mesh.udpSink(t, 7001)
		upRaw.send(t, udpPacket(upAddr, meshAddr, 7000, 7001, []byte("unsolicited")), 3)
		if got := other.drain(); got[upAddr] != 0 {
			t.Errorf("unsolicited inbound UDP to a closed service reached the mesh (%d bytes)", got[upAddr])
		}

		// TCP: a connection from the mesh carries data both ways.
		var ln net.Listener
		if err := tp.up.do(func() (err error) {
			ln, err = net.Listen("tcp6", "[::]:7443")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			s, err := ln.Accept()
			if err == nil {
				_, _ = s.Write(make([]byte, 5000))
				s.Close()
			}
		}()
		var tc net.Conn
		if err := tp.mesh.do(func() (err error) {
			tc, err = net.DialTimeout("tcp6", net.JoinHostPort(upAddr.String(), "7443"), 5*time.Second)
			return err
		}); err != nil {
			t.Fatalf("TCP from the mesh: %v", err)
		}
		defer tc.Close()
		_ = tc.SetReadDeadline(time.Now().Add(5 * time.Second))
		total := 0
		for {
			n, err := tc.Read(buf)
			total += n
			if err != nil {
				break
			}
		}
		if total != 5000 {
			t.Errorf("TCP reply data: got %d bytes, want 5000", total)
		}
	})

	t.Run("ICMPv6 policy", func(t *testing.T) {
		meshICMP := tp.mesh.icmpSink(t)
		gwICMP := tp.gw.icmpSink(t)
		upICMP := tp.up.icmpSink(t)
		body := make([]byte, 8)
		// Transit, uplink → mesh: echo request passes (and its reply comes
		// back); node information (139), RPL (155) and DAR (157) do not.
		for _, typ := range []byte{128, 139, 155, 157} {
			upRaw.send(t, icmpPacket(upAddr, meshAddr, typ, 0, body), 2)
		}
		got := meshICMP.drain(upAddr)
		if got[128] != 2 {
			t.Errorf("echo requests forwarded into the mesh: %d, want 2", got[128])
		}
		for _, typ := range []byte{139, 155, 157} {
			if got[typ] != 0 {
				t.Errorf("ICMPv6 type %d was forwarded into the mesh", typ)
			}
		}
		if r := upICMP.drain(meshAddr); r[129] != 2 {
			t.Errorf("echo replies back to the uplink: %d, want 2", r[129])
		}
		// Transit, mesh → uplink: RPL never leaves the mesh.
		meshRaw.send(t, icmpPacket(meshAddr, upAddr, 155, 0, body), 2)
		if r := upICMP.drain(meshAddr); r[155] != 0 {
			t.Errorf("RPL was forwarded out of the mesh")
		}
		// To the gateway: RPL, DAR/DAC accepted from the mesh only.
		for _, typ := range []byte{155, 157, 158} {
			meshRaw.send(t, icmpPacket(meshAddr, gwMesh, typ, 0, body), 1)
		}
		if r := gwICMP.drain(meshAddr); r[155] != 1 || r[157] != 1 || r[158] != 1 {
			t.Errorf("RPL/DAR/DAC from the mesh to the gateway: %v, want one of each", r)
		}
		for _, typ := range []byte{155, 157, 158, 138, 139, 128} {
			upRaw.send(t, icmpPacket(upAddr, gwUpAddr, typ, 0, body), 1)
		}
		r := gwICMP.drain(upAddr)
		for _, typ := range []byte{155, 157, 158, 138, 139} {
			if r[typ] != 0 {
				t.Errorf("ICMPv6 type %d from the uplink reached the gateway", typ)
			}
		}
		if r[128] != 1 {
			t.Errorf("echo request from the uplink to the gateway: %d, want 1", r[128])
		}
		// An essential error related to a flow passes: a UDP datagram from
		// the mesh to a closed port comes back as port unreachable.
		var c *net.UDPConn
		if err := tp.mesh.do(func() (err error) {
			c, err = net.DialUDP("udp6", nil, &net.UDPAddr{IP: upAddr.AsSlice(), Port: 7999})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = c.Write([]byte("x"))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 8)); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("port unreachable for a mesh flow: read error %v, want ECONNREFUSED", err)
		}
		// The same error without a flow is conntrack-invalid and dropped.
		meshICMP.drain(upAddr) // discard the port unreachable above
		inv := counters(t, g).Rules[RuleFwdInInvalid].Packets
		upRaw.send(t, icmpPacket(upAddr, meshAddr, 1, 4, make([]byte, 52)), 2)
		if got := meshICMP.drain(upAddr); got[1] != 0 {
			t.Errorf("an unsolicited destination unreachable was forwarded into the mesh")
		}
		if d := counters(t, g).Rules[RuleFwdInInvalid].Packets - inv; d != 2 {
			t.Errorf("fwd_in_ct_invalid counted %d, want 2", d)
		}
	})

	t.Run("full quota set", func(t *testing.T) {
		full := edgeConfig()
		full.InboundQuota.MaxSources = 2
		full.InboundQuota.Window = time.Minute
		if err := g.Apply(context.Background(), full); err != nil {
			t.Fatal(err)
		}
		srcs := []netip.Addr{
			netip.MustParseAddr("2001:db8:c1::1"),
			netip.MustParseAddr("2001:db8:c2::1"),
			netip.MustParseAddr("2001:db8:c3::1"),
		}
		for _, s := range srcs {
			upRaw.send(t, udpPacket(s, meshAddr, 5000, sinkPort, payload), 5)
		}
		got := sink.drain()
		if got[srcs[0]] != 5*payloadLen || got[srcs[1]] != 5*payloadLen {
			t.Errorf("metered sources: %v, want 5 packets each", got)
		}
		if got[srcs[2]] != 0 {
			t.Errorf("a source that found the set full slipped through unmetered: %d bytes", got[srcs[2]])
		}
		if n := counters(t, g).Rules[RuleQuotaInFull].Packets; n != 5 {
			t.Errorf("quota_in_full counted %d packets, want 5", n)
		}

		// FullLimit: unmetered sources pass under an aggregate limit.
		lim := full
		lim.InboundQuota.WhenFull, lim.InboundQuota.FullRate = FullLimit, 1
		if err := g.Apply(context.Background(), lim); err != nil {
			t.Fatal(err)
		}
		for _, s := range srcs {
			upRaw.send(t, udpPacket(s, meshAddr, 5000, sinkPort, payload[:10]), 20)
		}
		got = sink.drain()
		// Burst 5 at 1/s: at most a handful pass, never all 20.
		if n := got[srcs[2]] / 10; n == 0 || n >= 20 {
			t.Errorf("rate-limited unmetered source delivered %d of 20 packets, want 1 to 19", n)
		}
	})
}
