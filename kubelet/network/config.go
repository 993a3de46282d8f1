package network

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
)

// DefaultBridge is the bridge pods attach to.
const DefaultBridge = "kite0"

// Config describes the node's pod network.
type Config struct {
	// ConfDir is the CNI configuration directory the runtime reads; IPAMDir is where
	// host-local keeps its allocations. Both required for WriteCNIConfig.
	ConfDir, IPAMDir string
	// Bridge is the bridge's name (default kite0).
	Bridge string
	// PodCIDR is this node's pod range; ClusterCIDR the whole cluster's (traffic
	// between pods is not masqueraded). Required for WriteCNIConfig and EnsureRules.
	PodCIDR, ClusterCIDR *net.IPNet
	// ServiceCIDR is the Services' range: traffic to it that no Service rule rewrote is
	// rejected on the node instead of leaving it. Optional.
	ServiceCIDR *net.IPNet
	// Exec runs a command with stdin and returns its combined output (default: the
	// real command).
	Exec func(ctx context.Context, stdin string, name string, args ...string) ([]byte, error)
}

func (c *Config) defaults() {
	if c.Bridge == "" {
		c.Bridge = DefaultBridge
	}
	if c.Exec == nil {
		c.Exec = runCommand
	}
}

func (c *Config) check() error {
	c.defaults()
	if c.ConfDir == "" || c.IPAMDir == "" || c.PodCIDR == nil {
		return fmt.Errorf("network: ConfDir, IPAMDir and PodCIDR are required")
	}
	return nil
}

func runCommand(ctx context.Context, stdin string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.Bytes(), nil
}
