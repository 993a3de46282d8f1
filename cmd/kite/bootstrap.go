package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"kite/kubelet/certs"
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
		csrName, certPEM, keyPEM, err := certs.Request(ctx, client, certs.ClientTemplate(user))
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
		csrName, certPEM, keyPEM, err = certs.Request(ctx, client, certs.ServingTemplate(user, cfg.sans))
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

// write stores the pair, each file atomically.
func (f certFiles) write(certPEM, keyPEM []byte) error {
	return certs.WritePair(f.dir, f.name, certPEM, keyPEM)
}

func parseCertPEM(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// nodeCerts renew a joined node's certificates while it runs (kubelet/certs): the
// client certificate with a CSR its current one authenticates (the node token's once
// it has expired, as after a long stop), the serving certificate likewise.
type nodeCerts struct {
	client *certs.Manager
	// serving is nil when the node serves nothing (simulated nodes).
	serving *certs.Manager
	// api reaches the server presenting the current client certificate.
	api *rest.Config
}

// newNodeCerts makes the managers of the identity bootstrapIdentity got.
func newNodeCerts(cfg bootstrapConfig, id nodeIdentity, logger *slog.Logger) (*nodeCerts, error) {
	user := "system:node:" + cfg.name
	nc := &nodeCerts{}
	// client is the managers' own API client; it exists once the client manager does.
	var client kubernetes.Interface
	var err error
	nc.client, err = certs.New(certs.Config{
		Name: "client", Dir: cfg.pkiDir, File: agentCertName,
		CertPEM: id.clientCertPEM, KeyPEM: id.clientKeyPEM, IssuedAt: modTime(cfg.pkiDir, agentCertName),
		Request: func(ctx context.Context) (string, []byte, []byte, error) {
			if time.Now().Before(nc.client.Current().Leaf.NotAfter) {
				return certs.Request(ctx, client, certs.ClientTemplate(user))
			}
			// The server refuses an expired certificate: bootstrap again.
			bc, done, err := bootstrapClient(&rest.Config{
				Host: cfg.server, BearerToken: cfg.token.Credential(), TLSClientConfig: rest.TLSClientConfig{CAData: cfg.caPEM},
			})
			if err != nil {
				return "", nil, nil, err
			}
			defer done()
			return certs.Request(ctx, bc, certs.ClientTemplate(user))
		},
		Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	nc.api, err = certs.RESTConfig(&rest.Config{Host: cfg.server, TLSClientConfig: rest.TLSClientConfig{CAData: cfg.caPEM}}, nc.client)
	if err != nil {
		return nil, err
	}
	if client, err = kubernetes.NewForConfig(nc.api); err != nil {
		return nil, err
	}
	if len(cfg.sans) == 0 {
		return nc, nil
	}
	// The pair bootstrapIdentity has just loaded or stored.
	servingPEM, err := os.ReadFile(filepath.Join(cfg.pkiDir, kubeletServingCertName+".crt"))
	if err != nil {
		return nil, err
	}
	servingKey, err := os.ReadFile(filepath.Join(cfg.pkiDir, kubeletServingCertName+".key"))
	if err != nil {
		return nil, err
	}
	nc.serving, err = certs.New(certs.Config{
		Name: "serving", Dir: cfg.pkiDir, File: kubeletServingCertName,
		CertPEM: servingPEM, KeyPEM: servingKey, IssuedAt: modTime(cfg.pkiDir, kubeletServingCertName),
		Request: func(ctx context.Context) (string, []byte, []byte, error) {
			return certs.Request(ctx, client, certs.ServingTemplate(user, cfg.sans))
		},
		Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	return nc, nil
}

// restConfig is base (QPS, Burst, …) presenting the current client certificate.
func (nc *nodeCerts) restConfig(base *rest.Config) (*rest.Config, error) {
	return certs.RESTConfig(base, nc.client)
}

// run renews the certificates until ctx ends; the returned channel is closed when
// both managers have stopped.
func (nc *nodeCerts) run(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, m := range []*certs.Manager{nc.client, nc.serving} {
		if m != nil {
			wg.Go(func() { m.Run(ctx) })
		}
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// modTime is when NAME.crt in dir was written (zero when it cannot be told): when the
// node got that certificate.
func modTime(dir, name string) time.Time {
	st, err := os.Stat(filepath.Join(dir, name+".crt"))
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}
