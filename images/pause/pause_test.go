package pause

import (
	"archive/tar"
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"io/fs"
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

// tools says, for each architecture with a built-in program, how the tests build and
// run it on this host, and which Debian package brings each tool.
type tools struct {
	as, objcopy []string // the GNU assembler and objcopy for the architecture
	binutils    string   // the package that has them
	emulator    string   // the qemu user-mode emulator that runs it on another host
}

func archs() map[string]tools {
	return map[string]tools{
		"amd64": {as: []string{"as", "--64"}, objcopy: []string{"objcopy"},
			binutils: "binutils (it comes with gcc, which building Kite needs)", emulator: "qemu-x86_64"},
		"arm64": {as: []string{"aarch64-linux-gnu-as"}, objcopy: []string{"aarch64-linux-gnu-objcopy"},
			binutils: "binutils-aarch64-linux-gnu (hack/install-deps.sh)", emulator: "qemu-aarch64"},
	}
}

// The committed bytes are what the committed assembly source assembles to, so the
// source in testdata is the program's true source.
func TestCodeIsTheAssembledSource(t *testing.T) {
	for goarch, tl := range archs() {
		t.Run(goarch, func(t *testing.T) {
			dir := t.TempDir()
			obj, bin := filepath.Join(dir, "pause.o"), filepath.Join(dir, "pause.bin")
			src := "testdata/pause_" + goarch + ".s"
			for _, args := range [][]string{
				append(append([]string{}, tl.as...), "-o", obj, src),
				append(append([]string{}, tl.objcopy...), "-O", "binary", "-j", ".text", obj, bin),
			} {
				if _, err := exec.LookPath(args[0]); err != nil {
					t.Fatalf("%s is not installed: install the Debian package %s", args[0], tl.binutils)
				}
				if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, out)
				}
			}
			got, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			target, ok := targetFor(goarch)
			if !ok {
				t.Fatalf("no built-in program for %s", goarch)
			}
			if !bytes.Equal(got, target.code) {
				t.Errorf("%s assembles to\n% x\nbut the committed code is\n% x", src, got, target.code)
			}
		})
	}
}

