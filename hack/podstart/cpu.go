package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux Kite runs on.
const clockTicks = 100

// tick is one clock tick.
const tick = int64(time.Second / clockTicks)

// cpuSample is the CPU time used so far by the agent's processes, in nanoseconds, per PID:
// the process running the agent, its containerd (with its reaped children: the CNI
// plugins) and the shims (with theirs: runc), and the pods' processes, the shims'
// children. A container's process is runc init until it executes the container's
// program, and runc init's work (namespaces, mounts, the rootfs pivot; ~10 ms a
// container) is charged to that process, which no one reaps while it runs: without
// it, a fifth of the agent's CPU per pod would be missing from the table.
//
// A process's own time is its threads' scheduler time (procCPU), not /proc/PID/stat's
// utime and stime alone: those are whole 10 ms ticks, each rounded down, and a round
// starts a shim and two pod processes per pod, each with a few ms of CPU; read in
// ticks, a 100-pod round lost about 2 s, a sixth of what the agent's processes used.
type cpuSample struct {
	agent, containerd int64
	shims             map[int]int64
	pods              map[int]int64
	machine           int64 // all CPUs' busy time, from /proc/stat
}

// cpuUse is what a round cost in CPU seconds.
type cpuUse struct {
	agent, containerd, shims, pods, machine float64
}

// total is what the agent's processes used (the whole kite server's process counts:
// API server, scheduler and controllers do their share of every pod's start too).
func (u cpuUse) total() float64 { return u.agent + u.containerd + u.shims + u.pods }

// floor is the least time n pods' start can take on cores cores when each costs the
// CPU this round measured per pod: the processes of one pod's start run in parallel
// with another's, but never on more than all the cores.
func (u cpuUse) floor(n, cores int) time.Duration {
	if n == 0 || cores == 0 {
		return 0
	}
	return time.Duration(u.total() / float64(cores) * float64(time.Second))
}

func sampleCPU(pid int) cpuSample { return sampleCPUAt("/proc", pid) }

func sampleCPUAt(root string, pid int) cpuSample {
	s := cpuSample{shims: map[int]int64{}, pods: map[int]int64{}, machine: machineBusy(root) * tick}
	if pid <= 0 {
		return s
	}
	s.agent = procCPU(root, pid, false)
	ctrd, shims := agentProcs(root, pid)
	if ctrd > 0 {
		s.containerd = procCPU(root, ctrd, true)
	}
	for _, p := range shims {
		s.shims[p] = procCPU(root, p, true)
	}
	for _, p := range childrenOf(root, shims) {
		s.pods[p] = procCPU(root, p, true)
	}
	return s
}

// procCPU is the CPU time the process used, in nanoseconds: its own (the larger of
// utime+stime and its live threads' scheduler time, which misses the threads that
// exited but is not rounded to ticks) and with children the ticks of the children it
// reaped (cutime+cstime; the kernel keeps no finer figure of them).
func procCPU(root string, pid int, children bool) int64 {
	self, reaped := procTicks(root, pid)
	t := max(self*tick, threadsNanos(root, pid))
	if children {
		t += reaped * tick
	}
	return t
}

// threadsNanos sums the first field of /proc/PID/task/*/schedstat: each thread's time
// on a CPU in nanoseconds. 0 when the kernel does not provide it.
func threadsNanos(root string, pid int) int64 {
	files, _ := filepath.Glob(filepath.Join(root, strconv.Itoa(pid), "task", "*", "schedstat"))
	var sum int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread exited
		}
		if fields := strings.Fields(string(b)); len(fields) > 0 {
			n, _ := strconv.ParseInt(fields[0], 10, 64)
			sum += n
		}
	}
	return sum
}

// childrenOf lists the processes whose parent is one of parents.
func childrenOf(root string, parents []int) []int {
	if len(parents) == 0 {
		return nil
	}
	is := make(map[int]bool, len(parents))
	for _, p := range parents {
		is[p] = true
	}
	procs, _ := filepath.Glob(filepath.Join(root, "[0-9]*"))
	var out []int
	for _, dir := range procs {
		p, err := strconv.Atoi(filepath.Base(dir))
		if err == nil && is[parentOf(root, p)] {
			out = append(out, p)
		}
	}
	return out
}

// since is the CPU used between an earlier sample and s. A shim or pod process that
// started in between counts from zero; one that exited is not counted (its pod is gone).
func (s cpuSample) since(before cpuSample) cpuUse {
	var shims, pods int64
	for p, t := range s.shims {
		shims += t - before.shims[p]
	}
	for p, t := range s.pods {
		pods += t - before.pods[p]
	}
	sec := func(ns int64) float64 { return float64(ns) / float64(time.Second) }
	return cpuUse{
		agent:      sec(s.agent - before.agent),
		containerd: sec(s.containerd - before.containerd),
		shims:      sec(shims),
		pods:       sec(pods),
		machine:    sec(s.machine - before.machine),
	}
}

// procTicks returns utime+stime of the process from /proc/PID/stat and cutime+cstime
// (the children it has waited for), in ticks.
func procTicks(root string, pid int) (self, children int64) {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0
	}
	// After the command: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return 0, 0
	}
	field := func(n int) int64 { v, _ := strconv.ParseInt(f[n-3], 10, 64); return v }
	return field(14) + field(15), field(16) + field(17)
}

// machineBusy is the time all CPUs spent not idle, from the first line of /proc/stat.
func machineBusy(root string) int64 {
	b, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		busy += n
	}
	return busy
}
