package rpl

import (
	"encoding/binary"
	"net/netip"
)

// OptionType is the type of an RPL control message option (RFC 6550
// section 6.7, IANA "RPL Control Message Options").
type OptionType uint8

// RPL control message option types.
const (
	OptPad1                 OptionType = 0x00
	OptPadN                 OptionType = 0x01
	OptDAGMetricContainer   OptionType = 0x02
	OptRouteInformation     OptionType = 0x03
	OptDODAGConfiguration   OptionType = 0x04
	OptTarget               OptionType = 0x05
	OptTransitInformation   OptionType = 0x06
	OptSolicitedInformation OptionType = 0x07
	OptPrefixInformation    OptionType = 0x08
	OptTargetDescriptor     OptionType = 0x09
)

// Option body lengths (after Type and Length).
const (
	optDODAGConfigurationLen   = 14
	optPrefixInformationLen    = 30
	optSolicitedInformationLen = 19
	optTransitShortLen         = 4
	optTransitLongLen          = 20
	optRouteInformationMinLen  = 6
	optTargetMinLen            = 2
	optTargetDescriptorLen     = 4
)

// String returns the option's name as RFC 6550 spells it.
func (t OptionType) String() string {
	switch t {
	case OptPad1:
		return "Pad1"
	case OptPadN:
		return "PadN"
	case OptDAGMetricContainer:
		return "DAG Metric Container"
	case OptRouteInformation:
		return "Route Information"
	case OptDODAGConfiguration:
		return "DODAG Configuration"
	case OptTarget:
		return "RPL Target"
	case OptTransitInformation:
		return "Transit Information"
	case OptSolicitedInformation:
		return "Solicited Information"
	case OptPrefixInformation:
		return "Prefix Information"
	case OptTargetDescriptor:
		return "RPL Target Descriptor"
	}
	return "Unknown"
}

// Option array sizes. A decoded message with more repeated options than
// these is refused with ErrTooManyOptions.
const (
	// MaxMetricObjects bounds the routing metric/constraint objects kept
	// from a DIO's DAG Metric Container options.
	MaxMetricObjects = 4
	// MaxRoutes bounds the Route Information options of a DIO.
	MaxRoutes = 4
	// MaxPrefixes bounds the Prefix Information options of a DIO.
	MaxPrefixes = 4
	// MaxTargets bounds the RPL Target options of a DAO.
	MaxTargets = 16
	// MaxTransits bounds the Transit Information options of a DAO.
	MaxTransits = 16
)

// DODAGConfig is the DODAG Configuration option (RFC 6550 section 6.7.6).
type DODAGConfig struct {
	// Flags holds the four high flag bits (mask 0xF0) as they appear on
	// the wire; see ConfigFlagRPI9008.
	Flags uint8
	// AuthEnabled is the A flag (security for routing control messages).
	AuthEnabled bool
	// PCS is the Path Control Size, 0..7.
	PCS uint8
	// DIOIntervalDoublings, DIOIntervalMin (an exponent: 2^n ms) and
	// DIORedundancy are the Trickle parameters of RFC 6550 section 8.3.1.
	DIOIntervalDoublings uint8
	DIOIntervalMin       uint8
	DIORedundancy        uint8
	// MaxRankIncrease bounds local repair (0 disables the limit).
	MaxRankIncrease uint16
	// MinHopRankIncrease is the rank step of one hop.
	MinHopRankIncrease uint16
	// OCP is the Objective Code Point (0 OF0, 1 MRHOF).
	OCP uint16
	// DefaultLifetime and LifetimeUnit (seconds) give route lifetimes.
	DefaultLifetime uint8
	LifetimeUnit    uint16
}

// DODAG Configuration flag bits (first byte of the option body).
const (
	// ConfigFlagRPI9008 is the DODAG Configuration flag that RFC 9008 adds
	// to announce RPI option type 0x23 (mask 0x10 as wsbrd's
	// "rpi_ignorable" sets it).
	ConfigFlagRPI9008 uint8 = 0x10
	configFlagAuth    uint8 = 0x08
	configPCSMask     uint8 = 0x07
)

