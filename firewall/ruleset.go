package firewall

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TableName is the name of meshgw's table (family inet). meshgw never
// touches any other table.
const TableName = "meshgw"

// Names of the dynamic sets that hold per-source state.
const (
	SetQuotaIn  = "quota_in"  // per uplink source (or source prefix) byte quota
	SetQuotaOut = "quota_out" // per mesh node byte quota
	SetFlowsIn  = "flows_in"  // per uplink source new-flow rate limit
	setPrefixes = "mesh_prefixes"
)

// Stable rule names: Counters reports each rule's counter under its name,
// and the name is the rule's comment in "nft list table inet meshgw".
// Service rules are named "svc_" + Service.Name and gateway port rules
// "in_mesh_port_" + protocol + "_" + port.
const (
	RuleMeshIPv4         = "mesh_ipv4"           // IPv4 from the mesh interface
	RuleMeshSrcOffPrefix = "mesh_src_off_prefix" // mesh source outside the mesh prefixes
	RuleMeshSrcFib       = "mesh_src_fib"        // mesh source not routed back via the mesh (fib)
	RuleUplinkSrcMesh    = "uplink_src_mesh"     // uplink packet claiming a mesh source
	RuleInMeshInvalid    = "in_mesh_ct_invalid"
	RuleInMeshEstab      = "in_mesh_established"
	RuleInMeshNotLocal   = "in_mesh_not_local" // destination not an address of this host
	RuleInMeshND         = "in_mesh_nd"
	RuleInMeshMeshCtrl   = "in_mesh_mesh_ctrl" // RPL, 6LoWPAN-ND DAR/DAC, MPL accepted
	RuleInMeshICMPv6     = "in_mesh_icmpv6"
	RuleInMeshICMPv6Err  = "in_mesh_icmpv6_error" // errors that conntrack could not classify
	RuleInMeshDefault    = "in_mesh_default"
	RuleInUpNotLocal     = "in_uplink_not_local"
	RuleInUpMeshCtrl     = "in_uplink_mesh_ctrl" // RPL/6LoWPAN-ND/MPL from the uplink dropped
	RuleInUpND           = "in_uplink_nd"
	RuleInUpICMPv6       = "in_uplink_icmpv6"
	RuleInUpICMPv6Err    = "in_uplink_icmpv6_error"
	RuleInUpICMPv6Other  = "in_uplink_icmpv6_other"
	RuleFwdInInvalid     = "fwd_in_ct_invalid"
	RuleFwdInIPv4        = "fwd_in_ipv4"
	RuleFwdInMeshCtrl    = "fwd_in_mesh_ctrl"
	RuleFwdInNoRoute     = "fwd_in_no_route"
	RuleQuotaIn          = "quota_in"
	RuleQuotaInFull      = "quota_in_full"
	RuleFwdInEstab       = "fwd_in_established"
	RuleFlowsIn          = "flows_in_limit"
	RuleFlowsInFull      = "flows_in_full"
	RuleFwdInICMPv6      = "fwd_in_icmpv6"
	RuleFwdInDefault     = "fwd_in_default"
	RuleFwdOutInvalid    = "fwd_out_ct_invalid"
	RuleFwdOutIPv4       = "fwd_out_ipv4"
	RuleFwdOutMeshCtrl   = "fwd_out_mesh_ctrl"
	RuleFwdOutHairpin    = "fwd_out_hairpin"
	RuleFwdOutNoRoute    = "fwd_out_no_route"
	RuleQuotaOut         = "quota_out"
	RuleQuotaOutFull     = "quota_out_full"
	RuleFwdOutEstab      = "fwd_out_established"
	RuleFwdOutICMPv6     = "fwd_out_icmpv6"
	RuleFwdOutICMPv6Drop = "fwd_out_icmpv6_other"
	RuleFwdOutAccept     = "fwd_out_accept"
)

