package pki

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func parsePEM(t *testing.T, b []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKubeconfigAuthenticatesAgainstTheServingCertificate checks what a user relies on:
// a client built from the written kubeconfig trusts the server and is seen as kite-admin.
func TestKubeconfigAuthenticatesAgainstTheServingCertificate(t *testing.T) {
	b, err := Ensure(Config{Dir: filepath.Join(t.TempDir(), "pki")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.VerifiedChains) == 0 {
			http.Error(w, "no client certificate", http.StatusUnauthorized)
			return
		}
		leaf := r.TLS.VerifiedChains[0][0]
		io.WriteString(w, leaf.Subject.CommonName+"/"+strings.Join(leaf.Subject.Organization, ","))
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{b.Serving},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    b.ClientCAs(),
	}
	srv.StartTLS()
	defer srv.Close()

	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := WriteKubeconfig(path, srv.URL, b); err != nil {
		t.Fatalf("WriteKubeconfig: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig mode = %v, want 0600", fi.Mode().Perm())
	}

	loaded, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatalf("loading kubeconfig: %v", err)
	}
	if loaded.CurrentContext != "kite" || loaded.Contexts["kite"] == nil ||
		loaded.Clusters["kite"] == nil || loaded.AuthInfos["kite"] == nil {
		t.Fatalf("kubeconfig does not name cluster, user and context kite: %+v", loaded)
	}
	if got := loaded.Clusters["kite"].Server; got != srv.URL {
		t.Errorf("server = %q, want %q", got, srv.URL)
	}
	if !bytes.Equal(loaded.Clusters["kite"].CertificateAuthorityData, b.CAPEM) {
		t.Error("kubeconfig does not embed the CA")
	}

	restCfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	client, err := rest.HTTPClientFor(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	// srv.URL is https://127.0.0.1:port, so this also checks the 127.0.0.1 SAN.
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatalf("request with the kubeconfig: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "kite-admin/system:masters" {
		t.Errorf("server saw %d %q, want 200 kite-admin/system:masters", resp.StatusCode, body)
	}
}