func TestProgramIsAStaticExecutable(t *testing.T) {
	for _, tc := range []struct {
		goarch  string
		machine elf.Machine
		// minAlign is the largest page size of the architecture's kernels: the load
		// segment must be aligned to it to load on every one of them.
		minAlign uint64
	}{
		{"amd64", elf.EM_X86_64, 0x1000},
		{"arm64", elf.EM_AARCH64, 0x10000},
	} {
		t.Run(tc.goarch, func(t *testing.T) {
			prog, err := Program(tc.goarch)
			if err != nil {
				t.Fatal(err)
			}
			f, err := elf.NewFile(bytes.NewReader(prog))
			if err != nil {
				t.Fatalf("not an ELF file: %v", err)
			}
			if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != tc.machine || f.Type != elf.ET_EXEC {
				t.Errorf("class %v data %v machine %v type %v", f.Class, f.Data, f.Machine, f.Type)
			}
			if tc.machine == elf.EM_AARCH64 && f.Entry%4 != 0 {
				t.Errorf("entry %#x is not instruction aligned", f.Entry)
			}
			var load, stack bool
			for _, p := range f.Progs {
				switch p.Type {
				case elf.PT_LOAD:
					load = true
					if p.Flags&elf.PF_W != 0 || f.Entry < p.Vaddr || f.Entry >= p.Vaddr+p.Memsz {
						t.Errorf("load segment %+v does not hold the entry %#x read-only", p.ProgHeader, f.Entry)
					}
					if p.Align%tc.minAlign != 0 || p.Vaddr%p.Align != p.Off%p.Align {
						t.Errorf("load segment aligned to %#x at %#x (offset %#x), want a multiple of %#x congruent with the offset",
							p.Align, p.Vaddr, p.Off, tc.minAlign)
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
			again, _ := Program(tc.goarch)
			if !bytes.Equal(prog, again) {
				t.Error("two calls give different programs")
			}
		})
	}
	if _, err := Program("riscv64"); err == nil || !strings.Contains(err.Error(), "riscv64") {
		t.Errorf("Program(riscv64) = %v, want an error naming the architecture", err)
	}
}

// runPause writes the program for goarch to a temporary file and returns the command
// line that runs it here: itself on its own architecture, under qemu's user-mode
// emulator on another. The emulator runs as the same process, translating the
// program's system calls into the host's, so signals and children work as natively.
func runPause(t *testing.T, goarch string) []string {
	t.Helper()
	prog, err := Program(goarch)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, prog, 0o755); err != nil {
		t.Fatal(err)
	}
	if goarch == runtime.GOARCH {
		return []string{path}
	}
	emu := archs()[goarch].emulator
	if _, err := exec.LookPath(emu); err != nil {
		t.Fatalf("%s is not installed: install the Debian package qemu-user (hack/install-deps.sh) to run the %s pause", emu, goarch)
	}
	return []string{emu, path}
}

// hostSigtimedwait is rt_sigtimedwait's number on this host, as /proc/PID/syscall shows
// it (under emulation too: it shows the host's call).
func hostSigtimedwait(t *testing.T) string {
	t.Helper()
	switch runtime.GOARCH {
	case "amd64":
		return "128"
	case "arm64":
		return "137"
	}
	t.Skipf("no system call number for rt_sigtimedwait on a %s host", runtime.GOARCH)
	return ""
}

// The program sleeps through SIGCHLD and exits 0 on SIGTERM or SIGINT, as upstream's.
func TestProgramStopsOnSIGTERMAndSIGINT(t *testing.T) {
	for goarch := range archs() {
		t.Run(goarch, func(t *testing.T) {
			argv := runPause(t, goarch)
			for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
				cmd := exec.Command(argv[0], argv[1:]...)
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
		})
	}
}

// As PID 1 of a pod's shared PID namespace, pause inherits orphans and must reap them.
// The test gives it a child the way an orphan comes: a shell starts a child and then
// execs pause, which keeps the shell's PID and so its children. The child exits only
// once pause waits for signals, so its SIGCHLD is one pause takes.
func TestProgramReapsItsChildren(t *testing.T) {
	for goarch := range archs() {
		t.Run(goarch, func(t *testing.T) {
			argv := runPause(t, goarch)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			// The child reads fd 3 until the test closes the pipe's write end.
			cmd := exec.Command("sh", append([]string{"-c", `cat <&3 >/dev/null & echo $!; exec "$@"`, "sh"}, argv...)...)
			cmd.ExtraFiles = []*os.File{r}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r.Close()
			done := make(chan error, 1)
			defer func() {
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case err := <-done:
					if err != nil {
						t.Errorf("pause ended with %v, want exit status 0", err)
					}
				case <-time.After(10 * time.Second):
					cmd.Process.Kill()
					<-done
					t.Error("pause did not stop on SIGTERM")
				}
			}()
			line, err := bufio.NewReader(out).ReadString('\n')
			go func() { done <- cmd.Wait() }()
			if err != nil {
				t.Fatalf("reading the child's pid: %v", err)
			}
			child := strings.TrimSpace(line)
			waitInSigtimedwait(t, cmd.Process.Pid)
			if ppid := statField(t, child, 4); ppid != strconv.Itoa(cmd.Process.Pid) {
				t.Fatalf("child %s has parent %s, want pause (%d)", child, ppid, cmd.Process.Pid)
			}
			w.Close()
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := os.Stat(filepath.Join("/proc", child)); errors.Is(err, fs.ErrNotExist) {
					return // reaped
				}
				if time.Now().After(deadline) {
					t.Fatalf("child %s is still there in state %s, want it reaped", child, statField(t, child, 3))
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// statField returns field n of /proc/PID/stat, numbered as proc(5) numbers them (3 is
// the state, 4 the parent), or "" when the process is gone. The fields are counted from
// the end of the command name, which may hold spaces.
func statField(t *testing.T, pid string, n int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		t.Fatalf("/proc/%s/stat: %q", pid, s)
	}
	fields := strings.Fields(s[i+1:])
	if n < 3 || n-3 >= len(fields) {
		t.Fatalf("no field %d in /proc/%s/stat", n, pid)
	}
	return fields[n-3]
}

// waitInSigtimedwait polls /proc until the process sits in rt_sigtimedwait, so that a
// signal sent afterwards is one it waits for. (SigBlk in /proc/PID/status will not do:
// the kernel unblocks the awaited signals during the wait, and under emulation qemu
// keeps the program's signal mask to itself.)
func waitInSigtimedwait(t *testing.T, pid int) {
	t.Helper()
	nr := hostSigtimedwait(t)
	deadline := time.Now().Add(10 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "syscall"))
		if err == nil {
			last = strings.TrimSpace(string(b))
			if strings.HasPrefix(last, nr+" ") {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("pid %d is in syscall %q, want rt_sigtimedwait (%s)", pid, last, nr)
}

// Each architecture's image is reproducible: two writes give the same image ID under
// both names, with the program of that architecture and a config naming it.
func TestTarballHoldsTheImageUnderBothNames(t *testing.T) {
	ids := map[string]string{}
	for _, goarch := range []string{"amd64", "arm64"} {
		t.Run(goarch, func(t *testing.T) {
			ids[goarch] = checkTarballs(t, goarch)
		})
	}
	if ids["amd64"] == ids["arm64"] {
		t.Errorf("amd64 and arm64 images have the same ID %s", ids["amd64"])
	}
}

// checkTarballs writes the image for goarch twice, checks both, and returns its ID.
func checkTarballs(t *testing.T, goarch string) string {
	t.Helper()
	prog, err := Program(goarch)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	for _, p := range []string{a, b} {
		if err := WriteTarball(p, goarch); err != nil {
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
			if strings.Join(cf.Config.Entrypoint, " ") != "/pause" || cf.Config.User != "65535:65535" || cf.OS != "linux" || cf.Architecture != goarch {
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
				t.Fatalf("%s: first layer entry %+v (%v), want an executable pause", tag, h, err)
			}
			if got, err := io.ReadAll(tr); err != nil || !bytes.Equal(got, prog) {
				t.Errorf("%s: /pause is not the %s program (%v)", tag, goarch, err)
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
	return digests[0]
}
