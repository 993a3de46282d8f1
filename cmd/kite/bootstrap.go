package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"kite/pki"
)

// fetchServerCA learns the cluster CA from the server's TLS handshake (the server sends
// it after its own certificate) and trusts it only when its hash is the one the node
// token names and it signed the server's certificate for the host dialled. This is the
// one connection that does not verify the server up front; nothing is sent on it.
func fetchServerCA(ctx context.Context, server string, tok pki.NodeToken) ([]byte, error) {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("--server %q is not an https:// URL", server)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
	}
	var ca *x509.Certificate
	conf := &tls.Config{
		// The chain is checked below against the token's CA, not against the system's.
		InsecureSkipVerify: true,
		MinVersion:         tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server presented no certificate")
			}
			for _, c := range cs.PeerCertificates[1:] {
				if c.IsCA && tok.TrustsCA(c) {
					ca = c
				}
			}
			if ca == nil {
				return fmt.Errorf("the server's CA does not match the node token's hash %.12s… (a token of another cluster?)", tok.CAHash)
			}
			roots := x509.NewCertPool()
			roots.AddCert(ca)
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, DNSName: host,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			if err != nil {
				return fmt.Errorf("the server's certificate is not valid for %s under the token's CA: %w", host, err)
			}
			return nil
		},
	}
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: conf}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("fetching the cluster CA from %s: %w", server, err)
	}
	conn.Close()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), nil
}

// bootstrapConfig is what a joining node needs to get its certificates.
type bootstrapConfig struct {
	server string
	caPEM  []byte
	token  pki.NodeToken
	// pkiDir keeps the node's certificates and keys across restarts.
	pkiDir string
	name   string
	// sans are the serving certificate's names; none: no serving certificate (the
	// simulated nodes serve nothing).
	sans []string
	// progress reports each certificate obtained.
	progress func(string, ...any)
}

// bootstrapIdentity gets the node's identity: its certificates from pkiDir when they
// are still good, else through CertificateSigningRequests. The client certificate is
// asked for with the node token (a bootstrap identity), the serving certificate with the
// new client certificate, as upstream's kubelet TLS bootstrap does.
func bootstrapIdentity(ctx context.Context, cfg bootstrapConfig) (nodeIdentity, error) {
	if err := os.MkdirAll(cfg.pkiDir, 0o700); err != nil {
		return nodeIdentity{}, err
	}
	ca, err := parseCertPEM(cfg.caPEM)
	if err != nil {
		return nodeIdentity{}, err
	}
	user := "system:node:" + cfg.name
	var id nodeIdentity
	clientFiles := certFiles{dir: cfg.pkiDir, name: agentCertName}
	if certPEM, keyPEM, ok := clientFiles.load(ca, user, nil); ok {
		id.clientCertPEM, id.clientKeyPEM = certPEM, keyPEM
		cfg.progress("node client certificate for %s loaded", user)
	} else {
		client, done, err := bootstrapClient(&rest.Config{
			Host: cfg.server, BearerToken: cfg.token.Credential(), TLSClientConfig: rest.TLSClientConfig{CAData: cfg.caPEM},
		})
		if err != nil {
			return nodeIdentity{}, err
		}
		csrName, certPEM, keyPEM, err := requestCertificate(ctx, client, certificatesv1.KubeAPIServerClientKubeletSignerName, user, nil,
			[]certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth})
		done()
		if err != nil {
			if apierrors.IsUnauthorized(err) {
				return nodeIdentity{}, fmt.Errorf("the server refused the node token (401 Unauthorized): check --token against the server's DATA-DIR/server/node-token")
			}
			return nodeIdentity{}, fmt.Errorf("node client certificate: %w", err)
		}
		if err := clientFiles.write(certPEM, keyPEM); err != nil {
			return nodeIdentity{}, err
		}
		id.clientCertPEM, id.clientKeyPEM = certPEM, keyPEM
		cfg.progress("node client certificate for %s issued (CSR %s approved and signed)", user, csrName)
	}
	if len(cfg.sans) == 0 {
		return id, nil
	}
	servingFiles := certFiles{dir: cfg.pkiDir, name: kubeletServingCertName}
	certPEM, keyPEM, ok := servingFiles.load(ca, user, cfg.sans)
	if ok {
		cfg.progress("node serving certificate loaded")
	} else {
		client, done, err := bootstrapClient(&rest.Config{
			Host: cfg.server, TLSClientConfig: rest.TLSClientConfig{CAData: cfg.caPEM, CertData: id.clientCertPEM, KeyData: id.clientKeyPEM},
		})
		if err != nil {
			return nodeIdentity{}, err
		}
		var csrName string
		csrName, certPEM, keyPEM, err = requestCertificate(ctx, client, certificatesv1.KubeletServingSignerName, user, cfg.sans,
			[]certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth})
		done()
		if err != nil {
			return nodeIdentity{}, fmt.Errorf("node serving certificate: %w", err)
		}
		if err := servingFiles.write(certPEM, keyPEM); err != nil {
			return nodeIdentity{}, err
		}
		cfg.progress("node serving certificate for %v issued (CSR %s approved and signed)", cfg.sans, csrName)
	}
	id.serving, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nodeIdentity{}, err
	}
	return id, nil
}

