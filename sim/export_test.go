package sim_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshgw/meshgw/internal/testenv"
	"github.com/meshgw/meshgw/sim"
	"github.com/meshgw/meshgw/wpan"
)

// exportScenario: node 0 sends 10 acknowledged unicasts to node 1 on
// channel 15 and node 2 sends 5 broadcasts on channel 20.
func exportScenario(t *testing.T) *sim.Medium {
	m := mustNew(t, sim.Line(3, 5), quietConfig())
	a := attach(t, m, newStation(m, 0, 15).every(time.Millisecond, 10*time.Millisecond))
	a.dst, a.ackReq, a.csma, a.retries, a.count = shortOf(1), true, true, 3, 10
	attach(t, m, newStation(m, 1, 15))
	c := attach(t, m, newStation(m, 2, 20).every(2*time.Millisecond, 10*time.Millisecond))
	c.count = 5
	return m
}

func TestCapturePcapTshark(t *testing.T) {
	tshark := testenv.NeedCommand(t, "tshark")
	m := exportScenario(t)
	path := filepath.Join(t.TempDir(), "medium.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := m.CapturePcap(w); err != nil {
		t.Fatal(err)
	}
	run(t, m, time.Second)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tshark, "-r", path, "-T", "fields", "-E", "separator=,",
		"-e", "frame.time_epoch", "-e", "wpan.frame_type", "-e", "wpan-tap.ch_num", "-e", "wpan.fcs_ok")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	mt := m.Metrics()
	if want := int(mt.FramesTx + mt.AcksTx); len(lines) != want || want != 25 {
		t.Fatalf("tshark read %d frames, medium sent %d (want 25):\n%s", len(lines), want, out)
	}
	types := map[string]int{}
	for _, l := range lines {
		f := strings.Split(l, ",")
		if len(f) != 4 {
			t.Fatalf("tshark line %q", l)
		}
		ts, err := strconv.ParseFloat(f[0], 64)
		if err != nil || ts < float64(sim.Epoch.Unix()) || ts > float64(sim.Epoch.Unix()+1) {
			t.Errorf("timestamp %q not within the first virtual second", f[0])
		}
		types[f[1]+"@"+f[2]]++
		if f[3] != "1" && f[3] != "True" {
			t.Errorf("FCS not OK in %q", l)
		}
	}
	// Data frames are type 0x1, ACKs 0x2 (tshark prints hex).
	want := map[string]int{"0x0001@15": 10, "0x0002@15": 10, "0x0001@20": 5}
	for k, v := range want {
		if types[k] != v {
			t.Errorf("tshark saw %v, want %v", types, want)
			break
		}
	}
}

func TestCapturePcapHeader(t *testing.T) {
	m := exportScenario(t)
	var buf bytes.Buffer
	if err := m.CapturePcap(&buf); err != nil {
		t.Fatal(err)
	}
	run(t, m, time.Second)
	b := buf.Bytes()
	if len(b) < 24 || binary.LittleEndian.Uint32(b[20:]) != uint32(wpan.LinkTypeTAP) {
		t.Fatalf("pcap header %x", b[:min(24, len(b))])
	}
}

// parseZEP checks a ZEP v2 data packet and returns channel, device, seq and
// PSDU (with FCS).
func parseZEP(t *testing.T, p []byte) (ch uint8, dev uint16, ts time.Time, seq uint32, psdu []byte) {
	t.Helper()
	if len(p) < 32 || string(p[:2]) != "EX" || p[2] != 2 || p[3] != 1 {
		t.Fatalf("not a ZEP v2 data packet: %x", p)
	}
	if p[7] != 1 {
		t.Errorf("CRC/LQI mode %d, want 1 (FCS present)", p[7])
	}
	if !bytes.Equal(p[21:31], make([]byte, 10)) {
		t.Errorf("reserved bytes %x", p[21:31])
	}
	n := int(p[31])
	if len(p) != 32+n {
		t.Fatalf("ZEP length %d, packet %d", n, len(p))
	}
	sec := int64(binary.BigEndian.Uint32(p[9:])) - 2208988800
	frac := int64(binary.BigEndian.Uint32(p[13:]))
	ts = time.Unix(sec, frac*1e9>>32).UTC()
	return p[4], binary.BigEndian.Uint16(p[5:]), ts, binary.BigEndian.Uint32(p[17:]), p[32:]
}

func TestStreamZEP(t *testing.T) {
	ln, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("udp", ln.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	m := exportScenario(t)
	m.StreamZEP(conn)
	run(t, m, time.Second)
	if err := ln.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	devs := map[uint16]int{}
	var last time.Time
	for i := range 25 {
		n, err := ln.Read(buf)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		ch, dev, ts, seq, psdu := parseZEP(t, buf[:n])
		if seq != uint32(i+1) {
			t.Errorf("packet %d: sequence %d", i, seq)
		}
		if !wpan.CheckFCS(psdu) {
			t.Errorf("packet %d: bad FCS in %x", i, psdu)
		}
		if (dev == 2) != (ch == 20) {
			t.Errorf("packet %d: device %d on channel %d", i, dev, ch)
		}
		if ts.Before(last) || ts.Before(sim.Epoch) || ts.After(sim.Time(time.Second)) {
			t.Errorf("packet %d: timestamp %v", i, ts)
		}
		last = ts
		devs[dev]++
	}
	if devs[0] != 10 || devs[1] != 10 || devs[2] != 5 {
		t.Errorf("packets per device %v, want 10 data, 10 ACKs, 5 broadcasts", devs)
	}
}
