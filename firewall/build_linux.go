package firewall

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// elementChunk bounds the elements per NEWSETELEM message: google/nftables
// v0.3.0 puts one call's elements in one message, whose 16-bit attribute
// length silently wraps above about 2,300 IPv6 keys.
const elementChunk = 1000

// builder turns the ruleset into messages queued on one Conn.
type builder struct {
	conn  *nftables.Conn
	table *nftables.Table
	sets  map[string]*nftables.Set // sets created in this batch, by name
}

func ifname16(name string) []byte {
	b := make([]byte, 16)
	copy(b, name)
	return b
}

func u32host(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

func (b *builder) setRef(name string) (string, uint32) {
	if s, ok := b.sets[name]; ok {
		return s.Name, s.ID
	}
	return name, 0
}

// loadAddr loads the source or destination address into register 1,
// masked to bits.
func loadAddr(dst bool, bits int) []expr.Any {
	off := uint32(8)
	if dst {
		off = 24
	}
	e := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: 16}}
	if bits < 128 {
		m := prefixMask(bits).As16()
		e = append(e, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 16, Mask: m[:], Xor: make([]byte, 16)})
	}
	return e
}

func nfprotoGuard(v6 bool) []expr.Any {
	p := byte(unix.NFPROTO_IPV4)
	if v6 {
		p = unix.NFPROTO_IPV6
	}
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{p}},
	}
}

func l4Guard(proto byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
	}
}

func cmpOp(neq bool) expr.CmpOp {
	if neq {
		return expr.CmpOpNeq
	}
	return expr.CmpOpEq
}

// anonSet queues a constant anonymous set and returns the lookup on it.
func (b *builder) anonSet(kt nftables.SetDatatype, keys [][]byte, invert bool) (expr.Any, error) {
	s := &nftables.Set{Table: b.table, Anonymous: true, Constant: true, KeyType: kt}
	elems := make([]nftables.SetElement, len(keys))
	for i, k := range keys {
		elems[i] = nftables.SetElement{Key: k}
	}
	if err := b.conn.AddSet(s, elems); err != nil {
		return nil, fmt.Errorf("add anonymous set: %w", err)
	}
	return &expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID, Invert: invert}, nil
}

func (b *builder) exprs(t term) ([]expr.Any, error) {
	switch t := t.(type) {
	case tIfname:
		k := expr.MetaKeyIIFNAME
		if t.out {
			k = expr.MetaKeyOIFNAME
		}
		return []expr.Any{&expr.Meta{Key: k, Register: 1}, &expr.Cmp{Op: cmpOp(t.neq), Register: 1, Data: ifname16(t.name)}}, nil
	case tNfproto:
		return nfprotoGuard(t.v6), nil
	case tL4ICMPv6:
		return l4Guard(unix.IPPROTO_ICMPV6), nil
	case tAddrPrefix:
		return prefixMatch(t.dst, t.neq, t.p), nil
	case tAddrSet:
		name, id := b.setRef(t.set)
		return append(loadAddr(t.dst, t.bits), &expr.Lookup{SourceRegister: 1, SetName: name, SetID: id, Invert: t.neq}), nil
	case tFibSaddrMissing:
		return []expr.Any{
			&expr.Fib{Register: 1, FlagSADDR: true, FlagIIF: true, FlagPRESENT: true, ResultOIF: true},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0, 0, 0, 0}},
		}, nil
	case tFibDaddrMissing:
		return []expr.Any{
			&expr.Fib{Register: 1, FlagDADDR: true, FlagPRESENT: true, ResultOIF: true},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0, 0, 0, 0}},
		}, nil
	case tFibDaddrTypeNotIn:
		keys := make([][]byte, len(t.types))
		for i, v := range t.types {
			keys[i] = u32host(v)
		}
		lk, err := b.anonSet(nftables.TypeFIBAddr, keys, true)
		if err != nil {
			return nil, err
		}
		return []expr.Any{&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true}, lk}, nil
	case tCtState:
		return []expr.Any{
			&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: u32host(t.mask), Xor: make([]byte, 4)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
		}, nil
	case tICMPv6Type:
		e := append(nfprotoGuard(true), l4Guard(unix.IPPROTO_ICMPV6)...)
		e = append(e, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1})
		if len(t.types) == 1 {
			return append(e, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{t.types[0]}}), nil
		}
		keys := make([][]byte, len(t.types))
		for i, v := range t.types {
			keys[i] = []byte{v}
		}
		lk, err := b.anonSet(nftables.TypeICMP6Type, keys, false)
		if err != nil {
			return nil, err
		}
		return append(e, lk), nil
	case tHopLimit:
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 7, Len: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{t.v}},
		}, nil
	case tPort:
		e := l4Guard(byte(t.proto))
		if t.port != 0 {
			e = append(e,
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.BigEndian.AppendUint16(nil, t.port)})
		}
		return e, nil
	case tDynset:
		name, id := b.setRef(t.set)
		op := uint32(unix.NFT_DYNSET_OP_ADD)
		if t.update {
			op = unix.NFT_DYNSET_OP_UPDATE
		}
		var stmt expr.Any = limitExpr(t.limit)
		if t.quota != 0 {
			stmt = &expr.Quota{Bytes: t.quota, Over: true}
		}
		return append(loadAddr(false, t.bits), &expr.Dynset{
			SrcRegKey: 1, SetName: name, SetID: id, Operation: op, Timeout: t.timeout, Exprs: []expr.Any{stmt},
		}), nil
	case tLimit:
		return []expr.Any{limitExpr(t)}, nil
	}
	return nil, fmt.Errorf("firewall: no encoding for term %T", t)
}

