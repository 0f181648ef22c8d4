package rpl

import (
	"encoding/binary"
	"net/netip"
)

// ICMPv6TypeRPL is the ICMPv6 type of RPL control messages.
const ICMPv6TypeRPL = 155

// icmpHeaderLen is type, code and checksum.
const icmpHeaderLen = 4

// Code is an RPL control message code (RFC 6550 section 6, IANA "RPL
// Control Codes").
type Code uint8

// RPL control message codes.
const (
	CodeDIS    Code = 0x00
	CodeDIO    Code = 0x01
	CodeDAO    Code = 0x02
	CodeDAOACK Code = 0x03
	// CodeSecureDIS to CodeSecureDAOACK are the secure variants; decoders
	// refuse them with ErrSecure.
	CodeSecureDIS    Code = 0x80
	CodeSecureDIO    Code = 0x81
	CodeSecureDAO    Code = 0x82
	CodeSecureDAOACK Code = 0x83
	// CodeCC is the Consistency Check, secure only; decoders refuse it
	// with ErrConsistencyCheck.
	CodeCC Code = 0x8A
)

// String returns the message's abbreviation as RFC 6550 uses it.
func (c Code) String() string {
	switch c {
	case CodeDIS:
		return "DIS"
	case CodeDIO:
		return "DIO"
	case CodeDAO:
		return "DAO"
	case CodeDAOACK:
		return "DAO-ACK"
	case CodeSecureDIS:
		return "Secure DIS"
	case CodeSecureDIO:
		return "Secure DIO"
	case CodeSecureDAO:
		return "Secure DAO"
	case CodeSecureDAOACK:
		return "Secure DAO-ACK"
	case CodeCC:
		return "CC"
	}
	return "Unknown"
}

// codeError classifies a code that is not the one a decoder expects.
func codeError(c Code) error {
	switch c {
	case CodeDIS, CodeDIO, CodeDAO, CodeDAOACK:
		return ErrWrongCode
	case CodeSecureDIS, CodeSecureDIO, CodeSecureDAO, CodeSecureDAOACK:
		return ErrSecure
	case CodeCC:
		return ErrConsistencyCheck
	}
	return ErrUnknownCode
}

// checkHeader checks the ICMPv6 type and the RPL code of an RPL message.
func checkHeader(b []byte, want Code) error {
	if len(b) < icmpHeaderLen {
		return ErrTruncated
	}
	if b[0] != ICMPv6TypeRPL {
		return ErrNotRPL
	}
	if c := Code(b[1]); c != want {
		return codeError(c)
	}
	return nil
}

// MOP is a DODAG Mode of Operation (RFC 6550 section 6.3.1).
type MOP uint8

// Modes of operation.
const (
	MOPNoDownward       MOP = 0
	MOPNonStoring       MOP = 1
	MOPStoring          MOP = 2
	MOPStoringMulticast MOP = 3
)

// String returns the mode's name.
func (m MOP) String() string {
	switch m {
	case MOPNoDownward:
		return "no downward routes"
	case MOPNonStoring:
		return "non-storing"
	case MOPStoring:
		return "storing"
	case MOPStoringMulticast:
		return "storing with multicast"
	}
	return "reserved"
}

// DIS is a DODAG Information Solicitation (RFC 6550 section 6.2).
type DIS struct {
	// HasSolicited says whether Solicited carries a Solicited Information
	// option.
	HasSolicited bool
	Solicited    SolicitedInfo
}

const disBaseLen = 2

// Unmarshal decodes a whole ICMPv6 DIS message (type, code, checksum and
// body) into d. It does not verify the checksum; see VerifyChecksum.
func (d *DIS) Unmarshal(b []byte) error {
	if err := checkHeader(b, CodeDIS); err != nil {
		return err
	}
	body := b[icmpHeaderLen:]
	if len(body) < disBaseLen {
		return ErrTruncated
	}
	*d = DIS{}
	for opts := body[disBaseLen:]; len(opts) > 0; {
		t, ob, rest, err := nextOption(opts)
		if err != nil {
			return err
		}
		opts = rest
		if t == OptSolicitedInformation {
			if d.HasSolicited {
				return ErrTooManyOptions
			}
			if err := d.Solicited.decode(ob); err != nil {
				return err
			}
			d.HasSolicited = true
		}
	}
	return nil
}

// Append appends the ICMPv6 DIS message to dst with a zero checksum; fill
// it in with SetChecksum once the IPv6 addresses are known.
func (d *DIS) Append(dst []byte) ([]byte, error) {
	dst = append(dst, ICMPv6TypeRPL, byte(CodeDIS), 0, 0, 0, 0)
	if d.HasSolicited {
		return d.Solicited.append(dst)
	}
	return dst, nil
}

