package server

import (
	"context"
	"crypto/tls"
	"net"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"kite/pki"
)

// TestGetCertServesTheCurrentCertificate: with GetCert the server presents whatever it
// returns at each handshake, so a renewed certificate is served without a restart.
func TestGetCertServesTheCurrentCertificate(t *testing.T) {
	cfg := pki.Config{Dir: t.TempDir(), Hostname: "kite-test"}
	bundle, err := pki.Ensure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var certs []tls.Certificate
	for _, name := range []string{"kubelet-server", "kubelet-server-renewed"} {
		c, err := pki.EnsureServing(cfg, name, "system:node:kite-node", "kite-node", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	c, err := pki.EnsureClient(cfg, "apiserver-kubelet-client", APIServerUser, "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	clientCert, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	var cur atomic.Pointer[tls.Certificate]
	cur.Store(&certs[0])
	srv, err := New(Config{NodeName: "kite-node", Runtime: &fakeRuntime{},
		Pods:      func(context.Context) (*corev1.PodList, error) { return &corev1.PodList{}, nil },
		Cert:      certs[0],
		GetCert:   cur.Load,
		ClientCAs: bundle.ClientCAs(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	for i := range certs {
		cur.Store(&certs[i])
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: bundle.ClientCAs(),
			Certificates: []tls.Certificate{clientCert}, ServerName: "kite-node"})
		if err != nil {
			t.Fatal(err)
		}
		got := conn.ConnectionState().PeerCertificates[0].SerialNumber
		conn.Close()
		if want := certs[i].Leaf.SerialNumber; got.Cmp(want) != 0 {
			t.Errorf("handshake %d: the server presented serial %s, want %s", i, got, want)
		}
	}
}
