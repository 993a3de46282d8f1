package kubelet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/containerd"
	"kite/kubelet/cri"
	"kite/kubelet/network"
)

// CleanupConfig says whose leftovers to remove.
type CleanupConfig struct {
	// DataDir is the data directory (absolute). Required.
	DataDir string
	// CgroupRoot is the pods' parent cgroup ("/kite").
	CgroupRoot string
	Logger     *slog.Logger
}

// Cleanup removes everything an agent on DataDir put on the host: its pods (sandboxes
// and containers, through CRI, so their network is released), its containerd and that
// containerd's shims, mounts and files, the KITE- iptables chains, the kite0 bridge and
// the pods' cgroups. The data directory's images/ stays: it is the user's. It reports
// every failure but goes on, so one stuck piece does not leave the rest.
func Cleanup(ctx context.Context, cfg CleanupConfig) error {
	if cfg.DataDir == "" || !filepath.IsAbs(cfg.DataDir) {
		return errors.New("kubelet cleanup: an absolute DataDir is required")
	}
	if cfg.CgroupRoot == "" {
		cfg.CgroupRoot = "/kite"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l := layout{cfg.DataDir}
	var errs []error
	ctrdCfg := containerdConfig(l, cfg.Logger)
	if _, err := os.Stat(filepath.Join(l.containerd(), "config.toml")); err == nil {
		if err := removePods(ctx, ctrdCfg, cfg.Logger); err != nil {
			errs = append(errs, err)
		}
		if err := containerd.StopRunning(ctrdCfg); err != nil {
			errs = append(errs, err)
		}
		killShims(ctrdCfg.Socket(), cfg.Logger)
	}
	// Containers' root filesystems under containerd's dirs; pods' memory-backed volumes
	// under the agent's.
	for _, dir := range []string{l.containerd(), l.agent()} {
		if err := unmountUnder(dir); err != nil {
			errs = append(errs, err)
		}
	}
	for _, dir := range []string{l.containerd(), l.agent()} {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
		}
	}
	// The network and the pods' cgroups are the host's, not the data dir's: leave them
	// to an agent of another data dir that runs now.
	lock, err := lockHost(hostLockPath, cfg.DataDir)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("the pod network and cgroups are left alone: %w", err))...)
	}
	defer lock.release(true)
	if err := network.Cleanup(ctx, network.Config{}); err != nil {
		errs = append(errs, err)
	}
	removeCgroups(cfg.CgroupRoot)
	return errors.Join(errs...)
}

// removePods starts (or adopts) the data dir's containerd and removes every sandbox the
// agent made, so CNI releases the pods' addresses and port mappings.
func removePods(ctx context.Context, cfg containerd.Config, log *slog.Logger) error {
	d, err := containerd.Start(ctx, cfg)
	if err != nil {
		return fmt.Errorf("starting containerd to remove the pods: %w", err)
	}
	defer d.Stop()
	rt, err := cri.Dial(ctx, cri.Config{Endpoint: cfg.Endpoint(), Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	defer rt.Close()
	sel := map[string]string{"io.kite.managed": "true"}
	sbs, err := rt.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: sel}})
	if err != nil {
		return err
	}
	var errs []error
	for _, sb := range sbs.Items {
		// StopPodSandbox kills the sandbox's containers at once and tears down its network.
		if _, err := rt.Runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := rt.Runtime.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			errs = append(errs, err)
		}
	}
	log.Info("pods removed", "sandboxes", len(sbs.Items))
	return errors.Join(errs...)
}

// killShims kills the containerd shims still serving the containerd at socket: they
// name its address on their command line, which tells them from anyone else's.
func killShims(socket string, log *slog.Logger) {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) == 0 || !strings.HasPrefix(filepath.Base(args[0]), "containerd-shim") {
			continue
		}
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-address" && args[i+1] == socket {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
				log.Info("killing a leftover containerd shim", "pid", pid)
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// unmountUnder lazily unmounts every mount point under dir, deepest first (container
// root filesystems, network namespaces, shm).
func unmountUnder(dir string) error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			points = append(points, mp)
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	var errs []error
	for _, mp := range points {
		if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmounting %s: %w", mp, err))
		}
	}
	return errors.Join(errs...)
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removeCgroups removes the pods' parent cgroup in every hierarchy, children first.
// A cgroup directory can only be removed once no process is in it, which holds after
// the pods are gone.
func removeCgroups(root string) {
	tops, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", root))
	if d := filepath.Join("/sys/fs/cgroup", root); isDir(d) {
		tops = append(tops, d)
	}
	for _, top := range tops {
		var dirs []string
		filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
		for _, d := range dirs {
			os.Remove(d)
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
