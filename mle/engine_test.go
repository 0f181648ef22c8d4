package mle

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

var t0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func newTestEngine(tb testing.TB, i uint64, mod func(*Config)) *Engine {
	tb.Helper()
	c := Config{
		Ext:        wpan.ExtAddrFromUint64(0x0212_4b00_0000_0000 + i),
		Short:      wpan.ShortNone,
		NetworkKey: vectorKey(tb),
		Rand:       rand.New(rand.NewPCG(i, 1)),
		Channel:    15,
	}
	if mod != nil {
		mod(&c)
	}
	e, err := NewEngine(c)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// deliver hands every message a queued to b, as a lossless link at -50 dBm
// would, and returns how many it delivered.
func deliver(now time.Time, a, b *Engine) int {
	n := 0
	for o, ok := a.PopOutbound(); ok; o, ok = a.PopOutbound() {
		if !o.Multicast && o.Neighbor != b.cfg.Ext {
			continue
		}
		in := Inbound{Src: a.ll, Dst: o.Dst, HopLimit: HopLimit, RSSI: -50, Payload: append([]byte(nil), o.Payload...)}
		if !o.Multicast {
			in.Dst = b.ll
		}
		b.HandleMessage(now, &in)
		n++
	}
	for _, ok := a.PopEvent(); ok; _, ok = a.PopEvent() {
	}
	return n
}

// pump runs two engines against each other until both are idle or until.
func pump(a, b *Engine, until time.Time) time.Time {
	return pumpWith(a, b, until, nil)
}

// pumpWith is pump handing every event a raises to onEvent (nil: dropped).
func pumpWith(a, b *Engine, until time.Time, onEvent func(Event)) time.Time {
	now := t0
	for now.Before(until) {
		now = a.Deadline()
		if d := b.Deadline(); d.Before(now) {
			now = d
		}
		if now.Before(t0) {
			now = t0
		}
		if now.After(until) {
			break
		}
		a.Poll(now)
		b.Poll(now)
		for {
			for ev, ok := a.PopEvent(); ok; ev, ok = a.PopEvent() {
				if onEvent != nil {
					onEvent(ev)
				}
			}
			if deliver(now, a, b)+deliver(now, b, a) == 0 {
				break
			}
		}
	}
	return now
}

func TestEngineLinkUp(t *testing.T) {
	a, b := newTestEngine(t, 1, nil), newTestEngine(t, 2, nil)
	pump(a, b, t0.Add(10*time.Second))
	if !a.Linked(b.cfg.Ext) || !b.Linked(a.cfg.Ext) {
		t.Fatalf("no link: a %+v b %+v", a.Stats(), b.Stats())
	}
	li, _ := a.Link(b.cfg.Ext)
	if li.MarginIn != 60 || li.QualityIn != LinkQuality3 || !li.HasMarginOut {
		t.Fatalf("link info %+v", li)
	}
}

// TestEngineDropsCounted feeds malformed and replayed messages to an
// engine with a link and checks that each is dropped with its reason.
func TestEngineDropsCounted(t *testing.T) {
	a, b := newTestEngine(t, 1, nil), newTestEngine(t, 2, nil)
	now := pump(a, b, t0.Add(10*time.Second))
	// Record an Advertisement from a that b accepted.
	a.sendAdvertisement()
	o, _ := a.PopOutbound()
	ad := append([]byte(nil), o.Payload...)
	a.outAt, a.outN = 0, 0
	in := func(p []byte, hl uint8) *Inbound {
		return &Inbound{Src: a.ll, Dst: b.allN, HopLimit: hl, RSSI: -50, Payload: append([]byte(nil), p...)}
	}
	b.HandleMessage(now, in(ad, HopLimit))
	accepted := b.Stats().Accepted
	mod := func(f func(p []byte)) []byte { p := append([]byte(nil), ad...); f(p); return p }
	cases := []struct {
		name string
		msg  *Inbound
		want DropReason
	}{
		{"hop limit 64", in(ad, 64), DropHopLimit},
		{"empty", in(nil, HopLimit), DropMalformed},
		{"unknown suite", in([]byte{7, 4}, HopLimit), DropMalformed},
		{"bad security control", in(mod(func(p []byte) { p[1] = 0x0d }), HopLimit), DropMalformed},
		{"truncated", in(ad[:12], HopLimit), DropMalformed},
		{"replayed", in(ad, HopLimit), DropReplay},
		{"counter raised", in(mod(func(p []byte) { p[2] += 100 }), HopLimit), DropMIC},
		{"key sequence +1", in(mod(func(p []byte) { p[9]++ }), HopLimit), DropMIC},
		{"ciphertext flipped", in(mod(func(p []byte) { p[2] += 50; p[12] ^= 1 }), HopLimit), DropMIC},
		{"unsecured", in([]byte{255, 4}, HopLimit), DropUnsecured},
		{"global source", &Inbound{Src: netip.MustParseAddr("2001:db8::1"), Dst: b.allN, HopLimit: HopLimit, Payload: ad}, DropMalformed},
	}
	for _, c := range cases {
		before := b.Stats().Drops[c.want]
		b.HandleMessage(now, c.msg)
		if got := b.Stats().Drops[c.want] - before; got != 1 {
			t.Errorf("%s: %v counted %d times; drops %v", c.name, c.want, got, b.Stats().Drops)
		}
	}
	if b.Stats().Accepted != accepted {
		t.Fatalf("a bad message was accepted")
	}
	// A stale key sequence from an established neighbour.
	l := b.find(a.cfg.Ext)
	l.mle.KeySequence = 5
	before := b.Stats().Drops[DropKeySequence]
	b.HandleMessage(now, in(ad, HopLimit))
	if b.Stats().Drops[DropKeySequence] != before+1 {
		t.Fatal("stale key sequence not counted")
	}
}

func TestEngineKeyRotationFollows(t *testing.T) {
	a, b := newTestEngine(t, 1, nil), newTestEngine(t, 2, nil)
	now := pump(a, b, t0.Add(10*time.Second))
	a.SetKeySequence(now, 1)
	pump(a, b, now.Add(time.Minute))
	if b.KeySequence() != 1 || !a.Linked(b.cfg.Ext) || !b.Linked(a.cfg.Ext) {
		t.Fatalf("b at key sequence %d, links %v %v", b.KeySequence(), a.Linked(b.cfg.Ext), b.Linked(a.cfg.Ext))
	}
	// A jump of 5 is not adopted from a peer: b keeps 1 and re-establishes.
	now = now.Add(time.Minute)
	a.SetKeySequence(now, 6)
	pump(a, b, now.Add(time.Minute))
	if b.KeySequence() != 6 {
		t.Fatalf("b at key sequence %d after re-establishment, want 6 (adopted from the authoritative Link Accept)", b.KeySequence())
	}
}

func TestEngineDistributeParams(t *testing.T) {
	a, b := newTestEngine(t, 1, nil), newTestEngine(t, 2, nil)
	now := pump(a, b, t0.Add(10*time.Second))
	if err := a.Distribute(now, ParamChannel, []byte{27}, time.Second); err != ErrParam {
		t.Fatalf("channel 27: %v", err)
	}
	if err := a.Distribute(now, ParamPermitJoining, []byte{1}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := a.Distribute(now, ParamBeaconPayload, []byte("meshgw"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	pump(a, b, now.Add(4*time.Second))
	if b.Params().PermitJoining {
		t.Fatal("applied before its delay")
	}
	pump(a, b, now.Add(10*time.Second))
	p := b.Params()
	if !p.PermitJoining || string(p.BeaconPayload) != "meshgw" || !a.Params().PermitJoining {
		t.Fatalf("params %+v", p)
	}
}

func TestEngineOpenProfile(t *testing.T) {
	open := func(c *Config) { c.Unsecured = true }
	a, b := newTestEngine(t, 1, open), newTestEngine(t, 2, open)
	pump(a, b, t0.Add(10*time.Second))
	if !a.Linked(b.cfg.Ext) || !b.Linked(a.cfg.Ext) {
		t.Fatal("open profile nodes did not link")
	}
	s := newTestEngine(t, 3, nil)
	pump(a, s, t0.Add(20*time.Second))
	if s.Linked(a.cfg.Ext) || s.Stats().Drops[DropUnsecured] == 0 || a.Stats().Drops[DropNoKey] == 0 {
		t.Fatalf("secured and open engines: %v / %v", s.Stats().Drops, a.Stats().Drops)
	}
}

func TestEngineLinkTableBounded(t *testing.T) {
	hub := newTestEngine(t, 100, func(c *Config) { c.MaxLinks = 3 })
	now := t0
	for i := range 5 {
		e := newTestEngine(t, uint64(i+1), nil)
		now = pump(hub, e, now.Add(10*time.Second))
		if i == 0 {
			hub.Pin(e.cfg.Ext, true)
		}
	}
	if hub.Links() != 3 {
		t.Fatalf("hub has %d links, capacity 3", hub.Links())
	}
	if !hub.Linked(wpan.ExtAddrFromUint64(0x0212_4b00_0000_0001)) {
		t.Fatal("the pinned link was evicted")
	}
}

// FuzzHandleMessage feeds arbitrary payloads, hop limits and sources to an
// engine that has an established neighbour. Nothing may panic, and every
// message must be either accepted or counted as a drop... or answered.
func FuzzHandleMessage(f *testing.F) {
	a, b := newTestEngine(f, 1, nil), newTestEngine(f, 2, nil)
	now := pump(a, b, t0.Add(10*time.Second))
	a.sendAdvertisement()
	o, _ := a.PopOutbound()
	f.Add(append([]byte(nil), o.Payload...), uint8(255), true)
	f.Add(unhex(f, vectorPayload), uint8(255), false)
	f.Add([]byte{255, 0, 3, 4, 1, 2, 3, 4}, uint8(255), true)
	f.Add([]byte{255, 4, 6, 1, 7}, uint8(255), true)
	f.Add([]byte{0, 0x15}, uint8(64), true)
	f.Fuzz(func(t *testing.T, payload []byte, hl uint8, fromA bool) {
		src := netip.MustParseAddr("fe80::1")
		if fromA {
			src = a.ll
		}
		before := b.Stats()
		b.HandleMessage(now, &Inbound{Src: src, Dst: b.allN, HopLimit: hl, RSSI: -50, Payload: payload})
		after := b.Stats()
		if after.Dropped() == before.Dropped() && after.Accepted == before.Accepted && after.TxMessages == before.TxMessages {
			// Only an Advertisement from a stranger that is being asked
			// already, or one while cooling down, may pass silently.
			if fromA {
				t.Fatalf("message neither accepted, dropped nor answered: % x", payload)
			}
		}
		for _, ok := b.PopOutbound(); ok; _, ok = b.PopOutbound() {
		}
		for _, ok := b.PopEvent(); ok; _, ok = b.PopEvent() {
		}
	})
}

// BenchmarkHandleAdvertisement measures an engine receiving an
// Advertisement from an established neighbour: replay check, open, decode,
// key rules, link quality.
func BenchmarkHandleAdvertisement(b *testing.B) {
	x, y := newTestEngine(b, 1, nil), newTestEngine(b, 2, nil)
	now := pump(x, y, t0.Add(10*time.Second))
	in := Inbound{Src: x.ll, Dst: y.allN, HopLimit: HopLimit, RSSI: -60}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		x.sendAdvertisement()
		o, _ := x.PopOutbound()
		x.PopOutbound()
		in.Payload = append(buf[:0], o.Payload...)
		y.HandleMessage(now, &in)
	}
	if y.Stats().Dropped() != 0 {
		b.Fatalf("drops %v", y.Stats().Drops)
	}
}

// pumpEvents runs two engines against each other like pump and returns the
// events of a.
func pumpEvents(a, b *Engine, until time.Time) []Event {
	var evs []Event
	pumpWith(a, b, until, func(ev Event) { evs = append(evs, ev) })
	return evs
}

// TestEngineLinkMargins checks the meshgw link margin exchange: an engine
// that declares its power gets the margin its neighbour measures on its
// Advertisements, normalised to 0 dBm, as an EventLinkMargin; an engine that
// does not declares nothing and gets no reports.
func TestEngineLinkMargins(t *testing.T) {
	a, b := newTestEngine(t, 1, nil), newTestEngine(t, 2, nil)
	a.SetTxPower(-4)
	evs := pumpEvents(a, b, t0.Add(3*time.Minute))
	// deliver uses an RSSI of -50 dBm: a margin of 60 dB above the default
	// sensitivity of -110 dBm, measured on frames declared at -4 dBm.
	const want = 60 + 4
	var reports int
	for _, ev := range evs {
		if ev.Kind == EventLinkMargin {
			reports++
			if ev.Neighbor != b.cfg.Ext || ev.LinkMargin0DBm != want {
				t.Errorf("event %+v, want a margin of %d dB from %v", ev, want, b.cfg.Ext)
			}
		}
	}
	if reports < 2 {
		t.Fatalf("%d link margin reports in 3 minutes, want several", reports)
	}
	la, _ := a.Link(b.cfg.Ext)
	lb, _ := b.Link(a.cfg.Ext)
	if !la.HasMarginOut0DBm || la.MarginOut0DBm != want || la.HasMarginIn0DBm {
		t.Errorf("a's link to b: %+v", la)
	}
	if !lb.HasMarginIn0DBm || lb.MarginIn0DBm != want || lb.HasMarginOut0DBm {
		t.Errorf("b's link to a: %+v", lb)
	}
}

// TestEngineAdvertisesPinnedLinks checks that with more links than fit an
// Advertisement the pinned links are in every one.
func TestEngineAdvertisesPinnedLinks(t *testing.T) {
	e := newTestEngine(t, 1, func(c *Config) { c.MaxAdvertisedLinks = 2 })
	for i := range 5 {
		e.links = append(e.links, link{ext: wpan.ExtAddrFromUint64(0x100 + uint64(i)), qIn: LinkQuality3})
	}
	e.links[3].pinned = true
	var m Message
	seen := map[wpan.ExtAddr]int{}
	for range 8 {
		e.sendAdvertisement()
		o, ok := e.PopOutbound()
		if !ok {
			t.Fatal("no advertisement")
		}
		body, _, err := Open(append([]byte(nil), o.Payload...), e.cipher(e.keySeq), e.cfg.Ext, e.ll, o.Dst)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Decode(body); err != nil {
			t.Fatal(err)
		}
		q := &m.LinkQuality
		if q.Len() != 2 || q.Complete {
			t.Fatalf("%d records, complete %v", q.Len(), q.Complete)
		}
		if r := q.Record(0); wpan.ExtAddr(r.Addr) != e.links[3].ext || r.Flags&LinkPriority == 0 {
			t.Fatalf("first record %+v, want the pinned link", r)
		}
		seen[wpan.ExtAddr(q.Record(1).Addr)]++
	}
	if len(seen) != 4 {
		t.Fatalf("the unpinned links were not rotated through: %v", seen)
	}
}

// TestEngineRevalidate checks that Revalidate ends a link to a neighbour
// that no longer answers within seconds (not LinkTimeout), keeps one that
// answers, and refuses a neighbour without a link.
func TestEngineRevalidate(t *testing.T) {
	a, b := newTestEngine(t, 1, nil), newTestEngine(t, 2, nil)
	now := pump(a, b, t0.Add(10*time.Second))
	if !a.Linked(b.cfg.Ext) {
		t.Fatal("no link")
	}
	if a.Revalidate(now, wpan.ExtAddrFromUint64(99)) {
		t.Error("Revalidate accepted a neighbour without a link")
	}
	// b answers: the link stays.
	if !a.Revalidate(now, b.cfg.Ext) {
		t.Fatal("Revalidate refused the neighbour")
	}
	now = pump(a, b, now.Add(20*time.Second))
	if !a.Linked(b.cfg.Ext) {
		t.Fatal("a link whose neighbour answered ended")
	}
	// b is gone: a's requests go nowhere.
	start := now
	if !a.Revalidate(now, b.cfg.Ext) {
		t.Fatal("Revalidate refused the neighbour")
	}
	for a.Linked(b.cfg.Ext) && now.Sub(start) < a.cfg.LinkTimeout/2 {
		now = a.Deadline()
		a.Poll(now)
		for _, ok := a.PopOutbound(); ok; _, ok = a.PopOutbound() {
		}
	}
	if a.Linked(b.cfg.Ext) {
		t.Fatalf("the link to a silent neighbour survived %v of re-validation", now.Sub(start))
	}
	if d := now.Sub(start); d > 20*time.Second {
		t.Errorf("a silent neighbour's link ended after %v, want within 20 s", d)
	}
}
