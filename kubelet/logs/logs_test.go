package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

const running = runtimeapi.ContainerState_CONTAINER_RUNNING

var t0 = time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC)

type fixture struct {
	rt  *fakeRuntime
	clk *clocktesting.FakeClock
	m   *Manager
	dir string
	ctx context.Context
	t   *testing.T
}

func newFixture(t *testing.T, maxSize int64, maxFiles int) *fixture {
	t.Helper()
	f := &fixture{rt: newFakeRuntime(), clk: clocktesting.NewFakeClock(t0), dir: t.TempDir(), ctx: context.Background(), t: t}
	var err error
	f.m, err = New(Config{Runtime: f.rt, LogDir: f.dir, MaxSize: maxSize, MaxFiles: maxFiles, Clock: f.clk})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// container adds a running container whose log, under the pod directory pod, holds
// content, and returns the log's path.
func (f *fixture) container(id, pod, content string) string {
	f.t.Helper()
	path := filepath.Join(f.dir, pod, "main", "0.log")
	f.write(path, content)
	f.rt.add(id, path, running)
	return path
}

func (f *fixture) write(path, content string) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) rotate() {
	f.t.Helper()
	if err := f.m.Rotate(f.ctx); err != nil {
		f.t.Fatalf("Rotate: %v", err)
	}
}

// names lists the files of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return string(b)
}

func TestAFullLogIsRotatedAndReopened(t *testing.T) {
	f := newFixture(t, 10, 5)
	full := f.container("c1", "ns_full_u1", "0123456789") // exactly MaxSize
	small := f.container("c2", "ns_small_u2", "012345678")
	f.rotate()

	if got := names(t, filepath.Dir(full)); !slices.Equal(got, []string{"0.log", "0.log.20261126-063000"}) {
		t.Fatalf("files after the rotation: %q", got)
	}
	if got := read(t, full); got != "" {
		t.Errorf("the reopened log holds %q, want a new empty file", got)
	}
	if got := read(t, full+".20261126-063000"); got != "0123456789" {
		t.Errorf("the rotated file holds %q, want the full log", got)
	}
	if got := names(t, filepath.Dir(small)); !slices.Equal(got, []string{"0.log"}) || read(t, small) != "012345678" {
		t.Errorf("a log below MaxSize was touched: %q", got)
	}
	if got := f.rt.reopened(); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("ReopenContainerLog calls: %q, want c1 once", got)
	}
}

func TestAtMostMaxFilesAreKeptAndOlderOnesCompressed(t *testing.T) {
	f := newFixture(t, 4, 3)
	path := f.container("c1", "ns_p_u", "")
	for i := range 5 {
		f.write(path, strings.Repeat(string(rune('a'+i)), 4))
		f.clk.Step(time.Second)
		f.rotate()
	}
	// The current log, the newest rotation plain, one older one compressed.
	want := []string{"0.log", "0.log.20261126-063004.gz", "0.log.20261126-063005"}
	if got := names(t, filepath.Dir(path)); !slices.Equal(got, want) {
		t.Fatalf("files after five rotations with MaxFiles 3: %q, want %q", got, want)
	}
	dir := filepath.Dir(path)
	if got := read(t, filepath.Join(dir, want[1])); got != "dddd" {
		t.Errorf("%s holds %q, want dddd", want[1], got)
	}
	if got := read(t, filepath.Join(dir, want[2])); got != "eeee" {
		t.Errorf("%s holds %q, want eeee", want[2], got)
	}
}

func TestAFailedReopenPutsTheLogBack(t *testing.T) {
	f := newFixture(t, 4, 5)
	path := f.container("c1", "ns_p_u", "full log")
	f.rt.reopenErr = errors.New("runtime says no")
	err := f.m.Rotate(f.ctx)
	if err == nil || !strings.Contains(err.Error(), "runtime says no") {
		t.Fatalf("Rotate = %v, want the reopen's error", err)
	}
	if got := names(t, filepath.Dir(path)); !slices.Equal(got, []string{"0.log"}) || read(t, path) != "full log" {
		t.Errorf("after a failed reopen: %q holding %q; want the log back at its path", got, read(t, path))
	}
}

func TestNothingOutsideLogDirIsTouched(t *testing.T) {
	f := newFixture(t, 4, 2)
	outside := filepath.Join(t.TempDir(), "0.log")
	f.write(outside, "a long log outside")
	f.rt.add("c1", outside, running)
	sneaky := filepath.Join(f.dir, "..", filepath.Base(filepath.Dir(outside)), "0.log") // escapes with ..
	f.rt.add("c2", sneaky, running)
	f.rotate()
	if got := names(t, filepath.Dir(outside)); !slices.Equal(got, []string{"0.log"}) {
		t.Errorf("a log outside LogDir was rotated: %q", got)
	}
	if got := f.rt.reopened(); len(got) != 0 {
		t.Errorf("ReopenContainerLog called for %q", got)
	}
}

