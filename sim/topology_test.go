package sim_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/meshgw/meshgw/sim"
)

func TestParseTopology(t *testing.T) {
	got, err := sim.ParseTopology([]byte(`{"version": 1,
		"nodes": [{"name": "gw", "x": 0, "y": 0, "z": 1.5}, {"x": 30, "y": -4}],
		"links": [{"a": 0, "b": 1, "path_loss_db": 95, "one_way": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Topology{
		Positions: []sim.Position{{0, 0, 1.5}, {30, -4, 0}},
		Names:     []string{"gw", ""},
		Links:     []sim.LinkOverride{{A: 0, B: 1, PathLossDB: 95, OneWay: true}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseTopology = %+v, want %+v", got, want)
	}
}

var badTopologies = []struct {
	name, in, field string
}{
	{"empty", ``, "(document)"},
	{"syntax", `{"version": 1,`, "(document)"},
	{"not an object", `[1, 2]`, "(document)"},
	{"no version", `{"nodes": [{"x": 0, "y": 0}]}`, "version"},
	{"version 2", `{"version": 2, "nodes": [{"x": 0, "y": 0}]}`, "version"},
	{"version string", `{"version": "1", "nodes": []}`, "version"},
	{"no nodes", `{"version": 1}`, "nodes"},
	{"empty nodes", `{"version": 1, "nodes": []}`, "nodes"},
	{"missing x", `{"version": 1, "nodes": [{"x": 0, "y": 0}, {"y": 3}]}`, "nodes[1].x"},
	{"missing y", `{"version": 1, "nodes": [{"x": 0}]}`, "nodes[0].y"},
	{"x string", `{"version": 1, "nodes": [{"x": "0", "y": 0}]}`, "nodes.x"},
	{"huge z", `{"version": 1, "nodes": [{"x": 0, "y": 0, "z": 1e300}]}`, "nodes[0].z"},
	{"unknown field", `{"version": 1, "nodes": [{"x": 0, "y": 0, "colour": "red"}]}`, "colour"},
	{"trailing data", `{"version": 1, "nodes": [{"x": 0, "y": 0}]} {}`, "(document)"},
	{"link to nowhere", `{"version": 1, "nodes": [{"x": 0, "y": 0}], "links": [{"a": 0, "b": 3, "path_loss_db": 80}]}`, "links[0].b"},
	{"negative node", `{"version": 1, "nodes": [{"x": 0, "y": 0}], "links": [{"a": -1, "b": 0, "path_loss_db": 80}]}`, "links[0].a"},
	{"self link", `{"version": 1, "nodes": [{"x": 0, "y": 0}], "links": [{"a": 0, "b": 0, "path_loss_db": 80}]}`, "links[0].b"},
	{"missing loss", `{"version": 1, "nodes": [{"x": 0, "y": 0}, {"x": 1, "y": 0}], "links": [{"a": 0, "b": 1}]}`, "links[0].path_loss_db"},
	{"negative loss", `{"version": 1, "nodes": [{"x": 0, "y": 0}, {"x": 1, "y": 0}], "links": [{"a": 0, "b": 1, "path_loss_db": -3}]}`, "links[0].path_loss_db"},
	{"duplicate link", `{"version": 1, "nodes": [{"x": 0, "y": 0}, {"x": 1, "y": 0}], "links": [{"a": 0, "b": 1, "path_loss_db": 80}, {"a": 1, "b": 0, "path_loss_db": 90, "one_way": true}]}`, "links[1].b"},
	{"fractional node", `{"version": 1, "nodes": [{"x": 0, "y": 0}, {"x": 1, "y": 0}], "links": [{"a": 0.5, "b": 1, "path_loss_db": 80}]}`, "links.a"},
}

func TestParseTopologyErrors(t *testing.T) {
	for _, tc := range badTopologies {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.ParseTopology([]byte(tc.in))
			if !errors.Is(err, sim.ErrBadTopology) {
				t.Fatalf("err = %v, want ErrBadTopology", err)
			}
			var te *sim.TopologyError
			if !errors.As(err, &te) {
				t.Fatalf("err %v is not a *TopologyError", err)
			}
			if te.Field != tc.field {
				t.Errorf("field = %q, want %q (%v)", te.Field, tc.field, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("message %q does not name %q", err, tc.field)
			}
		})
	}
}

func TestTopologyRoundTrip(t *testing.T) {
	topo, err := sim.LoadTopology("testdata/office.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := topo.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	again, err := sim.ParseTopology(b)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(topo, again) {
		t.Errorf("round trip changed the topology:\n%+v\n%+v", topo, again)
	}
}

func TestGeneratedTopologies(t *testing.T) {
	if l := sim.Line(4, 10); l.Len() != 4 || l.Positions[3].X != 30 {
		t.Errorf("Line(4, 10) = %+v", l)
	}
	if g := sim.Grid(3, 4, 5); g.Len() != 12 || g.Positions[11] != (sim.Position{X: 15, Y: 10}) {
		t.Errorf("Grid(3, 4, 5) = %+v", g)
	}
	p := sim.DefaultPropagation()
	a, b := sim.Random(100, 10, p, 0, 3), sim.Random(100, 10, p, 0, 3)
	if !reflect.DeepEqual(a, b) {
		t.Error("Random is not deterministic")
	}
	side := sim.RandomSide(100, 10, p, 0)
	for _, q := range a.Positions {
		if q.X < 0 || q.X > side || q.Y < 0 || q.Y > side {
			t.Fatalf("position %+v outside the %.0f m square", q, side)
		}
	}
}

func FuzzParseTopology(f *testing.F) {
	for _, tc := range badTopologies {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(`{"version": 1, "nodes": [{"name": "gw", "x": 0, "y": 0, "z": 1.5}, {"x": 30, "y": -4}], "links": [{"a": 0, "b": 1, "path_loss_db": 95}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := sim.ParseTopology(data)
		if err != nil {
			var te *sim.TopologyError
			if !errors.As(err, &te) || te.Field == "" || !errors.Is(err, sim.ErrBadTopology) {
				t.Fatalf("error %v does not name a field", err)
			}
			return
		}
		b, err := topo.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := sim.ParseTopology(b)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
		if !reflect.DeepEqual(topo, again) {
			t.Fatalf("round trip: %+v != %+v", topo, again)
		}
		if topo.Len() <= 50 {
			if _, err := sim.New(topo, sim.DefaultConfig()); err != nil {
				t.Fatalf("New on a parsed topology: %v", err)
			}
		}
	})
}
