package wpan

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshgw/meshgw/internal/testenv"
)

// captureFrames returns frames of several kinds (without FCS) and a name
// for each, for the pcap tests.
func captureFrames(t testing.TB) (names []string, frames [][]byte) {
	t.Helper()
	key := mustCCM(t, testKey)
	add := func(name string, b []byte, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		names = append(names, name)
		frames = append(frames, b)
	}
	// Data, 2006, short → short with a 6LoWPAN IPHC payload (link-local
	// ICMPv6 echo request, addresses from the MAC header).
	data := Frame{Type: FrameData, Version: Version2006, AckRequest: true, Seq: 1}
	data.SetAddrs(0xface, ShortAddress(0x0001), 0xface, ShortAddress(0x0002))
	data.Payload = iphcEcho(data.Src, data.Dst, 1)
	b, err := data.AppendTo(nil)
	add("data", b, err)
	add("ack", AppendImmAck(nil, 1, false), nil)
	// Beacon: superframe spec 0xcfff, no GTS, no pending addresses.
	beacon := Frame{Type: FrameBeacon, Version: Version2006, Seq: 2, Payload: unhex("ff cf 00 00")}
	beacon.SetAddrs(0, Addr{}, 0xface, ExtAddress(extA))
	b, err = beacon.AppendTo(nil)
	add("beacon", b, err)
	// Data Request command, ext → short.
	cmd := Frame{Type: FrameCommand, Version: Version2006, AckRequest: true, Seq: 3, Payload: []byte{0x04}}
	cmd.SetAddrs(0xface, ShortAddress(0x0000), 0xface, ExtAddress(extB))
	b, err = cmd.AppendTo(nil)
	add("command", b, err)
	// Thread-style secured data frame (level 5, key id mode 1).
	sec := threadFrame(7, nil)
	sec.Payload = iphcEcho(sec.Src, sec.Dst, 7)
	b, err = sec.AppendSealed(nil, key, extA)
	add("secured", b, err)
	// 2015 data frame with an LE-CSL header IE and an MLME payload IE.
	ie := Frame{Type: FrameData, Version: Version2015, Seq: 4, HeaderIEs: unhex("04 0d 11 22 33 44")}
	ie.SetAddrs(0xface, ExtAddress(extB), 0xface, ExtAddress(extA))
	ie.Payload = iphcEcho(ie.Src, ie.Dst, 4)
	b, err = ie.AppendTo(nil)
	add("2015-ies", b, err)
	// Encrypted 2006 beacon: the superframe, GTS and pending address
	// fields stay in the clear, the beacon payload is encrypted.
	sb := Frame{Type: FrameBeacon, Version: Version2006, Security: true, Seq: 5,
		Aux:     AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDIndex, KeyIndex: 1, FrameCounter: 8},
		Payload: unhex("ff cf 01 80 01 02 03 01 34 12 01 02 03 04")}
	sb.SetAddrs(0, Addr{}, 0xface, ExtAddress(extA))
	b, err = sb.AppendSealed(nil, key, extA)
	add("secured-beacon", b, err)
	// Encrypted 2006 Data Request: the command identifier is in the clear.
	sc := Frame{Type: FrameCommand, Version: Version2006, Security: true, AckRequest: true, Seq: 6,
		Aux: AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDIndex, KeyIndex: 1, FrameCounter: 9}, Payload: []byte{0x04}}
	sc.SetAddrs(0xface, ExtAddress(extB), 0xface, ExtAddress(extA))
	b, err = sc.AppendSealed(nil, key, extA)
	add("secured-command", b, err)
	// Encrypted 2015 Data Request: the command identifier is encrypted.
	sc.Version, sc.Aux.FrameCounter = Version2015, 10
	sc.SetAddrs(0xface, ExtAddress(extB), 0xface, ExtAddress(extA)) // 2015 rules: row 7
	b, err = sc.AppendSealed(nil, key, extA)
	add("secured-2015-command", b, err)
	// Encrypted 2015 data frame with a header IE (clear) and an MLME
	// payload IE carrying a TSCH Synchronization sub-IE (encrypted).
	sp := Frame{Type: FrameData, Version: Version2015, Security: true, Seq: 11,
		Aux:        AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDIndex, KeyIndex: 1, FrameCounter: 11},
		HeaderIEs:  unhex("04 0d 11 22 33 44"),
		PayloadIEs: unhex("08 88 06 1a 01 00 00 00 00 00")}
	sp.SetAddrs(0xface, ExtAddress(extB), 0xface, ExtAddress(extA))
	sp.Payload = iphcEcho(sp.Src, sp.Dst, 11)
	b, err = sp.AppendSealed(nil, key, extA)
	add("secured-2015-ies", b, err)
	return names, frames
}