// DIO is a DODAG Information Object (RFC 6550 section 6.3) with the options
// it may carry.
type DIO struct {
	Instance uint8
	Version  Lollipop
	Rank     uint16
	// Grounded is the G flag.
	Grounded bool
	MOP      MOP
	// Preference is the 3-bit DODAGPreference (7 most preferred).
	Preference uint8
	DTSN       Lollipop
	DODAGID    netip.Addr

	// HasConfig says whether Config carries a DODAG Configuration option.
	HasConfig bool
	Config    DODAGConfig
	// Metrics[:NumMetrics] are the ETX and hop-count objects of the DAG
	// Metric Container options; objects of other types are skipped.
	NumMetrics int
	Metrics    [MaxMetricObjects]MetricObject
	// Routes[:NumRoutes] are the Route Information options.
	NumRoutes int
	Routes    [MaxRoutes]RouteInfo
	// Prefixes[:NumPrefixes] are the Prefix Information options.
	NumPrefixes int
	Prefixes    [MaxPrefixes]PrefixInfo
}

const (
	dioBaseLen   = 24
	dioFlagG     = 0x80
	dioMOPShift  = 3
	dioMOPMask   = 0x07
	dioPrefMask  = 0x07
	dioMaxMOPVal = 7
)

// Unmarshal decodes a whole ICMPv6 DIO message into d. Unknown options are
// skipped; options that do not belong in a DIO are ignored.
func (d *DIO) Unmarshal(b []byte) error {
	if err := checkHeader(b, CodeDIO); err != nil {
		return err
	}
	body := b[icmpHeaderLen:]
	if len(body) < dioBaseLen {
		return ErrTruncated
	}
	*d = DIO{
		Instance:   body[0],
		Version:    Lollipop(body[1]),
		Rank:       binary.BigEndian.Uint16(body[2:]),
		Grounded:   body[4]&dioFlagG != 0,
		MOP:        MOP((body[4] >> dioMOPShift) & dioMOPMask),
		Preference: body[4] & dioPrefMask,
		DTSN:       Lollipop(body[5]),
		// body[6] flags and body[7] reserved
		DODAGID: netip.AddrFrom16([16]byte(body[8:24])),
	}
	for opts := body[dioBaseLen:]; len(opts) > 0; {
		t, ob, rest, err := nextOption(opts)
		if err != nil {
			return err
		}
		opts = rest
		switch t {
		case OptDAGMetricContainer:
			if err := decodeMetrics(ob, &d.Metrics, &d.NumMetrics); err != nil {
				return err
			}
		case OptRouteInformation:
			if d.NumRoutes == MaxRoutes {
				return ErrTooManyOptions
			}
			if err := d.Routes[d.NumRoutes].decode(ob); err != nil {
				return err
			}
			d.NumRoutes++
		case OptDODAGConfiguration:
			if d.HasConfig {
				return ErrTooManyOptions
			}
			if err := d.Config.decode(ob); err != nil {
				return err
			}
			d.HasConfig = true
		case OptPrefixInformation:
			if d.NumPrefixes == MaxPrefixes {
				return ErrTooManyOptions
			}
			if err := d.Prefixes[d.NumPrefixes].decode(ob); err != nil {
				return err
			}
			d.NumPrefixes++
		}
	}
	return nil
}

