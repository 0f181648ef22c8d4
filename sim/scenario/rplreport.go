package scenario

import (
	"math/rand/v2"
	"time"

	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/sim"
)

// setupConvergence schedules the convergence checks and the failures.
func (r *run) setupConvergence(rng *rand.Rand) {
	c := &convergence{r: r, converged: -1, reconv: -1, alive: make([]bool, len(r.stations))}
	for i := range c.alive {
		c.alive[i] = true
	}
	c.reachable()
	r.conv = c
	r.m.At(time.Second, c.check)
	if r.o.FailFraction > 0 {
		c.failedAt = r.o.FailAt
		k := int(r.o.FailFraction*float64(len(r.stations)-1) + 0.5)
		perm := rng.Perm(len(r.stations) - 1)
		for _, p := range perm[:k] {
			id := p + 1
			r.killed = append(r.killed, id)
			_ = r.m.StopNode(r.o.FailAt, sim.NodeID(id))
		}
		r.m.At(r.o.FailAt, c.fail)
	}
}

// controlSent sums the RPL control messages sent by the nodes marked in
// only, or by all nodes when only is nil.
func (r *run) controlSent(only []bool) uint64 {
	var n uint64
	for i, s := range r.stations {
		if only != nil && !only[i] {
			continue
		}
		if c, ok := s.n.RPLCounters(); ok {
			n += c.DIOSent + c.DISSent + c.DAOSent
		}
	}
	return n
}

// controlBound returns the mean steady-state control bound of the nodes
// that can reach the root: the root sends no DAOs, a non-storing router
// one per refresh, a storing router one per 16 targets (rpl.MaxTargets)
// of itself and its sub-DODAG.
func (r *run) controlBound() float64 {
	var sum float64
	var n int
	for i, s := range r.stations {
		if r.conv.reach != nil && !r.conv.reach[i] {
			continue
		}
		daos := 0
		if i != 0 {
			daos = 1
			if st, ok := s.n.RPLState(); ok && st.MOP == rpl.MOPStoring {
				daos = (1 + st.Routes + rpl.MaxTargets - 1) / rpl.MaxTargets
			}
		}
		sum += controlBound(dodagDefaults, daos)
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// fillRPL writes the rpl, traffic and failures sections.
func (r *run) fillRPL() {
	if r.o.NoRPL {
		return
	}
	rep := &r.report.RPL
	rep.Mode, rep.OF = r.o.Mode, r.o.OF
	rep.ControlBoundPerNodeHour = r.controlBound()
	for _, s := range r.stations {
		if st, ok := s.n.RPLState(); ok && st.Joined {
			rep.Joined++
		}
		if c, ok := s.n.RPLCounters(); ok {
			rep.ParentChanges += c.ParentChanges
			rep.DIO += c.DIOSent
			rep.DIS += c.DISSent
			rep.DAO += c.DAOSent
			rep.DAOAck += c.DAOACKSent
		}
	}
	if st, ok := r.stations[0].n.RPLState(); ok {
		rep.RoutesAtRoot = st.Routes
	}
	c := r.conv
	if c.converged >= 0 {
		rep.ConvergedAtS = c.converged.Seconds()
		hours := (r.o.Duration - c.converged).Hours()
		if hours > 0 {
			rep.ControlPerNodeHour = float64(r.controlSent(nil)-c.controlAtConv) / float64(len(r.stations)) / hours
		}
		if c.steadyNodes > 0 {
			hours := (r.o.Duration - c.steadyAt).Hours()
			rep.ControlSteadyPerNodeHour = float64(r.controlSent(c.reach)-c.steadyControl) / float64(c.steadyNodes) / hours
		}
	} else {
		rep.ConvergedAtS = -1
	}
	if t := r.traffic; t != nil {
		t.fill(&r.report.Traffic, sim.Time(r.o.Duration))
	}
	f := &r.report.Failures
	f.Killed = len(r.killed)
	if c.failedAt > 0 {
		f.ReconvergedAtS = -1
		if c.reconv >= 0 {
			f.ReconvergedAtS = c.reconv.Seconds()
		}
	}
}
