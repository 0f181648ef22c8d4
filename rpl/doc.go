// Package rpl implements RPL, the IPv6 Routing Protocol for Low-Power and
// Lossy Networks, for meshgw's root and router nodes: the wire codecs, the
// Trickle timer, the objective functions, the sequence counters, and
// Engine, the protocol engine that builds on them.
//
// Everything here is sans-I/O: no clocks (time is passed in), no
// goroutines, no sockets, randomness from an injected *rand.Rand. Decoders
// check every length before slicing, never trust a length field, decode
// into caller-owned values without allocating and return the sentinel
// errors in errors.go. Encoders append to a caller's buffer.
//
// # Control messages (RFC 6550)
//
// RPL control messages are ICMPv6 type 155. Message, DIS, DIO, DAO and
// DAOACK decode and encode the whole ICMPv6 message:
//
//	 0               1               2               3
//	+---------------+---------------+-------------------------------+
//	|  Type = 155   |     Code      |           Checksum            |
//	+---------------+---------------+-------------------------------+
//	|            base object (DIS 2, DIO 24, DAO/DAO-ACK 4 or 20)   |
//	+---------------------------------------------------------------+
//	|        options: Type, Length (bytes after it), body ...       |
//	+---------------------------------------------------------------+
//
// The options handled are Pad1 and PadN, DAG Metric Container (RFC 6551
// ETX and hop-count objects), Route Information, DODAG Configuration, RPL
// Target, Transit Information, Solicited Information, Prefix Information and
// RPL Target Descriptor; unknown options are skipped. Secure messages
// (codes 0x80-0x83) and the secure-only Consistency Check (0x8A) are
// refused with ErrSecure and ErrConsistencyCheck. Encoders leave the
// checksum zero; Checksum, SetChecksum and VerifyChecksum compute it over
// the IPv6 pseudo-header (RFC 4443, RFC 8200).
//
// # Data-plane headers
//
// RPI is the RPL Option carried in a Hop-by-Hop Options header (RFC 6553).
// Both option types are decoded: 0x63 (RFC 6553) and 0x23 (RFC 9008, which
// unaware nodes such as the Linux kernel skip instead of dropping the
// packet); the caller picks the type it emits.
//
// SRH, AppendSourceRoute and ProcessSRH handle the RPL Source Routing
// Header (RFC 6554), routing type 3, with prefix elision against the IPv6
// destination (CmprI, CmprE, Pad) and the router's swap step with loop
// detection.
//
// # Timers, ranks and objective functions
//
// Trickle is the Trickle algorithm (RFC 6206) driven by Reset, Consistent,
// Inconsistent, Poll and Deadline. OF0 (RFC 6552) and MRHOF (RFC 6719, ETX
// metric) implement ObjectiveFunction. Lollipop and Compare are RPL's
// sequence counters (RFC 6550 section 7.2); DAGRank, RootRank and
// InfiniteRank are its rank arithmetic (section 3.5).
//
// # The engine
//
// Engine runs one node's RPL: the DODAG root (Config.Root, with the DODAG's
// parameters in Config.DODAG) or a router, one RPL instance, one grounded
// DODAG. It is sans-I/O like the rest of the package: the owner calls
//
//   - Start once, then Poll(now) whenever now reaches Deadline();
//   - HandleMessage(now, src, dst, msg) for every ICMPv6 type 155 message;
//   - NeighborLost and LinkChanged when the link layer (MLE) loses a
//     neighbour or its link metrics change; link ETX comes from the
//     LinkMetrics the owner supplies;
//   - Forward(now, packet, decision) for every IPv6 packet to route;
//   - PopOutbound(buf) until it reports nothing, sending each message
//     from Outbound.Src to Outbound.Dst with Outbound.HopLimit (255 for the
//     link-local DIS, DIO, storing-mode DAO and DAO-ACK; 64 for the
//     end-to-end non-storing DAO and DAO-ACK, which the owner routes like
//     any packet) after filling in the checksum with SetChecksum.
//
// What it does:
//
//   - DODAG: DIOs on Trickle, each with a DODAG Configuration option
//     (Trickle parameters, MinHopRankIncrease, MaxRankIncrease, OCP,
//     lifetimes) and a Prefix Information option with the A flag (and, in
//     non-storing mode, the R flag and the sender's global address, the
//     parent address of its children's DAOs). Routers form their global
//     address from the prefix and the IID of their link-local address.
//     A router solicits DIOs with multicast DISes, backing off from
//     DISInterval to DISMaxInterval, and again soon after a link comes
//     up while it has no parent; a multicast DIS resets Trickle (when its
//     interval is above Imin, RFC 6206), a unicast DIS gets a unicast DIO.
//     A rise to a higher DAGRank sends one extra DIO within JoinDIODelay,
//     so that no child keeps a rank at or below its parent's; any other
//     change goes out with the next DIO, which is then not suppressed.
//     Neither resets Trickle: a reset costs about nine DIOs at every node
//     the change reaches, and one near the root reaches its whole
//     sub-DODAG (a 3,000-node mesh that reset on every significant
//     change sent 33,000 resets in six minutes). A child that misses the
//     news sends a packet that shows the rank error, and that resets
//     Trickle (RFC 6550 section 11.2.2.2).
//   - Parent selection: the candidates are the neighbours heard in DIOs
//     with a usable link (LinkMetrics), a finite rank, a rank that keeps
//     this node within MaxRankIncrease of the lowest rank it advertised
//     in the version, and (loop avoidance) a DAGRank below this node's own
//     unless it is the current parent; storing mode also excludes every
//     node it holds a route to. When this node's rank rises, neighbours
//     that were not below it are no candidates until their next DIO: they
//     may be children still advertising ranks from before. OF0 (OCP 0) or
//     MRHOF (OCP 1), chosen by the DODAG's OCP, picks the preferred parent
//     with its switch hysteresis (OF0: 1.5 × MinHopRankIncrease, two
//     whole steps, as Contiki-NG; MRHOF: RFC 6719's 192), and a better
//     candidate takes over only after it stayed better for
//     ParentSwitchDelay. The preferred parent's link ETX, and every
//     candidate's while the node has no parent, counts at most as the
//     worst link the function accepts: a link a collision burst drove
//     above it keeps the node attached (and lets a node whose only links
//     lost their first frames join) instead of detaching it. A parent
//     that never acknowledged this node's DAO (storing mode) is avoided
//     for five minutes. DefaultMaxRankIncrease (2048) allows a worst-case
//     hop of either function (OF0 up to 9 × MinHopRankIncrease, MRHOF 4).
//   - Local repair: a router that loses every candidate poisons (a DIO
//     with INFINITE_RANK, repeated by a reset Trickle), forgets its
//     storing routes, waits DetachHold and then chooses a parent again,
//     soliciting with DISes. On rejoining it increments its DTSN so that
//     children that missed the poisoning send fresh DAOs. Global repair:
//     GlobalRepair makes the root increment the DODAG version; routers
//     rebuild their parent sets and announce their routes again.
//     RefreshRoutes increments the DTSN only.
//   - Downward routes: in storing mode (MOP 2) each router installs
//     host routes from its children's DAOs and sends its parent, gathered
//     for AggregationDelay, what is news above it: new targets, newer path
//     sequences and withdrawals (a target that moved between two children
//     with its path sequence changes nothing further up); its own refresh
//     DAOs carry its whole sub-DODAG (16 targets a message), so children's
//     refreshes are not forwarded hop by hop; a route that expires, or
//     goes with a lost or poisoned child, is withdrawn upstream with a
//     No-Path DAO. On a parent change it announces its sub-DODAG to the
//     new parent and then, 2 × DAODelay later, sends the old one No-Path
//     DAOs for its own target and its whole sub-DODAG, each with the path
//     sequence it was announced with: a No-Path removes a route only where
//     it goes through the sender, and arriving after the new DAOs it stops
//     where the two paths meet. A target announced with one path sequence
//     by two children keeps the second as next hop and the first as an
//     alternative that a No-Path or a returned packet falls back to. A
//     DAO from the preferred parent, or from a neighbour advertising a
//     lower DAGRank, is refused (the latter is asked for a DIO); a route
//     whose next hop is either is a loop: it is withdrawn when a packet
//     would use it. A retransmitted DAO leaves out the targets that
//     changed since it was first sent. A DTSN increment from the parent
//     makes a storing router send its DAOs (the request is for immediate
//     children, RFC 6550 section 9.6); in non-storing mode the router also
//     increments its own. In
//     non-storing mode (MOP 1) every router sends its DAO to
//     the root's global address with its preferred parent's global address
//     in the Transit Information option; the root keeps the DAO parent
//     graph, refuses registrations that close a loop, and computes source
//     routes, cached per destination and invalidated by a generation
//     number whenever a parent link changes. Path sequences are compared
//     as lollipop counters (an older one is ignored; counters that cannot
//     be compared count as newer, so that a rebooted node is heard).
//     Routes last Path Lifetime × Lifetime Unit and are refreshed at a
//     random point between 1/2 and 3/4 of DefaultLifetime × LifetimeUnit.
//     DAOs carry the K flag (unless Config.NoDAOACK) and are retransmitted
//     DAORetries times, waiting DAOAckTimeout, then twice and four times
//     as long, the forwarded ones too (up to MaxPendingDAOs at once); a
//     node whose own DAO failed tries again within a minute. The route table (storing routes, or the
//     root's graph) holds at most MaxRoutes entries; a new one evicts the
//     entry closest to expiry, counted in Counters.RouteEvictions.
//   - Forwarding (RFC 6550 section 11.2): Forward returns deliver, leave
//     the RPL domain (root, destination outside the prefix), up to the
//     preferred parent, down by a storing route, a source route to insert
//     (non-storing root, Decision.Route), return with the F flag (storing
//     router without a route for a packet going down) or drop with a
//     reason, and the RPI for the outgoing packet: O set going down,
//     SenderRank this node's rank, R set on a first rank inconsistency; a
//     second drops the packet and resets Trickle. A packet arriving with F
//     set takes the route's alternative if it has one; otherwise the route
//     is withdrawn, the children are asked for fresh DAOs (a DTSN
//     increment, at most once a minute) and the packet goes on up with F
//     so that an ancestor with another path can use it (the root drops
//     it). Routers on a source route run ProcessSRH and then Forward with
//     Packet.SourceRouted.
//
// meshgw assumes, as Contiki-NG and RIOT do, that a node's link-local and
// global addresses share the IID formed from its EUI-64: LinkLocalOf maps
// a global next hop to the neighbour's link-local address.
//
// # Interoperability profiles
//
// The root's DIO decides what the DODAG runs, so the root must match what
// the nodes implement:
//
//   - Contiki-NG RPL-lite (ContikiNGParams): MOP 1 (RPL-lite has no
//     storing mode), OCP 1 (MRHOF; RPL-lite also has OF0),
//     MinHopRankIncrease 128, MaxRankIncrease 8 × 128, Trickle 12/8/10
//     (RPL-lite's own default k is 0; the root's option wins), lifetime 30
//     × 60 s. RPL-lite joins only DODAGs whose DIO carries a DODAG
//     Configuration option, which every DIO here does; it sends RPI 0x63,
//     which Forward accepts like 0x23; keep Config.RPIType at 0x63 for
//     it. Its DAOs go to the root with the K flag and a path control of 0,
//     both handled. Contiki-NG classic joins the same DODAG.
//   - RIOT gnrc_rpl (RIOTParams): MOP 2 (RIOT routes only in storing
//     mode), OCP 0 (OF0 is all RIOT has; it falls back to OF0 for an
//     unknown OCP), MinHopRankIncrease 256, MaxRankIncrease 0, lifetime 5
//     × 60 s. RIOT sends no RPI; packets without one are forwarded without
//     rank checks. RIOT's DAOs with path sequence 0 and without a DODAGID
//     are accepted.
//   - A mixed mesh: MOP 1 cannot be used with RIOT nodes, and MRHOF
//     ranks confuse OF0-only nodes little (they compute their own rank
//     from the advertised one); storing mode with OF0 and
//     MinHopRankIncrease 256 is the common denominator.
//
// References: RFC 6550 (RPL), RFC 6206 (Trickle), RFC 6551 (routing
// metrics), RFC 6552 (OF0), RFC 6553 (RPL Option), RFC 6554 (Source Routing
// Header), RFC 6719 (MRHOF), RFC 8180 (OF0 step from ETX), RFC 9008 (RPI
// option type 0x23).
package rpl
