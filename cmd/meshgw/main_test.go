package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshgw/meshgw/internal/testenv"
)

func runJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), append([]string{"sim", "--json", "--quiet"}, args...), &out, &errb); err != nil {
		t.Fatalf("meshgw sim %v: %v\n%s", args, err, errb.String())
	}
	var rep map[string]any
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not one JSON object: %v\n%s", err, out.String())
	}
	return rep
}

// TestSimJSONContract checks the names of the report contract.
func TestSimJSONContract(t *testing.T) {
	rep := runJSON(t, "--nodes", "20", "--duration", "2m", "--broadcast-interval", "10s", "--seed", "3")
	sections := map[string][]string{
		"":         {"nodes", "seed", "virtual_s", "wall_s", "events"},
		"frames":   {"tx", "rx", "acked", "collisions", "dropped"},
		"mle":      {"links", "replay_rejected", "replay_accepted"},
		"rpl":      {"joined", "converged_at_s", "routes_at_root", "parent_changes", "dio", "dis", "dao", "dao_ack"},
		"traffic":  {"sent_up", "delivered_up", "pdr_up", "sent_down", "delivered_down", "pdr_down", "latency_p50_ms", "latency_p99_ms"},
		"power":    {"mean_tx_dbm", "tx_energy_mj"},
		"failures": {"killed", "reconverged_at_s"},
	}
	for sec, keys := range sections {
		obj := rep
		if sec != "" {
			o, ok := rep[sec].(map[string]any)
			if !ok {
				t.Fatalf("no %q section in %v", sec, rep)
			}
			obj = o
		}
		for _, k := range keys {
			if _, ok := obj[k]; !ok {
				t.Errorf("report lacks %s.%s", sec, k)
			}
		}
	}
	if rep["nodes"].(float64) != 20 || rep["seed"].(float64) != 3 || rep["virtual_s"].(float64) != 120 {
		t.Errorf("header %v", rep)
	}
	b := rep["broadcast"].(map[string]any)
	// 20 nodes × 12 broadcasts in 2 minutes.
	if b["sent"].(float64) != 240 || b["received"].(float64) == 0 || b["frame_bytes"].(float64) != 60 {
		t.Errorf("broadcast section %v", b)
	}
	if f := rep["frames"].(map[string]any); f["tx"].(float64) < 240 || f["acked"].(float64) == 0 {
		t.Errorf("frames %v", f)
	}
}

func TestSimDeterministic(t *testing.T) {
	a := runJSON(t, "--nodes", "30", "--duration", "1m", "--broadcast-interval", "5s", "--seed", "9")
	b := runJSON(t, "--nodes", "30", "--duration", "1m", "--broadcast-interval", "5s", "--seed", "9")
	for _, k := range []string{"events", "frames", "broadcast", "power"} {
		if fmt.Sprint(a[k]) != fmt.Sprint(b[k]) {
			t.Errorf("%s differs between runs with one seed: %v vs %v", k, a[k], b[k])
		}
	}
}

func TestSimBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "--nodes", "-3"},
		{"sim", "--topology", "hexagon"},
		{"sim", "--duration", "-1s"},
		{"sim", "extra"},
		{"sim", "--attack", "jamming"},
		{"frobnicate"},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, &out, &errb); err == nil {
			t.Errorf("meshgw %v succeeded", args)
		}
	}
}

// tsharkOutput runs tshark and returns its standard output (its warnings,
// such as the one about running as root, go to standard error).
func tsharkOutput(tshark string, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(tshark, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, stderr.String())
	}
	return out, nil
}

// TestSimPcapTshark writes a pcap of a secured mesh and has tshark decode
// every frame.
func TestSimPcapTshark(t *testing.T) {
	tshark := testenv.NeedCommand(t, "tshark")
	path := filepath.Join(t.TempDir(), "mesh.pcap")
	rep := runJSON(t, "--nodes", "10", "--topology", "grid", "--spacing", "25", "--duration", "30s",
		"--broadcast-interval", "5s", "--pcap", path)
	tx := int(rep["frames"].(map[string]any)["tx"].(float64))
	out, err := tsharkOutput(tshark, "-r", path, "-T", "fields", "-e", "wpan.frame_type", "-e", "wpan.security")
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != tx {
		t.Fatalf("tshark decoded %d frames, the medium sent %d", len(lines), tx)
	}
	kinds := map[string]int{}
	for _, l := range lines {
		kinds[l]++
	}
	// Secured data frames, MLE messages (secured at the MLE layer, not the
	// MAC) and acknowledgments, and nothing else.
	if kinds["0x0001\t1"] == 0 || kinds["0x0001\t0"] == 0 || kinds["0x0002\t0"] == 0 || len(kinds) != 3 {
		t.Fatalf("frame kinds decoded by tshark (type, security): %v", kinds)
	}
	bad, err := tsharkOutput(tshark, "-r", path, "-Y", "_ws.malformed || _ws.expert.severity >= \"Error\"")
	if err != nil || len(bytes.TrimSpace(bad)) != 0 {
		t.Fatalf("tshark reports malformed frames (%v):\n%s", err, bad)
	}
}

// TestSimZEPTshark streams a simulation as ZEP v2 to a local UDP port while
// tshark captures it on the loopback interface, then has tshark's ZEP
// dissector decode the capture.
func TestSimZEPTshark(t *testing.T) {
	tshark := testenv.NeedCommand(t, "tshark")
	testenv.NeedRoot(t)
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	go func() { // drain, so the kernel never answers port unreachable
		buf := make([]byte, 2048)
		for {
			if _, err := sink.Read(buf); err != nil {
				return
			}
		}
	}()
	port := sink.LocalAddr().(*net.UDPAddr).Port
	capture := filepath.Join(t.TempDir(), "zep.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cap := exec.CommandContext(ctx, tshark, "-i", "lo", "-f", fmt.Sprintf("udp port %d", port), "-w", capture, "-a", "duration:30")
	stderr, err := cap.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cap.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	started := false
	for sc.Scan() {
		// tshark prints "Capturing on 'Loopback: lo'" and then, once the
		// capture runs, "Capture started".
		if strings.Contains(sc.Text(), "Capture started") {
			started = true
			break
		}
	}
	if !started {
		_ = cap.Wait()
		t.Fatal("tshark did not start capturing on lo")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	rep := runJSON(t, "--nodes", "6", "--topology", "line", "--spacing", "20", "--duration", "20s",
		"--broadcast-interval", "5s", "--zep", fmt.Sprintf("127.0.0.1:%d", port))
	tx := int(rep["frames"].(map[string]any)["tx"].(float64))
	time.Sleep(time.Second) // let the last packets reach the capture
	_ = cap.Process.Signal(interruptSignal)
	_ = cap.Wait()
	out, err := tsharkOutput(tshark, "-r", capture, "-d", fmt.Sprintf("udp.port==%d,zep", port),
		"-T", "fields", "-e", "zep.version", "-e", "zep.channel_id", "-e", "wpan.frame_type")
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != tx {
		t.Fatalf("tshark decoded %d ZEP packets, the medium sent %d frames", len(lines), tx)
	}
	for _, l := range lines {
		if l != "2\t15\t0x0001" && l != "2\t15\t0x0002" {
			t.Fatalf("ZEP packet not decoded as ZEP v2 carrying an 802.15.4 data or ack frame on channel 15: %q", l)
		}
	}
}
