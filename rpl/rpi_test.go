package rpl

import (
	"bytes"
	"errors"
	"testing"
)

// Hop-by-hop headers built by hand from RFC 6553 figure 1 and RFC 8200
// section 4.3.
var rpiCases = []struct {
	name    string
	wire    []byte
	nh      uint8
	optType uint8
	rpi     RPI
}{
	{"RFC 6553 type 0x63, up, Contiki-NG style", []byte{
		0x11, 0x00, // next header UDP, Hdr Ext Len 0 (8 bytes)
		0x63, 0x04, // RPL Option, length 4
		0x00,       // O=0 R=0 F=0
		0x00,       // RPLInstanceID 0
		0x01, 0x00, // SenderRank 256
	}, 17, RPIType6553, RPI{SenderRank: 256}},
	{"RFC 9008 type 0x23, down with rank and forwarding errors", []byte{
		0x3a, 0x00, // next header ICMPv6
		0x23, 0x04, // RPL Option (RFC 9008), length 4
		0xe0,       // O=1 R=1 F=1
		0x1e,       // RPLInstanceID 30
		0xff, 0xff, // SenderRank infinite
	}, 58, RPIType9008, RPI{Down: true, RankError: true, ForwardingError: true, Instance: 30, SenderRank: 0xFFFF}},
}

func TestRPIHopByHop(t *testing.T) {
	for _, tc := range rpiCases {
		t.Run(tc.name, func(t *testing.T) {
			var h HopByHop
			if err := h.Unmarshal(tc.wire); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			want := HopByHop{NextHeader: tc.nh, Len: 8, HasRPI: true, RPIType: tc.optType, RPI: tc.rpi, RPIOffset: 4}
			if h != want {
				t.Errorf("Unmarshal = %+v, want %+v", h, want)
			}
			got, err := tc.rpi.AppendHopByHop(nil, tc.nh, tc.optType)
			if err != nil {
				t.Fatalf("AppendHopByHop: %v", err)
			}
			if !bytes.Equal(got, tc.wire) {
				t.Errorf("AppendHopByHop = % x, want % x", got, tc.wire)
			}
			var r RPI
			typ, err := r.UnmarshalOption(tc.wire[2:])
			if err != nil || typ != tc.optType || r != tc.rpi {
				t.Errorf("UnmarshalOption = %+v, %#x, %v; want %+v, %#x", r, typ, err, tc.rpi, tc.optType)
			}
		})
	}
}

func TestHopByHopWithOtherOptions(t *testing.T) {
	wire := []byte{
		0x11, 0x01, // 16 bytes
		0x01, 0x02, 0x00, 0x00, // PadN, 2 bytes
		0x00,             // Pad1
		0x1e, 0x01, 0x00, // unknown type 0x1e, action 00 (skip)
		0x63, 0x04, 0x80, 0x00, 0x02, 0x00, // RPL Option, down, rank 512
	}
	var h HopByHop
	if err := h.Unmarshal(wire); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if !h.HasRPI || h.RPIOffset != 12 || h.RPI != (RPI{Down: true, SenderRank: 512}) || h.Unrecognized {
		t.Errorf("Unmarshal = %+v", h)
	}
	// A forwarder rewrites the type to 0x23 and updates the rank in place.
	wire[h.RPIOffset-2] = RPIType9008
	upd := RPI{Down: true, SenderRank: 768}
	if err := upd.PutData(wire[h.RPIOffset:]); err != nil {
		t.Fatal(err)
	}
	if err := h.Unmarshal(wire); err != nil || h.RPIType != RPIType9008 || h.RPI != upd {
		t.Errorf("after in-place update: %+v, %v", h, err)
	}

	// An unknown option whose action bits say discard is reported.
	wire = []byte{0x11, 0x00, 0xc2, 0x04, 0, 0, 0, 0}
	if err := h.Unmarshal(wire); err != nil || !h.Unrecognized || h.UnrecognizedType != 0xc2 || h.HasRPI {
		t.Errorf("Unmarshal(jumbo option) = %+v, %v", h, err)
	}
}

func TestRPIErrors(t *testing.T) {
	hbh := []struct {
		name string
		wire []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"shorter than Hdr Ext Len says", []byte{0x11, 0x01, 0x63, 0x04, 0, 0, 0, 0}, ErrTruncated},
		{"option length past header", []byte{0x11, 0x00, 0x63, 0x07, 0, 0, 0, 0}, ErrOptionLength},
		{"option type at last byte", []byte{0x11, 0x00, 0x01, 0x03, 0, 0, 0, 0x63}, ErrOptionLength},
		{"RPI data length 2", []byte{0x11, 0x00, 0x63, 0x02, 0, 0, 0x01, 0x00}, ErrOptionLength},
		{"two RPL options", []byte{0x11, 0x01, 0x63, 0x04, 0, 0, 0, 0, 0x23, 0x04, 0, 0, 0, 0, 0x01, 0x00}, ErrDuplicateRPI},
	}
	for _, tc := range hbh {
		t.Run(tc.name, func(t *testing.T) {
			var h HopByHop
			if err := h.Unmarshal(tc.wire); !errors.Is(err, tc.want) {
				t.Errorf("HopByHop.Unmarshal(% x) = %v, want %v", tc.wire, err, tc.want)
			}
		})
	}
	opt := []struct {
		name string
		wire []byte
		want error
	}{
		{"one byte", []byte{0x63}, ErrTruncated},
		{"wrong type", []byte{0x05, 0x04, 0, 0, 0, 0}, ErrNotRPI},
		{"data past end", []byte{0x63, 0x04, 0, 0}, ErrOptionLength},
		{"data too short", []byte{0x23, 0x03, 0, 0, 0}, ErrOptionLength},
	}
	for _, tc := range opt {
		t.Run("option "+tc.name, func(t *testing.T) {
			var r RPI
			if _, err := r.UnmarshalOption(tc.wire); !errors.Is(err, tc.want) {
				t.Errorf("UnmarshalOption(% x) = %v, want %v", tc.wire, err, tc.want)
			}
		})
	}
	var r RPI
	if _, err := r.AppendHopByHop(nil, 17, 0x64); !errors.Is(err, ErrNotRPI) {
		t.Errorf("AppendHopByHop(type 0x64) = %v, want ErrNotRPI", err)
	}
	if err := r.PutData(make([]byte, 3)); !errors.Is(err, ErrTruncated) {
		t.Errorf("PutData(3 bytes) = %v, want ErrTruncated", err)
	}
}

func TestAppendPadding(t *testing.T) {
	for n, want := range [][]byte{
		{},
		{0x00},
		{0x01, 0x00},
		{0x01, 0x01, 0x00},
		{0x01, 0x05, 0, 0, 0, 0, 0},
	} {
		if n == 4 {
			n = 7
		}
		if got := appendPadding(nil, n); !bytes.Equal(got, want) {
			t.Errorf("appendPadding(%d) = % x, want % x", n, got, want)
		}
	}
}
