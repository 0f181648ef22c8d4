package mle

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/meshgw/meshgw/wpan"
)

// unhex decodes hex with spaces, for readable byte literals.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// msgCases are well-formed bodies and the messages they decode to. Every
// case round-trips: encoding the message gives the same bytes.
var msgCases = []struct {
	name string
	body string
	msg  Message
}{
	{
		name: "link request",
		body: "00" + // Link Request
			"00 02 1234" + // Source Address, short 0x1234
			"01 01 0a" + // Mode: FFD | rx-on-when-idle
			"03 08 0102030405060708", // Challenge, 8 bytes
		msg: Message{
			Command:        CmdLinkRequest,
			Present:        TLVSet(0).With(TLVMode).With(TLVChallenge),
			SourceAddrs:    [MaxSourceAddrs]wpan.Addr{wpan.ShortAddress(0x1234)},
			NumSourceAddrs: 1,
			Mode:           ModeFFD | ModeRxOnWhenIdle,
			Challenge:      []byte{1, 2, 3, 4, 5, 6, 7, 8},
		},
	},
	{
		name: "link accept and request with every single TLV",
		body: "02" + // Link Accept And Request
			"00 08 0011223344556677" + // Source Address, extended
			"00 02 fffe" + // a second Source Address, short
			"01 01 02" + // Mode: FFD
			"02 04 0000012c" + // Timeout 300 s
			"03 04 a1a2a3a4" + // Challenge, 4 bytes
			"04 08 b1b2b3b4b5b6b7b8" + // Response, 8 bytes
			"05 04 00010203" + // Link-layer Frame Counter
			"06 05 81 e0 20 beef" + // Link Quality: C, 2-byte addresses, one record I|O|P, IDR 1.0
			"08 04 0a0b0c0d" + // MLE Frame Counter
			"10 01 2a" + // Link Margin 42 dB
			"11 01 01" + // Status 1
			"12 02 0004", // Version 4
		msg: Message{
			Command: CmdLinkAcceptAndRequest,
			Present: TLVSet(0).With(TLVMode).With(TLVTimeout).With(TLVChallenge).With(TLVResponse).
				With(TLVLinkFrameCounter).With(TLVLinkQuality).With(TLVMLEFrameCounter).
				With(TLVLinkMargin).With(TLVStatus).With(TLVVersion),
			SourceAddrs: [MaxSourceAddrs]wpan.Addr{
				wpan.ExtAddress(wpan.ExtAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77}),
				wpan.ShortAddress(0xfffe),
			},
			NumSourceAddrs:   2,
			Mode:             ModeFFD,
			Timeout:          300,
			Challenge:        []byte{0xa1, 0xa2, 0xa3, 0xa4},
			Response:         []byte{0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8},
			LinkFrameCounter: 0x00010203,
			LinkQuality:      LinkQualityTLV{Complete: true, AddrLen: 2, Records: []byte{0xe0, 0x20, 0xbe, 0xef}},
			MLEFrameCounter:  0x0a0b0c0d,
			LinkMargin:       42,
			Status:           1,
			Version:          4,
		},
	},
	{
		name: "update with two permit-joining parameters",
		body: "05" + // Update
			"07 06 02 00000000 01" + // Permit Joining on, now
			"07 06 02 0000ea60 00" + // Permit Joining off after 60 s
			"07 05 00 00000010", // Channel with an empty value
		msg: Message{
			Command: CmdUpdate,
			Params: [MaxParams]NetworkParam{
				{ID: ParamPermitJoining, Delay: 0, Value: []byte{1}},
				{ID: ParamPermitJoining, Delay: 60000, Value: []byte{0}},
				{ID: ParamChannel, Delay: 16, Value: []byte{}},
			},
			NumParams: 3,
		},
	},
	{
		name: "advertisement with an empty link quality list",
		body: "04" + // Advertisement
			"00 02 0001" + // Source Address
			"06 01 07", // Link Quality: C = 0, 8-byte addresses, no records
		msg: Message{
			Command:        CmdAdvertisement,
			Present:        TLVSet(0).With(TLVLinkQuality),
			SourceAddrs:    [MaxSourceAddrs]wpan.Addr{wpan.ShortAddress(1)},
			NumSourceAddrs: 1,
			LinkQuality:    LinkQualityTLV{AddrLen: 8, Records: []byte{}},
		},
	},
	{
		name: "advertisement with Tx Power and Link Margins (meshgw)",
		body: "04" + // Advertisement
			"06 0b 87 e0 20 0212 4b00 0000 0001" + // Link Quality: C = 1, one record
			"30 01 fc" + // Tx Power: -4 dBm
			"31 01 0f", // Link Margins: 15 dB at 0 dBm
		msg: Message{
			Command: CmdAdvertisement,
			Present: TLVSet(0).With(TLVLinkQuality).With(TLVTxPower).With(TLVLinkMargins),
			LinkQuality: LinkQualityTLV{Complete: true, AddrLen: 8,
				Records: []byte{0xe0, 0x20, 0x02, 0x12, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x01}},
			TxPower:     -4,
			LinkMargins: []byte{0x0f},
		},
	},
	{
		name: "advertisement with a Link Margins entry without a measurement",
		body: "04" + "06 0b 07 e0 28 0212 4b00 0000 0002" + "31 01 80",
		msg: Message{
			Command: CmdAdvertisement,
			Present: TLVSet(0).With(TLVLinkQuality).With(TLVLinkMargins),
			LinkQuality: LinkQualityTLV{AddrLen: 8,
				Records: []byte{0xe0, 0x28, 0x02, 0x12, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x02}},
			LinkMargins: []byte{byte(0x80)},
		},
	},
	{
		name: "link reject, no TLVs",
		body: "03",
		msg:  Message{Command: CmdLinkReject},
	},
	{
		name: "update request",
		body: "06 00 02 abcd",
		msg: Message{
			Command:        CmdUpdateRequest,
			SourceAddrs:    [MaxSourceAddrs]wpan.Addr{wpan.ShortAddress(0xabcd)},
			NumSourceAddrs: 1,
		},
	},
}

