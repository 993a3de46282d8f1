package containerd

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"text/template"
	"time"
)

// maxSocketPath is the room a unix socket path has (sun_path less its terminator).
const maxSocketPath = 107

// Config describes the containerd to run.
type Config struct {
	// Dir holds everything of this containerd; created if missing. Absolute.
	Dir string
	// Binary is the containerd executable (default "containerd", from PATH).
	Binary string
	// Ctr is containerd's client tool used for imports (default "ctr", from PATH).
	Ctr string
	// SandboxImage is the CRI plugin's pause image. Required.
	SandboxImage string
	// CNIBinDir holds the CNI plugins (default /usr/lib/cni, Debian's
	// containernetworking-plugins); CNIConfDir the network configuration. Required.
	CNIBinDir, CNIConfDir string
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL (default 10s).
	StopTimeout time.Duration
	Logger      *slog.Logger
}

func (c *Config) defaults() error {
	if c.Dir == "" || !filepath.IsAbs(c.Dir) {
		return fmt.Errorf("containerd: Dir %q must be an absolute path", c.Dir)
	}
	if c.SandboxImage == "" || c.CNIConfDir == "" {
		return fmt.Errorf("containerd: SandboxImage and CNIConfDir are required")
	}
	if c.Binary == "" {
		c.Binary = "containerd"
	}
	if c.Ctr == "" {
		c.Ctr = "ctr"
	}
	if c.CNIBinDir == "" {
		c.CNIBinDir = "/usr/lib/cni"
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if n := len(c.Socket()); n > maxSocketPath {
		return fmt.Errorf("containerd: socket path %s is %d bytes, more than a unix socket allows (%d); use a shorter data dir", c.Socket(), n, maxSocketPath)
	}
	return nil
}

// Socket is the gRPC socket containerd listens on; CRI is served there too.
func (c Config) Socket() string { return filepath.Join(c.Dir, "containerd.sock") }

// Endpoint is Socket as a CRI endpoint URL.
func (c Config) Endpoint() string { return "unix://" + c.Socket() }

func (c Config) configPath() string { return filepath.Join(c.Dir, "config.toml") }
func (c Config) pidPath() string    { return filepath.Join(c.Dir, "containerd.pid") }
func (c Config) logPath() string    { return filepath.Join(c.Dir, "containerd.log") }

// configTemplate is containerd 1.6's version 2 configuration. Every path containerd
// would otherwise put under /var/lib, /run or /opt is moved under Dir, and the network
// namespaces under its state directory, so nothing of it is left elsewhere on the host.
// The snapshotters that cannot work on a plain filesystem are disabled to keep their
// start-up complaints out of the log. restrict_oom_score_adj keeps containers' OOM
// scores at or above containerd's own: lowering one (the sandbox asks for -998) needs
// CAP_SYS_RESOURCE, which root inside a container or a restricted VM lacks, and runc
// then fails with "can't get final child's PID from pipe".
var configTemplate = template.Must(template.New("config").Funcs(template.FuncMap{"q": tomlString}).Parse(`# Written by kite at every agent start; edits are lost.
version = 2
root = {{q .Root}}
state = {{q .State}}
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = {{q .Socket}}

[plugins."io.containerd.internal.v1.opt"]
  path = {{q .Opt}}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = {{q .SandboxImage}}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = {{q .CNIBinDir}}
    conf_dir = {{q .CNIConfDir}}
    max_conf_num = 1
`))

// renderConfig returns containerd's configuration file for c.
func renderConfig(c Config) ([]byte, error) {
	var buf bytes.Buffer
	err := configTemplate.Execute(&buf, map[string]string{
		"Root":         filepath.Join(c.Dir, "root"),
		"State":        filepath.Join(c.Dir, "state"),
		"Socket":       c.Socket(),
		"Opt":          filepath.Join(c.Dir, "opt"),
		"SandboxImage": c.SandboxImage,
		"CNIBinDir":    c.CNIBinDir,
		"CNIConfDir":   c.CNIConfDir,
	})
	return buf.Bytes(), err
}

// writeConfig writes the configuration file, creating Dir.
func writeConfig(c Config) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	b, err := renderConfig(c)
	if err != nil {
		return err
	}
	tmp := c.configPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.configPath())
}

// tomlString quotes s as a TOML basic string. strconv's Go quoting is a valid TOML basic
// string for every path (TOML accepts the same escapes for what a path holds).
func tomlString(s string) string { return strconv.Quote(s) }
