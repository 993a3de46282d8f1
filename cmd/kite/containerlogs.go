package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"kite/kubelet/logs"
)

// containerLogOptions are the flags of the node agent's container log rotation, named
// and defaulted as upstream kubelet's configuration fields (containerLogMaxSize,
// containerLogMaxFiles, containerLogMonitorInterval).
type containerLogOptions struct {
	maxSize         string
	maxFiles        int
	monitorInterval time.Duration
	// maxSizeBytes is maxSize parsed by validate.
	maxSizeBytes int64
}

func (c *containerLogOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.maxSize, "container-log-max-size", "10Mi",
		"Size a container's log file may reach before the node agent rotates it, as a quantity: 10Mi, 100Ki.")
	fs.IntVar(&c.maxFiles, "container-log-max-files", logs.DefaultMaxFiles,
		"Log files the node agent keeps per container, the current one included (at least 2); older rotated ones are gzipped.")
	fs.DurationVar(&c.monitorInterval, "container-log-monitor-interval", logs.DefaultMonitorInterval,
		"How often the node agent checks the containers' log sizes.")
}

// validate parses the size and checks the flags as upstream's kubelet does.
func (c *containerLogOptions) validate() error {
	q, err := resource.ParseQuantity(c.maxSize)
	if err != nil {
		return fmt.Errorf("--container-log-max-size %q: %w", c.maxSize, err)
	}
	if q.Sign() <= 0 {
		return fmt.Errorf("--container-log-max-size %q must be positive", c.maxSize)
	}
	if c.maxFiles < 2 {
		return fmt.Errorf("--container-log-max-files %d must be at least 2", c.maxFiles)
	}
	if c.monitorInterval <= 0 {
		return fmt.Errorf("--container-log-monitor-interval must be positive, not %s", c.monitorInterval)
	}
	c.maxSizeBytes = q.Value()
	return nil
}
