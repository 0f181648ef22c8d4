// Package scenario runs a whole simulated mesh — every node the real
// node.Node over the simulated medium of package sim — in virtual time, and
// reports what happened. It is what `meshgw sim` runs.
//
// A scenario is a topology (line, grid, random at a mean neighbour count, or
// a JSON file), a duration, a seed and the traffic and faults to apply. The
// same options and seed give the same run, event for event. The Report is
// the JSON contract of `meshgw sim --json`; its sections are filled by the
// layers that exist (frames and power by the medium and MAC; mle, rpl,
// traffic and failures by their layers as they join).
package scenario
