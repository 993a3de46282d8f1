package logs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// Upstream kubelet's defaults (containerLogMaxSize, containerLogMaxFiles,
// containerLogMonitorInterval).
const (
	DefaultMaxSize         = 10 << 20
	DefaultMaxFiles        = 5
	DefaultMonitorInterval = 10 * time.Second
)

// Config says which logs to watch and how large they may grow.
type Config struct {
	// Runtime is the CRI runtime service (kubelet/cri's Client carries it). Required.
	Runtime runtimeapi.RuntimeServiceClient
	// LogDir is the pods' log directory (absolute); files outside it are never
	// touched. Required.
	LogDir string
	// MaxSize is the size in bytes at which a container's log is rotated
	// (DefaultMaxSize when 0).
	MaxSize int64
	// MaxFiles is how many log files a container keeps, the current one included
	// (DefaultMaxFiles when 0; at least 2).
	MaxFiles int
	// MonitorInterval is how often the logs are checked (DefaultMonitorInterval).
	MonitorInterval time.Duration
	Clock           clock.WithTicker
	Logger          *slog.Logger
}

func (c *Config) defaults() error {
	if c.Runtime == nil || c.LogDir == "" || !filepath.IsAbs(c.LogDir) {
		return errors.New("logs: Runtime and an absolute LogDir are required")
	}
	if c.MaxSize == 0 {
		c.MaxSize = DefaultMaxSize
	}
	if c.MaxFiles == 0 {
		c.MaxFiles = DefaultMaxFiles
	}
	if c.MaxSize < 0 {
		return fmt.Errorf("logs: MaxSize %d must be positive", c.MaxSize)
	}
	if c.MaxFiles < 2 {
		return fmt.Errorf("logs: MaxFiles %d must be at least 2 (the current file and one rotated)", c.MaxFiles)
	}
	if c.MonitorInterval <= 0 {
		c.MonitorInterval = DefaultMonitorInterval
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.LogDir = filepath.Clean(c.LogDir)
	return nil
}

// Manager rotates the containers' logs.
type Manager struct {
	cfg Config
}

// New checks the configuration and returns a Manager; Run starts it.
func New(cfg Config) (*Manager, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Manager{cfg: cfg}, nil
}

// Run checks the logs every MonitorInterval until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	tick := m.cfg.Clock.NewTicker(m.cfg.MonitorInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
		}
		if err := m.Rotate(ctx); err != nil && ctx.Err() == nil {
			m.cfg.Logger.Warn("rotating container logs", "err", err)
		}
	}
}

// Rotate makes one pass: it rotates every running container's log that reached
// MaxSize and removes the rotated files of containers that are gone. The errors of
// single containers are joined; the others are still handled.
func (m *Manager) Rotate(ctx context.Context) error {
	list, err := m.cfg.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return fmt.Errorf("listing containers: %w", err)
	}
	var errs []error
	// live holds the log paths of the containers the runtime has; exited ones are only
	// asked for when a rotated file may be theirs.
	live := map[string]bool{}
	var exited []string
	unsure := false // a running container's log path is unknown: sweep nothing
	for _, c := range list.Containers {
		if c.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
			exited = append(exited, c.Id)
			continue
		}
		path, err := m.logPath(ctx, c.Id)
		if err != nil {
			errs = append(errs, err)
			unsure = true
			continue
		}
		if path == "" {
			continue
		}
		live[path] = true
		if err := m.rotateIfFull(ctx, c.Id, path); err != nil {
			errs = append(errs, fmt.Errorf("container %s: %w", short(c.Id), err))
		}
	}
	if !unsure {
		if err := m.sweep(ctx, live, exited); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// logPath returns the container's log path when it lies under LogDir, else "".
func (m *Manager) logPath(ctx context.Context, id string) (string, error) {
	st, err := m.cfg.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
	if status.Code(err) == codes.NotFound {
		return "", nil // removed since the list
	}
	if err != nil {
		return "", fmt.Errorf("status of container %s: %w", short(id), err)
	}
	return m.owned(st.GetStatus().GetLogPath()), nil
}

// owned returns path cleaned when it lies inside LogDir, else "".
func (m *Manager) owned(path string) string {
	if path == "" || !filepath.IsAbs(path) {
		return ""
	}
	path = filepath.Clean(path)
	if !strings.HasPrefix(path, m.cfg.LogDir+string(filepath.Separator)) {
		return ""
	}
	return path
}

// rotateIfFull rotates the container's log when it has reached MaxSize. A log that
// is missing while rotated files exist was renamed by a rotation whose reopen did not
// happen (the agent stopped in between): the runtime is asked to reopen it.
func (m *Manager) rotateIfFull(ctx context.Context, id, path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		if rotated, _ := m.rotatedFiles(path); len(rotated) == 0 {
			return nil
		}
		return m.reopen(ctx, id)
	}
	if err != nil {
		return err
	}
	if info.Size() < m.cfg.MaxSize {
		return nil
	}
	return m.rotate(ctx, id, path)
}

func (m *Manager) reopen(ctx context.Context, id string) error {
	if _, err := m.cfg.Runtime.ReopenContainerLog(ctx, &runtimeapi.ReopenContainerLogRequest{ContainerId: id}); err != nil {
		return fmt.Errorf("reopening the log: %w", err)
	}
	return nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
