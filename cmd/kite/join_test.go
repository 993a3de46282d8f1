package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kite/pki"
)

func TestAgentHelpDocumentsFlags(t *testing.T) {
	code, out, _ := runCLI(t, "agent", "--help")
	if code != 0 {
		t.Fatalf("kite agent --help exited %d", code)
	}
	for _, want := range []string{"--server string", "--token string", "--token-file string", `(default "./.kite-agent")`, "--node-name", "--node-ip",
		"--kubelet-port int", "--images strings", "--container-runtime-endpoint", "--simulated-nodes int", "--cleanup"} {
		if !strings.Contains(out, want) {
			t.Errorf("kite agent --help does not document %q:\n%s", want, out)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"agent"}, "--server is required"},
		{[]string{"agent", "--server", "https://127.0.0.1:1"}, "--token or --token-file is required"},
		{[]string{"agent", "--server", "https://127.0.0.1:1", "--token", "a", "--token-file", "b"}, "not both"},
		{[]string{"agent", "--server", "https://127.0.0.1:1", "--token-file", "/nonexistent/kite-token"}, "--token-file: open /nonexistent/kite-token"},
		{[]string{"agent", "--server", "https://127.0.0.1:1", "--token", "nope"}, "--token: the node token does not start with K10"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("kite %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// tlsServerWithCA serves TLS with a certificate of a fresh cluster CA, sending the CA
// after it as `kite server` does, and returns its URL and the server's node token.
func tlsServerWithCA(t *testing.T, sendCA bool) (string, pki.NodeToken) {
	t.Helper()
	dir := t.TempDir()
	b, err := pki.Ensure(pki.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := pki.EnsureNodeToken(filepath.Join(dir, "node-token"), b.CA)
	if err != nil {
		t.Fatal(err)
	}
	cert := b.Serving
	if sendCA {
		cert.Certificate = append(cert.Certificate, b.CA.Raw)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the agent sent a request while fetching the CA: %s %s", r.Method, r.URL)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, tok
}

func TestFetchServerCAChecksTheTokensHash(t *testing.T) {
	ctx := context.Background()
	url, tok := tlsServerWithCA(t, true)
	caPEM, err := fetchServerCA(ctx, url, tok)
	if err != nil {
		t.Fatalf("fetchServerCA: %v", err)
	}
	ca, err := parseCertPEM(caPEM)
	if err != nil || !tok.TrustsCA(ca) {
		t.Fatalf("fetched CA %v (%v) is not the token's", ca, err)
	}

	// Another cluster's token: its hash names another CA.
	_, other := tlsServerWithCA(t, true)
	other.Secret = tok.Secret
	if _, err := fetchServerCA(ctx, url, other); err == nil || !strings.Contains(err.Error(), "does not match the node token's hash") {
		t.Errorf("fetchServerCA with another cluster's token: %v", err)
	}
	// A server that does not send its CA cannot be trusted from the token alone.
	bare, bareTok := tlsServerWithCA(t, false)
	if _, err := fetchServerCA(ctx, bare, bareTok); err == nil {
		t.Error("fetchServerCA trusted a server that sent no CA")
	}
	if _, err := fetchServerCA(ctx, "http://127.0.0.1:1", tok); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("fetchServerCA over http: %v", err)
	}
}

func TestCertFilesAreReusedOnlyWhileGood(t *testing.T) {
	dir := t.TempDir()
	b, err := pki.Ensure(pki.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.EnsureServing(pki.Config{Dir: dir}, "kubelet-server", "system:node:n1", "n1", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	f := certFiles{dir: dir, name: "kubelet-server"}
	if _, _, ok := f.load(b.CA, "system:node:n1", []string{"n1", "127.0.0.1"}); !ok {
		t.Error("a good serving certificate was not reused")
	}
	if _, _, ok := f.load(b.CA, "system:node:n2", nil); ok {
		t.Error("a certificate of another node was reused")
	}
	if _, _, ok := f.load(b.CA, "system:node:n1", []string{"10.0.0.9"}); ok {
		t.Error("a certificate without a wanted SAN was reused")
	}
	other, err := pki.Ensure(pki.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := f.load(other.CA, "system:node:n1", nil); ok {
		t.Error("a certificate of another CA was reused")
	}
	if _, _, ok := (certFiles{dir: dir, name: "missing"}).load(b.CA, "system:node:n1", nil); ok {
		t.Error("missing files were reused")
	}
	// write stores the key private.
	w := certFiles{dir: t.TempDir(), name: "kubelet"}
	if err := w.write([]byte("cert"), []byte("key")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(w.dir, "kubelet.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v; want 0600", st.Mode(), err)
	}
}

// TestBootstrapIdentityThroughCSRs joins a node to a server run in the process: the
// client certificate is asked for with the node token, the serving one with the client
// certificate, and the controller manager approves and signs both.
func TestBootstrapIdentityThroughCSRs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kite-data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"server", "--data-dir", dir, "--bind-address", "127.0.0.1",
			"--secure-port", "0", "--disable-agent", "--disable-scheduler"}, &stdout, &stderr, time.Now())
	}()
	defer func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			t.Error("server did not stop within 20s")
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "kite: ready in") {
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 10s:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	m := regexp.MustCompile(`to add a node: kite agent --server (https://127\.0\.0\.1:\d+) --token "\$\(cat (\S+)\)"`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("the server does not say how to join:\n%s", stderr.String())
	}
	server, tokenFile := m[1], m[2]
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := pki.ParseNodeToken(string(b))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := fetchServerCA(ctx, server, tok)
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	cfg := bootstrapConfig{server: server, caPEM: caPEM, token: tok, pkiDir: t.TempDir(), name: "n1",
		sans:     []string{"n1", "localhost", "127.0.0.1"},
		progress: func(f string, args ...any) { progress = append(progress, fmt.Sprintf(f, args...)) }}
	id, err := bootstrapIdentity(ctx, cfg)
	if err != nil {
		t.Fatalf("bootstrapIdentity: %v\n%s", err, stderr.String())
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	client, err := parseCertPEM(id.clientCertPEM)
	if err != nil {
		t.Fatal(err)
	}
	if client.Subject.CommonName != "system:node:n1" || !slices.Equal(client.Subject.Organization, []string{"system:nodes"}) {
		t.Errorf("client certificate subject %v", client.Subject)
	}
	if _, err := client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := id.serving.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1",
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("serving certificate for 127.0.0.1: %v", err)
	}
	if len(progress) != 2 || !strings.Contains(progress[0], "issued") || !strings.Contains(progress[1], "issued") {
		t.Errorf("progress %q, want two certificates issued", progress)
	}

	// A restart keeps both.
	progress = nil
	again, err := bootstrapIdentity(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.clientCertPEM, id.clientCertPEM) || len(progress) != 2 || !strings.Contains(progress[1], "loaded") {
		t.Errorf("after a restart: progress %q, same client certificate %v", progress, bytes.Equal(again.clientCertPEM, id.clientCertPEM))
	}

	// A wrong secret: the server answers 401 and the agent says so.
	bad := tok
	bad.Secret = "guess"
	cfg.token, cfg.pkiDir = bad, t.TempDir()
	if _, err := bootstrapIdentity(ctx, cfg); err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Errorf("bootstrap with a wrong secret: %v", err)
	}
}
