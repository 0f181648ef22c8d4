package scenario

import (
	"fmt"
	"io"
	"time"
)

// Report is the result of a run; its JSON form is the contract of
// `meshgw sim --json`.
type Report struct {
	Nodes    int     `json:"nodes"`
	Seed     uint64  `json:"seed"`
	VirtualS float64 `json:"virtual_s"`
	WallS    float64 `json:"wall_s"`
	Events   uint64  `json:"events"`

	Frames    Frames    `json:"frames"`
	Broadcast Broadcast `json:"broadcast"`
	MLE       MLE       `json:"mle"`
	RPL       RPL       `json:"rpl"`
	Traffic   Traffic   `json:"traffic"`
	Power     Power     `json:"power"`
	Failures  Failures  `json:"failures"`

	// NodeDrops counts what the nodes dropped, by reason (all nodes);
	// packets RPL refused to forward appear as rpl_<reason>.
	NodeDrops map[string]uint64 `json:"node_drops"`

	// Attack is present when the run had an attacker.
	Attack *Attack `json:"attack,omitempty"`

	// PeakHeapMiB is the largest Go heap seen during the run.
	PeakHeapMiB float64 `json:"peak_heap_mib"`
}

// Frames counts frames on the medium.
type Frames struct {
	Tx         uint64 `json:"tx"`         // transmissions, every attempt, ACKs included
	Rx         uint64 `json:"rx"`         // frames handed to nodes
	Acked      uint64 `json:"acked"`      // unicast transmit requests acknowledged
	Collisions uint64 `json:"collisions"` // receptions lost to overlapping signals
	Dropped    uint64 `json:"dropped"`    // receptions lost on the medium, filtered ones excepted
	// DroppedBy breaks the losses down by reason; "filtered" counts
	// frames a radio ignored because they were addressed to another node,
	// which is not a loss and not in Dropped.
	DroppedBy map[string]uint64 `json:"dropped_by"`
}

// Broadcast reports the MAC-only load of --broadcast-interval.
type Broadcast struct {
	Sent       uint64 `json:"sent"`        // secured broadcast frames sent
	Received   uint64 `json:"received"`    // accepted by neighbours after security checks
	FrameBytes int    `json:"frame_bytes"` // PSDU length of each, FCS included
}

// Attack reports what the attacker did.
type Attack struct {
	Recorded int `json:"recorded"` // frames recorded
	Replayed int `json:"replayed"` // frames put back on the air, variants included
}

// MLE is filled by the MLE layer: established links (each counted once),
// replayed or stale messages and secured frames rejected by MLE's and the
// MAC's replay checks, and replays accepted (a counter accepted at or below
// one accepted before from the same sender and key).
type MLE struct {
	Links          uint64 `json:"links"`
	ReplayRejected uint64 `json:"replay_rejected"`
	ReplayAccepted uint64 `json:"replay_accepted"`
}

// RPL is filled by the RPL layer.
type RPL struct {
	Joined        int     `json:"joined"`
	ConvergedAtS  float64 `json:"converged_at_s"`
	RoutesAtRoot  int     `json:"routes_at_root"`
	ParentChanges uint64  `json:"parent_changes"`
	DIO           uint64  `json:"dio"`
	DIS           uint64  `json:"dis"`
	DAO           uint64  `json:"dao"`
	DAOAck        uint64  `json:"dao_ack"`
	// ControlPerNodeHour is DIO + DAO + DIS sent per node per hour after
	// convergence. It includes Trickle's warm-up: after convergence the
	// DIO interval still doubles from Imin for about Imax (17.5 min with
	// the defaults), a DIO per interval.
	ControlPerNodeHour float64 `json:"control_per_node_hour"`
	// ControlSteadyPerNodeHour is the same rate in the steady state: over
	// the second half of the time from convergence (or reconvergence
	// after the failure) to the end, starting at least Trickle's Imax
	// after it, counting the nodes that can reach the root. It is 0 when
	// that window is shorter than 30 minutes (run 2 h or more).
	ControlSteadyPerNodeHour float64 `json:"control_steady_per_node_hour"`
	// ControlBoundPerNodeHour is the rate the DODAG's configuration
	// implies at most in the steady state, averaged over the nodes that
	// can reach the root: one DIO per Trickle Imax, and per half route
	// lifetime (the earliest refresh) the DAOs of a refresh: none at the
	// root, one per non-storing router, one per 16 targets of a storing
	// router and its sub-DODAG.
	ControlBoundPerNodeHour float64 `json:"control_bound_per_node_hour"`
	// Mode and OF name the mode of operation and objective function.
	Mode string `json:"mode,omitempty"`
	OF   string `json:"of,omitempty"`
}