// equalMessage compares messages field by field, slices by content.
func equalMessage(a, b *Message) bool { return reflect.DeepEqual(a, b) }

func TestMessageDecode(t *testing.T) {
	for _, tc := range msgCases {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			if err := m.Decode(unhex(t, tc.body)); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !equalMessage(&m, &tc.msg) {
				t.Errorf("Decode = %+v, want %+v", m, tc.msg)
			}
		})
	}
}

func TestMessageEncode(t *testing.T) {
	for _, tc := range msgCases {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.body)
			prefix := []byte{0xee}
			got, err := tc.msg.AppendBinary(prefix)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			if !bytes.Equal(got[:1], prefix) || !bytes.Equal(got[1:], want) {
				t.Errorf("AppendBinary = % x, want ee % x", got, want)
			}
			if n := tc.msg.Len(); n != len(want) {
				t.Errorf("Len = %d, want %d", n, len(want))
			}
		})
	}
}

// TestMessageDecodeSkipsUnknown checks the draft's rule that unknown TLVs
// are ignored, with the Thread Advertisement plaintext from the MLE
// encryption vector (Route64 and Leader Data are not modelled here).
func TestMessageDecodeSkipsUnknown(t *testing.T) {
	body := unhex(t, vectorPlaintext)
	var m Message
	if err := m.Decode(body); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := Message{
		Command:        CmdAdvertisement,
		SourceAddrs:    [MaxSourceAddrs]wpan.Addr{wpan.ShortAddress(0)},
		NumSourceAddrs: 1,
	}
	if !equalMessage(&m, &want) {
		t.Errorf("Decode = %+v, want %+v", m, want)
	}
	got, err := m.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := unhex(t, "04 00 02 0000"); !bytes.Equal(got, w) {
		t.Errorf("re-encoded = % x, want % x", got, w)
	}
}

func TestMessageDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"empty", "", ErrTruncated},
		{"unknown command 7", "07", ErrUnknownCommand},
		{"unknown command 255", "ff 00 02 0000", ErrUnknownCommand},
		{"lone TLV type byte", "00 01", ErrTLVTruncated},
		{"TLV length past end", "00 03 04 0102", ErrTLVTruncated},
		{"unknown TLV length past end", "00 63 05 01020304", ErrTLVTruncated},
		{"source address 3 bytes", "00 00 03 010203", ErrTLVLength},
		{"source address empty", "00 00 00", ErrTLVLength},
		{"mode 2 bytes", "00 01 02 0808", ErrTLVLength},
		{"timeout 3 bytes", "00 02 03 000001", ErrTLVLength},
		{"challenge 3 bytes", "00 03 03 010203", ErrTLVLength},
		{"challenge 9 bytes", "00 03 09 010203040506070809", ErrTLVLength},
		{"response 3 bytes", "01 04 03 010203", ErrTLVLength},
		{"response 9 bytes", "01 04 09 010203040506070809", ErrTLVLength},
		{"link frame counter 5 bytes", "01 05 05 0000000001", ErrTLVLength},
		{"link quality empty", "04 06 00", ErrTLVLength},
		{"link quality partial record", "04 06 04 01 e0 20 be", ErrTLVLength},
		{"network parameter 4 bytes", "05 07 04 00000000", ErrTLVLength},
		{"MLE frame counter 2 bytes", "01 08 02 0001", ErrTLVLength},
		{"link margin 0 bytes", "01 10 00", ErrTLVLength},
		{"status 2 bytes", "01 11 02 0001", ErrTLVLength},
		{"version 1 byte", "01 12 01 04", ErrTLVLength},
		{"tx power 0 bytes", "04 30 00", ErrTLVLength},
		{"tx power 2 bytes", "04 30 02 0001", ErrTLVLength},
		{"repeated tx power", "04 30 01 00 30 01 00", ErrDuplicateTLV},
		{"repeated link margins", "04 31 01 00 31 01 00", ErrDuplicateTLV},
		{"repeated mode", "00 01 01 08 01 01 08", ErrDuplicateTLV},
		{"repeated challenge", "00 03 04 01020304 03 04 01020304", ErrDuplicateTLV},
		{"repeated MLE frame counter", "01 08 04 00000001 08 04 00000002", ErrDuplicateTLV},
		{"repeated link quality", "04 06 01 01 06 01 01", ErrDuplicateTLV},
		{"repeated version", "01 12 02 0004 12 02 0004", ErrDuplicateTLV},
		{"five source addresses", "00" + strings.Repeat(" 00 02 0001", 5), ErrTooManyTLVs},
		{"nine network parameters", "05" + strings.Repeat(" 07 05 00 00000000", 9), ErrTooManyTLVs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			err := m.Decode(unhex(t, tc.body))
			if !errors.Is(err, tc.want) {
				t.Errorf("Decode = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMessageRepeatsAllowed(t *testing.T) {
	// Unknown TLVs may repeat; only known single-valued TLVs may not.
	var m Message
	if err := m.Decode(unhex(t, "04 63 00 63 01 ff 00 02 0001 00 02 0002")); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if m.NumSourceAddrs != 2 || m.SourceAddrs[1] != wpan.ShortAddress(2) {
		t.Errorf("source addresses = %v (%d)", m.SourceAddrs, m.NumSourceAddrs)
	}
}

func TestMessageEncodeErrors(t *testing.T) {
	good := func() Message {
		return Message{Command: CmdLinkRequest}
	}
	tests := []struct {
		name   string
		modify func(m *Message)
		want   error
	}{
		{"unknown command", func(m *Message) { m.Command = 7 }, ErrUnknownCommand},
		{"challenge too short", func(m *Message) { m.Set(TLVChallenge); m.Challenge = []byte{1, 2, 3} }, ErrInvalidMessage},
		{"challenge too long", func(m *Message) { m.Set(TLVChallenge); m.Challenge = make([]byte, 9) }, ErrInvalidMessage},
		{"response missing", func(m *Message) { m.Set(TLVResponse) }, ErrInvalidMessage},
		{"source address without mode", func(m *Message) { m.NumSourceAddrs = 1 }, ErrInvalidMessage},
		{"negative count", func(m *Message) { m.NumParams = -1 }, ErrInvalidMessage},
		{"count too large", func(m *Message) { m.NumSourceAddrs = MaxSourceAddrs + 1 }, ErrInvalidMessage},
		{"repeatable bit in Present", func(m *Message) { m.Present |= 1 << TLVSourceAddress }, ErrInvalidMessage},
		{"link quality address length 0", func(m *Message) { m.Set(TLVLinkQuality) }, ErrInvalidMessage},
		{"link quality partial record", func(m *Message) {
			m.Set(TLVLinkQuality)
			m.LinkQuality = LinkQualityTLV{AddrLen: 2, Records: []byte{1, 2, 3}}
		}, ErrInvalidMessage},
		{"link quality too long", func(m *Message) {
			m.Set(TLVLinkQuality)
			m.LinkQuality = LinkQualityTLV{AddrLen: 1, Records: make([]byte, 255)}
		}, ErrInvalidMessage},
		{"parameter value too long", func(m *Message) {
			m.NumParams = 1
			m.Params[0].Value = make([]byte, MaxParamValueLen+1)
		}, ErrInvalidMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := good()
			tc.modify(&m)
			in := []byte{1, 2}
			out, err := m.AppendBinary(in)
			if !errors.Is(err, tc.want) {
				t.Errorf("AppendBinary = %v, want %v", err, tc.want)
			}
			if !bytes.Equal(out, in) {
				t.Errorf("AppendBinary changed b on error: % x", out)
			}
			if n := m.Len(); n != -1 {
				t.Errorf("Len = %d, want -1", n)
			}
		})
	}
}

func TestMessageAdders(t *testing.T) {
	var m Message
	for i := range MaxSourceAddrs {
		if err := m.AddSourceAddr(wpan.ShortAddress(wpan.ShortAddr(i))); err != nil {
			t.Fatalf("AddSourceAddr %d: %v", i, err)
		}
	}
	if err := m.AddSourceAddr(wpan.ShortAddress(9)); !errors.Is(err, ErrTooManyTLVs) {
		t.Errorf("AddSourceAddr over the limit = %v, want ErrTooManyTLVs", err)
	}
	for i := range MaxParams {
		if err := m.AddParam(NetworkParam{ID: ParamID(i)}); err != nil {
			t.Fatalf("AddParam %d: %v", i, err)
		}
	}
	if err := m.AddParam(NetworkParam{}); !errors.Is(err, ErrTooManyTLVs) {
		t.Errorf("AddParam over the limit = %v, want ErrTooManyTLVs", err)
	}
	if !m.Has(TLVSourceAddress) || !m.Has(TLVNetworkParameter) || m.Has(TLVMode) {
		t.Errorf("Has: source %v params %v mode %v", m.Has(TLVSourceAddress), m.Has(TLVNetworkParameter), m.Has(TLVMode))
	}
	if s := TLVSet(0).With(99); s != 0 {
		t.Errorf("With(99) = %#x, want 0", s)
	}
}

func TestLinkQualityRecords(t *testing.T) {
	q := LinkQualityTLV{Complete: true, AddrLen: 2, Records: make([]byte, 0, 16)}
	recs := []LinkRecord{
		{Flags: LinkIncoming | LinkOutgoing, IDR: IDRPerfect, Addr: []byte{0x12, 0x34}},
		{Flags: LinkPriority, IDR: IDRUnusable, Addr: []byte{0xab, 0xcd}},
	}
	for _, r := range recs {
		if err := q.Append(r); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	if err := q.Append(LinkRecord{Addr: []byte{1}}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("Append with a 1-byte address = %v, want ErrInvalidMessage", err)
	}
	m := Message{Command: CmdAdvertisement, LinkQuality: q}
	m.Set(TLVLinkQuality)
	b, err := m.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, "04 06 09 81 c0 20 1234 20 ff abcd")
	if !bytes.Equal(b, want) {
		t.Fatalf("encoded = % x, want % x", b, want)
	}
	var d Message
	if err := d.Decode(b); err != nil {
		t.Fatal(err)
	}
	if d.LinkQuality.Len() != len(recs) {
		t.Fatalf("Len = %d, want %d", d.LinkQuality.Len(), len(recs))
	}
	for i, r := range recs {
		if got := d.LinkQuality.Record(i); !reflect.DeepEqual(got, r) {
			t.Errorf("Record(%d) = %+v, want %+v", i, got, r)
		}
	}
}

func TestMessageCheckUnsecured(t *testing.T) {
	for _, typ := range []TLVType{TLVChallenge, TLVResponse, TLVLinkFrameCounter} {
		m := Message{Command: CmdLinkRequest}
		m.Set(typ)
		if err := m.CheckUnsecured(); !errors.Is(err, ErrUnsecuredTLV) {
			t.Errorf("CheckUnsecured with %v = %v, want ErrUnsecuredTLV", typ, err)
		}
	}
	m := Message{Command: CmdAdvertisement}
	m.Set(TLVMode)
	m.Set(TLVMLEFrameCounter)
	if err := m.CheckUnsecured(); err != nil {
		t.Errorf("CheckUnsecured = %v, want nil", err)
	}
}

// TestDecodeAliasesAreCapped checks that appending to a decoded challenge
// cannot overwrite the TLVs after it.
func TestDecodeAliasesAreCapped(t *testing.T) {
	body := unhex(t, "00 03 04 01020304 01 01 08")
	var m Message
	if err := m.Decode(body); err != nil {
		t.Fatal(err)
	}
	_ = append(m.Challenge, 0xff)
	if body[len(body)-3] != 0x01 {
		t.Errorf("append to Challenge overwrote the next TLV: % x", body)
	}
}

func TestDecodeAllocs(t *testing.T) {
	body := unhex(t, msgCases[1].body)
	var m Message
	if n := testing.AllocsPerRun(100, func() { _ = m.Decode(body) }); n != 0 {
		t.Errorf("Decode allocates %v times per run, want 0", n)
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { _, _ = m.AppendBinary(buf[:0]) }); n != 0 {
		t.Errorf("AppendBinary allocates %v times per run, want 0", n)
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{CmdLinkAcceptAndRequest.String(), "Link Accept and Request"},
		{Command(20).String(), "Command(20)"},
		{TLVVersion.String(), "Version"},
		{TLVType(9).String(), "TLV(9)"},
		{Suite154.String(), "802.15.4"},
		{SuiteNone.String(), "none"},
		{SecuritySuite(1).String(), "unassigned"},
	} {
		if tc.got != tc.want {
			t.Errorf("String = %q, want %q", tc.got, tc.want)
		}
	}
}