// TrickleConfig returns the DIO Trickle parameters the option carries.
func (c *DODAGConfig) TrickleConfig() TrickleConfig {
	return TrickleConfig{IminExp: c.DIOIntervalMin, Doublings: c.DIOIntervalDoublings, Redundancy: c.DIORedundancy}
}

func (c *DODAGConfig) decode(b []byte) error {
	if len(b) < optDODAGConfigurationLen {
		return ErrOptionLength
	}
	c.Flags = b[0] & 0xF0
	c.AuthEnabled = b[0]&configFlagAuth != 0
	c.PCS = b[0] & configPCSMask
	c.DIOIntervalDoublings = b[1]
	c.DIOIntervalMin = b[2]
	c.DIORedundancy = b[3]
	c.MaxRankIncrease = binary.BigEndian.Uint16(b[4:])
	c.MinHopRankIncrease = binary.BigEndian.Uint16(b[6:])
	c.OCP = binary.BigEndian.Uint16(b[8:])
	// b[10] reserved
	c.DefaultLifetime = b[11]
	c.LifetimeUnit = binary.BigEndian.Uint16(b[12:])
	return nil
}

func (c *DODAGConfig) append(dst []byte) ([]byte, error) {
	if c.PCS > configPCSMask || c.Flags&0x0F != 0 {
		return dst, ErrInvalid
	}
	f := c.Flags | c.PCS
	if c.AuthEnabled {
		f |= configFlagAuth
	}
	dst = append(dst, byte(OptDODAGConfiguration), optDODAGConfigurationLen,
		f, c.DIOIntervalDoublings, c.DIOIntervalMin, c.DIORedundancy)
	dst = binary.BigEndian.AppendUint16(dst, c.MaxRankIncrease)
	dst = binary.BigEndian.AppendUint16(dst, c.MinHopRankIncrease)
	dst = binary.BigEndian.AppendUint16(dst, c.OCP)
	dst = append(dst, 0, c.DefaultLifetime)
	dst = binary.BigEndian.AppendUint16(dst, c.LifetimeUnit)
	return dst, nil
}

// PrefixInfo is the Prefix Information option (RFC 6550 section 6.7.10,
// the format of RFC 4861 section 4.6.2).
type PrefixInfo struct {
	// Prefix holds the prefix field and length as sent: with the R flag the
	// address bits beyond the length are the router's full address, so the
	// prefix is not masked.
	Prefix netip.Prefix
	// OnLink (L), Autonomous (A) and RouterAddress (R) are the flags.
	OnLink, Autonomous, RouterAddress bool
	// ValidLifetime and PreferredLifetime are in seconds; 0xFFFFFFFF is
	// infinity.
	ValidLifetime, PreferredLifetime uint32
}

// Prefix Information flag bits.
const (
	pioFlagL uint8 = 0x80
	pioFlagA uint8 = 0x40
	pioFlagR uint8 = 0x20
)

func (p *PrefixInfo) decode(b []byte) error {
	if len(b) < optPrefixInformationLen {
		return ErrOptionLength
	}
	if b[0] > 128 {
		return ErrPrefixLength
	}
	p.OnLink = b[1]&pioFlagL != 0
	p.Autonomous = b[1]&pioFlagA != 0
	p.RouterAddress = b[1]&pioFlagR != 0
	p.ValidLifetime = binary.BigEndian.Uint32(b[2:])
	p.PreferredLifetime = binary.BigEndian.Uint32(b[6:])
	// b[10:14] reserved
	p.Prefix = netip.PrefixFrom(netip.AddrFrom16([16]byte(b[14:30])), int(b[0]))
	return nil
}

