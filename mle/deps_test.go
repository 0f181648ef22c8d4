package mle

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports enforces that mle is leaf code: it imports the standard
// library (crypto included) and the wpan package only.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if imp == "github.com/meshgw/meshgw/wpan" || !strings.Contains(first, ".") {
			continue
		}
		t.Errorf("mle imports %s; only the standard library and wpan are allowed", imp)
	}
}
