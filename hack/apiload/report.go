package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
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

// rss records the resident memory of process pid (Linux).
func (r *report) rss(name string, pid int) {
	if pid == 0 {
		return
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		r.rows = append(r.rows, row{name, err.Error()})
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			r.rows = append(r.rows, row{name, fmt.Sprintf("%.0f MiB", float64(kb)/1024)})
		}
	}
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