// ICMPv6 type lists (RFC 4890 §4.3 transit, §4.4 local; IANA for the mesh
// types).
var (
	// icmpTransit: must not be dropped (1, 2, 3/0, 4/1-2, 128, 129) plus
	// normally not dropped (3/1, 4/0), all codes of those types.
	icmpTransit = []uint8{1, 2, 3, 4, 128, 129}
	// icmpND: RS, RA, NS, NA and Inverse ND; accepted only with hop limit 255.
	icmpND = []uint8{133, 134, 135, 136, 141, 142}
	// icmpLocalInfo: the informational rest of RFC 4890 §4.4 "must not be
	// dropped": echo, MLD (130-132, 143), SEND (148, 149), MRD (151-153).
	icmpLocalInfo = []uint8{128, 129, 130, 131, 132, 143, 148, 149, 151, 152, 153}
	// icmpErrors: Destination Unreachable, Packet Too Big, Time Exceeded,
	// Parameter Problem (all codes; RFC 4890 §4.4.1 and §4.4.2).
	icmpErrors = []uint8{1, 2, 3, 4}
	// icmpMesh: RPL control (155, RFC 6550), 6LoWPAN-ND DAR/DAC (157/158,
	// RFC 6775), MPL control (159, RFC 7731): mesh interface only, never
	// forwarded.
	icmpMesh = []uint8{155, 157, 158, 159}
)

// Fib address types (RTN_*) a locally delivered packet may have.
const (
	rtnLocal     = 2
	rtnAnycast   = 4
	rtnMulticast = 5
)

// ct state bits.
const (
	ctInvalid     = 1
	ctEstablished = 2
	ctRelated     = 4
)

// ruleset is the intermediate form both Render and the netlink builder use,
// so the text and what the kernel receives come from one description.
type ruleset struct {
	sets   []setDef
	chains []chainDef
}

type setDef struct {
	name     string
	prefixes []netip.Prefix // interval set of prefixes when non-nil
	dynamic  bool
	timeout  time.Duration
	size     uint32
}

type chainDef struct {
	name   string
	hook   string // "" for a regular chain
	prio   int
	policy string
	rules  []ruleDef
}

type verdict uint8

const (
	vNone verdict = iota
	vAccept
	vDrop
	vJump
)

type ruleDef struct {
	name    string // comment and counter name; "" for dispatch rules
	terms   []term
	counter bool
	log     string // NFLOG prefix when logging
	group   uint16
	verdict verdict
	target  string // jump target
}

// term is one match or statement before the counter.
type term interface{ text() string }

type (
	// tIfname: iifname/oifname eq/neq name.
	tIfname struct {
		out, neq bool
		name     string
	}
	// tNfproto: meta nfproto ipv4/ipv6; shown is whether nft prints it.
	tNfproto struct {
		v6, shown bool
	}
	// tL4proto: meta l4proto ipv6-icmp (shown).
	tL4ICMPv6 struct{}
	// tAddrPrefix: ip6 saddr/daddr [!=] prefix.
	tAddrPrefix struct {
		dst, neq bool
		p        netip.Prefix
	}
	// tAddrSet: ip6 saddr [& mask] [!=] @set.
	tAddrSet struct {
		dst, neq bool
		bits     int
		set      string
	}
	// tFibSaddrMissing: fib saddr . iif oif missing.
	tFibSaddrMissing struct{}
	// tFibDaddrMissing: fib daddr oif missing.
	tFibDaddrMissing struct{}
	// tFibDaddrTypeNotIn: fib daddr type != { … }.
	tFibDaddrTypeNotIn struct{ types []uint32 }
	// tCtState: ct state [names].
	tCtState struct{ mask uint32 }
	// tICMPv6Type: icmpv6 type { … } (guards included).
	tICMPv6Type struct{ types []uint8 }
	// tHopLimit: ip6 hoplimit N.
	tHopLimit struct{ v uint8 }
	// tPort: tcp/udp dport N (with the l4proto guard).
	tPort struct {
		proto Protocol
		port  uint16
	}
	// tDynset: add/update @set { ip6 saddr [& mask] timeout T <stmt> }.
	tDynset struct {
		update  bool
		set     string
		bits    int
		timeout time.Duration
		quota   uint64 // quota over N bytes when non-zero
		limit   tLimit // otherwise a limit
	}
	// tLimit: limit rate [over] N/second [burst B packets].
	tLimit struct {
		rate, burst uint32
		over        bool
	}
)

func addrField(dst bool) string {
	if dst {
		return "ip6 daddr"
	}
	return "ip6 saddr"
}

func neqOp(neq bool) string {
	if neq {
		return "!= "
	}
	return ""
}

