package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestClientsPresentTheRenewedCertificate checks what the API server sees: after a
// renewal, requests of an existing client arrive with the new certificate, although
// the old connection would have been reused otherwise.
func TestClientsPresentTheRenewedCertificate(t *testing.T) {
	ca := newTestCA(t)
	var mu sync.Mutex
	var seen []int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.TLS.PeerCertificates[0].SerialNumber.Int64())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"major":"1","minor":"37","gitVersion":"v1.37.2"}`)
	}))
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	serverCA := srv.Certificate()

	now := time.Now()
	next := int64(10)
	certPEM, keyPEM := ca.issue(t, next, now.Add(-time.Minute), now.Add(time.Hour), x509.ExtKeyUsageClientAuth)
	m, err := New(Config{Name: "client", Dir: t.TempDir(), File: "kubelet", CertPEM: certPEM, KeyPEM: keyPEM,
		Request: func(context.Context) (string, []byte, []byte, error) {
			next++
			c, k := ca.issue(t, next, time.Now().Add(-time.Minute), time.Now().Add(time.Hour), x509.ExtKeyUsageClientAuth)
			return "node-csr-1", c, k, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	caPEM := pemOf(serverCA)
	rc, err := RESTConfig(&rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{CAData: caPEM, CertData: []byte("ignored")}}, m)
	if err != nil {
		t.Fatal(err)
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	get := func() {
		t.Helper()
		if _, err := client.Discovery().ServerVersion(); err != nil {
			t.Fatal(err)
		}
	}
	get()
	get()
	if err := m.renew(context.Background()); err != nil {
		t.Fatal(err)
	}
	get()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || seen[0] != 10 || seen[1] != 10 || seen[2] != 11 {
		t.Errorf("serials the server saw: %v, want [10 10 11]", seen)
	}
}

func TestRESTConfigRefusesAConfigWithItsOwnTransport(t *testing.T) {
	ca := newTestCA(t)
	certPEM, keyPEM := ca.issue(t, 2, time.Now(), time.Now().Add(time.Hour), x509.ExtKeyUsageClientAuth)
	m, err := New(Config{Name: "client", Dir: t.TempDir(), File: "kubelet", CertPEM: certPEM, KeyPEM: keyPEM,
		Request: func(context.Context) (string, []byte, []byte, error) { return "", nil, nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RESTConfig(&rest.Config{Host: "https://127.0.0.1:1", Transport: http.DefaultTransport}, m); err == nil {
		t.Error("RESTConfig accepted a config with its own transport")
	}
}
