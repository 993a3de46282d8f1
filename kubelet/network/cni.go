package network

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ConfFile is the name of the CNI configuration Kite writes; containerd uses the first
// file of the directory in name order.
const ConfFile = "10-kite.conflist"

// cniConfig returns the conflist for pods on the node's podCIDR.
func cniConfig(cfg Config) ([]byte, error) {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       networkName,
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      cfg.Bridge,
				"isGateway":   true,
				"ipMasq":      false, // the KITE-POSTROUTING chain masquerades instead
				"hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": cfg.PodCIDR.String()}}},
					"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
					"dataDir": cfg.IPAMDir,
				},
			},
			map[string]any{
				"type":         "portmap",
				"capabilities": map[string]bool{"portMappings": true},
				"snat":         true,
			},
		},
	}
	return json.MarshalIndent(conf, "", "  ")
}

// WriteCNIConfig writes the conflist into cfg.ConfDir, replacing it atomically (the
// runtime watches the directory and may read it at any moment).
func WriteCNIConfig(cfg Config) error {
	if err := cfg.check(); err != nil {
		return err
	}
	b, err := cniConfig(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.ConfDir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(cfg.ConfDir, ConfFile)
	tmp := filepath.Join(cfg.ConfDir, ".kite.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