// bootstrapClient is a client for the few requests of the bootstrap; done closes its
// connections, which nothing uses afterwards.
func bootstrapClient(rc *rest.Config) (kubernetes.Interface, func(), error) {
	hc, err := rest.HTTPClientFor(rc)
	if err != nil {
		return nil, nil, err
	}
	client, err := kubernetes.NewForConfigAndClient(rc, hc)
	if err != nil {
		return nil, nil, err
	}
	return client, hc.CloseIdleConnections, nil
}

// csrWait bounds the wait for a CSR's certificate: the controller manager approves and
// signs node CSRs within a second or two of seeing them.
const csrWait = 2 * time.Minute

// requestCertificate makes a key, asks signer for a certificate of user (in
// system:nodes) with sans, and waits until it is issued, denied or failed.
func requestCertificate(ctx context.Context, client kubernetes.Interface, signer, user string, sans []string, usages []certificatesv1.KeyUsage) (name string, certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, nil, err
	}
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: user, Organization: []string{"system:nodes"}}}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return "", nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", nil, nil, err
	}
	csrs := client.CertificatesV1().CertificateSigningRequests()
	csr, err := csrs.Create(ctx, &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "node-csr-"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: signer,
			Usages:     usages,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", nil, nil, err
	}
	var issued []byte
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, csrWait, true, func(ctx context.Context) (bool, error) {
		got, err := csrs.Get(ctx, csr.Name, metav1.GetOptions{})
		if err != nil {
			return false, nil // the server may be restarting; try again
		}
		for _, c := range got.Status.Conditions {
			if (c.Type == certificatesv1.CertificateDenied || c.Type == certificatesv1.CertificateFailed) && c.Status == corev1.ConditionTrue {
				return false, fmt.Errorf("CSR %s %s: %s", csr.Name, c.Type, c.Message)
			}
		}
		issued = got.Status.Certificate
		return len(issued) > 0, nil
	})
	if err != nil {
		if wait.Interrupted(err) {
			err = fmt.Errorf("CSR %s was not signed within %s: does the server run its controllers (no --disable-controllers)?", csr.Name, csrWait)
		}
		return csr.Name, nil, nil, err
	}
	return csr.Name, issued, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// certFiles are a certificate and its key in a directory, as NAME.crt and NAME.key.
type certFiles struct{ dir, name string }

// load returns the pair when it is readable, signed by ca, issued to user, names at
// least sans, and has more than a tenth of its life left; else ok is false and the
// caller asks for a new one.
func (f certFiles) load(ca *x509.Certificate, user string, sans []string) (certPEM, keyPEM []byte, ok bool) {
	certPEM, err := os.ReadFile(filepath.Join(f.dir, f.name+".crt"))
	if err != nil {
		return nil, nil, false
	}
	keyPEM, err = os.ReadFile(filepath.Join(f.dir, f.name+".key"))
	if err != nil {
		return nil, nil, false
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return nil, nil, false
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil || cert.CheckSignatureFrom(ca) != nil || cert.Subject.CommonName != user {
		return nil, nil, false
	}
	now := time.Now()
	if now.Before(cert.NotBefore) || cert.NotAfter.Sub(now) < cert.NotAfter.Sub(cert.NotBefore)/10 {
		return nil, nil, false
	}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
				return nil, nil, false
			}
		} else if !slices.Contains(cert.DNSNames, s) {
			return nil, nil, false
		}
	}
	return certPEM, keyPEM, true
}

// write stores the pair, the key first and private.
func (f certFiles) write(certPEM, keyPEM []byte) error {
	if err := os.WriteFile(filepath.Join(f.dir, f.name+".key"), keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(f.dir, f.name+".crt"), certPEM, 0o644)
}

func parseCertPEM(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}
