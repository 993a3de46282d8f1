package certs

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/connrotation"
)

// RESTConfig is base (which names the server and its CA) with a transport that presents
// m's current certificate in every TLS handshake, and closes every connection it made
// when m renews, so that the next requests shake hands again with the new certificate.
// Long requests (watches) end with their connection and are made anew by their
// callers (informers re-watch), as with upstream's kubelet. Clients made from the
// result share that transport.
func RESTConfig(base *rest.Config, m *Manager) (*rest.Config, error) {
	if base.Transport != nil || base.Dial != nil {
		return nil, errors.New("certs: the base config has its own transport")
	}
	rc := rest.CopyConfig(base)
	// The certificate comes from m; whatever base had is not used.
	rc.CertData, rc.KeyData, rc.CertFile, rc.KeyFile = nil, nil, "", ""
	tlsConfig, err := rest.TLSConfigFor(rc)
	if err != nil {
		return nil, err
	}
	if tlsConfig == nil {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsConfig.Certificates = nil
	tlsConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return m.Current(), nil
	}
	dialer := connrotation.NewDialer((&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext)
	m.OnRotate(dialer.CloseAll)
	rc.Transport = utilnet.SetTransportDefaults(&http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSHandshakeTimeout: 10 * time.Second,
		TLSClientConfig:     tlsConfig,
		MaxIdleConnsPerHost: 25,
		DialContext:         dialer.DialContext,
	})
	// The transport carries the TLS settings; client-go refuses both.
	rc.TLSClientConfig = rest.TLSClientConfig{}
	return rc, nil
}
