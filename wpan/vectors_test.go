package wpan

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// unhex decodes hex with optional spaces and panics on bad input.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

var (
	annexCKey = unhex("C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF")
	annexCSrc = ExtAddrFromUint64(0xACDE480000000001)
	annexCDst = ExtAddrFromUint64(0xACDE480000000002)
)

func mustCCM(t testing.TB, key []byte) *CCMStar {
	t.Helper()
	c, err := NewCCMStar(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// annexCVector is one IEEE 802.15.4 Annex C.2 CCM* vector: the secured
// frame on the air, the frame built from fields, and its plaintext.
type annexCVector struct {
	name      string
	secured   string // on-air frame (no FCS) after securing
	plaintext string // Payload after Open
	micLen    int
	build     func() Frame
}

var annexCVectors = []annexCVector{
	{
		name:      "C.2.1 beacon MIC-64",
		secured:   "08 D0 84 21 43 01 00 00 00 00 48 DE AC 02 05 00 00 00 55 CF 00 00 51 52 53 54 22 3B C1 EC 84 1A B5 53",
		plaintext: "55 CF 00 00 51 52 53 54",
		micLen:    8,
		build: func() Frame {
			f := Frame{Type: FrameBeacon, Version: Version2006, Security: true, Seq: 0x84}
			f.SetAddrs(0, Addr{}, 0x4321, ExtAddress(annexCSrc))
			f.Aux = AuxHeader{Level: LevelMIC64, FrameCounter: 5}
			f.Payload = unhex("55 CF 00 00 51 52 53 54")
			return f
		},
	},
	{
		name:      "C.2.2 data ENC",
		secured:   "69 DC 84 21 43 02 00 00 00 00 48 DE AC 01 00 00 00 00 48 DE AC 04 05 00 00 00 D4 3E 02 2B",
		plaintext: "61 62 63 64",
		micLen:    0,
		build: func() Frame {
			f := Frame{Type: FrameData, Version: Version2006, Security: true, AckRequest: true, Seq: 0x84}
			f.SetAddrs(0x4321, ExtAddress(annexCDst), 0x4321, ExtAddress(annexCSrc))
			f.Aux = AuxHeader{Level: LevelENC, FrameCounter: 5}
			f.Payload = unhex("61 62 63 64")
			return f
		},
	},
	{
		name:      "C.2.3 command ENC-MIC-64",
		secured:   "2B DC 84 21 43 02 00 00 00 00 48 DE AC FF FF 01 00 00 00 00 48 DE AC 06 05 00 00 00 01 D8 4F DE 52 90 61 F9 C6 F1",
		plaintext: "01 CE",
		micLen:    8,
		build: func() Frame {
			f := Frame{Type: FrameCommand, Version: Version2006, Security: true, AckRequest: true, Seq: 0x84}
			f.SetAddrs(0x4321, ExtAddress(annexCDst), 0xFFFF, ExtAddress(annexCSrc))
			f.Aux = AuxHeader{Level: LevelENCMIC64, FrameCounter: 5}
			f.Payload = unhex("01 CE")
			return f
		},
	},
}

func TestAnnexCFrameOpen(t *testing.T) {
	key := mustCCM(t, annexCKey)
	for _, v := range annexCVectors {
		t.Run(v.name, func(t *testing.T) {
			buf := unhex(v.secured)
			orig := bytes.Clone(buf)
			var f Frame
			if err := f.Decode(buf); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := v.build()
			if f.Type != want.Type || f.Seq != want.Seq || f.Dst != want.Dst || f.Src != want.Src ||
				f.DstPAN != want.DstPAN || f.SrcPAN != want.SrcPAN || f.Aux != want.Aux ||
				f.AckRequest != want.AckRequest || f.PANIDCompression != want.PANIDCompression {
				t.Fatalf("decoded header\n got %+v\nwant %+v", f, want)
			}
			if len(f.MIC) != v.micLen {
				t.Fatalf("MIC length %d, want %d", len(f.MIC), v.micLen)
			}
			// The same frame, re-encoded before opening, is byte-identical.
			re, err := f.AppendTo(nil)
			if err != nil || !bytes.Equal(re, orig) {
				t.Fatalf("re-encode = %x, %v; want %x", re, err, orig)
			}
			if err := f.Open(key, annexCSrc); err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got := f.Payload; !bytes.Equal(got, unhex(v.plaintext)) {
				t.Fatalf("plaintext %x, want %s", got, v.plaintext)
			}
		})
	}
}

func TestAnnexCFrameSeal(t *testing.T) {
	key := mustCCM(t, annexCKey)
	for _, v := range annexCVectors {
		t.Run(v.name, func(t *testing.T) {
			f := v.build()
			got, err := f.AppendSealed(make([]byte, 0, MaxFrameLen), key, annexCSrc)
			if err != nil {
				t.Fatalf("AppendSealed: %v", err)
			}
			if want := unhex(v.secured); !bytes.Equal(got, want) {
				t.Fatalf("sealed\n got %x\nwant %x", got, want)
			}
			if !bytes.Equal(f.Payload, unhex(v.plaintext)) {
				t.Fatal("AppendSealed modified f.Payload")
			}
		})
	}
}

// TestAnnexCPrimitive runs the vectors through CCMStar.Seal and Open with
// the nonce and a/m split of the reference table.
func TestAnnexCPrimitive(t *testing.T) {
	key := mustCCM(t, annexCKey)
	cases := []struct {
		name      string
		nonce     string
		adata, m  string
		micLen    int
		ciphertxt string // ciphertext ‖ MIC
	}{
		{"C.2.1", "AC DE 48 00 00 00 00 01 00 00 00 05 02",
			"08 D0 84 21 43 01 00 00 00 00 48 DE AC 02 05 00 00 00 55 CF 00 00 51 52 53 54", "",
			8, "22 3B C1 EC 84 1A B5 53"},
		{"C.2.2", "AC DE 48 00 00 00 00 01 00 00 00 05 04",
			"69 DC 84 21 43 02 00 00 00 00 48 DE AC 01 00 00 00 00 48 DE AC 04 05 00 00 00", "61 62 63 64",
			0, "D4 3E 02 2B"},
		{"C.2.3", "AC DE 48 00 00 00 00 01 00 00 00 05 06",
			"2B DC 84 21 43 02 00 00 00 00 48 DE AC FF FF 01 00 00 00 00 48 DE AC 06 05 00 00 00 01", "CE",
			8, "D8 4F DE 52 90 61 F9 C6 F1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			level := SecurityLevel(unhex(c.nonce)[12])
			if n := Nonce(annexCSrc, 5, level); !bytes.Equal(n[:], unhex(c.nonce)) {
				t.Fatalf("Nonce = %x, want %s", n, c.nonce)
			}
			sealed, err := key.Seal(nil, unhex(c.nonce), unhex(c.m), unhex(c.adata), c.micLen)
			if err != nil || !bytes.Equal(sealed, unhex(c.ciphertxt)) {
				t.Fatalf("Seal = %x, %v; want %s", sealed, err, c.ciphertxt)
			}
			opened, err := key.Open(nil, unhex(c.nonce), unhex(c.ciphertxt), unhex(c.adata), c.micLen)
			if err != nil || !bytes.Equal(opened, unhex(c.m)) {
				t.Fatalf("Open = %x, %v; want %s", opened, err, c.m)
			}
		})
	}
	// The pitfall in the reference: a keystream from counter 0 gives 7d1bea21.
	sealed, _ := key.Seal(nil, unhex("AC DE 48 00 00 00 00 01 00 00 00 05 04"), unhex("61 62 63 64"), nil, 0)
	if bytes.Equal(sealed, unhex("7d 1b ea 21")) {
		t.Fatal("keystream starts at counter 0")
	}
}

func TestFCSVectors(t *testing.T) {
	if got := FCS([]byte("123456789")); got != 0x2189 {
		t.Fatalf("FCS check value = %#04x, want 0x2189", got)
	}
	ack := AppendImmAck(nil, 94, false)
	if want := unhex("02 10 5e"); !bytes.Equal(ack, want) {
		t.Fatalf("AppendImmAck = %x, want %x", ack, want)
	}
	if got := AppendFCS(ack); !bytes.Equal(got, unhex("02 10 5e d2 9b")) {
		t.Fatalf("Imm-Ack with FCS = %x, want 02105ed29b", got)
	}
	if got := AppendImmAck(nil, 94, true); !bytes.Equal(got, unhex("12 10 5e")) {
		t.Fatalf("AppendImmAck with frame pending = %x", got)
	}
	dataReq := unhex("6b dc 85 ce fa 47 36 07 d9 74 45 8d b2 6e 81 25 c9 db ac 2b 0a 0d 00 00 00 00 01 04 af 14 ce aa 5a e5")
	if !CheckFCS(dataReq) {
		t.Fatal("secured Data Request: nonzero residue")
	}
	frame, err := StripFCS(dataReq)
	if err != nil || len(frame) != len(dataReq)-2 {
		t.Fatalf("StripFCS: %v", err)
	}
	var f Frame
	if err := f.Decode(frame); err != nil {
		t.Fatal(err)
	}
	want := Frame{Type: FrameCommand, Version: Version2006, Security: true, AckRequest: true, PANIDCompression: true,
		Seq: 0x85, DstPAN: 0xface, SrcPAN: 0xface,
		Dst: ExtAddress(ExtAddrFromUint64(0xb28d4574d9073647)), Src: ExtAddress(ExtAddrFromUint64(0x0a2bacdbc925816e)),
		Aux: AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDIndex, FrameCounter: 0, KeyIndex: 1}}
	if f.Type != want.Type || f.Seq != want.Seq || f.Dst != want.Dst || f.Src != want.Src || f.DstPAN != want.DstPAN ||
		f.SrcPAN != want.SrcPAN || f.Aux != want.Aux || !f.PANIDCompression || !f.AckRequest {
		t.Fatalf("decoded %+v", f)
	}
	if !bytes.Equal(f.Payload, []byte{0x04}) || !bytes.Equal(f.MIC, unhex("af14ceaa")) {
		t.Fatalf("payload %x MIC %x", f.Payload, f.MIC)
	}
	dataReq[len(dataReq)-1] ^= 1
	if _, err := StripFCS(dataReq); !errors.Is(err, ErrBadFCS) {
		t.Fatalf("bad FCS: %v, want ErrBadFCS", err)
	}
}

