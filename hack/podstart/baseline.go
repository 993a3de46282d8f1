package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The kite server runs the API server, the controllers and the agent in one process,
// so its RSS alone does not say what the agent costs. The same rounds against a server
// whose node is simulated (no agent, no containerd, the same pods in the API) give the
// rest; the difference is the agent's share. The file holds one "round RSS heap" line
// per round (KiB), "idle" for the sample before the first.

// saveRSS writes the rounds' RSS of the measured process.
func (r *report) saveRSS(path string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "idle %d %d\n", r.idle.agent, r.idle.heap)
	for _, res := range r.rounds {
		fmt.Fprintf(&b, "%d %d %d\n", res.n, res.mem.agent, res.mem.heap)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// loadBaseline reads a saveRSS file as the baseline of the rounds.
func (r *report) loadBaseline(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r.baseline = map[string]memory{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			return fmt.Errorf("%s: %q is not \"round RSS heap\"", path, line)
		}
		rss, err1 := strconv.ParseInt(f[1], 10, 64)
		heap, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%s: %q: not numbers", path, line)
		}
		r.baseline[f[0]] = memory{agent: rss, heap: heap}
	}
	return nil
}

// agentShare is the measured RSS and live heap less the baseline's for the round
// ("idle" or the pod count); false without a baseline or a figure to subtract.
func (r *report) agentShare(round string, m memory) (rss, heap int64, ok bool) {
	base, have := r.baseline[round]
	if !have || base.agent == 0 || m.agent == 0 {
		return 0, 0, false
	}
	if base.heap > 0 && m.heap > 0 {
		heap = m.heap - base.heap
	}
	return m.agent - base.agent, heap, true
}
