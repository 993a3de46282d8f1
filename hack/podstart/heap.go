package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
)

// liveHeap returns the server's live Go heap in KiB: it has the server collect
// garbage (/debug/pprof/heap?gc=1, kite serves it to the admin) and reads
// go_memstats_heap_alloc_bytes from /metrics. Unlike RSS, which moves with when the
// collector last ran and what it returned to the system, it changes only with what
// the process holds, so two servers' figures can be compared.
func liveHeap(ctx context.Context, c kubernetes.Interface) (int64, error) {
	rest := c.CoreV1().RESTClient()
	if _, err := rest.Get().AbsPath("/debug/pprof/heap").Param("gc", "1").DoRaw(ctx); err != nil {
		return 0, fmt.Errorf("forcing a collection: %w", err)
	}
	body, err := rest.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading /metrics: %w", err)
	}
	return metricKiB(body, "go_memstats_heap_alloc_bytes")
}

// metricKiB finds an unlabelled gauge in Prometheus text and returns it in KiB.
func metricKiB(text []byte, name string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), name+" ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return int64(f / 1024), nil
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}