func (p *PrefixInfo) append(dst []byte) ([]byte, error) {
	if !p.Prefix.IsValid() || !p.Prefix.Addr().Is6() {
		return dst, ErrInvalid
	}
	var f uint8
	if p.OnLink {
		f |= pioFlagL
	}
	if p.Autonomous {
		f |= pioFlagA
	}
	if p.RouterAddress {
		f |= pioFlagR
	}
	dst = append(dst, byte(OptPrefixInformation), optPrefixInformationLen, byte(p.Prefix.Bits()), f)
	dst = binary.BigEndian.AppendUint32(dst, p.ValidLifetime)
	dst = binary.BigEndian.AppendUint32(dst, p.PreferredLifetime)
	dst = append(dst, 0, 0, 0, 0)
	a := p.Prefix.Addr().As16()
	return append(dst, a[:]...), nil
}

// RouteInfo is the Route Information option (RFC 6550 section 6.7.5, the
// format of RFC 4191 section 2.3).
type RouteInfo struct {
	// Prefix is the advertised route, masked to its length.
	Prefix netip.Prefix
	// Preference is the 2-bit Prf field (0 medium, 1 high, 3 low).
	Preference uint8
	// Lifetime is the route lifetime in seconds; 0xFFFFFFFF is infinity.
	Lifetime uint32
}

func (r *RouteInfo) decode(b []byte) error {
	if len(b) < optRouteInformationMinLen {
		return ErrOptionLength
	}
	pfx, err := decodePrefix(b[0], b[6:])
	if err != nil {
		return err
	}
	r.Prefix = pfx
	r.Preference = (b[1] >> 3) & 0x03
	r.Lifetime = binary.BigEndian.Uint32(b[2:])
	return nil
}

func (r *RouteInfo) append(dst []byte) ([]byte, error) {
	if r.Preference > 3 || !r.Prefix.IsValid() || !r.Prefix.Addr().Is6() {
		return dst, ErrInvalid
	}
	n := (r.Prefix.Bits() + 7) / 8
	dst = append(dst, byte(OptRouteInformation), byte(optRouteInformationMinLen+n), byte(r.Prefix.Bits()), r.Preference<<3)
	dst = binary.BigEndian.AppendUint32(dst, r.Lifetime)
	a := r.Prefix.Masked().Addr().As16()
	return append(dst, a[:n]...), nil
}

// decodePrefix builds a masked prefix from a length and a variable-length
// prefix field that must hold at least the length's bytes and at most 16.
func decodePrefix(bits uint8, field []byte) (netip.Prefix, error) {
	if bits > 128 || len(field) > 16 || len(field) < (int(bits)+7)/8 {
		return netip.Prefix{}, ErrPrefixLength
	}
	var a [16]byte
	copy(a[:], field)
	return netip.PrefixFrom(netip.AddrFrom16(a), int(bits)).Masked(), nil
}

// SolicitedInfo is the Solicited Information option of a DIS (RFC 6550
// section 6.7.9): the predicates a node must match to answer.
type SolicitedInfo struct {
	Instance uint8
	// MatchVersion (V), MatchInstance (I) and MatchDODAGID (D) select the
	// predicates that apply.
	MatchVersion, MatchInstance, MatchDODAGID bool
	// DODAGID is always carried; it is :: when not set.
	DODAGID netip.Addr
	Version Lollipop
}

const (
	solicitedFlagV uint8 = 0x80
	solicitedFlagI uint8 = 0x40
	solicitedFlagD uint8 = 0x20
)

func (s *SolicitedInfo) decode(b []byte) error {
	if len(b) < optSolicitedInformationLen {
		return ErrOptionLength
	}
	s.Instance = b[0]
	s.MatchVersion = b[1]&solicitedFlagV != 0
	s.MatchInstance = b[1]&solicitedFlagI != 0
	s.MatchDODAGID = b[1]&solicitedFlagD != 0
	s.DODAGID = netip.AddrFrom16([16]byte(b[2:18]))
	s.Version = Lollipop(b[18])
	return nil
}