// TestOpenThread2015Header decodes the Thread 1.2 header of the reference
// (§1.4) and builds it back from fields.
func TestOpenThread2015Header(t *testing.T) {
	hdr := unhex("29 ee 53 ce fa 01 00 00 00 00 0a 6e 16 05 00 00 00 00 0a 6e 16 0d 01 00 00 00 01")
	csl := unhex("04 0d 11 22 33 44") // an LE-CSL header IE (ID 0x1A, 4 bytes)
	frame := append(bytes.Clone(hdr), csl...)
	frame = append(frame, 0x80, 0x3f)         // HT2
	frame = append(frame, 0xaa, 0xbb)         // payload (ciphertext)
	frame = append(frame, 0x01, 0x02, 0x3, 4) // MIC-32
	var f Frame
	if err := f.Decode(frame); err != nil {
		t.Fatal(err)
	}
	want := Frame{Type: FrameData, Version: Version2015, Security: true, AckRequest: true, Seq: 0x53, DstPAN: 0xface, SrcPAN: 0xface,
		Dst: ExtAddress(ExtAddrFromUint64(0x166e0a0000000001)), Src: ExtAddress(ExtAddrFromUint64(0x166e0a0000000005)),
		Aux: AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDIndex, FrameCounter: 1, KeyIndex: 1}}
	if f.Type != want.Type || f.Version != want.Version || f.Seq != want.Seq || f.Dst != want.Dst || f.Src != want.Src ||
		f.DstPAN != want.DstPAN || f.SrcPAN != want.SrcPAN || f.Aux != want.Aux || f.PANIDCompression || !f.AckRequest {
		t.Fatalf("decoded %+v", f)
	}
	if !bytes.Equal(f.HeaderIEs, csl) || !bytes.Equal(f.Payload, []byte{0xaa, 0xbb}) || len(f.MIC) != 4 {
		t.Fatalf("IEs %x payload %x MIC %x", f.HeaderIEs, f.Payload, f.MIC)
	}
	info, err := PeekAckInfo(frame)
	if err != nil || info.DstPANPresent != true || info.SrcPANPresent || info.Seq != 0x53 || info.Dst != want.Dst || !info.IEPresent {
		t.Fatalf("PeekAckInfo = %+v, %v", info, err)
	}
	// Built from fields, SetAddrs picks row 7 (dst PAN only).
	b := Frame{Type: FrameData, Version: Version2015, Security: true, AckRequest: true, Seq: 0x53,
		Aux: want.Aux, HeaderIEs: csl, Payload: []byte{0xaa, 0xbb}, MIC: []byte{1, 2, 3, 4}}
	b.SetAddrs(0xface, want.Dst, 0xface, want.Src)
	got, err := b.AppendTo(nil)
	if err != nil || !bytes.Equal(got, frame) {
		t.Fatalf("AppendTo = %x, %v\nwant %x", got, err, frame)
	}
	if n := b.HeaderLen(); n != len(hdr)+len(csl)+2 {
		t.Fatalf("HeaderLen = %d, want %d", n, len(hdr)+len(csl)+2)
	}
}

// TestFCSBitwise compares the table-driven FCS with a bit-at-a-time
// CRC-16/KERMIT over every length up to 127.
func TestFCSBitwise(t *testing.T) {
	buf := make([]byte, MaxPSDU)
	for i := range buf {
		buf[i] = byte(i*7 + 3)
	}
	for n := 0; n <= len(buf); n++ {
		var c uint16
		for _, x := range buf[:n] {
			c ^= uint16(x)
			for range 8 {
				if c&1 != 0 {
					c = c>>1 ^ 0x8408
				} else {
					c >>= 1
				}
			}
		}
		if got := FCS(buf[:n]); got != c {
			t.Fatalf("FCS(%d bytes) = %#04x, want %#04x", n, got, c)
		}
		if n <= MaxFrameLen && !CheckFCS(AppendFCS(bytes.Clone(buf[:n]))) {
			t.Fatalf("AppendFCS(%d bytes) fails CheckFCS", n)
		}
	}
}
