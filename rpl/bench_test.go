package rpl

import (
	"net/netip"
	"testing"
)

func BenchmarkDIODecode(b *testing.B) {
	var d DIO
	b.ReportAllocs()
	b.SetBytes(int64(len(vecDIO)))
	for b.Loop() {
		if err := d.Unmarshal(vecDIO); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDIOEncode(b *testing.B) {
	m := wantVecDIO()
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.DIO.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDAODecode(b *testing.B) {
	var d DAO
	b.ReportAllocs()
	b.SetBytes(int64(len(vecDAO)))
	for b.Loop() {
		if err := d.Unmarshal(vecDAO); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDAOEncode(b *testing.B) {
	m := wantVecDAO()
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.DAO.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChecksum(b *testing.B) {
	src, dst := netip.MustParseAddr("fe80::1"), netip.MustParseAddr("ff02::1a")
	msg := append([]byte{}, vecDIO...)
	b.ReportAllocs()
	for b.Loop() {
		SetChecksum(msg, src, dst)
	}
}

var benchRoute = addrs("fd00::212:4b00:0:2", "fd00::212:4b00:0:3", "fd00::212:4b00:0:4",
	"fd00::212:4b00:0:5", "fd00::212:4b00:0:6", "fd00::212:4b00:0:7")

func BenchmarkSRHProcess(b *testing.B) {
	first := netip.MustParseAddr("fd00::212:4b00:0:1")
	hdr, err := AppendSourceRoute(nil, 17, first, benchRoute)
	if err != nil {
		b.Fatal(err)
	}
	work := make([]byte, len(hdr))
	self := first
	isLocal := func(a netip.Addr) bool { return a == self }
	b.ReportAllocs()
	for b.Loop() {
		copy(work, hdr)
		da := first.As16()
		if fwd, err := ProcessSRH(work, &da, isLocal); err != nil || !fwd {
			b.Fatal(fwd, err)
		}
	}
}

func BenchmarkAppendSourceRoute(b *testing.B) {
	first := netip.MustParseAddr("fd00::212:4b00:0:1")
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendSourceRoute(buf[:0], 17, first, benchRoute); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHopByHopRPI(b *testing.B) {
	wire := rpiCases[0].wire
	var h HopByHop
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Unmarshal(wire); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMRHOFBestParent(b *testing.B) {
	of := NewMRHOF(128)
	cands := []Candidate{{256, 200}, {384, 128}, {128, 500}, {640, 130}, {InfiniteRank, 128}}
	b.ReportAllocs()
	for b.Loop() {
		if of.BestParent(cands, 1) < 0 {
			b.Fatal("no parent")
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts in -short")
	}
	var d DIO
	var dao DAO
	buf := make([]byte, 0, 256)
	dio := wantVecDIO()
	daoM := wantVecDAO()
	first := netip.MustParseAddr("fd00::212:4b00:0:1")
	hdr, _ := AppendSourceRoute(nil, 17, first, benchRoute)
	work := make([]byte, len(hdr))
	isLocal := func(a netip.Addr) bool { return a == first }
	of := NewOF0(256)
	cands := []Candidate{{256, 200}, {384, 128}}
	for name, fn := range map[string]func(){
		"DIO decode": func() { _ = d.Unmarshal(vecDIO) },
		"DIO encode": func() { _, _ = dio.DIO.Append(buf[:0]) },
		"DAO decode": func() { _ = dao.Unmarshal(vecDAO) },
		"DAO encode": func() { _, _ = daoM.DAO.Append(buf[:0]) },
		"SRH process": func() {
			copy(work, hdr)
			da := first.As16()
			_, _ = ProcessSRH(work, &da, isLocal)
		},
		"SRH encode":     func() { _, _ = AppendSourceRoute(buf[:0], 17, first, benchRoute) },
		"OF0 BestParent": func() { _ = of.BestParent(cands, 0) },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", name, n)
		}
	}
}
