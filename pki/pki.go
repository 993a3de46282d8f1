package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/utils/clock"
)

// ErrUnusableCA reports a CA on disk that Ensure will not use and must not replace.
var ErrUnusableCA = errors.New("cluster CA is not usable")

const (
	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 365 * 24 * time.Hour
	// renewBefore is how long before expiry a leaf certificate is remade, so a server
	// restarted now and then never serves an expired certificate.
	renewBefore = 30 * 24 * time.Hour

	// AdminUser and AdminGroup name the admin client certificate's subject. The group is
	// the one upstream authorizers treat as cluster-admin.
	AdminUser  = "kite-admin"
	AdminGroup = "system:masters"
)

// defaultSANs are the names under which pods and local clients reach the API server,
// as upstream's serving certificate carries them.
var defaultSANs = []string{
	"localhost",
	"kubernetes",
	"kubernetes.default",
	"kubernetes.default.svc",
	"kubernetes.default.svc.cluster.local",
	"127.0.0.1",
	"::1",
}

// Config says where the certificates live and what the serving certificate must name.
type Config struct {
	// Dir holds the files. Required; created (0700) if missing.
	Dir string
	// ExtraSANs are DNS names or IP addresses the serving certificate carries besides
	// the defaults and the hostname.
	ExtraSANs []string
	// Hostname is this machine's name, a SAN of the serving certificate. Default:
	// os.Hostname().
	Hostname string
	// Clock tells the time for validity checks and new certificates. Default: the real
	// clock.
	Clock clock.PassiveClock
}

// Bundle is the set of certificates a server runs with.
type Bundle struct {
	// CA is the cluster CA certificate, CAPEM its PEM encoding (ca.crt).
	CA    *x509.Certificate
	CAPEM []byte
	// Serving is the API server's certificate with its key.
	Serving tls.Certificate
	// AdminCertPEM and AdminKeyPEM are the admin client certificate and key.
	AdminCertPEM []byte
	AdminKeyPEM  []byte
	// Made lists the certificates Ensure made, in order; empty when all were reused.
	Made []Made
}

// Made records a certificate Ensure made and why.
type Made struct {
	// Name is "ca", "server" or "admin".
	Name string
	// Reason says why, e.g. "missing" or "SANs changed".
	Reason string
}

// CAGenerated reports whether Ensure made a new CA (a first start).
func (b *Bundle) CAGenerated() bool {
	return slices.ContainsFunc(b.Made, func(m Made) bool { return m.Name == "ca" })
}

// ClientCAs returns a pool holding only the cluster CA, for verifying client
// certificates.
func (b *Bundle) ClientCAs() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(b.CA)
	return p
}

// Ensure loads the certificates in cfg.Dir, makes the ones that are missing or due, and
// returns them. It fails with an error matching ErrUnusableCA when a CA is present but
// cannot be used (unreadable, key missing or not matching, not a CA, expired).
func Ensure(cfg Config) (*Bundle, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pki: Config.Dir is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("pki: hostname for the serving certificate: %w", err)
		}
		cfg.Hostname = h
	}
	dns, ips, err := splitSANs(slices.Concat(defaultSANs, []string{cfg.Hostname}, cfg.ExtraSANs))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	now := cfg.Clock.Now()
	b := &Bundle{}

	ca, err := ensureCA(cfg.Dir, now, b)
	if err != nil {
		return nil, err
	}
	b.CA, b.CAPEM = ca.cert, ca.certPEM

	serving, err := ensureLeaf(cfg.Dir, "server", ca, now, leafSpec{
		subject:  subjectOf("kite-apiserver"),
		usage:    x509.ExtKeyUsageServerAuth,
		dnsNames: dns,
		ips:      ips,
	}, b)
	if err != nil {
		return nil, err
	}
	b.Serving, err = tls.X509KeyPair(serving.certPEM, serving.keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: serving certificate: %w", err)
	}

	admin, err := ensureLeaf(cfg.Dir, "admin", ca, now, leafSpec{
		subject: subjectOf(AdminUser, AdminGroup),
		usage:   x509.ExtKeyUsageClientAuth,
	}, b)
	if err != nil {
		return nil, err
	}
	b.AdminCertPEM, b.AdminKeyPEM = admin.certPEM, admin.keyPEM
	return b, nil
}

