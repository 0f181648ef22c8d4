package node

import (
	"fmt"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/node/txpower"
	"github.com/meshgw/meshgw/rpl"
)

// DropReason says why the node dropped a frame or packet.
type DropReason uint8

// Drop reasons.
const (
	DropDecode           DropReason = iota // the MAC frame did not decode
	DropFrameType                          // not a data frame (beacons, commands and acks go elsewhere)
	DropNotForUs                           // destination PAN or address is not ours
	DropUnsecured                          // an unsecured frame where security is required
	DropNoKey                              // no key for the key identifier, or unknown sender
	DropMIC                                // the MIC did not verify
	DropReplay                             // the frame counter is below the sender's window
	DropSecurity                           // another security failure (level, mode)
	DropDuplicate                          // a MAC retransmission already received (same DSN)
	DropLowpan                             // the 6LoWPAN layer refused it (see LowpanCounters)
	DropBadPacket                          // a malformed IPv6 packet
	DropNoRoute                            // no next hop for the destination
	DropNoHost                             // a packet for this node but no host to deliver to
	DropQueueFull                          // the transmit queue had no room for the datagram
	DropTxFailed                           // the radio refused or failed the frame
	DropAborted                            // a later fragment of a datagram whose earlier fragment failed
	DropCounterExhausted                   // the outgoing frame counter is exhausted
	DropTooBig                             // the packet does not fit 6LoWPAN's 2047-byte limit or the frame
	DropUnknownNeighbor                    // a secured frame from a sender without an MLE link
	DropHopLimit                           // a packet to forward whose hop limit ran out
	DropRPL                                // RPL refused to forward the packet (Stats.RPLDrops says why)
	DropBadHeader                          // a malformed or unsupported IPv6 extension header (HBH, routing, tunnel)
	NumDropReasons
)

var dropNames = [NumDropReasons]string{
	"decode", "frame_type", "not_for_us", "unsecured", "no_key", "mic", "replay", "security",
	"duplicate", "lowpan", "bad_packet", "no_route", "no_host", "queue_full", "tx_failed",
	"aborted", "counter_exhausted", "too_big", "unknown_neighbor", "hop_limit", "rpl", "bad_header",
}

// String returns the reason's metric label.
func (r DropReason) String() string {
	if r < NumDropReasons {
		return dropNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", uint8(r))
}

// Stats counts what a node did. All fields only grow.
type Stats struct {
	RxFrames    uint64 // frames the radio delivered
	RxData      uint64 // data frames accepted after security and dedup
	RxPackets   uint64 // IPv6 packets received whole (after reassembly)
	Delivered   uint64 // packets handed to the Host
	EchoReplied uint64 // ICMPv6 echo requests answered

	TxPackets uint64 // IPv6 packets queued for sending
	TxFrames  uint64 // frames handed to the radio
	TxAcked   uint64 // unicast frames acknowledged
	TxNoAck   uint64 // unicast frames never acknowledged
	// TxRetryRounds counts the link retry rounds: frames handed to the
	// radio again, after a backoff, once it had given up on them.
	TxRetryRounds uint64
	TxBusy        uint64 // frames dropped by CSMA-CA (channel busy)
	TxErrors      uint64 // frames the radio failed

	// Forwarded counts packets routed on to another node: received from
	// a neighbour (or, at the root, from the host side) and sent on by
	// RPL. Encapsulated counts the packets the root tunnelled
	// (IPv6-in-IPv6) into the mesh, Decapsulated the tunnels that ended
	// here; LeftDomain counts packets the root handed from the mesh to
	// its host side.
	Forwarded    uint64
	Encapsulated uint64
	Decapsulated uint64
	LeftDomain   uint64
	// RPLDrops counts the packets RPL refused to forward (counted as
	// DropRPL in Drops) by the engine's reason.
	RPLDrops [rpl.NumDropReasons]uint64
	// RPLControlErrors counts RPL control messages the engine refused
	// (RPLCounters().Drops says why).
	RPLControlErrors uint64

	// Drops counts dropped frames and packets by DropReason.
	Drops [NumDropReasons]uint64

	// MLE holds the MLE engine's counters (zero without MLE), including
	// its drops by mle.DropReason.
	MLE mle.Stats
	// Power holds the transmit power controller's counters (zero without
	// Config.TxPower).
	Power txpower.Stats
}

// Dropped returns the total of all drops.
func (s Stats) Dropped() uint64 {
	var n uint64
	for _, d := range s.Drops {
		n += d
	}
	return n
}