func (t tIfname) text() string {
	k := "iifname"
	if t.out {
		k = "oifname"
	}
	return fmt.Sprintf("%s %s%q", k, neqOp(t.neq), t.name)
}

func (t tNfproto) text() string {
	if !t.shown {
		return ""
	}
	if t.v6 {
		return "meta nfproto ipv6"
	}
	return "meta nfproto ipv4"
}

func (tL4ICMPv6) text() string { return "meta l4proto ipv6-icmp" }

func (t tAddrPrefix) text() string {
	s := t.p.Addr().String()
	if t.p.Bits() != 128 {
		s = t.p.String()
	}
	return addrField(t.dst) + " " + neqOp(t.neq) + s
}

func maskText(bits int) string {
	if bits >= 128 {
		return ""
	}
	return " & " + prefixMask(bits).String()
}

func prefixMask(bits int) netip.Addr {
	var m [16]byte
	for i := range 16 {
		switch {
		case bits >= 8:
			m[i] = 0xff
			bits -= 8
		case bits > 0:
			m[i] = byte(0xff << (8 - bits))
			bits = 0
		}
	}
	return netip.AddrFrom16(m)
}

func (t tAddrSet) text() string {
	return addrField(t.dst) + maskText(t.bits) + " " + neqOp(t.neq) + "@" + t.set
}

func (tFibSaddrMissing) text() string { return "fib saddr . iif oif missing" }
func (tFibDaddrMissing) text() string { return "fib daddr oif missing" }

var rtnNames = map[uint32]string{1: "unicast", 2: "local", 3: "broadcast", 4: "anycast", 5: "multicast",
	6: "blackhole", 7: "unreachable", 8: "prohibit"}

func (t tFibDaddrTypeNotIn) text() string {
	names := make([]string, len(t.types))
	for i, v := range t.types {
		names[i] = rtnNames[v]
	}
	return "fib daddr type != { " + strings.Join(names, ", ") + " }"
}

func (t tCtState) text() string {
	var names []string
	for _, s := range []struct {
		bit  uint32
		name string
	}{{ctInvalid, "invalid"}, {ctEstablished, "established"}, {ctRelated, "related"}} {
		if t.mask&s.bit != 0 {
			names = append(names, s.name)
		}
	}
	return "ct state " + strings.Join(names, ",")
}

var icmpv6Names = map[uint8]string{
	1: "destination-unreachable", 2: "packet-too-big", 3: "time-exceeded", 4: "parameter-problem",
	128: "echo-request", 129: "echo-reply", 130: "mld-listener-query", 131: "mld-listener-report",
	132: "mld-listener-done", 133: "nd-router-solicit", 134: "nd-router-advert", 135: "nd-neighbor-solicit",
	136: "nd-neighbor-advert", 137: "nd-redirect", 138: "router-renumbering", 141: "ind-neighbor-solicit",
	142: "ind-neighbor-advert", 143: "mld2-listener-report",
}

func icmpName(v uint8) string {
	if n, ok := icmpv6Names[v]; ok {
		return n
	}
	return strconv.Itoa(int(v))
}

func (t tICMPv6Type) text() string {
	if len(t.types) == 1 {
		return "icmpv6 type " + icmpName(t.types[0])
	}
	names := make([]string, len(t.types))
	for i, v := range t.types {
		names[i] = icmpName(v)
	}
	return "icmpv6 type { " + strings.Join(names, ", ") + " }"
}

func (t tHopLimit) text() string { return fmt.Sprintf("ip6 hoplimit %d", t.v) }

func (t tPort) text() string {
	if t.port == 0 {
		return "meta l4proto " + t.proto.String()
	}
	return fmt.Sprintf("%s dport %d", t.proto, t.port)
}

func (t tLimit) text() string {
	s := "limit rate " + map[bool]string{true: "over ", false: ""}[t.over] + strconv.FormatUint(uint64(t.rate), 10) + "/second"
	if t.burst != 5 { // nft omits the packet-limit default burst of 5
		s += fmt.Sprintf(" burst %d packets", t.burst)
	}
	return s
}

func (t tDynset) text() string {
	op := "add"
	if t.update {
		op = "update"
	}
	stmt := t.limit.text()
	if t.quota != 0 {
		stmt = "quota over " + quotaText(t.quota)
	}
	return fmt.Sprintf("%s @%s { ip6 saddr%s timeout %s %s }", op, t.set, maskText(t.bits), durText(t.timeout), stmt)
}