func writeCapture(t *testing.T, lt LinkType, frames [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "capture.pcap")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(fh)
	w, err := NewPcapWriter(bw, lt)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for i, f := range frames {
		info := PcapInfo{Valid: true, RSSI: -60 - int8(i), LQI: 200, Channel: 15}
		if err := w.WriteFrame(ts.Add(time.Duration(i)*time.Millisecond), f, info); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPcapWriterFormat(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewPcapWriter(&buf, LinkTypeWithFCS)
	if err != nil {
		t.Fatal(err)
	}
	ack := AppendImmAck(nil, 94, false)
	ts := time.Unix(1700000000, 123456789)
	if err := w.WriteFrame(ts, ack, PcapInfo{}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if len(b) != 24+16+5 {
		t.Fatalf("file length %d", len(b))
	}
	if binary.LittleEndian.Uint32(b) != 0xA1B23C4D || binary.LittleEndian.Uint32(b[20:]) != 195 {
		t.Fatalf("global header %x", b[:24])
	}
	rec := b[24:]
	if binary.LittleEndian.Uint32(rec) != 1700000000 || binary.LittleEndian.Uint32(rec[4:]) != 123456789 ||
		binary.LittleEndian.Uint32(rec[8:]) != 5 || binary.LittleEndian.Uint32(rec[12:]) != 5 {
		t.Fatalf("record header %x", rec[:16])
	}
	if !bytes.Equal(rec[16:], unhex("02 10 5e d2 9b")) {
		t.Fatalf("record %x, want 02105ed29b", rec[16:])
	}
	if err := w.WriteFrame(ts, make([]byte, MaxFrameLen+1), PcapInfo{}); !errors.Is(err, ErrFrameTooLong) {
		t.Fatalf("long frame: %v", err)
	}
	if _, err := NewPcapWriter(&buf, 1); err == nil {
		t.Fatal("link type 1 accepted")
	}
	for _, lt := range []LinkType{LinkTypeWithFCS, LinkTypeNoFCS, LinkTypeTAP} {
		w, _ := NewPcapWriter(discard{}, lt)
		if n := testing.AllocsPerRun(100, func() { _ = w.WriteFrame(ts, ack, PcapInfo{Valid: true}) }); n != 0 {
			t.Fatalf("link type %d: WriteFrame allocates %v times", lt, n)
		}
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// TestPcapTshark writes a capture of every frame kind with each link type
// and checks that tshark decodes the 802.15.4 fields without malformed
// packets or expert warnings.
func TestPcapTshark(t *testing.T) {
	tshark := testenv.NeedCommand(t, "tshark")
	names, frames := captureFrames(t)
	for _, lt := range []struct {
		name string
		lt   LinkType
	}{{"withfcs", LinkTypeWithFCS}, {"nofcs", LinkTypeNoFCS}, {"tap", LinkTypeTAP}} {
		t.Run(lt.name, func(t *testing.T) {
			path := writeCapture(t, lt.lt, frames)
			run := func(args ...string) string {
				t.Helper()
				cmd := exec.Command(tshark, append([]string{"-n", "-r", path}, args...)...)
				cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("tshark %v: %v\n%s", args, err, stderr.Bytes())
				}
				return string(out)
			}
			fields := run("-T", "fields", "-E", "separator=|",
				"-e", "wpan.frame_type", "-e", "wpan.seq_no", "-e", "wpan.dst_pan", "-e", "wpan.dst16",
				"-e", "wpan.dst64", "-e", "wpan.src_pan", "-e", "wpan.src16", "-e", "wpan.src64", "-e", "wpan.security",
				"-e", "wpan.version")
			lines := strings.Split(strings.TrimSpace(fields), "\n")
			if len(lines) != len(frames) {
				t.Fatalf("tshark printed %d lines for %d frames:\n%s", len(lines), len(frames), fields)
			}
			// type|seq|dst PAN|dst16|dst64|src PAN|src16|src64|security|version
			want := []string{
				"1|1|face|1|||2||0|1",
				"2|1|||||||0|1",
				"0|2||||face||00:11:22:33:44:55:66:77|0|1",
				"3|3|face|0||||88:99:aa:bb:cc:dd:ee:ff|0|1",
				"1|7|face||88:99:aa:bb:cc:dd:ee:ff|||00:11:22:33:44:55:66:77|1|1",
				"1|4|face||88:99:aa:bb:cc:dd:ee:ff|||00:11:22:33:44:55:66:77|0|2",
				"0|5||||face||00:11:22:33:44:55:66:77|1|1",
				"3|6|face||88:99:aa:bb:cc:dd:ee:ff|||00:11:22:33:44:55:66:77|1|1",
				"3|6|face||88:99:aa:bb:cc:dd:ee:ff|||00:11:22:33:44:55:66:77|1|2",
				"1|11|face||88:99:aa:bb:cc:dd:ee:ff|||00:11:22:33:44:55:66:77|1|2",
			}
			for i, l := range lines {
				if l = normalizeHex(l); l != want[i] {
					t.Errorf("%s: tshark fields %q, want %q", names[i], l, want[i])
				}
			}
			// With the key, tshark decrypts the secured frame and checks
			// its MIC: an independent check of the CCM* code.
			verbose := run("-V", "-o", `uat:ieee802154_keys:"00112233445566778899aabbccddeeff","1","No hash"`)
			if strings.Count(verbose, "Data Request (0x04)") != 3 {
				t.Errorf("tshark did not decode (and decrypt) the three Data Requests:\n%s", verbose)
			}
			if !strings.Contains(verbose, "Echo (ping) request") || strings.Count(verbose, "Echo (ping) request") != 4 {
				t.Errorf("tshark did not decode (and decrypt) the four 6LoWPAN echo requests:\n%s", verbose)
			}
			for _, bad := range []string{"Malformed", "[Expert Info (Warning", "[Expert Info (Error", "Bad FCS", "FCS Incorrect"} {
				if strings.Contains(verbose, bad) {
					t.Errorf("tshark -V output contains %q:\n%s", bad, verbose)
				}
			}
			if lt.lt != LinkTypeNoFCS && strings.Count(verbose, "(Correct)")+strings.Count(verbose, "[FCS Valid: True]") != len(frames) {
				t.Errorf("tshark did not check the FCS:\n%s", verbose)
			}
			if lt.lt == LinkTypeWithFCS {
				// Control: with one MIC bit flipped tshark must fail to
				// decrypt, so the clean decode above is a real MIC check.
				bad := bytes.Clone(frames[4])
				bad[len(bad)-1] ^= 1
				path = writeCapture(t, lt.lt, [][]byte{bad})
				out := run("-V", "-o", `uat:ieee802154_keys:"00112233445566778899aabbccddeeff","1","No hash"`)
				if strings.Contains(out, "Echo (ping) request") || !strings.Contains(out, "Expert Info (Warning") {
					t.Errorf("tshark accepted a frame with a bad MIC:\n%s", out)
				}
			}
			if lt.lt == LinkTypeTAP {
				tap := run("-T", "fields", "-e", "wpan-tap.ch_num", "-e", "wpan-tap.lqi", "-e", "wpan-tap.rss")
				if first := strings.SplitN(tap, "\n", 2)[0]; first != "15\t200\t-60" {
					t.Errorf("TAP fields %q, want 15 200 -60", first)
				}
			}
		})
	}
}

// normalizeHex rewrites booleans as 0/1 and "|"-separated hex numbers ("0x0001", "0xface") as
// bare lower-case hex without leading zeros, since tshark versions print
// field widths differently.
func normalizeHex(line string) string {
	parts := strings.Split(line, "|")
	for i, p := range parts {
		switch p { // booleans print as 0/1 or False/True depending on the version
		case "True":
			parts[i] = "1"
		case "False":
			parts[i] = "0"
		}
		if v, err := strconv.ParseUint(strings.TrimPrefix(p, "0x"), 16, 64); err == nil && strings.HasPrefix(p, "0x") {
			parts[i] = strconv.FormatUint(v, 16)
		}
	}
	return strings.Join(parts, "|")
}

// iphcEcho returns a 6LoWPAN IPHC-compressed ICMPv6 echo request between
// the link-local addresses derived from src and dst (RFC 6282, both
// addresses fully elided), with a correct ICMPv6 checksum.
func iphcEcho(src, dst Addr, seq uint16) []byte {
	ll := func(a Addr) []byte {
		iid, _ := a.IID()
		return append([]byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0}, iid[:]...)
	}
	icmp := []byte{128, 0, 0, 0, 0x12, 0x34, byte(seq >> 8), byte(seq), 'p', 'i', 'n', 'g'}
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(ll(src))
	add(ll(dst))
	add([]byte{0, 0, 0, byte(len(icmp)), 0, 0, 0, 58})
	add(icmp)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	c := ^uint16(sum)
	icmp[2], icmp[3] = byte(c>>8), byte(c)
	return append([]byte{0x7a, 0x33, 0x3a}, icmp...)
}
