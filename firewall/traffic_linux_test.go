package firewall

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The three-namespace topology of the traffic tests:
//
//	[up] eth0 2001:db8:ff::2 ── up0 2001:db8:ff::1 [gw] mesh0 2001:db8:1::1 ── m0 2001:db8:1::2 [mesh]
//
// gw forwards IPv6 and runs the guard. up's default route points at gw, gw's
// default route at up, so any non-mesh source is routable from gw.
type topology struct {
	up, gw, mesh *netns
}

var (
	upAddr   = netip.MustParseAddr("2001:db8:ff::2")
	gwUpAddr = netip.MustParseAddr("2001:db8:ff::1")
	gwMesh   = netip.MustParseAddr("2001:db8:1::1")
	meshAddr = netip.MustParseAddr("2001:db8:1::2")
	meshPfx  = netip.MustParsePrefix("2001:db8:1::/64")
)

func newTopology(t testing.TB) *topology {
	t.Helper()
	tp := &topology{up: newNetns(t), gw: newNetns(t), mesh: newNetns(t)}
	link := func(a *netns, aName string, b *netns, bName string) {
		tmpA, tmpB := a.name[len(a.name)-4:]+"a", b.name[len(b.name)-4:]+"b"
		a.run(t, "ip", "link", "add", tmpA, "type", "veth", "peer", "name", tmpB)
		a.run(t, "ip", "link", "set", tmpB, "netns", b.name)
		a.run(t, "ip", "link", "set", tmpA, "name", aName)
		b.run(t, "ip", "link", "set", tmpB, "name", bName)
		a.run(t, "ip", "link", "set", aName, "up")
		b.run(t, "ip", "link", "set", bName, "up")
	}
	link(tp.up, "eth0", tp.gw, "up0")
	link(tp.gw, "mesh0", tp.mesh, "m0")
	tp.gw.run(t, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
	tp.up.run(t, "ip", "-6", "addr", "add", upAddr.String()+"/64", "dev", "eth0", "nodad")
	tp.gw.run(t, "ip", "-6", "addr", "add", gwUpAddr.String()+"/64", "dev", "up0", "nodad")
	tp.gw.run(t, "ip", "-6", "addr", "add", gwMesh.String()+"/64", "dev", "mesh0", "nodad")
	tp.mesh.run(t, "ip", "-6", "addr", "add", meshAddr.String()+"/64", "dev", "m0", "nodad")
	tp.up.run(t, "ip", "-6", "route", "add", "default", "via", gwUpAddr.String())
	tp.gw.run(t, "ip", "-6", "route", "add", "default", "via", upAddr.String())
	tp.mesh.run(t, "ip", "-6", "route", "add", "default", "via", gwMesh.String())
	// Resolve neighbours (and let the links settle) before any test
	// traffic, so no test packet waits in a neighbour queue.
	tp.warm(t, tp.mesh, tp.up, upAddr)
	tp.warm(t, tp.up, tp.mesh, meshAddr)
	return tp
}

// warm sends datagrams from one namespace until one arrives at the other.
func (tp *topology) warm(t testing.TB, from, to *netns, toAddr netip.Addr) {
	t.Helper()
	const port = 1
	sink := to.udpSink(t, port)
	var c *net.UDPConn
	if err := from.do(func() (err error) {
		c, err = net.DialUDP("udp6", nil, &net.UDPAddr{IP: toAddr.AsSlice(), Port: port})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 16)
	for range 100 {
		_, _ = c.Write([]byte("warm"))
		_ = sink.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, _, err := sink.conn.ReadFromUDPAddrPort(buf); err == nil {
			sink.conn.Close()
			return
		}
	}
	t.Fatalf("no connectivity %s → %s", from.name, to.name)
}

// ---- packet construction ----

func checksum(src, dst netip.Addr, proto byte, l4 []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	s, d := src.As16(), dst.As16()
	add(s[:])
	add(d[:])
	var ph [8]byte
	binary.BigEndian.PutUint32(ph[:4], uint32(len(l4)))
	ph[7] = proto
	add(ph[:])
	add(l4)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

func ipv6Packet(src, dst netip.Addr, proto byte, l4 []byte) []byte {
	p := make([]byte, 40, 40+len(l4))
	p[0] = 0x60
	binary.BigEndian.PutUint16(p[4:], uint16(len(l4)))
	p[6] = proto
	p[7] = 64
	s, d := src.As16(), dst.As16()
	copy(p[8:], s[:])
	copy(p[24:], d[:])
	return append(p, l4...)
}

func udpPacket(src, dst netip.Addr, sport, dport uint16, payload []byte) []byte {
	l4 := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(l4[0:], sport)
	binary.BigEndian.PutUint16(l4[2:], dport)
	binary.BigEndian.PutUint16(l4[4:], uint16(len(l4)))
	copy(l4[8:], payload)
	binary.BigEndian.PutUint16(l4[6:], checksum(src, dst, unix.IPPROTO_UDP, l4))
	return ipv6Packet(src, dst, unix.IPPROTO_UDP, l4)
}

func icmpPacket(src, dst netip.Addr, typ, code byte, body []byte) []byte {
	l4 := append([]byte{typ, code, 0, 0}, body...)
	binary.BigEndian.PutUint16(l4[2:], checksum(src, dst, unix.IPPROTO_ICMPV6, l4))
	return ipv6Packet(src, dst, unix.IPPROTO_ICMPV6, l4)
}

// ---- sockets inside namespaces ----

// rawSender is an IPPROTO_RAW socket: it sends whole IPv6 packets with any
// source address (for spoofed sources and arbitrary ICMPv6 types).
type rawSender struct{ fd int }

func (ns *netns) rawSender(t *testing.T) *rawSender {
	t.Helper()
	var fd int
	if err := ns.do(func() (err error) {
		fd, err = unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
		return err
	}); err != nil {
		t.Fatalf("raw socket in %s: %v", ns.name, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &rawSender{fd: fd}
}

func (r *rawSender) send(t *testing.T, pkt []byte, n int) {
	t.Helper()
	dst := [16]byte(pkt[24:40])
	for range n {
		if err := unix.Sendto(r.fd, pkt, 0, &unix.SockaddrInet6{Addr: dst}); err != nil {
			t.Fatalf("sendto: %v", err)
		}
	}
}

// udpSink counts bytes received per source on a UDP port inside a namespace.
type udpSink struct{ conn *net.UDPConn }

func (ns *netns) udpSink(t testing.TB, port int) *udpSink {
	t.Helper()
	var c *net.UDPConn
	if err := ns.do(func() (err error) {
		c, err = net.ListenUDP("udp6", &net.UDPAddr{Port: port})
		return err
	}); err != nil {
		t.Fatalf("listen udp in %s: %v", ns.name, err)
	}
	_ = c.SetReadBuffer(4 << 20)
	t.Cleanup(func() { c.Close() })
	return &udpSink{conn: c}
}

// drain reads until the socket has been quiet for a while and returns the
// payload bytes per source address. The quiet period only ends the read; it
// is never asserted on.
func (s *udpSink) drain() map[netip.Addr]int {
	got := map[netip.Addr]int{}
	buf := make([]byte, 65536)
	for {
		_ = s.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return got
		}
		got[from.Addr().Unmap()] += n
	}
}

// icmpSink receives ICMPv6 messages delivered to a namespace's stack.
type icmpSink struct{ fd int }

func (ns *netns) icmpSink(t *testing.T) *icmpSink {
	t.Helper()
	var fd int
	if err := ns.do(func() (err error) {
		fd, err = unix.Socket(unix.AF_INET6, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMPV6)
		return err
	}); err != nil {
		t.Fatalf("icmpv6 socket in %s: %v", ns.name, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &icmpSink{fd: fd}
}

// drain returns how many messages of each type arrived from src.
func (s *icmpSink) drain(src netip.Addr) map[byte]int {
	got := map[byte]int{}
	tv := unix.NsecToTimeval(int64(300 * time.Millisecond))
	_ = unix.SetsockoptTimeval(s.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	buf := make([]byte, 2048)
	for {
		n, from, err := unix.Recvfrom(s.fd, buf, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return got
		}
		sa, ok := from.(*unix.SockaddrInet6)
		if n < 1 || !ok || netip.AddrFrom16(sa.Addr) != src {
			continue
		}
		got[buf[0]]++
	}
}
