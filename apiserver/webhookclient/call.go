package webhookclient

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
)

// maxResponseBytes bounds what a webhook may answer.
const maxResponseBytes = 3 << 20

// ResolveFunc returns the address (host:port) to dial for port port of Service
// namespace/name.
type ResolveFunc func(ctx context.Context, namespace, name string, port int32) (string, error)

// Endpoint is where a webhook is served: a URL, or a Service of the cluster, and the
// PEM bundle of the authorities its certificate is checked against. It has the shape
// of admissionregistration's and apiextensions' WebhookClientConfig.
type Endpoint struct {
	URL      *string
	Service  *Service
	CABundle []byte
}

// Service references a webhook's Service; Port defaults to 443.
type Service struct {
	Namespace, Name string
	Path            *string
	Port            *int32
}

// target is where a call goes: its URL, the TLS server name and, for a Service
// reference, the Service to resolve at dial time.
type target struct {
	url        *url.URL
	serverName string
	service    *serviceRef
}

type serviceRef struct {
	namespace, name string
	port            int32
}

func targetOf(e Endpoint) (*target, error) {
	if s := e.Service; s != nil {
		port := int32(443)
		if s.Port != nil {
			port = *s.Port
		}
		host := s.Name + "." + s.Namespace + ".svc"
		u := &url.URL{Scheme: "https", Host: net.JoinHostPort(host, strconv.Itoa(int(port)))}
		if s.Path != nil {
			u.Path = *s.Path
		}
		return &target{url: u, serverName: host, service: &serviceRef{namespace: s.Namespace, name: s.Name, port: port}}, nil
	}
	if e.URL == nil {
		return nil, errors.New("webhook has neither a service nor a url")
	}
	u, err := url.Parse(*e.URL)
	if err != nil {
		return nil, fmt.Errorf("parsing the webhook url: %w", err)
	}
	return &target{url: u, serverName: u.Hostname()}, nil
}

// Post sends body to the webhook at e and returns its answer's body. The whole call,
// dialing included, ends within timeout, which the webhook is told as the query
// parameter timeout, as upstream's client does. resolve is needed only for a Service
// reference. An answer outside 2xx is an error quoting the start of its body.
func Post(ctx context.Context, e Endpoint, timeout time.Duration, resolve ResolveFunc, body []byte) ([]byte, error) {
	t, err := targetOf(e)
	if err != nil {
		return nil, err
	}
	u := *t.url
	q := u.Query()
	// The conformance specs look for the timeout in the error of a webhook that took
	// too long.
	q.Set("timeout", strconv.Itoa(int(timeout/time.Second))+"s")
	u.RawQuery = q.Encode()

	tlsConfig := &tls.Config{ServerName: t.serverName, MinVersion: tls.VersionTLS12}
	if len(e.CABundle) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(e.CABundle) {
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
				if resolve == nil {
					return nil, errors.New("no resolver for the webhook's service")
				}
				if addr, err = resolve(ctx, t.service.namespace, t.service.name, t.service.port); err != nil {
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
	return data, nil
}

// summary shortens a webhook's error body for an error message.
func summary(data []byte) string {
	const limit = 256
	if len(data) > limit {
		return string(data[:limit]) + "..."
	}
	return string(data)
}