func (s *SolicitedInfo) append(dst []byte) ([]byte, error) {
	var id [16]byte
	if s.DODAGID.IsValid() {
		if !s.DODAGID.Is6() {
			return dst, ErrInvalid
		}
		id = s.DODAGID.As16()
	}
	var f uint8
	if s.MatchVersion {
		f |= solicitedFlagV
	}
	if s.MatchInstance {
		f |= solicitedFlagI
	}
	if s.MatchDODAGID {
		f |= solicitedFlagD
	}
	dst = append(dst, byte(OptSolicitedInformation), optSolicitedInformationLen, s.Instance, f)
	dst = append(dst, id[:]...)
	return append(dst, byte(s.Version)), nil
}

// Target is an RPL Target option (RFC 6550 section 6.7.7) with its optional
// RPL Target Descriptor (section 6.7.10).
type Target struct {
	// Prefix is the target address or prefix, masked to its length.
	Prefix netip.Prefix
	// Group numbers the run of Target options that a run of Transit
	// Information options applies to: a DAO carries groups "targets,
	// then the transits for them", and Group counts them from 0.
	Group uint8
	// HasDescriptor says whether a Target Descriptor followed the target.
	HasDescriptor bool
	// Descriptor is the opaque 32-bit Target Descriptor.
	Descriptor uint32
}

func (t *Target) decode(b []byte) error {
	if len(b) < optTargetMinLen {
		return ErrOptionLength
	}
	// b[0] flags, reserved
	pfx, err := decodePrefix(b[1], b[2:])
	if err != nil {
		return err
	}
	t.Prefix = pfx
	return nil
}

func (t *Target) append(dst []byte) ([]byte, error) {
	if !t.Prefix.IsValid() || !t.Prefix.Addr().Is6() {
		return dst, ErrInvalid
	}
	n := (t.Prefix.Bits() + 7) / 8
	dst = append(dst, byte(OptTarget), byte(optTargetMinLen+n), 0, byte(t.Prefix.Bits()))
	a := t.Prefix.Masked().Addr().As16()
	dst = append(dst, a[:n]...)
	if t.HasDescriptor {
		dst = append(dst, byte(OptTargetDescriptor), optTargetDescriptorLen)
		dst = binary.BigEndian.AppendUint32(dst, t.Descriptor)
	}
	return dst, nil
}

// Transit is a Transit Information option (RFC 6550 section 6.7.8).
type Transit struct {
	// Group is the Target group this transit applies to (see Target).
	Group uint8
	// External is the E flag: the targets are outside the RPL domain.
	External bool
	// PathControl, PathSequence and PathLifetime (in lifetime units; 0 is a
	// No-Path DAO, 0xFF infinity) are the path fields.
	PathControl  uint8
	PathSequence Lollipop
	PathLifetime uint8
	// Parent is the parent address, present in non-storing mode; the zero
	// Addr means the option has no Parent Address field.
	Parent netip.Addr
}

const transitFlagE uint8 = 0x80

func (t *Transit) decode(b []byte) error {
	switch {
	case len(b) >= optTransitLongLen:
		t.Parent = netip.AddrFrom16([16]byte(b[4:20]))
	case len(b) == optTransitShortLen:
		t.Parent = netip.Addr{}
	default:
		return ErrOptionLength
	}
	t.External = b[0]&transitFlagE != 0
	t.PathControl = b[1]
	t.PathSequence = Lollipop(b[2])
	t.PathLifetime = b[3]
	return nil
}

func (t *Transit) append(dst []byte) ([]byte, error) {
	l := byte(optTransitShortLen)
	if t.Parent.IsValid() {
		if !t.Parent.Is6() {
			return dst, ErrInvalid
		}
		l = optTransitLongLen
	}
	var f uint8
	if t.External {
		f = transitFlagE
	}
	dst = append(dst, byte(OptTransitInformation), l, f, t.PathControl, byte(t.PathSequence), t.PathLifetime)
	if t.Parent.IsValid() {
		a := t.Parent.As16()
		dst = append(dst, a[:]...)
	}
	return dst, nil
}

// MetricType is a routing metric/constraint object type (RFC 6551 section
// 6.1, IANA "Routing Metric/Constraint Type").
type MetricType uint8

