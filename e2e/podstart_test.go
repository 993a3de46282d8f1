package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The pod start-up benchmark (hack/podstart) against the real binary with one
// simulated node, which needs no node agent: a burst round and a paced round, both in
// the latency and CPU tables, with the CPU per pod and the floor it sets.
func TestPodstartBurstAndPacedRounds(t *testing.T) {
	p, kc := apiServer(t, "--simulated-nodes", "1")
	bin := filepath.Join(t.TempDir(), "podstart")
	build := exec.Command("go", "build", "-o", bin, "kite/hack/podstart")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building podstart: %v\n%s", err, out)
	}
	marks := filepath.Join(t.TempDir(), "marks")
	cmd := exec.Command(bin, "-kubeconfig", kc, "-pid", strconv.Itoa(p.cmd.Process.Pid),
		"-rounds", "3", "-paced", "4", "-interval", "50ms", "-marks", marks, "-timeout", "2m")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("podstart: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"n @d: paced, one create every d",
		"\n  3     ", "\n  4 @50ms ", // a latency row for each round
		"3 pods running", "4 @50ms pods running",
		"per pod", "floor (all Ready)",
		"targets: need a round of at least 100 pods", // the paced round does not count for the targets
	} {
		if !strings.Contains(text, want) {
			t.Errorf("podstart's report lacks %q:\n%s", want, text)
		}
	}
	// Both rounds' start and end marks, in order.
	data, err := os.ReadFile(marks)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("marks line %q", line)
		}
		got = append(got, f[0]+" "+f[1])
	}
	if strings.Join(got, ",") != "start 3,ready 3,start 4,ready 4" {
		t.Errorf("marks %q", got)
	}
	// Each round waited until its namespace was gone.
	if ns := kubectl(t, newest(t), kc, "get", "namespaces", "-o", "name"); strings.Contains(ns, "kite-podstart-") {
		t.Errorf("namespaces left:\n%s", ns)
	}
}
