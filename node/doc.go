// Package node composes one IEEE 802.15.4 mesh node out of the sans-I/O
// protocol cores: the wpan MAC (frame codec, CCM* link security, replay
// windows, DSN duplicate filter, outgoing frame counters reserved ahead in a
// store), the 6LoWPAN adaptation layer of package lowpan (RFC 4944,
// RFC 6282) and Mesh Link Establishment (package mle,
// draft-ietf-6lo-mle): MLE decides which neighbours the node trusts, derives
// the MAC key from the network key and key sequence, and seeds the MAC
// replay windows from the frame counters learned in its handshake. RPL and
// power control join it in their own packages.
//
// A [Node] never reads a clock, sleeps, starts a goroutine or touches a
// socket. It is fed (now, input) through [Node.HandleRadio] (frames and
// transmit completions from its radio), [Node.HandlePacket] (IPv6 packets
// from the host side) and [Node.Poll] (at [Node.Deadline]), and it sends
// through the non-blocking [radio.Port] it was built with. The same Node runs
// in the simulator, where the medium calls it in virtual time, and over real
// radios, where [Loop] owns it on one goroutine.
//
// # Receive path
//
// radio frame → wpan decode → security (key lookup, replay window, MIC,
// decrypt; with MLE only from established neighbours) → DSN duplicate
// filter → lowpan decompression or reassembly → IPv6: UDP port 19788 goes
// to MLE (the only traffic accepted without link-layer security, because
// MLE secures it itself), ICMPv6 echo requests to this node are answered by
// the node itself, other packets for this node go to its [Host]. Every frame
// or packet that is dropped is counted by [DropReason].
//
// # Transmit path
//
// IPv6 packet → next hop (multicast → broadcast; link-local unicast → the
// MAC address in its interface identifier) → lowpan compression and
// fragmentation into the payload budget of a secured frame → wpan seal and
// encode with the next frame counter → a bounded transmit queue, one frame
// in flight at the radio; a fragment that is not acknowledged aborts the rest
// of its datagram.
package node
