package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report collects the rounds and the memory samples and prints them as tables.
type report struct {
	rounds []*roundResult
	idle   memory
	idleOK bool
	// baseline is the RSS of a server without an agent for the same rounds (-baseline-rss).
	baseline map[string]memory
}

// setIdle records the memory before the first round.
func (r *report) setIdle(m memory) { r.idle, r.idleOK = m, true }

// round records a finished round.
func (r *report) round(res *roundResult) { r.rounds = append(r.rounds, res) }

// pct is the p-quantile (0 < p ≤ 1) of d by the nearest-rank method: the smallest value
// at least a fraction p of the values are not above.
func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := int(float64(len(s))*p+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func mib(kib int64) string {
	if kib == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}

// spans returns, for every pod with both moments known, to(t) - from(t).
func (res *roundResult) spans(from, to func(*podTimes) time.Time) []time.Duration {
	var out []time.Duration
	for _, t := range res.pods {
		a, b := from(t), to(t)
		if a.IsZero() || b.IsZero() {
			continue
		}
		out = append(out, b.Sub(a))
	}
	return out
}

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w, "create → Ready (seen by a watch), per pod:")
	fmt.Fprintf(w, "  %5s  %8s %8s %8s %8s  %12s  %10s\n", "pods", "p50", "p90", "p99", "max", "all Ready", "clean-up")
	for _, res := range r.rounds {
		lat := res.spans(func(t *podTimes) time.Time { return t.created }, func(t *podTimes) time.Time { return t.ready })
		fmt.Fprintf(w, "  %5d  %8s %8s %8s %8s  %12s  %10s\n", res.n,
			secs(pct(lat, 0.5)), secs(pct(lat, 0.9)), secs(pct(lat, 0.99)), secs(pct(lat, 1)), secs(res.took), secs(res.clean))
	}

	phases := []struct {
		name     string
		from, to func(*podTimes) time.Time
	}{
		{"create → scheduled (watch)", func(t *podTimes) time.Time { return t.created }, func(t *podTimes) time.Time { return t.scheduled }},
		{"scheduled → sandbox up (agent log)", func(t *podTimes) time.Time { return t.scheduled }, func(t *podTimes) time.Time { return t.sandbox }},
		{"sandbox up → container started", func(t *podTimes) time.Time { return t.sandbox }, func(t *podTimes) time.Time { return t.started }},
		{"container started → Ready (watch)", func(t *podTimes) time.Time { return t.started }, func(t *podTimes) time.Time { return t.ready }},
	}
	fmt.Fprintln(w, "\nwhere the time goes, p50 / p99 per pod (sandbox and container times from the agent's log):")
	fmt.Fprintf(w, "  %-36s", "phase")
	for _, res := range r.rounds {
		fmt.Fprintf(w, "  %17s", fmt.Sprintf("%d pods", res.n))
	}
	fmt.Fprintln(w)
	for _, ph := range phases {
		fmt.Fprintf(w, "  %-36s", ph.name)
		for _, res := range r.rounds {
			d := res.spans(ph.from, ph.to)
			cell := "-"
			if len(d) > 0 {
				cell = fmt.Sprintf("%s / %s", secs(pct(d, 0.5)), secs(pct(d, 0.99)))
			}
			fmt.Fprintf(w, "  %17s", cell)
		}
		fmt.Fprintln(w)
	}

	if r.rounds[0].cpu.machine > 0 {
		fmt.Fprintln(w, "\nCPU seconds used from the first create to the last Ready (the machine: all its processes, of cores × time):")
		fmt.Fprintf(w, "  %5s  %10s  %16s  %12s  %20s\n", "pods", "kite", "containerd+CNI", "shims+runc", "machine")
		for _, res := range r.rounds {
			u := res.cpu
			fmt.Fprintf(w, "  %5d  %10.2f  %16.2f  %12.2f  %20s\n", res.n, u.agent, u.containerd, u.shims,
				fmt.Sprintf("%.2f of %.2f", u.machine, float64(runtime.NumCPU())*res.took.Seconds()))
		}
	}

	fmt.Fprintln(w, "\nresident memory (RSS):")
	fmt.Fprintf(w, "  %-18s  %12s  %12s  %16s  %12s  %20s\n", "", "kite RSS", "live heap", "agent's share", "containerd", "shims")
	row := func(name, round string, m memory) {
		shims := "-"
		if m.shimCount > 0 {
			shims = fmt.Sprintf("%s in %d", mib(m.shims), m.shimCount)
		}
		share := "-"
		if rss, heap, ok := r.agentShare(round, m); ok {
			share = fmt.Sprintf("%+.0f / %+.0f MiB", float64(rss)/1024, float64(heap)/1024)
		}
		fmt.Fprintf(w, "  %-18s  %12s  %12s  %16s  %12s  %20s\n", name, mib(m.agent), mib(m.heap), share, mib(m.containerd), shims)
	}
	if r.idleOK {
		row("idle (no pods)", "idle", r.idle)
	}
	var peak int64
	for _, res := range r.rounds {
		row(fmt.Sprintf("%d pods running", res.n), fmt.Sprint(res.n), res.mem)
		peak = max(peak, res.mem.agentPeak)
	}
	if r.baseline != nil {
		fmt.Fprintln(w, "  (agent's share, RSS / live heap: this server's less a server's with a simulated node and the same")
		fmt.Fprintln(w, "  pods; the live heap is read after a forced collection, RSS moves by ±20 MiB with the collector)")
	}
	if peak > 0 {
		fmt.Fprintf(w, "  kite server peak (VmHWM): %s\n", mib(peak))
	}

	fmt.Fprintln(w)
	for _, line := range r.targets() {
		fmt.Fprintln(w, line)
	}
}

// targets checks issue 6's aims on the largest round of at least 100 pods.
func (r *report) targets() []string {
	var big *roundResult
	for _, res := range r.rounds {
		if res.n >= 100 && (big == nil || res.n > big.n) {
			big = res
		}
	}
	if big == nil {
		return []string{"targets: need a round of at least 100 pods"}
	}
	lat := big.spans(func(t *podTimes) time.Time { return t.created }, func(t *podTimes) time.Time { return t.ready })
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	p50, p99 := pct(lat, 0.5), pct(lat, 0.99)
	out := []string{
		fmt.Sprintf("target: p50 create → Ready < 1 s with %d pods   %s (%s)", big.n, verdict(p50 < time.Second), secs(p50)),
		fmt.Sprintf("target: p99 create → Ready < 2 s with %d pods   %s (%s)", big.n, verdict(p99 < 2*time.Second), secs(p99)),
	}
	if d, heap, ok := r.agentShare(fmt.Sprint(big.n), big.mem); ok {
		out = append(out, fmt.Sprintf("target: agent RSS < 80 MiB with %d pods        %s (%s: the server's %s less %s without the agent; live heap %+.0f MiB)",
			big.n, verdict(d < 80*1024), mib(d), mib(big.mem.agent), mib(r.baseline[fmt.Sprint(big.n)].agent), float64(heap)/1024))
	} else if big.mem.agent > 0 {
		out = append(out, fmt.Sprintf("target: agent RSS < 80 MiB with %d pods        %s (%s, the whole kite server: API server, controllers and agent)",
			big.n, verdict(big.mem.agent < 80*1024), mib(big.mem.agent)))
	}
	return []string{strings.Join(out, "\n")}
}