// quotaText prints bytes the way nft does: the largest binary unit that
// divides the value exactly.
func quotaText(b uint64) string {
	units := []string{"bytes", "kbytes", "mbytes", "gbytes"}
	u := 0
	for u < len(units)-1 && b >= 1024 && b%1024 == 0 {
		b /= 1024
		u++
	}
	return fmt.Sprintf("%d %s", b, units[u])
}

// durText prints a duration the way nft does ("1h", "10m", "1d2h3s").
func durText(d time.Duration) string {
	ms := d.Milliseconds()
	var b strings.Builder
	for _, u := range []struct {
		n    int64
		name string
	}{{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}} {
		if ms >= u.n {
			fmt.Fprintf(&b, "%d%s", ms/u.n, u.name)
			ms %= u.n
		}
	}
	if b.Len() == 0 {
		return "0s"
	}
	return b.String()
}

// build turns a validated config into the ruleset. The chain layout:
//
//	prerouting (raw)  anti-spoofing on both interfaces, before conntrack
//	input             iifname mesh → in_mesh (default drop), iifname uplink → in_uplink
//	forward           iifname mesh → fwd_out, oifname mesh → fwd_in (both default drop)
//
// Traffic that touches neither interface is left to the host's other tables.
func build(c Config) ruleset {
	mesh, up := c.MeshInterface, c.UplinkInterface
	iifMesh := tIfname{name: mesh}
	v6 := tNfproto{v6: true}
	v6shown := tNfproto{v6: true, shown: true}
	drop := func(name string, terms ...term) ruleDef {
		r := ruleDef{name: name, terms: terms, counter: true, verdict: vDrop}
		if c.Log.Enabled {
			r.log, r.group = "meshgw "+name+": ", c.Log.Group
		}
		return r
	}
	accept := func(name string, terms ...term) ruleDef {
		return ruleDef{name: name, terms: terms, counter: true, verdict: vAccept}
	}

	prefixes := slices.Clone(c.MeshPrefixes)
	slices.SortFunc(prefixes, comparePrefix)
	rs := ruleset{sets: []setDef{{name: setPrefixes, prefixes: prefixes}}}
	if q := c.InboundQuota; q.Bytes != 0 {
		rs.sets = append(rs.sets, setDef{name: SetQuotaIn, dynamic: true, timeout: q.Window, size: q.MaxSources})
	}
	if q := c.OutboundQuota; q.Bytes != 0 {
		rs.sets = append(rs.sets, setDef{name: SetQuotaOut, dynamic: true, timeout: q.Window, size: q.MaxSources})
	}
	if l := c.NewFlowLimit; l.Rate != 0 {
		rs.sets = append(rs.sets, setDef{name: SetFlowsIn, dynamic: true, timeout: l.Window, size: l.MaxSources})
	}

	pre := chainDef{name: "prerouting", hook: "prerouting", prio: -300, policy: "accept", rules: []ruleDef{
		drop(RuleMeshIPv4, iifMesh, tNfproto{shown: true}),
		drop(RuleMeshSrcOffPrefix, iifMesh, v6,
			tAddrSet{set: setPrefixes, neq: true, bits: 128},
			tAddrPrefix{neq: true, p: netip.MustParsePrefix("fe80::/10")},
			tAddrPrefix{neq: true, p: netip.MustParsePrefix("::/128")}),
		drop(RuleMeshSrcFib, iifMesh, tFibSaddrMissing{}),
		drop(RuleUplinkSrcMesh, tIfname{name: up}, v6, tAddrSet{set: setPrefixes, bits: 128}),
	}}
	input := chainDef{name: "input", hook: "input", prio: 0, policy: "accept", rules: []ruleDef{
		{terms: []term{iifMesh}, verdict: vJump, target: "in_mesh"},
		{terms: []term{tIfname{name: up}}, verdict: vJump, target: "in_uplink"},
	}}
	localTypes := tFibDaddrTypeNotIn{types: []uint32{rtnLocal, rtnAnycast, rtnMulticast}}
	// Conntrack marks ICMPv6 types it cannot track (RPL, DAR/DAC, SEND,
	// MRD, unsolicited echo replies) invalid, so the ICMPv6 accepts come
	// before the invalid drop; errors matching no flow are still dropped.
	inMesh := chainDef{name: "in_mesh", rules: []ruleDef{
		accept(RuleInMeshEstab, tCtState{ctEstablished | ctRelated}),
		drop(RuleInMeshNotLocal, localTypes),
		accept(RuleInMeshND, tICMPv6Type{icmpND}, tHopLimit{255}),
		accept(RuleInMeshMeshCtrl, tICMPv6Type{icmpMesh}),
		accept(RuleInMeshICMPv6, tICMPv6Type{icmpLocalInfo}),
		drop(RuleInMeshInvalid, tCtState{ctInvalid}),
		accept(RuleInMeshICMPv6Err, tICMPv6Type{icmpErrors}),
	}}
	for _, p := range c.GatewayPorts {
		inMesh.rules = append(inMesh.rules, accept(fmt.Sprintf("in_mesh_port_%s_%d", p.Protocol, p.Port), v6shown, tPort{p.Protocol, p.Port}))
	}
	inMesh.rules = append(inMesh.rules, drop(RuleInMeshDefault))
	inUp := chainDef{name: "in_uplink", rules: []ruleDef{
		drop(RuleInUpNotLocal, localTypes),
		drop(RuleInUpMeshCtrl, tICMPv6Type{icmpMesh}),
		accept(RuleInUpND, tICMPv6Type{icmpND}, tHopLimit{255}),
		accept(RuleInUpICMPv6, tICMPv6Type{icmpLocalInfo}),
		accept(RuleInUpICMPv6Err, tICMPv6Type{icmpErrors}),
		drop(RuleInUpICMPv6Other, v6, tL4ICMPv6{}),
	}}
	forward := chainDef{name: "forward", hook: "forward", prio: 0, policy: "accept", rules: []ruleDef{
		{terms: []term{iifMesh}, verdict: vJump, target: "fwd_out"},
		{terms: []term{tIfname{out: true, name: mesh}}, verdict: vJump, target: "fwd_in"},
	}}

	fwdIn := chainDef{name: "fwd_in", rules: []ruleDef{
		drop(RuleFwdInIPv4, tNfproto{shown: true}),
		drop(RuleFwdInMeshCtrl, tICMPv6Type{icmpMesh}),
		drop(RuleFwdInInvalid, tCtState{ctInvalid}),
		drop(RuleFwdInNoRoute, tFibDaddrMissing{}),
	}}
	fwdIn.rules = append(fwdIn.rules, quotaRules(c.InboundQuota, SetQuotaIn, RuleQuotaIn, RuleQuotaInFull, drop)...)
	fwdIn.rules = append(fwdIn.rules, accept(RuleFwdInEstab, tCtState{ctEstablished | ctRelated}))
	if l := c.NewFlowLimit; l.Rate != 0 {
		fwdIn.rules = append(fwdIn.rules,
			drop(RuleFlowsIn, v6, tDynset{update: true, set: SetFlowsIn, bits: 128, timeout: l.Window,
				limit: tLimit{rate: l.Rate, burst: l.Burst, over: true}}),
			drop(RuleFlowsInFull, v6, tAddrSet{set: SetFlowsIn, neq: true, bits: 128}))
	}
	fwdIn.rules = append(fwdIn.rules, accept(RuleFwdInICMPv6, tICMPv6Type{icmpTransit}))
	for _, s := range c.Services {
		terms := []term{v6, tAddrPrefix{dst: true, p: s.Prefix}, tPort{s.Protocol, s.Port}}
		fwdIn.rules = append(fwdIn.rules, accept("svc_"+s.Name, terms...))
	}
	fwdIn.rules = append(fwdIn.rules, drop(RuleFwdInDefault))

	fwdOut := chainDef{name: "fwd_out", rules: []ruleDef{
		drop(RuleFwdOutIPv4, tNfproto{shown: true}),
		drop(RuleFwdOutMeshCtrl, tICMPv6Type{icmpMesh}),
		drop(RuleFwdOutInvalid, tCtState{ctInvalid}),
		drop(RuleFwdOutHairpin, tIfname{out: true, name: mesh}),
		drop(RuleFwdOutNoRoute, tFibDaddrMissing{}),
	}}
	fwdOut.rules = append(fwdOut.rules, quotaRules(c.OutboundQuota, SetQuotaOut, RuleQuotaOut, RuleQuotaOutFull, drop)...)
	fwdOut.rules = append(fwdOut.rules,
		accept(RuleFwdOutEstab, tCtState{ctEstablished | ctRelated}),
		accept(RuleFwdOutICMPv6, tICMPv6Type{icmpTransit}),
		drop(RuleFwdOutICMPv6Drop, v6, tL4ICMPv6{}),
		accept(RuleFwdOutAccept))

	// Regular chains come before the base chains that jump to them, so the
	// kernel knows every jump target when a rule arrives.
	rs.chains = []chainDef{pre, inMesh, inUp, input, fwdIn, fwdOut, forward}
	return rs
}