// Append appends the ICMPv6 DIO message to dst with a zero checksum. The
// options go in the order DAG Metric Container, Route Information, DODAG
// Configuration, Prefix Information.
func (d *DIO) Append(dst []byte) ([]byte, error) {
	if d.MOP > dioMaxMOPVal || d.Preference > dioPrefMask ||
		uint(d.NumMetrics) > MaxMetricObjects || uint(d.NumRoutes) > MaxRoutes || uint(d.NumPrefixes) > MaxPrefixes {
		return dst, ErrInvalid
	}
	f := byte(d.MOP)<<dioMOPShift | d.Preference
	if d.Grounded {
		f |= dioFlagG
	}
	dst = append(dst, ICMPv6TypeRPL, byte(CodeDIO), 0, 0, d.Instance, byte(d.Version))
	dst = binary.BigEndian.AppendUint16(dst, d.Rank)
	dst = append(dst, f, byte(d.DTSN), 0, 0)
	dst, ok := appendAddr(dst, d.DODAGID)
	if !ok {
		return dst, ErrInvalid
	}
	dst, err := appendMetrics(dst, d.Metrics[:d.NumMetrics])
	if err != nil {
		return dst, err
	}
	for i := range d.Routes[:d.NumRoutes] {
		if dst, err = d.Routes[i].append(dst); err != nil {
			return dst, err
		}
	}
	if d.HasConfig {
		if dst, err = d.Config.append(dst); err != nil {
			return dst, err
		}
	}
	for i := range d.Prefixes[:d.NumPrefixes] {
		if dst, err = d.Prefixes[i].append(dst); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// DAO is a Destination Advertisement Object (RFC 6550 section 6.4) with its
// RPL Target, Target Descriptor and Transit Information options.
//
// The options of a DAO form groups: one or more Targets followed by the
// Transits that apply to them. Target.Group and Transit.Group number the
// groups from 0; Append emits, for each group in turn, its targets then its
// transits.
type DAO struct {
	Instance uint8
	// ExpectACK is the K flag.
	ExpectACK bool
	Sequence  Lollipop
	// DODAGID is present (the D flag) when valid; a local RPLInstanceID
	// requires it.
	DODAGID netip.Addr
	// Targets[:NumTargets] are the RPL Target options.
	NumTargets int
	Targets    [MaxTargets]Target
	// Transits[:NumTransits] are the Transit Information options.
	NumTransits int
	Transits    [MaxTransits]Transit
}

const (
	daoBaseLen = 4
	daoFlagK   = 0x80
	daoFlagD   = 0x40
	ackFlagD   = 0x80
)

// Unmarshal decodes a whole ICMPv6 DAO message into d.
func (d *DAO) Unmarshal(b []byte) error {
	if err := checkHeader(b, CodeDAO); err != nil {
		return err
	}
	body := b[icmpHeaderLen:]
	if len(body) < daoBaseLen {
		return ErrTruncated
	}
	*d = DAO{
		Instance:  body[0],
		ExpectACK: body[1]&daoFlagK != 0,
		Sequence:  Lollipop(body[3]),
	}
	opts := body[daoBaseLen:]
	if body[1]&daoFlagD != 0 {
		if len(opts) < 16 {
			return ErrTruncated
		}
		d.DODAGID = netip.AddrFrom16([16]byte(opts[:16]))
		opts = opts[16:]
	} else if d.Instance&LocalInstanceFlag != 0 {
		return ErrBadFlags
	}
	var (
		group       uint8
		lastTransit bool    // the previous non-pad option was a Transit
		prevTarget  *Target // the previous non-pad option was this Target
	)
	for len(opts) > 0 {
		t, ob, rest, err := nextOption(opts)
		if err != nil {
			return err
		}
		opts = rest
		switch t {
		case OptPad1, OptPadN:
			continue
		case OptTarget:
			if lastTransit {
				group++
			}
			if d.NumTargets == MaxTargets {
				return ErrTooManyOptions
			}
			tg := &d.Targets[d.NumTargets]
			if err := tg.decode(ob); err != nil {
				return err
			}
			tg.Group = group
			d.NumTargets++
			lastTransit, prevTarget = false, tg
			continue
		case OptTargetDescriptor:
			if prevTarget == nil {
				return ErrOptionOrder
			}
			if len(ob) < optTargetDescriptorLen {
				return ErrOptionLength
			}
			prevTarget.HasDescriptor = true
			prevTarget.Descriptor = binary.BigEndian.Uint32(ob)
		case OptTransitInformation:
			if d.NumTargets == 0 {
				return ErrOptionOrder
			}
			if d.NumTransits == MaxTransits {
				return ErrTooManyOptions
			}
			tr := &d.Transits[d.NumTransits]
			if err := tr.decode(ob); err != nil {
				return err
			}
			tr.Group = group
			d.NumTransits++
			lastTransit = true
		}
		prevTarget = nil
	}
	return nil
}

// Append appends the ICMPv6 DAO message to dst with a zero checksum.
func (d *DAO) Append(dst []byte) ([]byte, error) {
	if uint(d.NumTargets) > MaxTargets || uint(d.NumTransits) > MaxTransits {
		return dst, ErrInvalid
	}
	var f byte
	if d.ExpectACK {
		f |= daoFlagK
	}
	if d.DODAGID.IsValid() {
		f |= daoFlagD
	} else if d.Instance&LocalInstanceFlag != 0 {
		return dst, ErrBadFlags
	}
	dst = append(dst, ICMPv6TypeRPL, byte(CodeDAO), 0, 0, d.Instance, f, 0, byte(d.Sequence))
	if d.DODAGID.IsValid() {
		var ok bool
		if dst, ok = appendAddr(dst, d.DODAGID); !ok {
			return dst, ErrInvalid
		}
	}
	targets, transits := d.Targets[:d.NumTargets], d.Transits[:d.NumTransits]
	var err error
	for i, j := 0, 0; i < len(targets) || j < len(transits); {
		g := uint8(255)
		if i < len(targets) {
			g = targets[i].Group
		}
		if j < len(transits) && transits[j].Group < g {
			g = transits[j].Group
		}
		start := i
		for ; i < len(targets) && targets[i].Group == g; i++ {
			if dst, err = targets[i].append(dst); err != nil {
				return dst, err
			}
		}
		if i < len(targets) && targets[i].Group < g {
			return dst, ErrInvalid // groups out of order
		}
		for ; j < len(transits) && transits[j].Group == g; j++ {
			if i == start {
				return dst, ErrOptionOrder // transits with no targets of their own
			}
			if dst, err = transits[j].append(dst); err != nil {
				return dst, err
			}
		}
		if j < len(transits) && transits[j].Group < g {
			return dst, ErrInvalid
		}
	}
	return dst, nil
}

// DAOACK is a DAO acknowledgement (RFC 6550 section 6.5).
type DAOACK struct {
	Instance uint8
	Sequence Lollipop
	// Status is 0 for unqualified acceptance; values of 128 and above are
	// rejections.
	Status uint8
	// DODAGID is present (the D flag) when valid.
	DODAGID netip.Addr
}

// Rejected reports whether the status is a rejection (128 and above).
func (a *DAOACK) Rejected() bool { return a.Status >= 128 }

// Unmarshal decodes a whole ICMPv6 DAO-ACK message into a. Options, of which
// RFC 6550 defines none for the DAO-ACK, are length-checked and skipped.
func (a *DAOACK) Unmarshal(b []byte) error {
	if err := checkHeader(b, CodeDAOACK); err != nil {
		return err
	}
	body := b[icmpHeaderLen:]
	if len(body) < daoBaseLen {
		return ErrTruncated
	}
	*a = DAOACK{Instance: body[0], Sequence: Lollipop(body[2]), Status: body[3]}
	opts := body[daoBaseLen:]
	if body[1]&ackFlagD != 0 {
		if len(opts) < 16 {
			return ErrTruncated
		}
		a.DODAGID = netip.AddrFrom16([16]byte(opts[:16]))
		opts = opts[16:]
	} else if a.Instance&LocalInstanceFlag != 0 {
		return ErrBadFlags
	}
	for len(opts) > 0 {
		_, _, rest, err := nextOption(opts)
		if err != nil {
			return err
		}
		opts = rest
	}
	return nil
}

// Append appends the ICMPv6 DAO-ACK message to dst with a zero checksum.
func (a *DAOACK) Append(dst []byte) ([]byte, error) {
	var f byte
	if a.DODAGID.IsValid() {
		f = ackFlagD
	} else if a.Instance&LocalInstanceFlag != 0 {
		return dst, ErrBadFlags
	}
	dst = append(dst, ICMPv6TypeRPL, byte(CodeDAOACK), 0, 0, a.Instance, f, byte(a.Sequence), a.Status)
	if a.DODAGID.IsValid() {
		var ok bool
		if dst, ok = appendAddr(dst, a.DODAGID); !ok {
			return dst, ErrInvalid
		}
	}
	return dst, nil
}

// Message is any RPL control message: Code selects which one of DIS, DIO,
// DAO and DAOACK is meaningful. A Message can be reused; Unmarshal resets
// only the member it decodes.
type Message struct {
	Code   Code
	DIS    DIS
	DIO    DIO
	DAO    DAO
	DAOACK DAOACK
}

// Unmarshal decodes a whole ICMPv6 RPL control message into m. Secure
// variants fail with ErrSecure, the Consistency Check with
// ErrConsistencyCheck and other codes with ErrUnknownCode.
func (m *Message) Unmarshal(b []byte) error {
	if len(b) < icmpHeaderLen {
		return ErrTruncated
	}
	if b[0] != ICMPv6TypeRPL {
		return ErrNotRPL
	}
	m.Code = Code(b[1])
	switch m.Code {
	case CodeDIS:
		return m.DIS.Unmarshal(b)
	case CodeDIO:
		return m.DIO.Unmarshal(b)
	case CodeDAO:
		return m.DAO.Unmarshal(b)
	case CodeDAOACK:
		return m.DAOACK.Unmarshal(b)
	}
	return codeError(m.Code)
}

// Append appends the message selected by m.Code to dst with a zero
// checksum.
func (m *Message) Append(dst []byte) ([]byte, error) {
	switch m.Code {
	case CodeDIS:
		return m.DIS.Append(dst)
	case CodeDIO:
		return m.DIO.Append(dst)
	case CodeDAO:
		return m.DAO.Append(dst)
	case CodeDAOACK:
		return m.DAOACK.Append(dst)
	}
	return dst, ErrInvalid
}
