package main

import (
	"strings"
	"testing"
)

func TestSimulatedNodesFlag(t *testing.T) {
	code, out, _ := runCLI(t, "server", "--help")
	if code != 0 || !strings.Contains(out, "--simulated-nodes int") {
		t.Errorf("kite server --help (exit %d) does not document --simulated-nodes:\n%s", code, out)
	}
	code, out, errOut := runCLI(t, "server", "--simulated-nodes", "-1")
	if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "--simulated-nodes must not be negative") {
		t.Errorf("kite server --simulated-nodes -1: exit %d, stderr %q", code, errOut)
	}
}
