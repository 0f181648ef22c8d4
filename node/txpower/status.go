package txpower

import (
	"fmt"
	"time"
)

// LinkState is where a link is in its search for the least adequate level.
type LinkState uint8

// Link states.
//
//	         step up (loss, margin, ETX)
//	  ┌──────────────────────────────────────────┐
//	  ▼                 lower (bisection)        │
//	Search ─────────────────────────────► Trial ─┤ fails: back to the last good level
//	  ▲  │ no lower level is adequate       │    │
//	  │  ▼                                  │ confirmed (GoodReports, Dwell)
//	  │ Hold ◄──────────────────────────────┘    │
//	  │  │ margin clearly improved, or           │
//	  └──┘ the floor that stopped it expired ────┘
const (
	// StateSearch: the link looks for a lower level by bisection.
	StateSearch LinkState = iota
	// StateTrial: the link is at a lower level on probation; it returns
	// to the last good level on any trouble.
	StateTrial
	// StateHold: the link has settled at the least adequate level.
	StateHold
)

var stateNames = [...]string{"search", "trial", "hold"}

// String returns "search", "trial" or "hold".
func (s LinkState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("LinkState(%d)", uint8(s))
}

// ReasonKind says why a link, or the node, is at its level.
type ReasonKind uint8

// Reasons.
const (
	// ReasonFixed: the policy is Fixed.
	ReasonFixed ReasonKind = iota
	// ReasonNoNeed: the node needs no link (it has no parent, route or
	// pinned neighbour), so it transmits at the highest level to be found.
	ReasonNoNeed
	// ReasonUnknown: no feedback from the neighbour yet; highest level.
	ReasonUnknown
	// ReasonMargin: the margin fell below target − hysteresis; the level
	// rose to the one the margin says is needed.
	ReasonMargin
	// ReasonLoss: a frame to the neighbour went unacknowledged.
	ReasonLoss
	// ReasonETX: the neighbour's ETX rose above the limit.
	ReasonETX
	// ReasonTrialFailed: a lower level on trial did not hold.
	ReasonTrialFailed
	// ReasonTrial: a lower level is on trial.
	ReasonTrial
	// ReasonAdequate: the link's margin at its level meets the target
	// (a trial was confirmed, or the search settled).
	ReasonAdequate
	// ReasonMinLevel: the lowest allowed level.
	ReasonMinLevel
	// ReasonFloor: the node level is held up by the floor a recent loss
	// set (node level only).
	ReasonFloor
)

var reasonNames = [...]string{
	"fixed policy", "no needed link", "no feedback yet", "margin below target",
	"frame lost", "ETX above limit", "trial failed", "trying lower level",
	"adequate margin", "lowest allowed level", "floor after loss",
}

// String returns a short description ("frame lost").
func (k ReasonKind) String() string {
	if int(k) < len(reasonNames) {
		return reasonNames[k]
	}
	return fmt.Sprintf("ReasonKind(%d)", uint8(k))
}

// Reason explains the node's level: what set it and, when a link did, which
// link and its margin.
type Reason[K comparable] struct {
	Kind ReasonKind
	// Neighbour and Role name the link that sets the level, when
	// HasNeighbour.
	Neighbour    K
	Role         Role
	HasNeighbour bool
	// MarginDB is that link's estimated margin at the level, when
	// HasMargin; TargetDB is the configured target.
	MarginDB  int16
	HasMargin bool
	TargetDB  uint8
	// LevelDBm is the level; Until is when a floor (ReasonFloor) expires.
	LevelDBm int8
	Until    time.Time
}

// String formats the reason for logs and meshctl, for example
// "parent 0a1b…: margin below target (margin 7 dB < 10 dB) at 3 dBm".
func (r Reason[K]) String() string {
	var b []byte
	if r.HasNeighbour {
		b = fmt.Appendf(b, "%s %v: ", r.Role, r.Neighbour)
	}
	b = append(b, r.Kind.String()...)
	if r.HasMargin {
		op := ">="
		if int(r.MarginDB) < int(r.TargetDB) {
			op = "<"
		}
		b = fmt.Appendf(b, " (margin %d dB %s %d dB)", r.MarginDB, op, r.TargetDB)
	}
	b = fmt.Appendf(b, " at %d dBm", r.LevelDBm)
	if r.Kind == ReasonFloor {
		b = fmt.Appendf(b, " until %s", r.Until.Format(time.RFC3339))
	}
	return string(b)
}

// LinkStatus is the controller's view of one neighbour, for meshctl and
// metrics.
type LinkStatus[K comparable] struct {
	Neighbour K
	Roles     Role // 0 when the link is not needed
	State     LinkState
	Reason    ReasonKind
	// LevelDBm is the level for unicasts to the neighbour.
	LevelDBm int8
	// MarginDB is the estimated margin at LevelDBm (the slow average), and
	// MarginAtMaxDB the same at the highest allowed level; valid when
	// HasMargin.
	MarginDB      int16
	MarginAtMaxDB int16
	HasMargin     bool
	// LastMarginDB is the last reported margin and LastUsedDBm the level
	// it was measured at, valid when HasLast.
	LastMarginDB uint8
	LastUsedDBm  int8
	HasLast      bool
	// ETX is the estimate times ETXDivisor since the last level change,
	// valid when HasETX.
	ETX    int
	HasETX bool
	// FloorDBm is the level the link may not go below until FloorUntil,
	// valid when HasFloor.
	FloorDBm   int8
	FloorUntil time.Time
	HasFloor   bool
	// Changed is when LevelDBm last changed, Updated when feedback last
	// came.
	Changed time.Time
	Updated time.Time
}

// Stats counts what the controller did.
type Stats struct {
	MarginReports uint64 // HandleMargin calls that were used
	AckReports    uint64 // HandleAck calls that were used
	Dropped       uint64 // feedback for a new neighbour while the table was full
	Losses        uint64 // unacknowledged frames
	StepsUp       uint64 // per-link level raises
	StepsDown     uint64 // per-link level reductions (trials)
	TrialsFailed  uint64 // trials that returned to the last good level
	NodeChanges   uint64 // changes of the node level
}