func quotaRules(q Quota, set, name, fullName string, drop func(string, ...term) ruleDef) []ruleDef {
	if q.Bytes == 0 {
		return nil
	}
	v6 := tNfproto{v6: true}
	r := []ruleDef{drop(name, v6, tDynset{update: q.Mode == IdleTimeout, set: set, bits: q.KeyBits, timeout: q.Window, quota: q.Bytes})}
	full := []term{v6, tAddrSet{set: set, neq: true, bits: q.KeyBits}}
	if q.WhenFull == FullLimit {
		full = append(full, tLimit{rate: q.FullRate, burst: 5, over: true})
	}
	return append(r, drop(fullName, full...))
}

// Render returns the ruleset cfg installs, as nft(8) text that `nft -f`
// loads and that reads like `nft list table inet meshgw` (without counter
// values). It is what meshctl shows and what the docs quote.
func Render(cfg Config) (string, error) {
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	return build(cfg).render(), nil
}

func (rs ruleset) render() string {
	var b strings.Builder
	b.WriteString("table inet " + TableName + " {\n")
	for i, s := range rs.sets {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\tset %s {\n\t\ttype ipv6_addr\n", s.name)
		if s.dynamic {
			fmt.Fprintf(&b, "\t\tsize %d\n\t\tflags dynamic,timeout\n\t\ttimeout %s\n", s.size, durText(s.timeout))
		} else {
			b.WriteString("\t\tflags interval\n")
			if len(s.prefixes) > 0 {
				b.WriteString("\t\telements = { ")
				for j, p := range s.prefixes {
					if j > 0 {
						b.WriteString(",\n\t\t\t     ")
					}
					b.WriteString(p.String())
				}
				b.WriteString(" }\n")
			}
		}
		b.WriteString("\t}\n")
	}
	for _, c := range rs.chains {
		fmt.Fprintf(&b, "\n\tchain %s {\n", c.name)
		if c.hook != "" {
			fmt.Fprintf(&b, "\t\ttype filter hook %s priority %s; policy %s;\n", c.hook, prioText(c.prio), c.policy)
		}
		for _, r := range c.rules {
			b.WriteString("\t\t" + r.text() + "\n")
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func prioText(p int) string {
	switch p {
	case -300:
		return "raw"
	case 0:
		return "filter"
	}
	return strconv.Itoa(p)
}

func (r ruleDef) text() string {
	var parts []string
	for _, t := range r.terms {
		if s := t.text(); s != "" {
			parts = append(parts, s)
		}
	}
	if r.counter {
		parts = append(parts, "counter")
	}
	if r.log != "" {
		parts = append(parts, fmt.Sprintf("log prefix %q group %d", r.log, r.group))
	}
	switch r.verdict {
	case vAccept:
		parts = append(parts, "accept")
	case vDrop:
		parts = append(parts, "drop")
	case vJump:
		parts = append(parts, "jump "+r.target)
	}
	if r.name != "" {
		parts = append(parts, fmt.Sprintf("comment %q", r.name))
	}
	return strings.Join(parts, " ")
}

// fingerprint identifies a ruleset, so re-applying the same config is a
// no-op.
func (rs ruleset) fingerprint() string {
	sum := sha256.Sum256([]byte(rs.render()))
	return hex.EncodeToString(sum[:16])
}

// ruleNames lists the named rules of every chain, in order.
func (rs ruleset) ruleNames() map[string][]string {
	m := make(map[string][]string, len(rs.chains))
	for _, c := range rs.chains {
		names := []string{}
		for _, r := range c.rules {
			names = append(names, r.name)
		}
		m[c.name] = names
	}
	return m
}