// ensureCA loads the CA or, when there is none, makes one.
func ensureCA(dir string, now time.Time, b *Bundle) (*pair, error) {
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	_, certErr := os.Stat(certPath)
	if errors.Is(certErr, os.ErrNotExist) {
		// A key without a certificate is what a crash while making the CA leaves (the
		// key is written first); nobody can trust a CA whose certificate never existed,
		// so it is safe to start over.
		ca, err := newCA(now)
		if err != nil {
			return nil, err
		}
		if err := ca.write(certPath, keyPath); err != nil {
			return nil, err
		}
		b.Made = append(b.Made, Made{Name: "ca", Reason: "missing"})
		return ca, nil
	}
	ca, err := readPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnusableCA, err)
	}
	switch {
	case !ca.cert.IsCA || ca.cert.KeyUsage&x509.KeyUsageCertSign == 0:
		return nil, fmt.Errorf("%w: %s is not a CA certificate", ErrUnusableCA, certPath)
	case now.After(ca.cert.NotAfter):
		return nil, fmt.Errorf("%w: %s expired on %s", ErrUnusableCA, certPath, ca.cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return ca, nil
}

// leafSpec is what a leaf certificate must be.
type leafSpec struct {
	subject  subject
	usage    x509.ExtKeyUsage
	dnsNames []string
	ips      []net.IP
}

// ensureLeaf loads the leaf certificate name.crt/name.key and remakes it when it is not
// what spec asks for or is due.
func ensureLeaf(dir, name string, ca *pair, now time.Time, spec leafSpec, b *Bundle) (*pair, error) {
	certPath, keyPath := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	reason := "missing"
	leaf, err := readPair(certPath, keyPath)
	if err == nil {
		reason = leafProblem(leaf.cert, ca.cert, now, spec)
		if reason == "" {
			return leaf, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		reason = "unreadable"
	}
	leaf, err = newLeaf(ca, now, spec)
	if err != nil {
		return nil, err
	}
	if err := leaf.write(certPath, keyPath); err != nil {
		return nil, err
	}
	b.Made = append(b.Made, Made{Name: name, Reason: reason})
	return leaf, nil
}

// leafProblem says why cert cannot be kept, or "" if it can.
func leafProblem(cert, ca *x509.Certificate, now time.Time, spec leafSpec) string {
	switch {
	case cert.CheckSignatureFrom(ca) != nil:
		return "not signed by the cluster CA"
	case now.Before(cert.NotBefore):
		return "not yet valid"
	case cert.NotAfter.Sub(now) < renewBefore:
		return "expires " + cert.NotAfter.UTC().Format(time.DateOnly)
	case !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{spec.usage}):
		return "wrong key usage"
	case !spec.subject.matches(cert.Subject):
		return "subject changed"
	case !sameSANs(cert, spec.dnsNames, spec.ips):
		return "SANs changed"
	}
	return ""
}

// splitSANs sorts SAN values into IP addresses and DNS names, deduplicated.
func splitSANs(values []string) ([]string, []net.IP, error) {
	var dns []string
	var ips []net.IP
	seen := map[string]bool{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, nil, errors.New("pki: empty SAN")
		}
		if ip := net.ParseIP(v); ip != nil {
			if key := ip.String(); !seen[key] {
				seen[key] = true
				ips = append(ips, ip)
			}
			continue
		}
		v = strings.ToLower(v)
		if strings.ContainsAny(v, " /:") {
			return nil, nil, fmt.Errorf("pki: %q is neither an IP address nor a DNS name", v)
		}
		if !seen[v] {
			seen[v] = true
			dns = append(dns, v)
		}
	}
	return dns, ips, nil
}

// sameSANs compares the SANs of cert with the wanted ones as sets.
func sameSANs(cert *x509.Certificate, dns []string, ips []net.IP) bool {
	canon := func(dns []string, ips []net.IP) []string {
		var out []string
		for _, d := range dns {
			out = append(out, "dns:"+strings.ToLower(d))
		}
		for _, ip := range ips {
			out = append(out, "ip:"+ip.String())
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(canon(cert.DNSNames, cert.IPAddresses), canon(dns, ips))
}

// publicKeyMatches reports whether key is the private half of cert's public key.
func publicKeyMatches(cert *x509.Certificate, key crypto.Signer) bool {
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(key.Public())
}
