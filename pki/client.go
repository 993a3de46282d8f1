package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/utils/clock"
)

// ControllerManagerUser is the user the controller manager authenticates as, the name
// upstream's kube-controller-manager carries, so authorization rules written for
// upstream apply to it unchanged.
const ControllerManagerUser = "system:kube-controller-manager"

// SchedulerUser is the user the scheduler authenticates as, upstream's name for it.
const SchedulerUser = "system:kube-scheduler"

// ClientCert is a client certificate and its key, PEM-encoded.
type ClientCert struct {
	CertPEM []byte
	KeyPEM  []byte
	// Made says why the certificate was made now ("missing", "expires …"), or is empty
	// when the one on disk was reused.
	Made string
}

// reservedNames are the files Ensure owns; a client certificate may not take them.
var reservedNames = []string{"ca", "server", "admin"}

// EnsureClient loads the client certificate name.crt/name.key in cfg.Dir for user in
// groups, and makes it when it is missing, unreadable, not signed by the cluster CA, due
// to expire within 30 days or issued to another subject, as Ensure does for the admin
// certificate. The cluster CA must exist already: call Ensure first. Components that are
// clients of the API (the controller manager, later the scheduler and node agents) get
// their own identity this way.
func EnsureClient(cfg Config, name, user string, groups ...string) (*ClientCert, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pki: Config.Dir is required")
	}
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || slices.Contains(reservedNames, name) {
		return nil, fmt.Errorf("pki: %q cannot name a client certificate", name)
	}
	if user == "" {
		return nil, errors.New("pki: a client certificate needs a user name")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	ca, err := readPair(filepath.Join(cfg.Dir, "ca.crt"), filepath.Join(cfg.Dir, "ca.key"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("pki: no cluster CA in %s yet: %w", cfg.Dir, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnusableCA, err)
	}
	if !ca.cert.IsCA || ca.cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("%w: %s is not a CA certificate", ErrUnusableCA, filepath.Join(cfg.Dir, "ca.crt"))
	}
	var made Bundle
	leaf, err := ensureLeaf(cfg.Dir, name, ca, cfg.Clock.Now(), leafSpec{
		subject: subjectOf(user, groups...),
		usage:   x509.ExtKeyUsageClientAuth,
	}, &made)
	if err != nil {
		return nil, err
	}
	out := &ClientCert{CertPEM: leaf.certPEM, KeyPEM: leaf.keyPEM}
	if len(made.Made) > 0 {
		out.Made = made.Made[0].Reason
	}
	return out, nil
}