// Traffic is filled by the end-to-end traffic generator of the RPL layer.
type Traffic struct {
	SentUp        uint64  `json:"sent_up"`
	DeliveredUp   uint64  `json:"delivered_up"`
	PDRUp         float64 `json:"pdr_up"`
	SentDown      uint64  `json:"sent_down"`
	DeliveredDown uint64  `json:"delivered_down"`
	PDRDown       float64 `json:"pdr_down"`
	LatencyP50ms  float64 `json:"latency_p50_ms"`
	LatencyP99ms  float64 `json:"latency_p99_ms"`
	// PDRUpLast10m and PDRDownLast10m cover packets sent in the last 10
	// minutes of traffic.
	PDRUpLast10m   float64 `json:"pdr_up_last_10m"`
	PDRDownLast10m float64 `json:"pdr_down_last_10m"`
}

// Power reports transmit power and energy.
type Power struct {
	MeanTxDBm  float64 `json:"mean_tx_dbm"`  // airtime-weighted over all transmissions
	TxEnergyMJ float64 `json:"tx_energy_mj"` // all nodes, millijoules
}

// Failures is filled when nodes are stopped (--fail).
type Failures struct {
	Killed         int     `json:"killed"`
	ReconvergedAtS float64 `json:"reconverged_at_s"`
}

// WriteText writes the report for a person to read.
func (r *Report) WriteText(w io.Writer) error {
	wall := time.Duration(r.WallS * float64(time.Second)).Round(time.Millisecond)
	virt := time.Duration(r.VirtualS * float64(time.Second))
	speed := 0.0
	if r.WallS > 0 {
		speed = r.VirtualS / r.WallS
	}
	_, err := fmt.Fprintf(w, `
meshgw simulation report
  nodes          %d (seed %d)
  virtual time   %v in %v wall (%.0fx real time), %d events, peak heap %.0f MiB
  frames         %d sent, %d received, %d acknowledged, %d collisions, %d lost on the medium
  broadcasts     %d secured %d-byte frames sent, %d accepted by neighbours
  mle            %d links, replays rejected %d, replays accepted %d
  rpl            %d joined, converged at %.1f s, %d routes at root, %d parent changes
                 sent DIO %d, DIS %d, DAO %d, DAO-ACK %d; %.1f control messages per node-hour after convergence
                 steady state %.1f per node-hour (0: run too short), configuration bound %.1f
  traffic        up %d/%d (PDR %.4f), down %d/%d (PDR %.4f), latency p50 %.1f ms p99 %.1f ms
                 last 10 minutes: PDR up %.4f, down %.4f
  failures       %d nodes stopped, reconverged at %.1f s
  power          mean TX %.1f dBm, TX energy %.1f mJ
`,
		r.Nodes, r.Seed,
		virt, wall, speed, r.Events, r.PeakHeapMiB,
		r.Frames.Tx, r.Frames.Rx, r.Frames.Acked, r.Frames.Collisions, r.Frames.Dropped,
		r.Broadcast.Sent, r.Broadcast.FrameBytes, r.Broadcast.Received,
		r.MLE.Links, r.MLE.ReplayRejected, r.MLE.ReplayAccepted,
		r.RPL.Joined, r.RPL.ConvergedAtS, r.RPL.RoutesAtRoot, r.RPL.ParentChanges,
		r.RPL.DIO, r.RPL.DIS, r.RPL.DAO, r.RPL.DAOAck, r.RPL.ControlPerNodeHour,
		r.RPL.ControlSteadyPerNodeHour, r.RPL.ControlBoundPerNodeHour,
		r.Traffic.DeliveredUp, r.Traffic.SentUp, r.Traffic.PDRUp,
		r.Traffic.DeliveredDown, r.Traffic.SentDown, r.Traffic.PDRDown,
		r.Traffic.LatencyP50ms, r.Traffic.LatencyP99ms,
		r.Traffic.PDRUpLast10m, r.Traffic.PDRDownLast10m,
		r.Failures.Killed, r.Failures.ReconvergedAtS,
		r.Power.MeanTxDBm, r.Power.TxEnergyMJ)
	if err == nil && r.Attack != nil {
		_, err = fmt.Fprintf(w, "  attack         %d frames recorded, %d replays sent\n", r.Attack.Recorded, r.Attack.Replayed)
	}
	return err
}
