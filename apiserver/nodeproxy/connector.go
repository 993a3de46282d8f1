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
	// Endpoints reads a Service's Endpoints, for services/proxy. Nil: services/proxy
	// answers 503.
	Endpoints func(ctx context.Context, namespace, name string) (*corev1.Endpoints, error)
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
	// plain carries proxied requests to pods and nodes' other ports (HTTP).
	plain *http.Transport
}

var _ registry.NodeConnector = (*Connector)(nil)

// New checks cfg and builds a Connector.
func New(cfg Config) (*Connector, error) {
	if cfg.Node == nil || cfg.RootCAs == nil || len(cfg.ClientCert.Certificate) == 0 {
		return nil, errors.New("nodeproxy: Node, RootCAs and ClientCert are required")
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
		plain: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 2,
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
