package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
)

// NodeID identifies a node of the medium: its index in the topology.
type NodeID int32

// Position is a node's place in metres.
type Position struct{ X, Y, Z float64 }

// dist returns the distance between p and q in metres.
func (p Position) dist(q Position) float64 {
	dx, dy, dz := p.X-q.X, p.Y-q.Y, p.Z-q.Z
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

// LinkOverride fixes the path loss of a link instead of the distance model
// (shadowing is not added). It applies to both directions unless OneWay, in
// which case it applies to A→B only.
type LinkOverride struct {
	A, B       NodeID
	PathLossDB float64
	OneWay     bool
}

// Topology is where the nodes are and which links are overridden.
type Topology struct {
	Positions []Position
	// Names optionally labels nodes (same length as Positions or empty).
	Names []string
	Links []LinkOverride
}

// Len returns the number of nodes.
func (t Topology) Len() int { return len(t.Positions) }

// Line places n nodes on the x axis, spacing metres apart.
func Line(n int, spacing float64) Topology {
	t := Topology{Positions: make([]Position, n)}
	for i := range t.Positions {
		t.Positions[i] = Position{X: float64(i) * spacing}
	}
	return t
}

// Grid places rows×cols nodes on a square grid, spacing metres apart, row
// by row.
func Grid(rows, cols int, spacing float64) Topology {
	t := Topology{Positions: make([]Position, 0, rows*cols)}
	for r := range rows {
		for c := range cols {
			t.Positions = append(t.Positions, Position{X: float64(c) * spacing, Y: float64(r) * spacing})
		}
	}
	return t
}

// Random places n nodes uniformly in a square whose side is chosen so that
// a node has meanNeighbors neighbours on average, a neighbour being a node
// that receives a frame sent at txDBm above the sensitivity under p
// (including shadowing). The side accounts for log-normal shadowing, which
// widens the mean reception area by exp(2·(σ·ln10/(10·n))²), and for the
// nodes near the edges, which have fewer neighbours.
func Random(n int, meanNeighbors float64, p Propagation, txDBm float64, seed uint64) Topology {
	t := Topology{Positions: make([]Position, n)}
	if n == 0 {
		return t
	}
	side := RandomSide(n, meanNeighbors, p, txDBm)
	rng := rand.New(rand.NewPCG(seed, 0x746f706f6c6f6779)) // "topology"
	for i := range t.Positions {
		t.Positions[i] = Position{X: rng.Float64() * side, Y: rng.Float64() * side}
	}
	return t
}

// RandomSide returns the side in metres of the square Random uses.
func RandomSide(n int, meanNeighbors float64, p Propagation, txDBm float64) float64 {
	r := p.Range(txDBm)
	s := p.ShadowingSigmaDB * math.Ln10 / (10 * p.Exponent)
	r *= math.Exp(s * s) // the disk with the same mean area
	if n < 2 || !(meanNeighbors > 0) {
		return 2 * r
	}
	// Mean neighbours in a square of side L: (n−1)/L² times the mean area
	// of a disk of radius r clipped to the square, π r² − 8r³/(3L) + r⁴/(2L²)
	// for r ≤ L/2. It falls with L, so bisect.
	mean := func(L float64) float64 {
		if r > L/2 {
			return float64(n-1) * min(1, math.Pi*r*r/(L*L))
		}
		a := math.Pi*r*r - 8*r*r*r/(3*L) + r*r*r*r/(2*L*L)
		return float64(n-1) * a / (L * L)
	}
	lo, hi := r*1e-3, r*math.Sqrt(float64(n))*10
	for range 200 {
		mid := (lo + hi) / 2
		if mean(mid) > meanNeighbors {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// ErrBadTopology is wrapped by every error about a topology file.
var ErrBadTopology = errors.New("sim: bad topology")

// TopologyError names the field of a topology file that is wrong.
type TopologyError struct {
	Field  string // for example "nodes[3].x"
	Reason string
}

func (e *TopologyError) Error() string { return "sim: topology: " + e.Field + ": " + e.Reason }

// Unwrap returns ErrBadTopology.
func (e *TopologyError) Unwrap() error { return ErrBadTopology }

func topoErr(field, format string, args ...any) error {
	return &TopologyError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Topology file format, version 1:
//
//	{"version": 1,
//	 "nodes": [{"name": "gw", "x": 0, "y": 0, "z": 1.5}, {"x": 30, "y": 4}],
//	 "links": [{"a": 0, "b": 1, "path_loss_db": 95, "one_way": true}]}
//
// Nodes are numbered by their place in "nodes"; "links" refer to those
// numbers. "x" and "y" are required, "z", "name" and "links" optional.
type topoFile struct {
	Version *int       `json:"version"`
	Nodes   []topoNode `json:"nodes"`
	Links   []topoLink `json:"links,omitempty"`
}

type topoNode struct {
	Name string   `json:"name,omitempty"`
	X    *float64 `json:"x"`
	Y    *float64 `json:"y"`
	Z    *float64 `json:"z,omitempty"`
}

type topoLink struct {
	A          *int64   `json:"a"`
	B          *int64   `json:"b"`
	PathLossDB *float64 `json:"path_loss_db"`
	OneWay     bool     `json:"one_way,omitempty"`
}

// Limits on topology files.
const (
	maxTopologyNodes = 1 << 20
	maxCoordinate    = 1e7 // metres
	maxPathLossDB    = 400
)

// ParseTopology decodes and checks a topology file (see the package
// documentation for the format). Every error wraps ErrBadTopology and, as a
// *TopologyError, names the offending field.
func ParseTopology(data []byte) (Topology, error) {
	var f topoFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Topology{}, jsonTopoErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Topology{}, topoErr("(document)", "unexpected data after the top-level object")
	}
	if f.Version == nil {
		return Topology{}, topoErr("version", "missing (want 1)")
	}
	if *f.Version != 1 {
		return Topology{}, topoErr("version", "unsupported version %d (want 1)", *f.Version)
	}
	if len(f.Nodes) == 0 {
		return Topology{}, topoErr("nodes", "missing or empty")
	}
	if len(f.Nodes) > maxTopologyNodes {
		return Topology{}, topoErr("nodes", "%d nodes, more than the limit of %d", len(f.Nodes), maxTopologyNodes)
	}
	t := Topology{Positions: make([]Position, len(f.Nodes))}
	named := false
	for i, n := range f.Nodes {
		coord := func(name string, v *float64, required bool) (float64, error) {
			if v == nil {
				if required {
					return 0, topoErr(fmt.Sprintf("nodes[%d].%s", i, name), "missing")
				}
				return 0, nil
			}
			if math.IsNaN(*v) || math.Abs(*v) > maxCoordinate {
				return 0, topoErr(fmt.Sprintf("nodes[%d].%s", i, name), "%g is outside ±%g m", *v, maxCoordinate)
			}
			return *v, nil
		}
		var err error
		p := &t.Positions[i]
		if p.X, err = coord("x", n.X, true); err != nil {
			return Topology{}, err
		}
		if p.Y, err = coord("y", n.Y, true); err != nil {
			return Topology{}, err
		}
		if p.Z, err = coord("z", n.Z, false); err != nil {
			return Topology{}, err
		}
		named = named || n.Name != ""
	}
	if named {
		t.Names = make([]string, len(f.Nodes))
		for i, n := range f.Nodes {
			t.Names[i] = n.Name
		}
	}
	type pair struct{ a, b int64 }
	seen := make(map[pair]int, len(f.Links))
	for i, l := range f.Links {
		field := func(name string) string { return fmt.Sprintf("links[%d].%s", i, name) }
		end := func(name string, v *int64) (NodeID, error) {
			if v == nil {
				return 0, topoErr(field(name), "missing")
			}
			if *v < 0 || *v >= int64(len(f.Nodes)) {
				return 0, topoErr(field(name), "node %d does not exist (%d nodes)", *v, len(f.Nodes))
			}
			return NodeID(*v), nil
		}
		a, err := end("a", l.A)
		if err != nil {
			return Topology{}, err
		}
		b, err := end("b", l.B)
		if err != nil {
			return Topology{}, err
		}
		if a == b {
			return Topology{}, topoErr(field("b"), "link from node %d to itself", a)
		}
		if l.PathLossDB == nil {
			return Topology{}, topoErr(field("path_loss_db"), "missing")
		}
		if pl := *l.PathLossDB; !(pl >= 0 && pl <= maxPathLossDB) {
			return Topology{}, topoErr(field("path_loss_db"), "%g is outside [0, %d] dB", pl, maxPathLossDB)
		}
		dirs := []pair{{int64(a), int64(b)}}
		if !l.OneWay {
			dirs = append(dirs, pair{int64(b), int64(a)})
		}
		for _, d := range dirs {
			if j, dup := seen[d]; dup {
				return Topology{}, topoErr(field("b"), "link %d→%d already set by links[%d]", d.a, d.b, j)
			}
			seen[d] = i
		}
		t.Links = append(t.Links, LinkOverride{A: a, B: b, PathLossDB: *l.PathLossDB, OneWay: l.OneWay})
	}
	return t, nil
}

// jsonTopoErr turns a decoding error into a TopologyError naming the field.
func jsonTopoErr(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return topoErr(fmt.Sprintf("(offset %d)", se.Offset), "%v", se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(document)"
		}
		return topoErr(field, "got JSON %s, want %s", te.Value, jsonKind(te.Type.Kind().String()))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return topoErr("(document)", "truncated or empty")
	}
	// DisallowUnknownFields reports `json: unknown field "foo"`.
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		name = strings.TrimSuffix(name, `"`)
		if name == "" {
			name = `""`
		}
		return topoErr(name, "unknown field")
	}
	return topoErr("(document)", "%v", err)
}

func jsonKind(k string) string {
	switch k {
	case "float64", "int64", "int":
		return "a number"
	case "ptr":
		return "a number"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	}
	return k
}

// LoadTopology reads and parses a topology file.
func LoadTopology(path string) (Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Topology{}, fmt.Errorf("sim: read topology: %w", err)
	}
	return ParseTopology(data)
}

// MarshalJSON encodes t in the topology file format.
func (t Topology) MarshalJSON() ([]byte, error) {
	one := 1
	f := topoFile{Version: &one, Nodes: make([]topoNode, len(t.Positions))}
	for i := range t.Positions {
		p := &t.Positions[i]
		f.Nodes[i] = topoNode{X: &p.X, Y: &p.Y}
		if p.Z != 0 {
			f.Nodes[i].Z = &p.Z
		}
		if i < len(t.Names) {
			f.Nodes[i].Name = t.Names[i]
		}
	}
	for i := range t.Links {
		l := &t.Links[i]
		a, b := int64(l.A), int64(l.B)
		f.Links = append(f.Links, topoLink{A: &a, B: &b, PathLossDB: &l.PathLossDB, OneWay: l.OneWay})
	}
	return json.Marshal(f)
}
