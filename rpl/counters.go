package rpl

// DropReason says why the engine dropped a control message or a packet.
type DropReason uint8

// Drop reasons.
const (
	// DropMalformed: a control message failed to decode.
	DropMalformed DropReason = iota
	// DropChecksum: a control message had a wrong ICMPv6 checksum.
	DropChecksum
	// DropSecure: a secure RPL message (not supported).
	DropSecure
	// DropOtherInstance: a message or RPI of another RPL instance.
	DropOtherInstance
	// DropNotGrounded: a DIO of a floating DODAG.
	DropNotGrounded
	// DropNoConfig: a DIO without a DODAG Configuration option from a
	// DODAG not yet joined.
	DropNoConfig
	// DropUnsupported: a DIO with a MOP or OCP this engine does not
	// implement, or a DAO target that is not an IPv6 /128.
	DropUnsupported
	// DropOtherDODAG: a message about a DODAG other than the one joined.
	DropOtherDODAG
	// DropNotJoined: a DAO, DIS or packet that needs a DODAG position the
	// node does not have.
	DropNotJoined
	// DropDAOStale: a DAO target with an older path sequence than known.
	DropDAOStale
	// DropDAOLoop: a DAO that would create a routing loop.
	DropDAOLoop
	// DropUnexpectedACK: a DAO-ACK that matches no outstanding DAO.
	DropUnexpectedACK
	// DropNoRoute: a packet for a destination without a route.
	DropNoRoute
	// DropRankError: a second rank error on one packet (RFC 6550 section
	// 11.2.2.2).
	DropRankError
	// DropForwardingError: a packet returned with the F flag (RFC 6550
	// section 11.2.2.3).
	DropForwardingError
	// DropLoop: a packet whose next hop is the neighbour it came from.
	DropLoop
	// NumDropReasons is the number of drop reasons.
	NumDropReasons
)

var dropNames = [NumDropReasons]string{
	"malformed", "checksum", "secure", "other-instance", "not-grounded", "no-config",
	"unsupported", "other-dodag", "not-joined", "dao-stale", "dao-loop", "unexpected-ack",
	"no-route", "rank-error", "forwarding-error", "loop",
}

// String returns the reason's metric label.
func (r DropReason) String() string {
	if r < NumDropReasons {
		return dropNames[r]
	}
	return "unknown"
}

// Counters are the engine's event counts.
type Counters struct {
	DIOSent, DIOReceived       uint64
	DISSent, DISReceived       uint64
	DAOSent, DAOReceived       uint64
	DAOACKSent, DAOACKReceived uint64
	// NoPathDAOSent counts DAOs with a zero lifetime.
	NoPathDAOSent uint64
	// DAORetransmits counts DAOs resent for want of a DAO-ACK;
	// DAOFailures counts DAOs given up after all retries; DAORejected
	// counts DAO-ACKs with a rejection status.
	DAORetransmits, DAOFailures, DAORejected uint64
	// ParentChanges counts changes of the preferred parent (joins
	// included); LocalRepairs counts detachments (poisoning);
	// GlobalRepairs counts DODAG version increments (root) or adoptions
	// (router).
	ParentChanges, LocalRepairs, GlobalRepairs uint64
	// RankErrors counts rank inconsistencies found in RPIs;
	// ForwardingErrors counts packets returned or received with the F flag.
	RankErrors, ForwardingErrors uint64
	// RouteEvictions counts routes removed to make room; RoutesExpired
	// counts routes whose lifetime ended; RoutesRemoved counts routes
	// removed by No-Path DAOs, lost neighbours and forwarding errors.
	RouteEvictions, RoutesExpired, RoutesRemoved uint64
	// RouteLoops counts storing routes found to lead back up (through
	// the parent or a neighbour not below this node) and withdrawn.
	RouteLoops uint64
	// Drops counts dropped messages and packets by reason.
	Drops [NumDropReasons]uint64
}
