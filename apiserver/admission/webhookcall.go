package admission

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// Calling a webhook: POST the review over HTTPS, verified against the webhook's
// caBundle, within its timeout. A service reference is dialed at a ready endpoint of
// the Service (Kite has no cluster network in the API server's path, as upstream's
// --enable-aggregator-routing), but the URL and the TLS server name stay the
// Service's DNS name, <service>.<namespace>.svc, which the webhook's certificate
// names.

// defaultTimeout is a webhook's timeoutSeconds when it gives none, as upstream.
const defaultTimeout = 10 * time.Second

// maxResponseBytes bounds what a webhook may answer.
const maxResponseBytes = 3 << 20

// ResolveFunc returns the address (host:port) to dial for port port of Service
// namespace/name.
type ResolveFunc func(ctx context.Context, namespace, name string, port int32) (string, error)

// timeoutOf is h's timeout.
func timeoutOf(h *hook) time.Duration {
	if h.timeoutSeconds != nil && *h.timeoutSeconds > 0 {
		return time.Duration(*h.timeoutSeconds) * time.Second
	}
	return defaultTimeout
}

// target is where a webhook is called: its URL, the TLS server name and, for a
// service reference, the Service to resolve at dial time.
type target struct {
	url        *url.URL
	serverName string
	service    *serviceRef
}

type serviceRef struct {
	namespace, name string
	port            int32
}

// targetOf reads h's client config.
func targetOf(h *hook) (*target, error) {
	cc := h.client
	if cc.Service != nil {
		port := int32(443)
		if cc.Service.Port != nil {
			port = *cc.Service.Port
		}
		host := cc.Service.Name + "." + cc.Service.Namespace + ".svc"
		u := &url.URL{Scheme: "https", Host: net.JoinHostPort(host, strconv.Itoa(int(port)))}
		if cc.Service.Path != nil {
			u.Path = *cc.Service.Path
		}
		return &target{url: u, serverName: host, service: &serviceRef{namespace: cc.Service.Namespace, name: cc.Service.Name, port: port}}, nil
	}
	if cc.URL == nil {
		return nil, errors.New("webhook has neither a service nor a url")
	}
	u, err := url.Parse(*cc.URL)
	if err != nil {
		return nil, fmt.Errorf("parsing the webhook url: %w", err)
	}
	return &target{url: u, serverName: u.Hostname()}, nil
}

// call sends req to h and returns its answer.
func (w *Webhooks) call(ctx context.Context, h *hook, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, error) {
	version, err := reviewVersion(h)
	if err != nil {
		return nil, err
	}
	body, err := encodeReview(req, version)
	if err != nil {
		return nil, err
	}
	t, err := targetOf(h)
	if err != nil {
		return nil, err
	}
	timeout := timeoutOf(h)
	u := *t.url
	q := u.Query()
	// Upstream's client tells the webhook its timeout, and the conformance specs look
	// for it in the error of a webhook that took too long.
	q.Set("timeout", strconv.Itoa(int(timeout/time.Second))+"s")
	u.RawQuery = q.Encode()

	tlsConfig := &tls.Config{ServerName: t.serverName, MinVersion: tls.VersionTLS12}
	if len(h.client.CABundle) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(h.client.CABundle) {
			return nil, errors.New("the webhook's caBundle holds no certificate")
		}
		tlsConfig.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: timeout}
	transport := &http.Transport{
		TLSClientConfig: tlsConfig,
		// One connection per call: webhooks are few and their configurations change,
		// so nothing is kept open for a configuration that may be gone.
		DisableKeepAlives: true,
		Proxy:             nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if t.service != nil {
				if addr, err = w.cfg.Resolve(ctx, t.service.namespace, t.service.name, t.service.port); err != nil {
					return nil, err
				}
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	defer transport.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{Transport: transport}).Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("the server responded with the status code %d: %s", resp.StatusCode, summary(data))
	}
	return decodeReview(data, req, version)
}

// summary shortens a webhook's error body for an error message.
func summary(data []byte) string {
	const limit = 256
	if len(data) > limit {
		return string(data[:limit]) + "..."
	}
	return string(data)
}
