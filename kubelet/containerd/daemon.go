package containerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Daemon is a containerd that this agent started or adopted, and supervises: when it
// exits unexpectedly it is started again (after 1s, doubling to 30s while it keeps
// failing), until Stop.
type Daemon struct {
	cfg Config

	mu       sync.Mutex
	pid      int           // the running containerd, 0 between runs
	exited   chan struct{} // closed when the current pid has exited
	stopping bool
	restarts int

	stop     chan struct{} // closed by Stop
	stopOnce sync.Once
	done     chan struct{} // closed when the supervisor has returned
}

// Start writes the configuration and starts containerd, or adopts the one a previous
// agent left running on the same directory, and returns once its socket accepts
// connections (or 30s passed). The daemon is supervised until Stop; ctx only bounds
// the start.
func Start(ctx context.Context, cfg Config) (*Daemon, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if err := writeConfig(cfg); err != nil {
		return nil, fmt.Errorf("containerd: writing its config: %w", err)
	}
	d := &Daemon{cfg: cfg, stop: make(chan struct{}), done: make(chan struct{})}
	if pid := runningPID(cfg); pid != 0 {
		// A previous agent's containerd already uses this configuration (containerd
		// does not reread it while it runs, so it is the same file). Keep it: its
		// containers go on running.
		cfg.Logger.Info("adopting the running containerd", "pid", pid)
		d.pid, d.exited = pid, watchPID(pid)
	} else if err := d.launch(); err != nil {
		return nil, err
	}
	if err := waitSocket(ctx, cfg.Socket(), d.exited, 30*time.Second); err != nil {
		d.Stop()
		return nil, fmt.Errorf("containerd did not come up (log: %s): %w", cfg.logPath(), err)
	}
	go d.supervise()
	return d, nil
}

// launch starts a containerd process and records its pid.
func (d *Daemon) launch() error {
	// A socket left by a containerd that died would make the new one fail to listen.
	os.Remove(d.cfg.Socket())
	os.Remove(d.cfg.Socket() + ".ttrpc")
	logf, err := os.OpenFile(d.cfg.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(d.cfg.Binary, "--config", d.cfg.configPath())
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: a terminal's Ctrl-C reaches kite, which stops containerd
	// in order, rather than both at once. And it dies with kite: a kite that is killed
	// leaves no containerd behind (the shims keep the containers running, and the next
	// containerd reconnects to them).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting containerd: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	if err := os.WriteFile(d.cfg.pidPath(), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
		cmd.Process.Kill()
		<-exited
		return err
	}
	d.mu.Lock()
	stopping := d.stopping
	d.pid, d.exited = cmd.Process.Pid, exited
	d.mu.Unlock()
	if stopping {
		// Stop came while this restart was on its way: it saw no process to stop.
		terminate(cmd.Process.Pid, exited, d.cfg.StopTimeout)
		return errors.New("containerd: stopped while restarting")
	}
	d.cfg.Logger.Info("containerd started", "pid", cmd.Process.Pid, "socket", d.cfg.Socket(), "log", d.cfg.logPath())
	return nil
}

// supervise restarts containerd whenever it exits before Stop.
func (d *Daemon) supervise() {
	defer close(d.done)
	backoff := time.Second
	for {
		d.mu.Lock()
		exited := d.exited
		d.mu.Unlock()
		<-exited
		d.mu.Lock()
		if d.stopping {
			d.mu.Unlock()
			return
		}
		d.restarts++
		d.mu.Unlock()
		d.cfg.Logger.Warn("containerd exited; restarting it", "after", backoff, "log", d.cfg.logPath())
		select {
		case <-time.After(backoff):
		case <-d.stop:
			return
		}
		if err := d.launch(); err != nil {
			d.cfg.Logger.Error("restarting containerd", "err", err)
			d.mu.Lock()
			closed := make(chan struct{})
			close(closed)
			d.exited = closed // try again after the next back-off
			d.mu.Unlock()
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// Restarts counts how often containerd had to be started again.
func (d *Daemon) Restarts() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.restarts
}

// PID is the running containerd's process id (0 if none).
func (d *Daemon) PID() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pid
}

// Stop ends supervision and stops containerd: SIGTERM, then SIGKILL after StopTimeout.
// Running containers are left to their shims, so an agent that starts again finds them.
func (d *Daemon) Stop() error {
	d.stopOnce.Do(func() { close(d.stop) })
	d.mu.Lock()
	d.stopping = true
	pid, exited := d.pid, d.exited
	d.mu.Unlock()
	if pid == 0 {
		return nil
	}
	err := terminate(pid, exited, d.cfg.StopTimeout)
	os.Remove(d.cfg.pidPath())
	return err
}

// terminate sends SIGTERM to pid and SIGKILL when it has not exited after timeout.
func terminate(pid int, exited <-chan struct{}, timeout time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-exited:
		return nil
	case <-time.After(timeout):
	}
	syscall.Kill(pid, syscall.SIGKILL)
	select {
	case <-exited:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("containerd (pid %d) did not exit after SIGKILL", pid)
	}
}

// StopRunning stops a containerd recorded in the pid file of cfg.Dir, if one runs: for
// cleanup, when no Daemon of this process owns it.
func StopRunning(cfg Config) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	pid := runningPID(cfg)
	if pid == 0 {
		return nil
	}
	err := terminate(pid, watchPID(pid), cfg.StopTimeout)
	os.Remove(cfg.pidPath())
	return err
}

// runningPID returns the pid in cfg's pid file when that process is alive and is a
// containerd started with cfg's configuration file, else 0. Checking the command line
// keeps a recycled pid from being taken for ours.
func runningPID(cfg Config) int {
	b, err := os.ReadFile(cfg.pidPath())
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return 0
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--config" && args[i+1] == cfg.configPath() {
			return pid
		}
	}
	return 0
}

// watchPID returns a channel closed when pid, not a child of ours, has gone.
func watchPID(pid int) chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		for {
			// A zombie still answers signal 0; its /proc stat says Z.
			if err := syscall.Kill(pid, 0); err != nil {
				return
			}
			if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err != nil || zombie(string(st)) {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	return ch
}

func zombie(stat string) bool {
	i := strings.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// waitSocket waits until path accepts a connection, the process exits, or timeout.
func waitSocket(ctx context.Context, path string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("it exited")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("socket %s not accepting after %s: %w", path, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
