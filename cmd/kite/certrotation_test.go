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
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/pki"
)

func TestClusterSigningDurationFlag(t *testing.T) {
	code, out, _ := runCLI(t, "server", "--help")
	if code != 0 || !strings.Contains(out, "--cluster-signing-duration duration") || !strings.Contains(out, "(default 8760h0m0s)") {
		t.Errorf("kite server --help (exit %d) does not document --cluster-signing-duration with its default:\n%s", code, out)
	}
	for _, tc := range []struct{ value, want string }{
		{"0s", "--cluster-signing-duration 0s is too short"},
		{"-1h", "--cluster-signing-duration -1h0m0s is too short"},
		{"10s", "use at least 30s"},
		{"soon", `invalid argument "soon"`},
	} {
		code, _, errOut := runCLI(t, "server", "--cluster-signing-duration", tc.value)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("--cluster-signing-duration %s: exit %d, stderr %q; want 2 and %q", tc.value, code, errOut, tc.want)
		}
	}
}

// TestNodeCertificatesAreRenewedWhileTheyRun joins a node to an in-process server whose
// certificates live 30s: both of the node's certificates are renewed and stored before
// they expire, and its API client keeps working past the first certificate's expiry,
// which the server enforces.
func TestNodeCertificatesAreRenewedWhileTheyRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	server, tok, _ := startServerInProcess(t, ctx, "--cluster-signing-duration", "60s")
	caPEM, err := fetchServerCA(ctx, server, tok)
	if err != nil {
		t.Fatal(err)
	}
	cfg := bootstrapConfig{server: server, caPEM: caPEM, token: tok, pkiDir: t.TempDir(), name: "kite-rot",
		sans: []string{"kite-rot", "127.0.0.1"}, progress: func(string, ...any) {}}
	id, err := bootstrapIdentity(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, err := parseCertPEM(id.clientCertPEM)
	if err != nil {
		t.Fatal(err)
	}
	firstServing := id.serving.Leaf
	if life := first.NotAfter.Sub(time.Now()); life > 61*time.Second {
		t.Fatalf("the client certificate lives %s more, want the 60s of --cluster-signing-duration", life)
	}
	nc, err := newNodeCerts(cfg, id, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := nc.restConfig(&rest.Config{Host: server, TLSClientConfig: rest.TLSClientConfig{CAData: caPEM}})
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(rc)
	if _, err := client.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err != nil {
		t.Fatalf("the node's client before renewal: %v", err)
	}
	rotCtx, stopRotation := context.WithCancel(ctx)
	done := nc.run(rotCtx)
	defer func() { stopRotation(); <-done }()

	stored := func(name string) *x509.Certificate {
		b, err := os.ReadFile(filepath.Join(cfg.pkiDir, name+".crt"))
		if err != nil {
			return nil
		}
		c, _ := parseCertPEM(b)
		return c
	}
	// Both are renewed before the first ones expire.
	for time.Now().Before(first.NotAfter) {
		c, s := stored(agentCertName), stored(kubeletServingCertName)
		if c != nil && s != nil && c.SerialNumber.Cmp(first.SerialNumber) != 0 && s.SerialNumber.Cmp(firstServing.SerialNumber) != 0 {
			break
		}
		time.Sleep(100 * time.Millisecond) // polling the files until the deadline
	}
	renewed, servingRenewed := stored(agentCertName), stored(kubeletServingCertName)
	if renewed.SerialNumber.Cmp(first.SerialNumber) == 0 || servingRenewed.SerialNumber.Cmp(firstServing.SerialNumber) == 0 {
		t.Fatalf("not renewed before the first certificates expired at %s", first.NotAfter)
	}
	if !renewed.NotAfter.After(first.NotAfter) {
		t.Errorf("renewed client certificate expires %s, not after the first's %s", renewed.NotAfter, first.NotAfter)
	}
	if got := nc.serving.Current().Leaf.SerialNumber; got.Cmp(servingRenewed.SerialNumber) != 0 && got.Cmp(firstServing.SerialNumber) == 0 {
		t.Errorf("the node agent's server would still present the first serving certificate")
	}

	// Past the first certificate's expiry the server refuses it, and the node's client
	// still works: it presents a renewed one.
	for time.Now().Before(first.NotAfter.Add(time.Second)) {
		time.Sleep(100 * time.Millisecond) // waiting for a wall-clock time
	}
	stale := kubernetes.NewForConfigOrDie(&rest.Config{Host: server,
		TLSClientConfig: rest.TLSClientConfig{CAData: caPEM, CertData: id.clientCertPEM, KeyData: id.clientKeyPEM}})
	if _, err := stale.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); !apierrors.IsUnauthorized(err) {
		t.Errorf("the first, expired certificate: %v, want 401", err)
	}
	if _, err := client.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err != nil {
		t.Errorf("the node's client after the first certificate expired: %v", err)
	}
	if _, err := tls.X509KeyPair(mustRead(t, filepath.Join(cfg.pkiDir, agentCertName+".crt")), mustRead(t, filepath.Join(cfg.pkiDir, agentCertName+".key"))); err != nil {
		t.Errorf("the stored client pair does not match: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startServerInProcess runs `kite server` without node agent or scheduler in the test
// until ctx ends, and returns its URL and node token.
func startServerInProcess(t *testing.T, ctx context.Context, extra ...string) (string, pki.NodeToken, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kite-data")
	ctx, cancel := context.WithCancel(ctx)
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, append([]string{"server", "--data-dir", dir, "--bind-address", "127.0.0.1",
			"--secure-port", "0", "--disable-agent", "--disable-scheduler"}, extra...), &stdout, &stderr, time.Now())
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			t.Error("server did not stop within 20s")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "kite: ready in") {
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 20s:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond) // polling its output until the deadline
	}
	m := regexp.MustCompile(`to add a node: kite agent --server (https://127\.0\.0\.1:\d+) --token "\$\(cat (\S+)\)"`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("the server does not say how to join:\n%s", stderr.String())
	}
	tok, err := pki.ParseNodeToken(string(mustRead(t, m[2])))
	if err != nil {
		t.Fatal(err)
	}
	return m[1], tok, dir
}

