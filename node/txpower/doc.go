// Package txpower is a sans-I/O transmit power controller for one mesh
// node: it picks, from the radio's supported levels, the least level at
// which every link the node needs keeps its link margin at a target.
//
// The links a node needs are its RPL preferred parent, the next hops of its
// downward routes, its children — the neighbours that send it unicasts and
// so need its acknowledgments ([Controller.HandleRx]) — and any neighbours
// the operator pins ([Role]). Each neighbour has its own level, used for
// unicasts to it ([Controller.LevelFor], for radio.TxRequest.TxPowerDBm);
// the node level ([Controller.Level]) is the highest level of any needed
// link, and is the level of the radio's configuration, at which it sends
// acknowledgments; the broadcast level ([Controller.BroadcastLevel]) is the
// highest level of any neighbour with state, so that Advertisements and
// DIOs keep reaching the whole neighbourhood MLE established.
//
// A Controller never reads a clock, sleeps or starts a goroutine. It is fed
// (now, feedback) through [Controller.HandleMargin] and
// [Controller.HandleAck], told which links are needed with
// [Controller.SetRole] and [Controller.SetParent], and polled at
// [Controller.Deadline] with [Controller.Poll]. It is deterministic, and
// handling feedback for a known neighbour does not allocate.
//
// # Feedback
//
// Two kinds of feedback say how well a neighbour hears this node:
//
//   - The link margin the neighbour reports (the MLE Link Margin TLV of
//     Thread's profile): its received signal strength of this node's frames
//     above its receive sensitivity, in dB. A margin is measured at the power
//     the frames were sent at, so the controller normalises every report to
//     the margin at the highest allowed level, margin + (top − used), which
//     does not depend on the level (the path loss does not). Three averages
//     of it are kept: a slow one (an arithmetic mean over the first 32
//     reports, then an EWMA of weight 1/32) says where to search; a fast one
//     (an EWMA of weight 1/8, as OpenThread averages RSS) detects
//     degradation; and the mean of the first 32 reports made at the link's
//     current level decides whether the search may settle there. Margins are
//     compared in whole dB, rounded, as they are reported.
//   - MAC acknowledgment outcomes per frame: acknowledged at the first
//     attempt (good), after retries (an ETX sample), or never (a lost
//     frame). The ETX estimate uses the EWMA weights of RIOT's
//     netstats_neighbor and Contiki-NG's link-stats, as package mle does.
//
// # Algorithm
//
// Per link, a search by bisection over the levels for the least one that
// meets the target, combined with ATPC's per-neighbour model of received
// strength against transmit power (Lin et al.), here with a known slope of
// 1 dB/dB ([LinkState] shows the states):
//
//   - A new link starts at the highest allowed level ("before the model
//     exists, use the maximum").
//   - Down slowly, only on evidence: after GoodReports consecutive
//     trouble-free feedback events and Dwell at its level, a link moves to a
//     trial level: the midpoint between the lowest level it may use (the
//     lowest allowed, or its floor) and its level — or, when the margin
//     estimate says the midpoint is too low, the least level the estimate
//     says keeps the target. A trial that gathers the same evidence (and,
//     for a link that reports margins, two reports at the trial level) is
//     confirmed and the search continues below it; a trial that loses a
//     frame, whose ETX exceeds the limit, or whose margin estimate falls
//     below the target returns at once to the last confirmed level, and the
//     failed level becomes a floor. With margins, the search needs one trial
//     when the estimate is right and at most O(log₂ levels) otherwise; with
//     acknowledgments alone it is a binary search, one lost frame per failed
//     trial.
//   - Settling: when no lower level is adequate, the link settles (Hold) once
//     32 reports made at its level show the target; if they show less (the
//     early estimate that led the search there was optimistic), the link
//     rises to the level they say is needed instead.
//   - Up at once, on degradation: a lost frame, an ETX above ETXLimit, a
//     fast margin average below Target − Hysteresis (within four reports of
//     a drop of 6 dB at the target) or a reported margin of 0 raises the
//     link immediately — straight to the level the margin says is needed, or
//     to the highest allowed level when the margin is unknown or does not
//     explain the trouble — and the search starts again from there.
//   - Floors: a loss or degradation at a level sets a floor one level above
//     it for FloorHold, for the link, and for a needed link's loss also for
//     the node level: the controller does not go back to a level that just
//     failed. The floor expires after FloorHold without new trouble; a link
//     whose search it stopped then looks once more at the target (a link
//     with acknowledgments but no margin reports probes one level down).
//   - Hysteresis: a settled link is degraded only below Target −
//     Hysteresis, and searches lower again only when the margin estimate
//     says the next lower level would keep Target + Hysteresis.
//
// The search thus settles at the least level whose margin reaches Target,
// holds there while the margin stays within the dead band [Target −
// Hysteresis, Target + Hysteresis] around it, and raises a needed link as
// soon as its margin falls below Target − Hysteresis. Raise Target for a
// stricter guarantee. With noisy reports the level is only as exact as the
// 32-report mean: a link whose true margin lies within a fraction of a dB
// of the rounding boundary may settle one level off.
//
// The Fixed policy uses the highest allowed level and never changes it; it
// still tracks margins and ETX for display.
//
// # References
//
//   - S. Lin, J. Zhang, G. Zhou, L. Gu, J. A. Stankovic, T. He, "ATPC:
//     Adaptive Transmission Power Control for Wireless Sensor Networks",
//     ACM SenSys 2006, doi:10.1145/1182807.1182830: pairwise (per-neighbour)
//     power control with a feedback loop over a model of link quality
//     against power.
//   - P. G. Park, C. Fischione, K. H. Johansson, "Experimental evaluation
//     of power control algorithms for wireless sensor networks", 17th IFAC
//     World Congress, Seoul, 2008: lightweight power control in Contiki on
//     Tmote Sky towards a target packet error probability.
//   - OpenThread src/core/thread/link_quality.cpp: link margin as RSS above
//     the receive sensitivity, whole-dB margins, and 2 dB hysteresis on
//     link quality levels; the Thread specification's Link Margin TLV.
//   - RIOT sys/include/net/netstats/neighbor.h and Contiki-NG
//     os/net/link-stats.c: ETX from acknowledgment outcomes.
package txpower