func TestRotatedFilesOfRemovedContainersGo(t *testing.T) {
	f := newFixture(t, 1<<20, 5)
	gone := filepath.Join(f.dir, "ns_p_u", "main", "0.log")
	f.write(gone+".20261126-060000.gz", "x")
	f.write(gone+".20261126-060100", "y")
	exited := filepath.Join(f.dir, "ns_p_u", "main", "1.log")
	f.write(exited, "z")
	f.write(exited+".20261126-060200", "z")
	f.rt.add("c-exited", exited, runtimeapi.ContainerState_CONTAINER_EXITED)
	run := filepath.Join(f.dir, "ns_p_u", "main", "2.log")
	f.write(run, "w")
	f.write(run+".20261126-060300", "w")
	f.rt.add("c-run", run, running)
	f.write(filepath.Join(f.dir, "ns_p_u", "main", "notes.txt"), "not a log")
	f.rotate()

	// 0.log's container is gone (the runtime removed its current file with it): its
	// rotated files go; the exited and the running container keep theirs.
	want := []string{"1.log", "1.log.20261126-060200", "2.log", "2.log.20261126-060300", "notes.txt"}
	got := names(t, filepath.Dir(gone))
	if !slices.Equal(got, want) {
		t.Errorf("files after the sweep: %q, want %q", got, want)
	}
}

func TestNoSweepWhileARunningContainerIsUnknown(t *testing.T) {
	f := newFixture(t, 1<<20, 5)
	old := filepath.Join(f.dir, "ns_p_u", "main", "0.log.20261126-060000")
	f.write(old, "x")
	f.rt.add("c1", filepath.Join(f.dir, "ns_p_u", "main", "0.log"), running)
	f.rt.statusErr = errors.New("runtime busy")
	if err := f.m.Rotate(f.ctx); err == nil {
		t.Fatal("Rotate hid the status error")
	}
	if _, err := os.Stat(old); err != nil {
		t.Errorf("a rotated file went while its container's log path was unknown: %v", err)
	}
}

func TestAnInterruptedCompressionIsCleanedUp(t *testing.T) {
	f := newFixture(t, 4, 5)
	path := f.container("c1", "ns_p_u", "full")
	f.write(path+".20261126-060000.gz.tmp", "half")
	f.write(path+".20261126-060100", "done")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("done"))
	zw.Close()
	f.write(path+".20261126-060100.gz", buf.String())
	f.rotate()
	want := []string{"0.log", "0.log.20261126-060100.gz", "0.log.20261126-063000"}
	if got := names(t, filepath.Dir(path)); !slices.Equal(got, want) {
		t.Errorf("files: %q, want %q", got, want)
	}
}

func TestALostLogIsReopened(t *testing.T) {
	f := newFixture(t, 4, 5)
	path := f.container("c1", "ns_p_u", "")
	if err := os.Rename(path, path+".20261126-060000"); err != nil {
		t.Fatal(err)
	}
	f.rotate()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the log renamed before a reopen was not reopened: %v", err)
	}
	// A container whose log was never made is left alone.
	f.rt.add("c2", filepath.Join(f.dir, "ns_q_u", "main", "0.log"), running)
	f.rotate()
	if got := f.rt.reopened(); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("reopens: %q, want c1 once", got)
	}
}

func TestRunRotatesEveryInterval(t *testing.T) {
	rt := newFakeRuntime()
	clk := clocktesting.NewFakeClock(t0)
	dir := t.TempDir()
	m, err := New(Config{Runtime: rt, LogDir: dir, MaxSize: 4, MonitorInterval: 10 * time.Second, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ns_p_u", "main", "0.log")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("full log"), 0o640)
	rt.add("c1", path, running)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Run(ctx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(rt.reopened()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no rotation within 10s of ticks")
		}
		// Step only once Run waits on its ticker, else the tick would be lost.
		if clk.HasWaiters() {
			clk.Step(10 * time.Second)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}

func TestConfig(t *testing.T) {
	rt := newFakeRuntime()
	for name, cfg := range map[string]Config{
		"no runtime":       {LogDir: "/x"},
		"relative log dir": {Runtime: rt, LogDir: "x"},
		"one file":         {Runtime: rt, LogDir: "/x", MaxFiles: 1},
		"negative size":    {Runtime: rt, LogDir: "/x", MaxSize: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	m, err := New(Config{Runtime: rt, LogDir: "/x/"})
	if err != nil {
		t.Fatal(err)
	}
	if m.cfg.MaxSize != 10<<20 || m.cfg.MaxFiles != 5 || m.cfg.MonitorInterval != 10*time.Second {
		t.Errorf("defaults: %+v, want upstream's 10Mi, 5 files, 10s", m.cfg)
	}
}