func limitExpr(l tLimit) *expr.Limit {
	return &expr.Limit{Type: expr.LimitTypePkts, Rate: uint64(l.rate), Over: l.over, Unit: expr.LimitTimeSecond, Burst: l.burst}
}

// prefixMatch compares the address with a prefix the way nft does: a
// byte-aligned prefix loads only its bytes, others load all 16 and mask.
func prefixMatch(dst, neq bool, p netip.Prefix) []expr.Any {
	off := uint32(8)
	if dst {
		off = 24
	}
	a := p.Addr().As16()
	if p.Bits()%8 == 0 {
		n := uint32(p.Bits() / 8)
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: n},
			&expr.Cmp{Op: cmpOp(neq), Register: 1, Data: a[:n]},
		}
	}
	m := prefixMask(p.Bits()).As16()
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: 16},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 16, Mask: m[:], Xor: make([]byte, 16)},
		&expr.Cmp{Op: cmpOp(neq), Register: 1, Data: a[:]},
	}
}

func (b *builder) rule(ch *nftables.Chain, r ruleDef) error {
	var e []expr.Any
	for _, t := range r.terms {
		x, err := b.exprs(t)
		if err != nil {
			return err
		}
		e = append(e, x...)
	}
	if r.counter {
		e = append(e, &expr.Counter{})
	}
	if r.log != "" {
		e = append(e, &expr.Log{Key: 1<<unix.NFTA_LOG_PREFIX | 1<<unix.NFTA_LOG_GROUP, Group: r.group, Data: []byte(r.log)})
	}
	switch r.verdict {
	case vAccept:
		e = append(e, &expr.Verdict{Kind: expr.VerdictAccept})
	case vDrop:
		e = append(e, &expr.Verdict{Kind: expr.VerdictDrop})
	case vJump:
		e = append(e, &expr.Verdict{Kind: expr.VerdictJump, Chain: r.target})
	}
	nr := &nftables.Rule{Table: b.table, Chain: ch, Exprs: e}
	if r.name != "" {
		nr.UserData = userdata.AppendString(nil, userdata.TypeComment, r.name)
	}
	b.conn.AddRule(nr)
	return nil
}

// addSet queues a named set and its elements, chunked.
func (b *builder) addSet(s setDef) error {
	ns := &nftables.Set{Table: b.table, Name: s.name, KeyType: nftables.TypeIP6Addr}
	if s.dynamic {
		ns.Dynamic, ns.HasTimeout, ns.Timeout, ns.Size = true, true, s.timeout, s.size
	} else {
		ns.Interval = true
	}
	if err := b.conn.AddSet(ns, nil); err != nil {
		return fmt.Errorf("add set %s: %w", s.name, err)
	}
	b.sets[s.name] = ns
	if s.dynamic {
		return nil
	}
	elems := intervalElements(s.prefixes)
	for len(elems) > 0 {
		n := min(len(elems), elementChunk)
		if err := b.conn.SetAddElements(ns, elems[:n]); err != nil {
			return fmt.Errorf("add elements to set %s: %w", s.name, err)
		}
		elems = elems[n:]
	}
	return nil
}

// intervalElements encodes prefixes the way nft does for an interval set:
// a leading interval end at ::, then start and end+1 of each prefix.
func intervalElements(ps []netip.Prefix) []nftables.SetElement {
	zero := make([]byte, 16)
	out := make([]nftables.SetElement, 0, 1+2*len(ps))
	out = append(out, nftables.SetElement{Key: zero, IntervalEnd: true})
	for _, p := range ps {
		start := p.Addr().As16()
		end := lastAddr(p).Next().As16() // Validate keeps prefixes below ff00::/8, so Next never overflows
		out = append(out, nftables.SetElement{Key: start[:]}, nftables.SetElement{Key: end[:], IntervalEnd: true})
	}
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As16()
	m := prefixMask(p.Bits()).As16()
	for i := range a {
		a[i] |= ^m[i]
	}
	return netip.AddrFrom16(a)
}
