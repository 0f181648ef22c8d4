// Package node composes one IEEE 802.15.4 mesh node out of the sans-I/O
// protocol cores: the wpan MAC (frame codec, CCM* link security, replay
// windows, DSN duplicate filter, outgoing frame counters reserved ahead in a
// store), the 6LoWPAN adaptation layer of package lowpan (RFC 4944,
// RFC 6282) and Mesh Link Establishment (package mle,
// draft-ietf-6lo-mle): MLE decides which neighbours the node trusts, derives
// the MAC key from the network key and key sequence, and seeds the MAC
// replay windows from the frame counters learned in its handshake — and RPL
// (package rpl, RFC 6550): a node with Config.RPL joins the DODAG rooted at
// the gateway, forms its global address from the DODAG prefix and routes
// IPv6 up to its preferred parent and down by storing routes or source
// routes — and transmit power control (package txpower, Config.TxPower).
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
// filter → lowpan decompression or reassembly → IPv6 extension headers
// (hop-by-hop with the RPL Option, RFC 6553/9008; the RPL Source Routing
// Header, RFC 6554; IPv6-in-IPv6) → a packet for this node has its RPL
// headers removed (a tunnel ending here is unwrapped and its inner packet
// handled as if received) and goes by type: UDP port 19788 to MLE (the only
// traffic accepted without link-layer security, because MLE secures it
// itself), ICMPv6 type 155 to RPL, echo requests answered by the node
// itself, everything else to its [Host], which therefore never sees an RPI,
// an SRH or a tunnel. Every frame or packet that is dropped is counted by
// [DropReason].
//
// # Forwarding (RPL)
//
// A packet for another node, a packet the node originates with a global
// destination (its own control messages, echo replies, [Node.HandlePacket])
// and a source-routed packet whose SRH [rpl.ProcessSRH] advanced are
// routed by [rpl.Engine.Forward]: up to the preferred parent, down by a
// storing route, back with the F flag, or out of the RPL domain at the root.
// The node updates the RPL Option in place (or inserts a hop-by-hop header
// when the packet has none, RFC 9008 allows the originator to), decrements
// the hop limit of what it forwards (dropping at 1, counted), and sends to
// the next hop's MAC address (the IID of its link-local address). The root
// inserts an SRH (and RPI) into the packets it originates in non-storing
// mode, and tunnels IPv6-in-IPv6 (RFC 2473) with the RPL headers in the
// outer header what it forwards into the mesh from its host side, or
// source-routes for another node; packets leaving the mesh reach its host
// without RPL headers. Forwarding reuses the node's buffers and does not
// allocate. MLE link losses reach RPL as lost neighbours, link-ups and
// unacknowledged frames to the parent as link changes; RPL's parent and
// children are pinned in MLE's link table; RPL's link ETX is MLE's, with a
// hysteresis band of one transmission so that estimator noise does not
// flip OF0 rank steps.
//
// # Transmit path
//
// IPv6 packet → next hop (multicast → broadcast; link-local unicast → the
// MAC address in its interface identifier) → lowpan compression and
// fragmentation into the payload budget of a secured frame → wpan seal and
// encode with the next frame counter → a bounded transmit queue, one frame
// in flight at the radio. A frame the radio gave up on (no acknowledgment
// after its retries, or a busy channel) goes to the radio again after a
// random backoff that doubles per round (Config.LinkRetries, 10–20, 20–40
// and 40–80 ms): the radio's retries follow each other within
// milliseconds and fail together against one burst. A fragment that fails
// every round aborts the rest of its datagram. A frame to the preferred
// parent that fails every round makes RPL re-select at once and, when the
// parent has been silent for 5 s on a link that was good until then, has
// MLE re-validate the link.
//
// # Transmit power
//
// With Config.TxPower the node runs a txpower.Controller over its radio's
// power levels. Unicast frames go at the controller's level for their
// neighbour (radio.TxRequest.TxPowerDBm, chosen when the frame goes to the
// radio), broadcasts at the broadcast level, which covers every neighbour
// the controller knows (chosen when queued), and the radio is configured
// with the node level whenever it changes: its acknowledgments go at that
// level. The controller is told which links are needed: the RPL preferred
// parent (RoleParent) and the links RPL pins in MLE for downward routes
// (RoleNextHop), read from the node's RPL state after every input; every
// neighbour that sends the node a unicast asking for an acknowledgment
// (RoleChild, for the controller's ChildHold: in a non-storing DODAG the
// only way a router learns its children); and the operator's pinned
// neighbours, from its config. Its feedback is every acknowledged or unacknowledged
// unicast (attempts and the power used; with MLE, acknowledged frames count
// once the neighbour has reported a margin, so that the search starts from
// the margin rather than a blind bisection) and the margins neighbours
// report in their MLE Advertisements (mle.EventLinkMargin, normalised to
// 0 dBm, passed to the controller as the margin at its highest level). MLE
// declares the broadcast level in the Tx Power TLV of the node's
// Advertisements.
// When the radio lists its supply current per level
// (radio.Capabilities.TxCurrentsMA), an adaptive node hands RPL each
// link's ETX times the current at the level the link needs over the
// current at 0 dBm, so that the DODAG prefers links that need less power.
// The node's Deadline includes the controller's and Poll runs it;
// Node.TxPower and Node.AppendPowerLinks expose its state.
package node
