package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)

func TestPercentiles(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.9, 90 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		if got := pct(d, c.p); got != c.want {
			t.Errorf("pct(1..100 ms, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := pct([]time.Duration{7}, 0.99); got != 7 {
		t.Errorf("pct of one value = %v, want it", got)
	}
	if got := pct(nil, 0.5); got != 0 {
		t.Errorf("pct of nothing = %v, want 0", got)
	}
}

func TestAgentLogSplitsEachPod(t *testing.T) {
	log := strings.Join([]string{
		`time=2026-11-26T06:00:00.100Z level=INFO msg="pod sandbox started" component=agent pod=kite-podstart-a/p-000 sandbox=abc attempt=0`,
		`time=2026-11-26T06:00:00.200Z level=INFO msg="pod sandbox started" component=agent pod=other/p-000 sandbox=def attempt=0`,
		`time=2026-11-26T06:00:00.350Z level=INFO msg="container started" component=agent pod=kite-podstart-a/p-000 container=main id=x attempt=0`,
		`time=2026-11-26T06:00:09.000Z level=INFO msg="container started" component=agent pod=kite-podstart-a/p-000 container=main id=y attempt=1`,
		`time=2026-11-26T06:00:00.400Z level=WARN msg="pod sync failed; retrying" uid=u err="a \"quoted\" pod=kite-podstart-a/p-001"`,
		`not a log line at all`,
	}, "\n")
	path := filepath.Join(t.TempDir(), "kite.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	res := &roundResult{ns: "kite-podstart-a", pods: map[string]*podTimes{"p-000": {}, "p-001": {}}}
	res.splitAtAgentLog(path)
	at := func(s string) time.Time {
		v, _ := time.Parse(time.RFC3339Nano, s)
		return v
	}
	p := res.pods["p-000"]
	if !p.sandbox.Equal(at("2026-11-26T06:00:00.100Z")) || !p.started.Equal(at("2026-11-26T06:00:00.350Z")) {
		t.Errorf("p-000: sandbox %v started %v; want the first lines of its own namespace", p.sandbox, p.started)
	}
	if q := res.pods["p-001"]; !q.sandbox.IsZero() || !q.started.IsZero() {
		t.Errorf("p-001 took times from a line that only quotes its name: %+v", q)
	}
}

// The agent's "pod deleted" line gives each pod's clean-up and its steps; a second
// line for the same pod (a later sync finding it gone) does not replace the first.
func TestAgentLogGivesTheDeletionSteps(t *testing.T) {
	log := strings.Join([]string{
		`time=2026-11-26T06:01:00.000Z level=INFO msg="pod deleted" pod=kite-podstart-a/p-000 sinceRequest=2.5s stopContainers=12ms stopSandbox=1.2s observe=3ms status=20ms removeContainers=8ms removeSandbox=40ms volumes=1ms delete=15ms total=1.3s`,
		`time=2026-11-26T06:01:00.100Z level=INFO msg="pod deleted" pod=kite-podstart-a/p-000 sinceRequest=2.6s delete=2ms total=2ms`,
		`time=2026-11-26T06:01:00.200Z level=INFO msg="pod deleted" pod=other/p-001 sinceRequest=9s total=1s`,
	}, "\n")
	path := filepath.Join(t.TempDir(), "kite.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	res := &roundResult{n: 2, ns: "kite-podstart-a", pods: map[string]*podTimes{"p-000": {}, "p-001": {}}}
	res.splitAtAgentLog(path)
	d := res.pods["p-000"].deletion
	if d["sinceRequest"] != 2500*time.Millisecond || d["stopSandbox"] != 1200*time.Millisecond || d["total"] != 1300*time.Millisecond {
		t.Errorf("p-000's deletion: %v; want the first line's figures", d)
	}
	if res.pods["p-001"].deletion != nil {
		t.Errorf("p-001 took another namespace's line: %v", res.pods["p-001"].deletion)
	}
	var out strings.Builder
	(&report{rounds: []*roundResult{res}}).printDeletion(&out)
	squeezed := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{"StopPodSandbox (CNI DEL) 1.200s / 1.200s", "waiting for its sync 1.200s / 1.200s"} {
		if !strings.Contains(squeezed, want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLogfmtQuotedValues(t *testing.T) {
	kv := logfmt(`time=T msg="a b \"c\"" k=v empty=""`)
	if kv["msg"] != `a b "c"` || kv["k"] != "v" || kv["time"] != "T" || kv["empty"] != "" {
		t.Errorf("logfmt = %q", kv)
	}
}

// fakeProc writes a /proc entry with the given status figures (KiB), comm, parent and
// command line.
func fakeProc(t *testing.T, root string, pid, ppid int, comm string, rss, hwm int, args ...string) {
	t.Helper()
	dir := filepath.Join(root, strconv.Itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"status": "Name:\t" + comm + "\nVmHWM:\t" + strconv.Itoa(hwm) + " kB\nVmRSS:\t" + strconv.Itoa(rss) + " kB\n",
		"comm":   comm + "\n",
		// utime stime cutime cstime: the RSS in MiB, 1, 2 and 3 ticks.
		"stat": strconv.Itoa(pid) + " (" + comm + " x) S " + strconv.Itoa(ppid) + " 1 1 0 -1 0 0 0 0 0 " +
			strconv.Itoa(rss/1024) + " 1 2 3 20 0",
		"cmdline": strings.Join(args, "\x00") + "\x00",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSampleMemoryFindsContainerdAndItsShims(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 100, 1, "kite", 60*1024, 70*1024, "kite", "server")
	fakeProc(t, root, 101, 100, "containerd", 40*1024, 41*1024, "containerd", "--config", "/d/containerd/config.toml")
	fakeProc(t, root, 200, 1, "containerd-shim", 8*1024, 8*1024, "containerd-shim-runc-v2", "-namespace", "k8s.io", "-address", "/d/containerd/containerd.sock")
	fakeProc(t, root, 201, 1, "containerd-shim", 9*1024, 9*1024, "containerd-shim-runc-v2", "-address", "/d/containerd/containerd.sock")
	// Another containerd and its shim on the same machine count for nothing.
	fakeProc(t, root, 300, 1, "containerd", 50*1024, 50*1024, "containerd", "--config", "/other/config.toml")
	fakeProc(t, root, 301, 1, "containerd-shim", 7*1024, 7*1024, "containerd-shim-runc-v2", "-address", "/other/containerd.sock")

	m := sampleMemoryAt(root, 100)
	want := memory{agent: 60 * 1024, agentPeak: 70 * 1024, containerd: 40 * 1024, shims: 17 * 1024, shimCount: 2}
	if m != want {
		t.Errorf("sampleMemoryAt = %+v, want %+v", m, want)
	}
	if m := sampleMemoryAt(root, 0); m != (memory{}) {
		t.Errorf("without a pid: %+v, want nothing", m)
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-kubeconfig", "kc", "-rounds", "1, 30,100", "-command", "sleep 3600"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.rounds) != 3 || o.rounds[1] != 30 || strings.Join(o.command, " ") != "sleep 3600" {
		t.Errorf("parsed %+v", o)
	}
	o, err = parseFlags([]string{"-kubeconfig", "kc", "-rounds", "", "-paced", "90", "-interval", "50ms"})
	if err != nil || len(o.rounds) != 0 || len(o.paced) != 1 || o.paced[0] != 90 || o.interval != 50*time.Millisecond {
		t.Errorf("paced only: parsed %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"-kubeconfig", "kc", "-rounds", "1,x"}, {"-kubeconfig", "kc", "-rounds", "0"}, {"-kubeconfig", ""},
		{"-kubeconfig", "kc", "-rounds", ""}, {"-kubeconfig", "kc", "-paced", "10", "-interval", "0s"}, {"-kubeconfig", "kc", "-paced", "-1"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted it", bad)
		}
	}
}

func TestBaselineGivesTheAgentsShare(t *testing.T) {
	lat := func(ms ...int) map[string]*podTimes {
		out := map[string]*podTimes{}
		for i, m := range ms {
			out[strconv.Itoa(i)] = &podTimes{created: t0, ready: t0.Add(time.Duration(m) * time.Millisecond)}
		}
		return out
	}
	sim := &report{idle: memory{agent: 100 << 10, heap: 40 << 10}, idleOK: true}
	sim.round(&roundResult{n: 100, pods: lat(10, 20), mem: memory{agent: 150 << 10, heap: 50 << 10}})
	path := filepath.Join(t.TempDir(), "sim.rss")
	if err := sim.saveRSS(path); err != nil {
		t.Fatal(err)
	}

	real := &report{idle: memory{agent: 130 << 10, heap: 45 << 10}, idleOK: true}
	real.round(&roundResult{n: 100, pods: lat(500, 900, 2500), mem: memory{agent: 210 << 10, heap: 62 << 10}})
	if err := real.loadBaseline(path); err != nil {
		t.Fatal(err)
	}
	if d, heap, ok := real.agentShare("100", real.rounds[0].mem); !ok || d != 60<<10 || heap != 12<<10 {
		t.Errorf("agent's share with 100 pods = %d KiB RSS, %d KiB heap, %v; want 60 and 12 MiB", d, heap, ok)
	}
	got := strings.Join(real.targets(), "\n")
	for _, want := range []string{"p50 create → Ready < 1 s with 100 pods   met (0.900s)", "p99 create → Ready < 2 s with 100 pods   MISSED (2.500s)", "agent RSS < 80 MiB with 100 pods        met (60.0 MiB"} {
		if !strings.Contains(got, want) {
			t.Errorf("targets:\n%s\nwant a line with %q", got, want)
		}
	}
	var out strings.Builder
	real.print(&out)
	if !strings.Contains(out.String(), "+30 / +5 MiB") || !strings.Contains(out.String(), "+60 / +12 MiB") {
		t.Errorf("the memory table lacks the agent's share idle (+30 / +5) and with 100 pods (+60 / +12):\n%s", out.String())
	}
}

func TestMetricKiB(t *testing.T) {
	text := "# HELP go_memstats_heap_alloc_bytes x\n# TYPE go_memstats_heap_alloc_bytes gauge\ngo_memstats_heap_alloc_bytes 5.24288e+07\ngo_memstats_heap_alloc_bytes_total 1\n"
	if kib, err := metricKiB([]byte(text), "go_memstats_heap_alloc_bytes"); err != nil || kib != 51200 {
		t.Errorf("metricKiB = %d, %v; want 51200", kib, err)
	}
	if _, err := metricKiB([]byte("other 1\n"), "go_memstats_heap_alloc_bytes"); err == nil {
		t.Error("a missing metric gave no error")
	}
}

func TestCPUOfTheAgentsProcesses(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "stat"), []byte("cpu  100 5 50 1000 30 0 7 0 0 0\ncpu0 1 1 1 1\n"), 0o644)
	fakeProc(t, root, 100, 1, "kite", 60*1024, 60*1024, "kite", "server")
	fakeProc(t, root, 101, 100, "containerd", 40*1024, 40*1024, "containerd", "--config", "/d/containerd/config.toml")
	fakeProc(t, root, 200, 1, "containerd-shim", 8*1024, 8*1024, "containerd-shim-runc-v2", "-address", "/d/containerd/containerd.sock")
	before := sampleCPUAt(root, 100)
	// kite: utime+stime only (its containerd is alive, not in cutime); containerd and
	// the shims with their reaped children (CNI plugins, runc).
	if before.agent != (60+1)*tick || before.containerd != (40+1+2+3)*tick || before.shims[200] != (8+1+2+3)*tick || before.machine != (100+5+50+7)*tick {
		t.Fatalf("sample %+v", before)
	}
	fakeProc(t, root, 100, 1, "kite", 160*1024, 160*1024, "kite", "server")
	fakeProc(t, root, 201, 1, "containerd-shim", 9*1024, 9*1024, "containerd-shim-runc-v2", "-address", "/d/containerd/containerd.sock")
	// The new shim's pod: its sandbox's and its container's processes (runc init
	// became them), 4+1+2+3 and 5+1+2+3 ticks; another process's child is no pod.
	fakeProc(t, root, 202, 201, "pause", 4*1024, 4*1024, "/pause")
	fakeProc(t, root, 203, 201, "pause", 5*1024, 5*1024, "/pause")
	fakeProc(t, root, 204, 100, "sh", 50*1024, 50*1024, "sh")
	os.RemoveAll(filepath.Join(root, "200")) // its pod went
	use := sampleCPUAt(root, 100).since(before)
	if use.agent != 1 || use.containerd != 0 || use.shims != 0.15 || use.pods != 0.21 {
		t.Errorf("use %+v; want kite 1s, containerd 0, the new shim's 0.15s, its pods' 0.21s", use)
	}
	if got := use.total(); got < 1.359 || got > 1.361 {
		t.Errorf("total %v, want 1.36s", got)
	}
}

// A short-lived process's own time comes from its threads' scheduler time, not from
// /proc/PID/stat's ticks, which round each of utime and stime down to 10 ms.
func TestCPUCountsThreadsInNanoseconds(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 300, 1, "pause", 0, 0, "/pause") // 0+1 ticks of its own, 2+3 reaped
	for tid, ns := range map[string]string{"300": "14500000", "301": "3000000"} {
		dir := filepath.Join(root, "300", "task", tid)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "schedstat"), []byte(ns+" 100 3\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := procCPU(root, 300, false), int64(17500000); got != want {
		t.Errorf("own time %d ns, want the threads' 17.5 ms, not the one tick", got)
	}
	if got, want := procCPU(root, 300, true), int64(17500000+5*tick); got != want {
		t.Errorf("with reaped children %d ns, want %d", got, want)
	}
	// Without schedstat (threads gone, or an old kernel) the ticks stand.
	fakeProc(t, root, 400, 1, "kite", 3*1024, 3*1024, "kite")
	if got := procCPU(root, 400, false); got != 4*tick {
		t.Errorf("ticks only: %d ns, want 4 ticks", got)
	}
}

func TestCPUFloor(t *testing.T) {
	// 100 pods at 150 ms each on 2 cores: 7.5 s at the least.
	u := cpuUse{agent: 2, containerd: 5, shims: 4, pods: 4}
	if got := u.floor(100, 2); got != 7500*time.Millisecond {
		t.Errorf("floor = %v, want 7.5s", got)
	}
	if got := u.floor(0, 2); got != 0 {
		t.Errorf("floor of no pods = %v", got)
	}
	rep := &report{}
	rep.round(&roundResult{n: 100, pods: map[string]*podTimes{"a": {created: t0, ready: t0.Add(9 * time.Second)}},
		took: 9 * time.Second, cpu: cpuUse{agent: 2, containerd: 5, shims: 4, pods: 4, machine: 17}})
	var out strings.Builder
	rep.print(&out)
	if !strings.Contains(out.String(), "150 ms") {
		t.Errorf("the CPU table lacks the 150 ms per pod:\n%s", out.String())
	}
	if got, want := floorLine(rep.rounds[0], 2), "CPU floor: 100 pods × 150 ms / 2 cores = 7.500s; the p99 < 2 s target allows 40 ms a pod: out of reach"; !strings.HasPrefix(got, want) {
		t.Errorf("floor line %q, want %q…", got, want)
	}
	cheap := &roundResult{n: 100, cpu: cpuUse{agent: 1, containerd: 1}}
	if got := floorLine(cheap, 2); !strings.HasSuffix(got, "allows 40 ms a pod: within reach") {
		t.Errorf("20 ms a pod: %q", got)
	}
}
