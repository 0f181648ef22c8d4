package mle

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/meshgw/meshgw/wpan"
)

func vectorCipher(tb testing.TB, seq uint32) *Cipher {
	tb.Helper()
	c, err := NewCipher(DeriveKeys(vectorKey(tb), seq))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func vectorAddrs(tb testing.TB) (src wpan.ExtAddr, ipSrc, ipDst netip.Addr) {
	return wpan.ExtAddr(unhex(tb, vectorSender)), netip.MustParseAddr(vectorIPSrc), netip.MustParseAddr(vectorIPDst)
}

// TestVectorAdvertisementSeal secures the Thread Advertisement plaintext of
// mle.md §8.2 and compares the 43-byte payload.
func TestVectorAdvertisementSeal(t *testing.T) {
	src, ipSrc, ipDst := vectorAddrs(t)
	got, err := Seal(nil, unhex(t, vectorPlaintext), vectorCipher(t, 0), src, vectorCounter, ipSrc, ipDst)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if want := unhex(t, vectorPayload); !bytes.Equal(got, want) {
		t.Errorf("Seal =\n% x\nwant\n% x", got, want)
	}
}

// TestVectorAdvertisementOpen opens the payload of mle.md §8.2.
func TestVectorAdvertisementOpen(t *testing.T) {
	src, ipSrc, ipDst := vectorAddrs(t)
	b := unhex(t, vectorPayload)
	body, aux, err := Open(b, vectorCipher(t, 0), src, ipSrc, ipDst)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if want := unhex(t, vectorPlaintext); !bytes.Equal(body, want) {
		t.Errorf("body = % x, want % x", body, want)
	}
	if want := (AuxHeader{FrameCounter: vectorCounter, KeySequence: 0, KeyIndex: 1}); aux != want {
		t.Errorf("aux = %+v, want %+v", aux, want)
	}
	if &body[0] != &b[1+AuxHeaderLen] {
		t.Error("Open did not decrypt in place")
	}
}

// TestVectorNonce checks the nonce layout against mle.md §8.2, and that
// the sender's EUI-64 follows from the link-local source.
func TestVectorNonce(t *testing.T) {
	src, ipSrc, _ := vectorAddrs(t)
	e, ok := ExtAddrFromLinkLocal(ipSrc)
	if !ok || e != src {
		t.Errorf("ExtAddrFromLinkLocal(%v) = %v, %v; want %v", ipSrc, e, ok, src)
	}
	n := wpan.Nonce(src, vectorCounter, SecurityLevel)
	if want := unhex(t, vectorNonce); !bytes.Equal(n[:], want) {
		t.Errorf("nonce = % x, want % x", n, want)
	}
}

func TestExtAddrFromLinkLocal(t *testing.T) {
	tests := []struct {
		ip   string
		want string
		ok   bool
	}{
		{"fe80::235:cc94:d77a:7e8", "00 35 cc 94 d7 7a 07 e8", true},
		{"fe80::1%wpan0", "02 00 00 00 00 00 00 01", true},
		{"fe80::ff:fe00:1234", "02 00 00 ff fe 00 12 34", true},
		{"fd00::235:cc94:d77a:7e8", "", false},
		{"ff02::1", "", false},
		{"169.254.1.1", "", false},
		{"::ffff:169.254.1.1", "", false},
	}
	for _, tc := range tests {
		e, ok := ExtAddrFromLinkLocal(netip.MustParseAddr(tc.ip))
		if ok != tc.ok {
			t.Errorf("ExtAddrFromLinkLocal(%s) ok = %v, want %v", tc.ip, ok, tc.ok)
			continue
		}
		if ok && !bytes.Equal(e[:], unhex(t, tc.want)) {
			t.Errorf("ExtAddrFromLinkLocal(%s) = %v, want %s", tc.ip, e, tc.want)
		}
	}
	if _, ok := ExtAddrFromLinkLocal(netip.Addr{}); ok {
		t.Error("ExtAddrFromLinkLocal(zero Addr) ok = true")
	}
}

// TestOpenTampered flips every bit position class of the vector payload and
// the inputs: all must fail authentication and leave no plaintext.
func TestOpenTampered(t *testing.T) {
	src, ipSrc, ipDst := vectorAddrs(t)
	c := vectorCipher(t, 0)
	orig := unhex(t, vectorPayload)
	// Every byte after the suite and security control: frame counter, key
	// source (changing it is ErrKeySequence, tested separately), key index,
	// ciphertext and MIC.
	for i := 2; i < len(orig); i++ {
		if i >= 6 && i < 10 {
			continue
		}
		b := bytes.Clone(orig)
		b[i] ^= 0x01
		tampered := bytes.Clone(b)
		if _, _, err := Open(b, c, src, ipSrc, ipDst); !errors.Is(err, ErrSecurityFailure) {
			t.Errorf("byte %d flipped: Open = %v, want ErrSecurityFailure", i, err)
		}
		if !bytes.Equal(b, tampered) {
			t.Errorf("byte %d flipped: Open left the buffer changed", i)
		}
	}
	other := netip.MustParseAddr("fe80::1")
	wrongSrc := src
	wrongSrc[7] ^= 1
	for _, tc := range []struct {
		name         string
		src          wpan.ExtAddr
		ipSrc, ipDst netip.Addr
	}{
		{"other sender EUI-64", wrongSrc, ipSrc, ipDst},
		{"other IPv6 source", src, other, ipDst},
		{"other IPv6 destination", src, ipSrc, netip.MustParseAddr("ff02::1")},
		{"source and destination swapped", src, ipDst, ipSrc},
	} {
		b := bytes.Clone(orig)
		if _, _, err := Open(b, c, tc.src, tc.ipSrc, tc.ipDst); !errors.Is(err, ErrSecurityFailure) {
			t.Errorf("%s: Open = %v, want ErrSecurityFailure", tc.name, err)
		}
	}
	b := bytes.Clone(orig)
	if _, _, err := Open(b, vectorCipher(t, 1), src, ipSrc, ipDst); !errors.Is(err, ErrKeySequence) {
		t.Errorf("cipher of sequence 1: Open = %v, want ErrKeySequence", err)
	}
	// A key sequence rewritten to match another cipher still fails: the
	// key source is authenticated and the key differs.
	b = bytes.Clone(orig)
	b[9] = 1
	if _, _, err := Open(b, vectorCipher(t, 1), src, ipSrc, ipDst); !errors.Is(err, ErrSecurityFailure) {
		t.Errorf("key source rewritten: Open = %v, want ErrSecurityFailure", err)
	}
}

func TestOpenErrors(t *testing.T) {
	src, ipSrc, ipDst := vectorAddrs(t)
	c := vectorCipher(t, 0)
	payload := unhex(t, vectorPayload)
	tests := []struct {
		name         string
		b            []byte
		ipSrc, ipDst netip.Addr
		want         error
	}{
		{"empty", nil, ipSrc, ipDst, ErrTruncated},
		{"unsecured", unhex(t, "ff 04 00 02 0000"), ipSrc, ipDst, ErrUnsecured},
		{"unknown suite", unhex(t, "02 04"), ipSrc, ipDst, ErrUnknownSuite},
		{"no MIC", payload[:1+AuxHeaderLen+1], ipSrc, ipDst, ErrTruncated},
		{"MIC cut short", payload[:len(payload)-1], ipSrc, ipDst, ErrSecurityFailure},
		{"bad security control", append([]byte{0, 0x0d}, payload[2:]...), ipSrc, ipDst, ErrSecurityControl},
		{"IPv4 source", payload, netip.MustParseAddr("10.0.0.1"), ipDst, ErrAddress},
		{"zero destination", payload, ipSrc, netip.Addr{}, ErrAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Open(bytes.Clone(tc.b), c, src, tc.ipSrc, tc.ipDst)
			if !errors.Is(err, tc.want) {
				t.Errorf("Open = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSealErrors(t *testing.T) {
	src, ipSrc, ipDst := vectorAddrs(t)
	c := vectorCipher(t, 0)
	body := unhex(t, "04 00 02 0000")
	tests := []struct {
		name         string
		body         []byte
		counter      uint32
		ipSrc, ipDst netip.Addr
		want         error
	}{
		{"counter exhausted", body, 0xFFFFFFFF, ipSrc, ipDst, ErrFrameCounterExhausted},
		{"empty body", nil, 1, ipSrc, ipDst, ErrTruncated},
		{"IPv4 destination", body, 1, ipSrc, netip.MustParseAddr("224.0.0.1"), ErrAddress},
		{"invalid source", body, 1, netip.Addr{}, ipDst, ErrAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte{0xaa}
			out, err := Seal(dst, tc.body, c, src, tc.counter, tc.ipSrc, tc.ipDst)
			if !errors.Is(err, tc.want) {
				t.Errorf("Seal = %v, want %v", err, tc.want)
			}
			if !bytes.Equal(out, dst) {
				t.Errorf("Seal changed dst on error: % x", out)
			}
			m := Message{Command: CmdAdvertisement}
			out, err = AppendSecured(dst, &m, c, src, tc.counter, tc.ipSrc, tc.ipDst)
			if tc.body != nil && !errors.Is(err, tc.want) {
				t.Errorf("AppendSecured = %v, want %v", err, tc.want)
			}
			if !bytes.Equal(out, dst) && err != nil {
				t.Errorf("AppendSecured changed dst on error: % x", out)
			}
		})
	}
	m := Message{Command: 9}
	if out, err := AppendSecured([]byte{1}, &m, c, src, 1, ipSrc, ipDst); !errors.Is(err, ErrUnknownCommand) || len(out) != 1 {
		t.Errorf("AppendSecured(command 9) = % x, %v; want ErrUnknownCommand, dst unchanged", out, err)
	}
}

// TestSecuredRoundTrip builds a Link Accept And Request, secures it with
// AppendSecured after a prefix, opens it and decodes it back.
func TestSecuredRoundTrip(t *testing.T) {
	src := wpan.ExtAddr{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}
	ipSrc := netip.MustParseAddr("fe80::1034:5678:9abc:def0")
	ipDst := netip.MustParseAddr("fe80::1")
	c := vectorCipher(t, 0x12345678)
	var m Message
	if err := m.Decode(unhex(t, msgCases[1].body)); err != nil {
		t.Fatal(err)
	}
	prefix := []byte{0xde, 0xad}
	out, err := AppendSecured(prefix, &m, c, src, 77, ipSrc, ipDst)
	if err != nil {
		t.Fatalf("AppendSecured: %v", err)
	}
	if !bytes.Equal(out[:2], prefix) || len(out) != 2+m.Len()+SecuredOverhead {
		t.Fatalf("AppendSecured = % x (len %d)", out, len(out))
	}
	// The same bytes as Seal over the encoded body.
	plain, _ := m.AppendBinary(nil)
	sealed, err := Seal(nil, plain, c, src, 77, ipSrc, ipDst)
	if err != nil || !bytes.Equal(sealed, out[2:]) {
		t.Fatalf("Seal = % x, %v; want % x", sealed, err, out[2:])
	}
	e, ok := ExtAddrFromLinkLocal(ipSrc)
	if !ok || e != src {
		t.Fatalf("ExtAddrFromLinkLocal = %v", e)
	}
	body, aux, err := Open(out[2:], c, e, ipSrc, ipDst)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if want := (AuxHeader{FrameCounter: 77, KeySequence: 0x12345678, KeyIndex: 0x79}); aux != want {
		t.Errorf("aux = %+v, want %+v", aux, want)
	}
	var got Message
	if err := got.Decode(body); err != nil {
		t.Fatal(err)
	}
	if !equalMessage(&got, &m) {
		t.Errorf("round trip = %+v, want %+v", got, m)
	}
}

func TestAppendUnsecured(t *testing.T) {
	m := Message{Command: CmdAdvertisement}
	_ = m.AddSourceAddr(wpan.ShortAddress(0x0400))
	out, err := AppendUnsecured(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "ff 04 00 02 0400"); !bytes.Equal(out, want) {
		t.Errorf("AppendUnsecured = % x, want % x", out, want)
	}
	m.Set(TLVChallenge)
	m.Challenge = []byte{1, 2, 3, 4}
	if out, err := AppendUnsecured([]byte{7}, &m); !errors.Is(err, ErrUnsecuredTLV) || len(out) != 1 {
		t.Errorf("AppendUnsecured with a challenge = % x, %v; want ErrUnsecuredTLV", out, err)
	}
	m = Message{Command: 200}
	if out, err := AppendUnsecured([]byte{7}, &m); !errors.Is(err, ErrUnknownCommand) || len(out) != 1 {
		t.Errorf("AppendUnsecured(command 200) = % x, %v; want ErrUnknownCommand", out, err)
	}
}

func TestCipherKeySequence(t *testing.T) {
	if c := vectorCipher(t, 42); c.KeySequence() != 42 {
		t.Errorf("KeySequence = %d, want 42", c.KeySequence())
	}
}

// advertisement returns a typical secured Advertisement: source address,
// mode, MLE frame counter, link margin and a link quality list of four
// neighbours.
func advertisement(tb testing.TB) *Message {
	m := &Message{Command: CmdAdvertisement, Mode: ModeFFD | ModeRxOnWhenIdle, MLEFrameCounter: 1000, LinkMargin: 30}
	m.Set(TLVMode)
	m.Set(TLVMLEFrameCounter)
	m.Set(TLVLinkMargin)
	m.Set(TLVLinkQuality)
	_ = m.AddSourceAddr(wpan.ShortAddress(0x0400))
	m.LinkQuality = LinkQualityTLV{Complete: true, AddrLen: 2, Records: make([]byte, 0, 16)}
	for i := range 4 {
		if err := m.LinkQuality.Append(LinkRecord{Flags: LinkIncoming | LinkOutgoing, IDR: IDRPerfect, Addr: []byte{0x04, byte(i)}}); err != nil {
			tb.Fatal(err)
		}
	}
	return m
}

func TestSecurityAllocs(t *testing.T) {
	src, ipSrc, ipDst := vectorAddrs(t)
	c := vectorCipher(t, 0)
	m := advertisement(t)
	buf := make([]byte, 0, 127)
	var out []byte
	if n := testing.AllocsPerRun(100, func() {
		out, _ = AppendSecured(buf[:0], m, c, src, 5, ipSrc, ipDst)
	}); n != 0 {
		t.Errorf("AppendSecured allocates %v times per run, want 0", n)
	}
	rx := make([]byte, len(out))
	var d Message
	if n := testing.AllocsPerRun(100, func() {
		copy(rx, out)
		body, _, err := Open(rx, c, src, ipSrc, ipDst)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Decode(body); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Open+Decode allocates %v times per run, want 0", n)
	}
}