// The metric object types this package decodes; others are skipped.
const (
	MetricHopCount MetricType = 3
	MetricETX      MetricType = 7
)

// MetricObject is one routing metric or constraint object of a DAG Metric
// Container (RFC 6551 section 2.1) of a type this package understands.
type MetricObject struct {
	Type MetricType
	// P (recorded), C (constraint), O (optional constraint) and R (local)
	// are the object flags.
	P, C, O, R bool
	// A is the 3-bit aggregation field (0 additive, 1 maximum, 2 minimum,
	// 3 multiplicative).
	A uint8
	// Prec is the 4-bit precedence.
	Prec uint8
	// Value is the ETX times 128 (RFC 6551 section 4.3.2) or the hop count
	// (section 3.3, at most 255).
	Value uint16
}

const metricHeaderLen = 4

// decodeMetrics appends the understood objects of one DAG Metric Container
// body to objs[*n:].
func decodeMetrics(b []byte, objs *[MaxMetricObjects]MetricObject, n *int) error {
	for len(b) > 0 {
		if len(b) < metricHeaderLen {
			return ErrOptionLength
		}
		l := int(b[3])
		if metricHeaderLen+l > len(b) {
			return ErrOptionLength
		}
		body := b[metricHeaderLen : metricHeaderLen+l]
		t := MetricType(b[0])
		if t == MetricHopCount || t == MetricETX {
			if l != 2 {
				return ErrOptionLength
			}
			if *n == MaxMetricObjects {
				return ErrTooManyOptions
			}
			flags := uint16(b[1])<<4 | uint16(b[2]>>4)
			o := &objs[*n]
			*o = MetricObject{
				Type: t,
				P:    flags&0x40 != 0,
				C:    flags&0x20 != 0,
				O:    flags&0x10 != 0,
				R:    flags&0x08 != 0,
				A:    uint8(flags & 0x07),
				Prec: b[2] & 0x0F,
			}
			if t == MetricHopCount {
				o.Value = uint16(body[1])
			} else {
				o.Value = binary.BigEndian.Uint16(body)
			}
			*n++
		}
		b = b[metricHeaderLen+l:]
	}
	return nil
}

func appendMetrics(dst []byte, objs []MetricObject) ([]byte, error) {
	if len(objs) == 0 {
		return dst, nil
	}
	dst = append(dst, byte(OptDAGMetricContainer), byte(len(objs)*(metricHeaderLen+2)))
	for i := range objs {
		o := &objs[i]
		if o.A > 7 || o.Prec > 15 {
			return dst, ErrInvalid
		}
		var flags uint16
		if o.P {
			flags |= 0x40
		}
		if o.C {
			flags |= 0x20
		}
		if o.O {
			flags |= 0x10
		}
		if o.R {
			flags |= 0x08
		}
		flags |= uint16(o.A)
		dst = append(dst, byte(o.Type), byte(flags>>4), byte(flags<<4)|o.Prec, 2)
		switch o.Type {
		case MetricHopCount:
			if o.Value > 0xFF {
				return dst, ErrInvalid
			}
			dst = append(dst, 0, byte(o.Value))
		case MetricETX:
			dst = binary.BigEndian.AppendUint16(dst, o.Value)
		default:
			return dst, ErrInvalid
		}
	}
	return dst, nil
}

// nextOption splits the first option off b. For Pad1 body is nil.
func nextOption(b []byte) (t OptionType, body, rest []byte, err error) {
	t = OptionType(b[0])
	if t == OptPad1 {
		return t, nil, b[1:], nil
	}
	if len(b) < 2 {
		return t, nil, nil, ErrOptionLength
	}
	l := int(b[1])
	if 2+l > len(b) {
		return t, nil, nil, ErrOptionLength
	}
	return t, b[2 : 2+l], b[2+l:], nil
}

func appendAddr(dst []byte, a netip.Addr) ([]byte, bool) {
	if !a.Is6() {
		return dst, false
	}
	b := a.As16()
	return append(dst, b[:]...), true
}
