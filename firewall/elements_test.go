package firewall

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// dumpVector is one NFT_MSG_NEWSETELEM payload as the kernel sends it for
// "update @q { ip6 saddr timeout 1m quota over 3000 bytes }" after a source
// went over quota: nfgenmsg, table, then one element with key, expiration
// and NFTA_SET_ELEM_EXPR{quota{bytes 3000, flags INV|DEPLETED, consumed
// 3000}}. Layout: one attribute header per line.
var dumpVector = []byte{
	0x01, 0x00, 0x00, 0x00, // nfgenmsg: NFPROTO_INET, v0, res_id 0
	0x0b, 0x00, 0x01, 0x00, 'm', 'e', 's', 'h', 'g', 'w', 0x00, 0x00, // NFTA_SET_ELEM_LIST_TABLE "meshgw"
	0x6c, 0x00, 0x03, 0x80, // NFTA_SET_ELEM_LIST_ELEMENTS (nested), 108 bytes
	0x68, 0x00, 0x01, 0x80, //   NFTA_LIST_ELEM (nested), 104 bytes
	0x18, 0x00, 0x01, 0x80, //     NFTA_SET_ELEM_KEY (nested), 24 bytes
	0x14, 0x00, 0x01, 0x00, //       NFTA_DATA_VALUE, 16-byte address
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x0c, 0x00, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0xea, 0x60, //     NFTA_SET_ELEM_EXPIRATION 60000 ms
	0x34, 0x00, 0x07, 0x80, //     NFTA_SET_ELEM_EXPR (nested), 52 bytes
	0x0a, 0x00, 0x01, 0x00, 'q', 'u', 'o', 't', 'a', 0x00, 0x00, 0x00, //       NFTA_EXPR_NAME "quota"
	0x24, 0x00, 0x02, 0x80, //       NFTA_EXPR_DATA (nested), 36 bytes
	0x0c, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0x0b, 0xb8, //         NFTA_QUOTA_BYTES 3000
	0x08, 0x00, 0x02, 0x00, 0, 0, 0, 0x03, //         NFTA_QUOTA_FLAGS INV|DEPLETED
	0x0c, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0x0b, 0xb8, //         NFTA_QUOTA_CONSUMED 3000
	0x0c, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, //     NFTA_SET_ELEM_PAD (ignored)
}

func TestDecodeElemMsg(t *testing.T) {
	want := SourceUsage{
		Direction: Inbound, Source: netip.MustParsePrefix("2001:db8:aa::/64"),
		Used: 3000, Limit: 3000, Depleted: true, Expires: time.Minute,
	}
	tests := []struct {
		name string
		in   []byte
		want []SourceUsage
		err  bool
	}{
		{name: "kernel dump", in: dumpVector, want: []SourceUsage{want}},
		{name: "empty", in: []byte{1, 0, 0, 0}, want: nil},
		{name: "short nfgenmsg", in: []byte{1, 0}, err: true},
		{name: "truncated attribute", in: dumpVector[:30], err: true},
		{name: "attribute longer than buffer", in: append([]byte{1, 0, 0, 0, 0xff, 0x00, 0x03, 0x80}, make([]byte, 8)...), err: true},
		{name: "short key", in: func() []byte {
			b := append([]byte(nil), dumpVector...)
			b[28] = 0x0c // NFTA_DATA_VALUE claims 8 bytes of address
			return b
		}(), err: true},
		{name: "element without quota", in: func() []byte {
			b := append([]byte(nil), dumpVector...)
			copy(b[68:73], "limit")
			return b
		}(), want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeElemMsg(tc.in, Inbound, 64, nil)
			if tc.err {
				if !errors.Is(err, ErrMalformedDump) {
					t.Fatalf("decodeElemMsg = %v, %v; want ErrMalformedDump", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decodeElemMsg = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestEncodeElemMsgMatchesVector(t *testing.T) {
	u := SourceUsage{Source: netip.MustParsePrefix("2001:db8:aa::/64"), Used: 3000, Limit: 3000, Depleted: true, Expires: time.Minute}
	b, err := encodeElemMsg([]SourceUsage{u})
	if err != nil {
		t.Fatal(err)
	}
	// The vector adds a PAD attribute the encoder does not write.
	want := append([]byte(nil), dumpVector[:len(dumpVector)-12]...)
	want[16], want[20] = 0x60, 0x5c // lengths without the pad
	if hex.EncodeToString(b) != hex.EncodeToString(want) {
		t.Errorf("encodeElemMsg:\n got %x\nwant %x", b, want)
	}
}

func FuzzDecodeElemMsg(f *testing.F) {
	f.Add(dumpVector, uint8(64))
	f.Add([]byte{1, 0, 0, 0}, uint8(128))
	f.Add(dumpVector[:30], uint8(128))
	f.Fuzz(func(t *testing.T, b []byte, bits uint8) {
		kb := int(bits%113) + 16
		got, err := decodeElemMsg(b, Outbound, kb, nil)
		if err != nil {
			if !errors.Is(err, ErrMalformedDump) {
				t.Fatalf("error %v does not wrap ErrMalformedDump", err)
			}
			return
		}
		for i := range got {
			if got[i].Source.Bits() != kb {
				t.Fatalf("source %v not keyed to /%d", got[i].Source, kb)
			}
		}
		// Round trip: what we decoded re-encodes and decodes to the same.
		enc, err := encodeElemMsg(got)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := decodeElemMsg(enc, Outbound, kb, nil)
		if err != nil {
			t.Fatalf("decode of re-encoded dump: %v", err)
		}
		norm := func(us []SourceUsage) []SourceUsage {
			for i := range us {
				us[i].Expires = us[i].Expires.Truncate(time.Millisecond)
			}
			return us
		}
		if len(got) > 0 && !reflect.DeepEqual(norm(got), norm(again)) {
			t.Fatalf("round trip: %+v != %+v", got, again)
		}
	})
}

func BenchmarkDecodeElemMsg(b *testing.B) {
	us := make([]SourceUsage, 256)
	for i := range us {
		a := [16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(i)}
		us[i] = SourceUsage{Source: netip.PrefixFrom(netip.AddrFrom16(a), 64), Used: 100, Limit: 3000, Expires: time.Second}
	}
	msg, err := encodeElemMsg(us)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]SourceUsage, 0, len(us))
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if out, err = decodeElemMsg(msg, Inbound, 64, out[:0]); err != nil || len(out) != len(us) {
			b.Fatal(err, len(out))
		}
	}
}

func BenchmarkRender(b *testing.B) {
	cfg := DefaultConfig("mesh0", "eth0", netip.MustParsePrefix("2001:db8:1::/64"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
