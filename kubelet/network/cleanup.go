package network

import (
	"context"
	"errors"
	"os"
)

// Cleanup removes what the pod network put on the host: every KITE- iptables chain and
// the rules jumping to them, what the portmap plugin left for Kite's network, the
// routes to other nodes' pods (RouteProtocol) and the bridge. Missing pieces are not
// an error, so it can run on a clean host, and twice. Call it after the pods'
// sandboxes are gone (their teardown removes their own port mappings).
func Cleanup(ctx context.Context, cfg Config) error {
	cfg.defaults()
	var errs []error
	saved, err := cfg.Exec(ctx, "", "iptables-save")
	if err != nil {
		errs = append(errs, err)
	} else {
		// Two scripts: each applies as a whole or not at all, and portmap's chains,
		// which other CNI networks may share, must not keep Kite's own from going.
		for _, script := range []string{cleanupScript(string(saved)), portmapCleanupScript(string(saved))} {
			if script == "" {
				continue
			}
			if _, err := cfg.Exec(ctx, script, "iptables-restore", "-w", "--noflush"); err != nil {
				errs = append(errs, err)
			}
		}
	}
	// Routes to other nodes' pods, told apart by their protocol number.
	if err := flushRoutes(ctx, cfg.Exec); err != nil {
		errs = append(errs, err)
	}
	if _, err := os.Stat("/sys/class/net/" + cfg.Bridge); err == nil {
		if _, err := cfg.Exec(ctx, "", "ip", "link", "delete", cfg.Bridge); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
