package containerd

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Import imports an image tarball (docker archive or OCI layout) into the k8s.io
// namespace, the one CRI serves, and unpacks it for the CRI snapshotter so the first
// container of the image starts without more work.
func Import(ctx context.Context, cfg Config, path string) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, cfg.Ctr, "--address", cfg.Socket(), "--namespace", "k8s.io",
		"images", "import", "--snapshotter", "overlayfs", path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ctr images import %s: %v: %s", path, err, strings.TrimSpace(string(out)))
	}
	return nil
}
