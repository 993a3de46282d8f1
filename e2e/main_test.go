package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// kiteBin is the kite binary TestMain built; tests only read it.
var kiteBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kite-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	kiteBin = filepath.Join(dir, "kite")
	build := exec.Command("go", "build", "-o", kiteBin, "kite/cmd/kite")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building kite:", err)
		return 1
	}
	// Written back, as an installed binary is: the kernel cannot reclaim the dirty pages
	// of a file just written, and the servers hand back their start-up code's pages.
	if err := syncFile(kiteBin); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: writing kite back:", err)
		return 1
	}
	return m.Run()
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// kubectlDir is the folder of the versioned kubectl binaries: the one the kubectl on
// PATH resolves into.
func kubectlDir(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is not on PATH: %v", err)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(real)
}

// kubectlVersions returns the versioned kubectl binaries, oldest first, e.g.
// "1.27" → /…/kubectl.1.27.
func kubectlVersions(t *testing.T) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(kubectlDir(t), "kubectl.1.*"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no kubectl.1.* beside kubectl in %s", kubectlDir(t))
	}
	minor := func(p string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "kubectl.1."))
		return n
	}
	sort.Slice(matches, func(i, j int) bool { return minor(matches[i]) < minor(matches[j]) })
	return matches
}

// kubectl runs the given kubectl binary against kubeconfig and returns its stdout,
// failing the test when it fails.
func kubectl(t *testing.T, bin, kubeconfig string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECONFIG=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout: %s\nstderr: %s", filepath.Base(bin), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
