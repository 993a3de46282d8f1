package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux Kite runs on.
const clockTicks = 100

// cpuSample is the CPU time used so far by the agent's processes, in ticks, per PID:
// the process running the agent, its containerd (with its reaped children: the CNI
// plugins) and the shims (with theirs: runc).
type cpuSample struct {
	agent, containerd int64
	shims             map[int]int64
	machine           int64 // all CPUs' busy time, from /proc/stat
}

// cpuUse is what a round cost in CPU seconds.
type cpuUse struct {
	agent, containerd, shims, machine float64
}

func sampleCPU(pid int) cpuSample { return sampleCPUAt("/proc", pid) }

func sampleCPUAt(root string, pid int) cpuSample {
	s := cpuSample{shims: map[int]int64{}, machine: machineBusy(root)}
	if pid <= 0 {
		return s
	}
	s.agent = procTicks(root, pid, false)
	ctrd, shims := agentProcs(root, pid)
	if ctrd > 0 {
		s.containerd = procTicks(root, ctrd, true)
	}
	for _, p := range shims {
		s.shims[p] = procTicks(root, p, true)
	}
	return s
}

// since is the CPU used between an earlier sample and s. A shim that started in
// between counts from zero; one that exited is not counted (its pod is gone).
func (s cpuSample) since(before cpuSample) cpuUse {
	var shims int64
	for p, t := range s.shims {
		shims += t - before.shims[p]
	}
	sec := func(ticks int64) float64 { return float64(ticks) / clockTicks }
	return cpuUse{
		agent:      sec(s.agent - before.agent),
		containerd: sec(s.containerd - before.containerd),
		shims:      sec(shims),
		machine:    sec(s.machine - before.machine),
	}
}

// procTicks is utime+stime of the process from /proc/PID/stat, and with children
// cutime+cstime too (the children it has waited for).
func procTicks(root string, pid int, children bool) int64 {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	// After the command: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return 0
	}
	field := func(n int) int64 { v, _ := strconv.ParseInt(f[n-3], 10, 64); return v }
	t := field(14) + field(15)
	if children {
		t += field(16) + field(17)
	}
	return t
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
