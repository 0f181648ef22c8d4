// Package firewall is meshgw's nftables edge guard: it builds one table of
// its own, "inet meshgw", applies it in one atomic batch, reads its counters
// and per-source quota usage back, and removes it on request. It never
// touches another table and never flushes the ruleset.
//
// A low-power mesh carries about 250 kbit/s per channel, so one busy host
// on the uplink can drown it, and spoofed traffic must never cross the
// edge. The guard enforces, for traffic touching the mesh interface (all
// other traffic is left to the host's own tables):
//
//   - Anti-spoofing (BCP 38, RFC 6092 §3.1) in a prerouting chain at
//     priority raw, ahead of conntrack: packets from the mesh interface must
//     come from a mesh prefix (or be link-local or ::) and pass
//     "fib saddr . iif oif missing drop"; packets from the uplink must not
//     claim a mesh source; IPv4 from the mesh is dropped.
//   - Conntrack: invalid packets dropped; established and related packets
//     accepted early — after the byte quotas, so that replies and long
//     flows are metered too.
//   - fib checks: nothing forwarded toward a destination without a route
//     ("fib daddr oif missing drop", RFC 7084 WPD-5), nothing accepted
//     locally whose destination is not a local, anycast or multicast
//     address of this host ("fib daddr type != { … } drop").
//   - Per-source byte quotas in dynamic sets with timeouts, inbound keyed
//     per source address or prefix (Quota.KeyBits, /64 stops a host from
//     rotating through its /64) and outbound per mesh node:
//     "update @quota_in { ip6 saddr timeout T quota over N bytes } drop"
//     (idle timeout) or "add @…" (fixed window). A full dynamic set fails
//     open in the kernel, so a following rule drops (or rate-limits) and
//     counts sources that could not be metered.
//   - A per-source rate limit on new inbound flows, default-deny inbound
//     except operator-listed services (prefix, protocol, port), no
//     hairpinning mesh → mesh.
//   - An ICMPv6 policy after RFC 4890. Transit (§4.3): Destination
//     Unreachable (1), Packet Too Big (2), Time Exceeded (3), Parameter
//     Problem (4) and Echo Request/Reply (128/129) are forwarded; every other
//     type is dropped (ND, MLD and other link-scope types are never
//     forwarded; Router Renumbering, Node Information and experimental types
//     are dropped). ICMPv6 errors that match no flow are conntrack-invalid
//     and dropped (RFC 6092). Local (§4.4): errors, echo, MLD, SEND and
//     multicast router discovery are accepted; RS/RA/NS/NA and Inverse ND
//     only with hop limit 255 (RFC 4861 §7.1); other types are dropped.
//     RPL control (155, RFC 6550), 6LoWPAN-ND DAR/DAC (157/158, RFC 6775)
//     and MPL control (159, RFC 7731) are accepted only on the mesh
//     interface and never forwarded.
//   - Optional NFLOG logging (Log) of every drop rule.
//
// Every rule carries a counter and a comment holding its stable name
// (the Rule* constants), which is how Counters reports it and how
// "nft list table inet meshgw" shows it. Render prints the ruleset as nft
// text for meshctl and the docs; testdata/*.nft hold golden listings.
//
// # Applying
//
// Apply replaces the chains' contents and static sets in one nftables
// transaction; the kernel commits all of it or none, so a rejected batch
// leaves the previous table in force. The dynamic sets are kept when their
// parameters are unchanged, so sources keep their quota usage across
// re-applies and restarts. The table stays installed when the daemon exits
// (fail-closed) until Remove deletes it.
//
// # google/nftables v0.3.0
//
// The package works around the library's known traps: element lists are
// sent in chunks of 1,000 (one oversized NEWSETELEM wraps its 16-bit length
// and silently loses elements); socket buffers are raised for large
// batches; a fresh Conn is used per operation (a marshal error poisons a
// Conn); the network-namespace file is kept referenced for the Guard's
// lifetime; the inet nfproto guard is emitted explicitly; per-element quota
// usage, which the library cannot decode, is read with a direct netlink
// dump.
package firewall
