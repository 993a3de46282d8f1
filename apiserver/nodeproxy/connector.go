package nodeproxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kite/apiserver/registry"
)

// Config is what a Connector needs.
type Config struct {
	// Node reads a Node object. Required.
	Node func(ctx context.Context, name string) (*corev1.Node, error)
	// ClientCert is the API server's client certificate toward node agents (user
	// kube-apiserver-kubelet-client). Required.
	ClientCert tls.Certificate
	// EndpointSlices lists the EndpointSlices of a Service (label
	// kubernetes.io/service-name), for services/proxy. Nil: services/proxy answers 503.
	EndpointSlices func(ctx context.Context, namespace, service string) ([]*discoveryv1.EndpointSlice, error)
	// Pod reads a pod. services/proxy dials an endpoint only when it is a pod of the
	// service's namespace that has the endpoint's address, as upstream checks, so an
	// EndpointSlice written by hand cannot aim the server at any address. Required with
	// EndpointSlices.
	Pod func(ctx context.Context, namespace, name string) (*corev1.Pod, error)
	// RootCAs verify the agents' serving certificates. Required.
	RootCAs *x509.CertPool
	// LocalNode names the node whose agent runs beside this server: it is dialled at
	// 127.0.0.1. "" when none does.
	LocalNode string
	// RemoteNodes lets the connector dial other nodes' agents at their InternalIP. Off,
	// only the local node's agent is reached; others answer 503.
	RemoteNodes bool
	Logger      *slog.Logger
}

// Connector implements registry.NodeConnector.
type Connector struct {
	cfg       Config
	log       *slog.Logger
	tlsConfig *tls.Config
	// transport carries plain requests to agents (logs, proxy).
	transport *http.Transport
	// backends carries proxied requests to pods, services' endpoints and nodes' other
	// ports, over HTTP or HTTPS. Over HTTPS it verifies nothing and presents no
	// certificate, as upstream's proxy transport: a pod serves whatever certificate it
	// likes, and must not be handed the server's identity.
	backends *http.Transport
}

var _ registry.NodeConnector = (*Connector)(nil)

// New checks cfg and builds a Connector.
func New(cfg Config) (*Connector, error) {
	if cfg.Node == nil || cfg.RootCAs == nil || len(cfg.ClientCert.Certificate) == 0 {
		return nil, errors.New("nodeproxy: Node, RootCAs and ClientCert are required")
	}
	if cfg.EndpointSlices != nil && cfg.Pod == nil {
		return nil, errors.New("nodeproxy: EndpointSlices needs Pod")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	tlsCfg := &tls.Config{
		Certificates: []tls.Certificate{cfg.ClientCert},
		RootCAs:      cfg.RootCAs,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
	return &Connector{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "nodeproxy"),
		tlsConfig: tlsCfg,
		transport: &http.Transport{
			// Never a proxy from the environment: agents are reached directly.
			Proxy:               nil,
			TLSClientConfig:     tlsCfg,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 8,
			IdleConnTimeout:     90 * time.Second,
		},
		backends: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // upstream's proxy transport verifies no backend either
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
		},
	}, nil
}

// unreachable says why a node's agent cannot be reached; callers make it the 503 of
// what they were asked for.
type unreachable struct{ reason string }

func (u unreachable) Error() string { return u.reason }

// agentURL is the base URL of the node agent of the named node.
func (c *Connector) agentURL(ctx context.Context, nodeName string) (*url.URL, error) {
	node, err := c.cfg.Node(ctx, nodeName)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, unreachable{"the node does not exist"}
		}
		return nil, err
	}
	return c.agentURLOf(node)
}

// agentURLOf is the base URL of node's agent: loopback for the local node, the
// InternalIP for others when allowed, at the daemonEndpoints port.
func (c *Connector) agentURLOf(node *corev1.Node) (*url.URL, error) {
	port := node.Status.DaemonEndpoints.KubeletEndpoint.Port
	if port <= 0 {
		return nil, unreachable{"the node announces no kubelet endpoint"}
	}
	var host string
	switch {
	case c.cfg.LocalNode != "" && node.Name == c.cfg.LocalNode:
		host = "127.0.0.1"
	case c.cfg.RemoteNodes:
		for _, a := range node.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				host = a.Address
				break
			}
		}
		if host == "" {
			return nil, unreachable{"the node has no InternalIP"}
		}
	default:
		return nil, unreachable{"this server reaches only its own node's agent"}
	}
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(host, strconv.Itoa(int(port)))}, nil
}
