package pause

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The committed bytes are what the committed assembly source assembles to, so the
// source in testdata is the program's true source.
func TestCodeIsTheAssembledSource(t *testing.T) {
	dir := t.TempDir()
	obj, bin := filepath.Join(dir, "pause.o"), filepath.Join(dir, "pause.bin")
	for _, args := range [][]string{
		{"as", "--64", "-o", obj, "testdata/pause_amd64.s"},
		{"objcopy", "-O", "binary", "-j", ".text", obj, bin},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s (binutils comes with gcc, which building Kite needs)", args, err, out)
		}
	}
	got, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, amd64Code) {
		t.Errorf("testdata/pause_amd64.s assembles to\n% x\nbut amd64Code is\n% x", got, amd64Code)
	}
}

func TestProgramIsAStaticExecutable(t *testing.T) {
	prog, err := Program("amd64")
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(prog))
	if err != nil {
		t.Fatalf("not an ELF file: %v", err)
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		t.Errorf("class %v machine %v type %v", f.Class, f.Machine, f.Type)
	}
	var load, stack bool
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			load = true
			if p.Flags&elf.PF_W != 0 || f.Entry < p.Vaddr || f.Entry >= p.Vaddr+p.Memsz {
				t.Errorf("load segment %+v does not hold the entry %#x read-only", p.ProgHeader, f.Entry)
			}
		case elf.PT_GNU_STACK:
			stack = p.Flags&elf.PF_X == 0
		case elf.PT_INTERP, elf.PT_DYNAMIC:
			t.Errorf("a static program has a %v segment", p.Type)
		}
	}
	if !load || !stack {
		t.Errorf("load segment %v, non-executable stack %v", load, stack)
	}
	if _, err := Program("riscv64"); err == nil || !strings.Contains(err.Error(), "riscv64") {
		t.Errorf("Program(riscv64) = %v, want an error naming the architecture", err)
	}
}

// The program sleeps through SIGCHLD and exits 0 on SIGTERM or SIGINT, as upstream's.
func TestProgramStopsOnSIGTERMAndSIGINT(t *testing.T) {
	prog, err := Program(runtime.GOARCH)
	if err != nil {
		// Only amd64 has a built-in program; elsewhere, asking says so.
		if runtime.GOARCH == "amd64" || !strings.Contains(err.Error(), runtime.GOARCH) {
			t.Fatal(err)
		}
		return
	}
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, prog, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		waitInSigtimedwait(t, cmd.Process.Pid)
		// A child's exit signal is not a reason to stop.
		if err := cmd.Process.Signal(syscall.SIGCHLD); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("after SIGCHLD and %v: %v, want exit status 0", sig, err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("pause did not stop on %v", sig)
		}
	}
}

// waitInSigtimedwait polls /proc until the process sits in rt_sigtimedwait (syscall
// 128 on amd64), so that a signal sent afterwards is one it waits for. (SigBlk in
// /proc/PID/status will not do: the kernel unblocks the awaited signals during the wait.)
func waitInSigtimedwait(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "syscall"))
		if err == nil {
			last = strings.TrimSpace(string(b))
			if strings.HasPrefix(last, "128 ") {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("pid %d is in syscall %q, want rt_sigtimedwait (128)", pid, last)
}

func TestTarballHoldsTheImageUnderBothNames(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	for _, p := range []string{a, b} {
		if err := WriteTarball(p, "amd64"); err != nil {
			t.Fatal(err)
		}
	}
	var digests []string
	for _, p := range []string{a, b} {
		for _, tag := range Tags() {
			ref, err := name.NewTag(tag)
			if err != nil {
				t.Fatal(err)
			}
			img, err := tarball.ImageFromPath(p, &ref)
			if err != nil {
				t.Fatalf("%s has no image %s: %v", p, tag, err)
			}
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(cf.Config.Entrypoint, " ") != "/pause" || cf.Config.User != "65535:65535" || cf.OS != "linux" || cf.Architecture != "amd64" {
				t.Errorf("%s: entrypoint %q user %q platform %s/%s", tag, cf.Config.Entrypoint, cf.Config.User, cf.OS, cf.Architecture)
			}
			layers, err := img.Layers()
			if err != nil || len(layers) != 1 {
				t.Fatalf("%s: %d layers (%v), want 1", tag, len(layers), err)
			}
			rc, err := layers[0].Uncompressed()
			if err != nil {
				t.Fatal(err)
			}
			tr := tar.NewReader(rc)
			h, err := tr.Next()
			if err != nil || h.Name != "pause" || h.Mode&0o111 == 0 {
				t.Errorf("%s: first layer entry %+v (%v), want an executable pause", tag, h, err)
			}
			if _, err := tr.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("%s: the layer holds more than /pause", tag)
			}
			rc.Close()
			id, err := img.ConfigName()
			if err != nil {
				t.Fatal(err)
			}
			digests = append(digests, id.String())
		}
	}
	for _, d := range digests[1:] {
		if d != digests[0] {
			t.Errorf("image IDs differ between writes or names: %v", digests)
		}
	}
}
