package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type row struct{ name, value string }

type report struct{ rows []row }

func newReport() *report { return &report{} }

func (r *report) add(name string, v float64, unit string) {
	r.rows = append(r.rows, row{name, fmt.Sprintf("%.3g %s", v, unit)})
}

func pct(lat []time.Duration, p float64) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}

// rate records operations per second with p50 and p99 latency.
func (r *report) rate(name string, n int, took time.Duration, lat []time.Duration) {
	r.rows = append(r.rows, row{name, fmt.Sprintf("%.0f/s  p50 %s  p99 %s", float64(n)/took.Seconds(), ms(pct(lat, 0.5)), ms(pct(lat, 0.99)))})
}

func (r *report) latency(name string, lat []time.Duration) {
	r.rows = append(r.rows, row{name, fmt.Sprintf("p50 %s  p99 %s", ms(pct(lat, 0.5)), ms(pct(lat, 0.99)))})
}

// rss records the resident memory of process pid (Linux), split into anonymous memory
// (heap, stacks, Pebble's memtables and block cache) and file-backed pages (mostly the
// executable's own image, which the kernel may map in whole and may drop at will).
func (r *report) rss(name string, pid int) {
	if pid == 0 {
		return
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		r.rows = append(r.rows, row{name, err.Error()})
		return
	}
	kb := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if f := strings.Fields(v); ok && len(f) > 0 {
			kb[k], _ = strconv.ParseFloat(f[0], 64)
		}
	}
	r.rows = append(r.rows, row{name, fmt.Sprintf("%.0f MiB  (anon %.0f, file %.0f)", kb["VmRSS"]/1024, kb["RssAnon"]/1024, kb["RssFile"]/1024)})
}

// cpuSeconds is the CPU time (user and system) process pid has used, from
// /proc/PID/stat; 0 when pid is 0 or unreadable. Under other load on the machine, CPU
// per operation moves less than operations per second.
func cpuSeconds(pid int) float64 {
	if pid == 0 {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after it are fixed.
	rest := string(data)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}

// cpuPer10k records the server's CPU seconds per 10,000 operations between two
// cpuSeconds readings.
func (r *report) cpuPer10k(name string, pid int, before float64, n int) {
	if pid == 0 || n == 0 {
		return
	}
	r.rows = append(r.rows, row{name, fmt.Sprintf("%.2f CPU-s per 10k", (cpuSeconds(pid)-before)*10000/float64(n))})
}

// selfCPUSeconds is the CPU time (user and system) this process, the load tool, has
// used (getrusage). On a machine the server shares with its client, the client's share
// of the CPU is what the server cannot have.
func selfCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// selfCPUPer10k records the load tool's own CPU seconds per 10,000 operations since
// before, a selfCPUSeconds reading.
func (r *report) selfCPUPer10k(name string, before float64, n int) {
	if n == 0 {
		return
	}
	r.rows = append(r.rows, row{name, fmt.Sprintf("%.2f CPU-s per 10k", (selfCPUSeconds()-before)*10000/float64(n))})
}

func (r *report) print(w io.Writer) {
	width := 0
	for _, x := range r.rows {
		width = max(width, len(x.name))
	}
	for _, x := range r.rows {
		fmt.Fprintf(w, "%-*s  %s\n", width, x.name, x.value)
	}
}
