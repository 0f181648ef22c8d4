// Package testenv decides whether a test that needs a real part of the
// machine (root, a network namespace, nftables, tshark, the qemu VM) runs,
// skips or fails.
//
// Outside CI such a test skips with a message naming what it needs. With
// CI=true in the environment a missing part is a test failure: CI installs
// everything the suite needs, so a skip there would hide a broken install.
package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// InCI reports whether the suite runs under CI (CI=true or CI=1).
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// Need skips t (outside CI) or fails it (in CI) when ok is false. what names
// the missing part, for example "root" or "the nft command".
func Need(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("this test needs %s, which CI must provide (CI=true)", what)
	}
	t.Skipf("skipped: this test needs %s", what)
}

// NeedRoot requires effective uid 0.
func NeedRoot(t testing.TB) {
	t.Helper()
	Need(t, os.Geteuid() == 0, "root")
}

// NeedCommand requires an executable on PATH and returns its path.
func NeedCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	Need(t, err == nil, "the "+name+" command on PATH")
	return p
}
