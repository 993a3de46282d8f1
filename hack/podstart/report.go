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
	fmt.Fprintln(w, "create → Ready (seen by a watch), per pod (n: a burst, n creates at once; n @d: paced, one create every d):")
	fmt.Fprintf(w, "  %-12s  %8s %8s %8s %8s  %12s  %10s\n", "pods", "p50", "p90", "p99", "max", "all Ready", "clean-up")
	for _, res := range r.rounds {
		lat := res.spans(func(t *podTimes) time.Time { return t.created }, func(t *podTimes) time.Time { return t.ready })
		fmt.Fprintf(w, "  %-12s  %8s %8s %8s %8s  %12s  %10s\n", res.label(),
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
		fmt.Fprintf(w, "  %17s", res.label()+" pods")
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

	r.printDeletion(w)
	if r.rounds[0].cpu.machine > 0 {
		r.printCPU(w)
	}
	fmt.Fprintln(w, "\nresident memory (RSS):")
	fmt.Fprintf(w, "  %-24s  %12s  %12s  %16s  %12s  %20s\n", "", "kite RSS", "live heap", "agent's share", "containerd", "shims")
	row := func(name, round string, m memory) {
		shims := "-"
		if m.shimCount > 0 {
			shims = fmt.Sprintf("%s in %d", mib(m.shims), m.shimCount)
		}
		share := "-"
		if rss, heap, ok := r.agentShare(round, m); ok {
			share = fmt.Sprintf("%+.0f / %+.0f MiB", float64(rss)/1024, float64(heap)/1024)
		}
		fmt.Fprintf(w, "  %-24s  %12s  %12s  %16s  %12s  %20s\n", name, mib(m.agent), mib(m.heap), share, mib(m.containerd), shims)
	}
	if r.idleOK {
		row("idle (no pods)", "idle", r.idle)
	}
	var peak int64
	for _, res := range r.rounds {
		row(res.label()+" pods running", fmt.Sprint(res.n), res.mem)
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

// printDeletion prints where each round's clean-up went, per pod, from the agent's
// "pod deleted" lines: the delete until the object was gone, the wait for its sync,
// and the sync's steps (the CRI calls, the final status, the object's delete).
func (r *report) printDeletion(w io.Writer) {
	names := map[string]string{
		"sinceRequest": "delete → pod object gone", "queued": "  waiting for its sync",
		"total": "  its sync", "stopContainers": "    StopContainer", "stopSandbox": "    StopPodSandbox (CNI DEL)",
		"observe": "    observe (CRI lists)", "status": "    final status write", "removeContainers": "    RemoveContainer",
		"removeSandbox": "    RemovePodSandbox", "volumes": "    volume teardown", "delete": "    delete (grace 0)",
	}
	rows := append([]string{"sinceRequest", "queued"}, deletionSteps[1:]...)
	cells := map[string][]string{}
	found := false
	for _, res := range r.rounds {
		per := map[string][]time.Duration{}
		for _, t := range res.pods {
			if t.deletion == nil {
				continue
			}
			for k, d := range t.deletion {
				per[k] = append(per[k], d)
			}
			since, ok1 := t.deletion["sinceRequest"]
			total, ok2 := t.deletion["total"]
			if ok1 && ok2 {
				per["queued"] = append(per["queued"], max(since-total, 0))
			}
		}
		for _, k := range rows {
			cell := "-"
			if d := per[k]; len(d) > 0 {
				cell = fmt.Sprintf("%s / %s", secs(pct(d, 0.5)), secs(pct(d, 0.99)))
				found = true
			}
			cells[k] = append(cells[k], cell)
		}
	}
	if !found {
		return
	}
	fmt.Fprintln(w, "\nclean-up, p50 / p99 per pod (the agent's \"pod deleted\" lines; the delete's time is in whole seconds):")
	fmt.Fprintf(w, "  %-36s", "step")
	for _, res := range r.rounds {
		fmt.Fprintf(w, "  %17s", res.label()+" pods")
	}
	fmt.Fprintln(w)
	for _, k := range rows {
		fmt.Fprintf(w, "  %-36s", names[k])
		for _, c := range cells[k] {
			fmt.Fprintf(w, "  %17s", c)
		}
		fmt.Fprintln(w)
	}
}

// printCPU prints the CPU the agent's processes used per round, per pod, and the floor
// it sets: the pods' CPU over the cores is the least time their start can take here,
// however the work is ordered.
func (r *report) printCPU(w io.Writer) {
	cores := runtime.NumCPU()
	fmt.Fprintln(w, "\nCPU seconds used from the first create to the last Ready (pods: the containers' processes, which")
	fmt.Fprintln(w, "runc init runs as until the container's program starts; machine: all its processes, of cores × time):")
	fmt.Fprintf(w, "  %-12s  %6s  %14s  %10s  %6s  %8s  %17s  %20s  %8s\n", "pods", "kite", "containerd+CNI", "shims+runc", "pods", "per pod", "floor (all Ready)", "machine", "per pod")
	for _, res := range r.rounds {
		u := res.cpu
		per, machinePer := "-", "-"
		if res.n > 0 {
			per = fmt.Sprintf("%.0f ms", 1000*u.total()/float64(res.n))
			machinePer = fmt.Sprintf("%.0f ms", 1000*u.machine/float64(res.n))
		}
		fmt.Fprintf(w, "  %-12s  %6.2f  %14.2f  %10.2f  %6.2f  %8s  %17s  %20s  %8s\n", res.label(), u.agent, u.containerd, u.shims, u.pods, per,
			fmt.Sprintf("%s (%s)", secs(u.floor(res.n, cores)), secs(res.took)),
			fmt.Sprintf("%.2f of %.2f", u.machine, float64(cores)*res.took.Seconds()), machinePer)
	}
	fmt.Fprintf(w, "  (floor: the agent's processes' CPU over the %d cores, the least time the round can take on this\n", cores)
	fmt.Fprintln(w, "  machine: a burst of n pods cannot be all Ready before n × CPU per pod / cores. It is a lower bound:")
	fmt.Fprintln(w, "  the kernel's per-process times miss part of the short-lived runc processes' CPU, which a sampling")
	fmt.Fprintln(w, "  profiler (perf record -a) finds; on a quiet machine the machine's CPU per pod is the closer figure)")
}

// targets checks issue 6's aims on the largest round of at least 100 pods.
func (r *report) targets() []string {
	var big *roundResult
	for _, res := range r.rounds {
		if res.interval == 0 && res.n >= 100 && (big == nil || res.n > big.n) {
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
	if line := floorLine(big, runtime.NumCPU()); line != "" {
		out = append(out, line)
	}
	return []string{strings.Join(out, "\n")}
}

// floorLine says whether the p99 target is within reach of the CPU the round's pods
// cost: the last of n pods cannot be Ready before n × CPU per pod / cores, so the
// target needs at most 2 s × cores / n of CPU per pod.
func floorLine(res *roundResult, cores int) string {
	if res.cpu.total() == 0 || res.n == 0 || cores == 0 {
		return ""
	}
	per := res.cpu.total() / float64(res.n)
	floor := res.cpu.floor(res.n, cores)
	budget := 2 * float64(cores) / float64(res.n)
	verdict := "within reach"
	if floor >= 2*time.Second {
		verdict = "out of reach on this machine"
	}
	return fmt.Sprintf("CPU floor: %d pods × %.0f ms / %d cores = %s; the p99 < 2 s target allows %.0f ms a pod: %s",
		res.n, 1000*per, cores, secs(floor), 1000*budget, verdict)
}
