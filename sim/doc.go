// Package sim is a simulated IEEE 802.15.4 (2.4 GHz O-QPSK) medium and a
// discrete-event scheduler that run thousands of sans-I/O mesh nodes in
// virtual time, deterministically, on one goroutine.
//
// # Running a simulation
//
// Build a [Topology] ([Line], [Grid], [Random] or [ParseTopology] for a
// file), make a [Medium] with [New], give every node a [Station] — the
// node core, which talks to its per-node [Radio] through radio.Port — with
// [Medium.Attach], schedule faults, and call [Medium.RunUntil]:
//
//	m, err := sim.New(sim.Random(10000, 10, p, 0, seed), cfg)
//	for id := range m.Len() {
//		st := node.New(m.Radio(sim.NodeID(id)), …)
//		m.Attach(sim.NodeID(id), st)
//	}
//	m.StopNode(10*time.Minute, 42)
//	err = m.RunUntil(time.Hour)
//
// Virtual time is an offset from [Epoch]; stations see it as time.Time
// values (Epoch plus the offset). After every call into a station the
// scheduler reads its Deadline and moves its Poll in an indexed 4-ary heap;
// the recurring timers of nodes are embedded in the nodes, so a run in
// steady state allocates nothing per event. Ties are broken by insertion
// order and all randomness comes from one PCG generator seeded by
// Config.Seed, so the same inputs give the same run; [Medium.TraceHash]
// hashes every event and delivery to prove it.
//
// # Propagation
//
// Path loss follows the log-distance model with log-normal shadowing:
//
//	PL(d) = PL(d0) + 10·n·log10(d/d0) + X,  X ~ N(0, σ²) truncated at ±3σ
//
// with d0 = 1 m, PL(d0) = 40.2 dB (free space at 2.4 GHz), n = 3 (indoor,
// obstructed) and σ = 4 dB by default ([DefaultPropagation]). X is drawn
// once per link from the seed and is the same in both directions unless
// Propagation.AsymmetricShadowing is set; a topology file can override the
// loss of a link in one or both directions, and [Medium.DegradeLink] adds
// loss at a given time. The received power is the transmit power minus the
// path loss. The noise floor is −100 dBm, and a receiver synchronizes to
// frames at or above its sensitivity of −100 dBm (the CC2538 and nRF52840
// both quote about −100 to −101 dBm). Signals below the interference floor
// (−110 dBm) are ignored entirely, which bounds the links the medium
// tracks: [New] precomputes, with a spatial grid, every link that reaches
// the floor at the highest power level, sorted by loss, and each
// transmission walks its sender's list only down to what the current power
// reaches.
//
// # Reception
//
// A listening, idle receiver synchronizes to the first frame that arrives
// above the sensitivity; later frames are interference (no
// re-synchronization). The SINR of the frame is its power over the noise
// floor plus the highest summed interference during the frame. When another
// signal overlapped the frame and the SINR is below the capture threshold
// (3 dB), the frame is lost to the collision. Otherwise the packet error
// rate of the O-QPSK PHY decides (IEEE 802.15.4-2015 Annex E, as in ns-3's
// LrWpanErrorModel), with the SINR as a linear ratio:
//
//	BER = (8/15)·(1/16)·Σ_{k=2}^{16} (−1)^k·C(16,k)·exp(20·SINR·(1/k − 1))
//	PER = 1 − (1 − BER)^(8·octets)
//
// where octets is the PSDU length with FCS. ln(1−BER) is tabulated every
// 0.05 dB from −10 to +12 dB. (With this curve alone the PER of a
// 30-octet frame is 4 % at 0 dB, so two equally strong frames would mostly
// both survive; the capture threshold models the measured behaviour of
// real receivers, which lose both.) A received frame reports its power as
// RSSI and an LQI mapped linearly from SINR: 0 at −5 dB, 255 at +30 dB.
//
// Like a real radio, the simulated radio filters by destination PAN and
// address (beacons and frames without a destination pass), drops ACK
// frames unless it is promiscuous, and acknowledges unicast frames with the
// AR bit after aTurnaroundTime (192 µs) with a 2006 Imm-Ack (also for 2015
// frames: Enh-Acks are not modelled). Frames are delivered without FCS.
//
// # MAC timing
//
// A PSDU of L octets (FCS included) is on the air for (6 + L) × 32 µs.
// Unslotted CSMA-CA (IEEE 802.15.4-2015 §6.2.5.1) uses macMinBE 3,
// macMaxBE 5, macMaxCSMABackoffs 4, a 320 µs unit backoff, an 8-symbol
// (128 µs) CCA, and
// a 192 µs turnaround before the frame. A sender that requested an ACK waits
// macAckWaitDuration (864 µs) and retries up to TxRequest.MaxRetries times,
// each attempt with a fresh CSMA-CA. The CCA is mode 3 with OR by default
// (Config.CCAMode): the channel is busy when the energy reaches
// Config.CCAThresholdDBm (−75 dBm) or the receiver is synchronized to a
// frame, however weak; energy detection alone (CCAEnergy) leaves senders
// farther apart than the threshold distance (about 14 m at 0 dBm) deaf to
// each other. Channels 11–26 are separate: a node hears only its own
// channel.
//
// # Energy
//
// Every transmission is charged V·I·airtime from the radio model's current
// table ([NRF52840]: Nordic nRF52840 at 3 V with DC/DC; 16.40 mA at
// +8 dBm, 6.40 mA at 0 dBm, 3.83 mA at −40 dBm from the product
// specification, levels in between interpolated). A radio's Capabilities
// list the model's levels, and TxRequest.TxPowerDBm overrides the
// configured level per frame.
//
// # Faults, export and metrics
//
// [Medium.StopNode] and [Medium.StartNode] stop and restart a node (keeping
// its station or replacing it), [Medium.DegradeLink] adds path loss, and
// [Medium.AddInterferer] adds a duty-cycled noise source. [Medium.At] runs
// any scenario step. [Medium.CapturePcap] writes every frame on the medium
// to a pcap file (LINKTYPE_IEEE802_15_4_TAP, with the channel), and
// [Medium.StreamZEP] sends it as ZEP v2. [Medium.Metrics] and
// [Medium.NodeMetrics] count frames, acknowledgments, collisions, drops by
// [DropReason], and per-node airtime, transmit energy and mean power.
//
// # Topology files
//
// A topology file is JSON:
//
//	{"version": 1,
//	 "nodes": [{"name": "gw", "x": 0, "y": 0, "z": 1.5}, {"x": 30, "y": 4}],
//	 "links": [{"a": 0, "b": 1, "path_loss_db": 95, "one_way": true}]}
//
// Nodes are numbered from 0 in file order; "x" and "y" (metres) are
// required. A link sets the path loss of a→b, and of b→a too unless
// "one_way". Unknown fields are errors, and every error names the field.
package sim