// TestAnExpiredCertificateIsNotReused: an agent started after its client certificate
// expired (or with less than a tenth of its life left) does not load it, and so
// bootstraps again with the node token.
func TestAnExpiredCertificateIsNotReused(t *testing.T) {
	dir := t.TempDir()
	b, err := pki.Ensure(pki.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		signedAt time.Time
		ttl      time.Duration
		reused   bool
	}{
		{"good", time.Now(), time.Hour, true},
		{"expired", time.Now().Add(-2 * time.Hour), time.Hour, false},
		// Backdated 5m by the signer: 6m of life with 20s left.
		{"nearly expired", time.Now().Add(-40 * time.Second), time.Minute, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca, err := pki.LoadCA(pki.Config{Dir: dir, Clock: clocktesting.NewFakePassiveClock(tc.signedAt)})
			if err != nil {
				t.Fatal(err)
			}
			certPEM, keyPEM := signedPair(t, ca, "system:node:n1", tc.ttl)
			f := certFiles{dir: t.TempDir(), name: agentCertName}
			if err := f.write(certPEM, keyPEM); err != nil {
				t.Fatal(err)
			}
			if _, _, ok := f.load(b.CA, "system:node:n1", nil); ok != tc.reused {
				t.Errorf("reused = %v, want %v", ok, tc.reused)
			}
		})
	}
}

// signedPair is a client certificate of user in system:nodes that ca signs for ttl.
func signedPair(t *testing.T, ca *pki.CA, user string, ttl time.Duration) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: user, Organization: []string{"system:nodes"}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	req, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err = ca.SignRequest(req, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, ttl)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// TestACertificateThatExpiredWhileRunningIsRenewedWithTheToken: when the client
// certificate has expired before it could be renewed (the server was down through its
// last tenth, say), the server would refuse it, so the renewal is asked with the node
// token, as a fresh bootstrap.
func TestACertificateThatExpiredWhileRunningIsRenewedWithTheToken(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	server, tok, dataDir := startServerInProcess(t, ctx)
	caPEM, err := fetchServerCA(ctx, server, tok)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.LoadCA(pki.Config{Dir: filepath.Join(dataDir, "pki"), Clock: clocktesting.NewFakePassiveClock(time.Now().Add(-2 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM := signedPair(t, ca, "system:node:kite-late", time.Hour)
	cfg := bootstrapConfig{server: server, caPEM: caPEM, token: tok, pkiDir: t.TempDir(), name: "kite-late", progress: func(string, ...any) {}}
	if err := (certFiles{dir: cfg.pkiDir, name: agentCertName}).write(certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	nc, err := newNodeCerts(cfg, nodeIdentity{clientCertPEM: certPEM, clientKeyPEM: keyPEM}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rotCtx, stopRotation := context.WithCancel(ctx)
	done := nc.run(rotCtx)
	defer func() { stopRotation(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for !time.Now().Before(nc.client.Current().Leaf.NotAfter) {
		if time.Now().After(deadline) {
			t.Fatal("the expired client certificate was not replaced within 30s")
		}
		time.Sleep(50 * time.Millisecond) // polling the manager until the deadline
	}
	rc, err := nc.restConfig(&rest.Config{Host: server, TLSClientConfig: rest.TLSClientConfig{CAData: caPEM}})
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(rc)
	csrs, err := client.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("the node's client with its new certificate: %v", err)
	}
	if len(csrs.Items) != 1 || !strings.HasPrefix(csrs.Items[0].Spec.Username, "system:bootstrap:") {
		t.Errorf("CSRs %+v, want one asked with the node token", csrs.Items)
	}
}
