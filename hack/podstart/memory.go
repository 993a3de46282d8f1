package main

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// memory is the resident memory of the node agent's processes at one moment, in KiB.
// Zero values mean the process was not found (or -pid was not given).
type memory struct {
	agent      int64 // the process running the agent (kite server: API server and all)
	agentPeak  int64 // its VmHWM
	containerd int64
	shims      int64 // every containerd-shim of that containerd, summed
	shimCount  int
	// heap is the server's live Go heap (liveHeap), 0 when it could not be read.
	heap int64
}

// sampleMemory reads /proc for pid, its containerd child and that containerd's shims:
// the median of five samples a quarter second apart, as a Go process's RSS moves with
// its collections.
func sampleMemory(pid int) memory {
	var samples []memory
	for i := range 5 {
		if i > 0 {
			time.Sleep(250 * time.Millisecond)
		}
		samples = append(samples, sampleMemoryAt("/proc", pid))
	}
	return medianMemory(samples)
}

// medianMemory is the sample with the median agent RSS, its peak the highest seen.
func medianMemory(s []memory) memory {
	if len(s) == 0 {
		return memory{}
	}
	peak := int64(0)
	for _, m := range s {
		peak = max(peak, m.agentPeak)
	}
	slices.SortFunc(s, func(a, b memory) int { return cmp.Compare(a.agent, b.agent) })
	m := s[len(s)/2]
	m.agentPeak = peak
	return m
}

// sampleMemoryAt is sampleMemory over a /proc tree at root (tests use a fake one).
func sampleMemoryAt(root string, pid int) memory {
	var m memory
	if pid <= 0 {
		return m
	}
	m.agent, m.agentPeak = statusKiB(root, pid)
	ctrd, shims := agentProcs(root, pid)
	if ctrd > 0 {
		m.containerd, _ = statusKiB(root, ctrd)
	}
	for _, p := range shims {
		rss, _ := statusKiB(root, p)
		m.shims += rss
		m.shimCount++
	}
	return m
}

// agentProcs finds the containerd the agent (pid) started and that containerd's
// shims. containerd is the agent's child; the shims outlive their parents (they are
// reparented) and are known by the socket they were given, beside containerd's
// --config file. 0 and nil when the agent runs none (a foreign runtime).
func agentProcs(root string, pid int) (containerd int, shims []int) {
	procs, _ := filepath.Glob(filepath.Join(root, "[0-9]*"))
	socket := ""
	for _, dir := range procs {
		p, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		if comm(root, p) == "containerd" && parentOf(root, p) == pid {
			containerd = p
			if cfg := argAfter(cmdline(root, p), "--config"); cfg != "" {
				socket = filepath.Join(filepath.Dir(cfg), "containerd.sock")
			}
		}
	}
	if socket == "" {
		return containerd, nil
	}
	for _, dir := range procs {
		p, err := strconv.Atoi(filepath.Base(dir))
		if err != nil || !strings.HasPrefix(comm(root, p), "containerd-shim") {
			continue
		}
		if argAfter(cmdline(root, p), "-address") == socket {
			shims = append(shims, p)
		}
	}
	return containerd, shims
}

// statusKiB returns VmRSS and VmHWM of the process.
func statusKiB(root string, pid int) (rss, peak int64) {
	data, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch key {
		case "VmRSS":
			rss = n
		case "VmHWM":
			peak = n
		}
	}
	return rss, peak
}

func comm(root string, pid int) string {
	b, _ := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "comm"))
	return strings.TrimSpace(string(b))
}

// parentOf reads the parent PID from /proc/PID/stat, whose second field (the command
// name, in parentheses) may hold spaces: the fields after the last ')' are counted.
func parentOf(root string, pid int) int {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func cmdline(root string, pid int) []string {
	b, _ := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "cmdline"))
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// argAfter returns the value of a flag given as "flag value" or "flag=value".
func argAfter(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	return ""
}
