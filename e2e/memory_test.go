package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusMiB reads one of the kB figures of /proc/pid/status (RssAnon, RssFile), in MiB.
func statusMiB(t *testing.T, pid int, field string) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.Atoi(strings.Fields(v)[0])
			if err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// anonMiB is the anonymous resident memory of process pid (heap, stacks, the store's
// memtables and cache), leaving out the executable's file-backed pages.
func anonMiB(t *testing.T, pid int) int { return statusMiB(t, pid, "RssAnon") }

// A server that has gone quiet after a burst gives the burst's memory back within
// seconds (kite server's default --memory-return-interval), where the Go runtime alone
// keeps it resident until its next collection, minutes later.
func TestServerReturnsMemoryAfterABurst(t *testing.T) {
	p, kc := apiServer(t)
	pid := p.cmd.Process.Pid
	c := clientFor(t, kc)
	ctx := context.Background()
	ns := "kite-memory"
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := anonMiB(t, pid)

	// The burst: 1,500 config maps of 32 KiB, listed once (the watch cache keeps them
	// decoded and encoded), then deleted together.
	const n, conc = 1500, 16
	value := strings.Repeat("k", 32<<10)
	cms := c.CoreV1().ConfigMaps(ns)
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for w := range conc {
		wg.Go(func() {
			for i := w; i < n; i += conc {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("burst-%04d", i)}, Data: map[string]string{"v": value}}
				if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	l, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	burst := 0
	for _, cm := range l.Items {
		if strings.HasPrefix(cm.Name, "burst-") {
			burst++
		}
	}
	if burst != n {
		t.Fatalf("a list after the burst has %d of its %d config maps", burst, n)
	}
	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	peak := anonMiB(t, pid)
	if peak-base < 40 {
		t.Fatalf("the burst added only %d MiB (%d to %d): too little to judge", peak-base, base, peak)
	}
	t.Logf("anonymous RSS %d MiB before the burst, %d MiB after it", base, peak)

	start := time.Now()
	eventually(t, 30*time.Second, func() string {
		if now := anonMiB(t, pid); now > base+(peak-base)/2 {
			return fmt.Sprintf("anonymous RSS still %d MiB, %s after a burst that took it from %d to %d MiB", now, time.Since(start).Round(time.Second), base, peak)
		}
		return ""
	})
	t.Logf("anonymous RSS %d MiB %s after the burst", anonMiB(t, pid), time.Since(start).Round(time.Second))
}

// Once a new server is quiet it hands back the pages of its executable that only
// start-up ran, so that its resident memory is what it keeps running; the code it
// still needs comes back as it runs.
func TestServerReleasesStartupCode(t *testing.T) {
	p, kc := apiServer(t)
	pid := p.cmd.Process.Pid
	var line string
	eventually(t, 30*time.Second, func() string {
		for l := range strings.Lines(p.stderr.String()) {
			if strings.Contains(l, "released the start-up code's pages") {
				line = l
				return ""
			}
		}
		return "no release of the start-up code in the server's log"
	})
	var before, after int
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "residentMiB="); ok {
			before, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(f, "nowMiB="); ok {
			after, _ = strconv.Atoi(v)
		}
	}
	if before < 40 || after > before/2 {
		t.Fatalf("file-backed RSS %d MiB before the release, %d MiB after: %s", before, after, line)
	}

	// The server still does what it did: code comes back as it runs.
	k := newest(t)
	kubectl(t, k, kc, "create", "configmap", "kite-after-release", "--from-literal=k=v")
	if out := kubectl(t, k, kc, "get", "configmap", "kite-after-release", "-o", "jsonpath={.data.k}"); out != "v" {
		t.Fatalf("the config map reads back %q", out)
	}
	if now := statusMiB(t, pid, "RssFile"); now > before/2 {
		t.Errorf("file-backed RSS %d MiB after serving requests, more than half of the %d MiB before the release", now, before)
	}
	t.Logf("file-backed RSS %d MiB before the release, %d MiB after, %d MiB after serving requests", before, after, statusMiB(t, pid, "RssFile"))
}
