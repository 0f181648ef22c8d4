package firewall

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/meshgw/meshgw/internal/testenv"
	"golang.org/x/sys/unix"
)

var nsSeq atomic.Int64

// netns is a throw-away network namespace created with `ip netns add`.
type netns struct {
	name string
	file *os.File
}

// newNetns creates a uniquely named namespace, removed when t ends.
func newNetns(t testing.TB) *netns {
	t.Helper()
	testenv.NeedRoot(t)
	testenv.NeedCommand(t, "ip")
	name := fmt.Sprintf("mgwfw%d-%d", os.Getpid(), nsSeq.Add(1))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	f, err := os.Open(filepath.Join("/run/netns", name))
	if err != nil {
		t.Fatalf("open netns %s: %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	ns := &netns{name: name, file: f}
	ns.run(t, "ip", "link", "set", "lo", "up")
	return ns
}

// run runs a command inside the namespace and returns its output.
func (ns *netns) run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := ns.try(args...)
	if err != nil {
		t.Fatalf("ip netns exec %s %s: %v: %s", ns.name, strings.Join(args, " "), err, out)
	}
	return out
}

func (ns *netns) try(args ...string) (string, error) {
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.name}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// nft runs nft inside the namespace.
func (ns *netns) nft(t testing.TB, args ...string) string {
	t.Helper()
	testenv.NeedCommand(t, "nft")
	return ns.run(t, append([]string{"nft"}, args...)...)
}

// do runs fn on a fresh OS thread that has entered the namespace. The
// thread is never returned to the scheduler (it stays locked and exits
// with the goroutine), so no other goroutine can end up in the namespace.
func (ns *netns) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the thread dies with this goroutine.
		if err := unix.Setns(int(ns.file.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns.name, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
