package apiserver

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/version"

	"kite/apiserver/auth"
	"kite/apiserver/auth/satoken"
	"kite/apiserver/customresource"
	"kite/apiserver/discovery"
	"kite/apiserver/handlers"
	"kite/apiserver/metrics"
	"kite/apiserver/openapi"
	"kite/apiserver/registry"
	"kite/storage"
)

// Config is what a Server needs.
type Config struct {
	// Store keeps every object. Required.
	Store storage.Interface
	// Version is served at /version. Required (GitVersion must be set).
	Version version.Info
	// ServingCert is the TLS certificate the server presents. Required by Serve and
	// TLSConfig.
	ServingCert tls.Certificate
	// ClientCAs verify client certificates; a client with a certificate they signed is
	// authenticated as the certificate's subject. Required by Serve and TLSConfig.
	ClientCAs *x509.CertPool
	// ServiceAccountKey signs service-account tokens (pki.EnsureServiceAccountKey keeps
	// it in the data dir). Nil: a key made at start, whose tokens die with the process.
	ServiceAccountKey crypto.Signer
	// AdvertiseAddress is the address pods reach the server at, published as the
	// kubernetes Service's endpoint. Nil: no endpoint is published.
	AdvertiseAddress net.IP
	// Logger receives the server's logs. Default: slog.Default().
	Logger *slog.Logger
	// LogCheck backs the "log" health check: it returns an error when logging is
	// blocked. Default: always healthy.
	LogCheck func() error
	// StoreCheckTimeout bounds the "etcd" health checks. Default: 2s.
	StoreCheckTimeout time.Duration
	// ShutdownTimeout is how long Serve lets requests in flight finish once its context
	// ends before it closes their connections. Default: 10s.
	ShutdownTimeout time.Duration
	// RequestTimeout ends requests that are not long-running (watches, exec, logs are)
	// with 504, as upstream's --request-timeout; a client's ?timeout= may shorten it.
	// Default: DefaultRequestTimeout (1m).
	RequestTimeout time.Duration
	// Profiling serves Go's profiles under /debug/pprof/, as kube-apiserver's --profiling.
	Profiling bool
	// KubeletClientCert is the server's client certificate toward node agents (upstream's
	// kube-apiserver-kubelet-client); agents' serving certificates are verified against
	// ClientCAs. Without it, pods' log, exec, attach, portforward and the proxy
	// subresources answer 503.
	KubeletClientCert tls.Certificate
	// LocalNode names the node whose agent runs beside this server; it is reached on
	// 127.0.0.1, and no other node's agent is dialled unless RemoteNodes says so.
	LocalNode string
	// RemoteNodes lets the server dial other nodes' agents (joined with `kite agent`) at
	// their InternalIP.
	RemoteNodes bool
	// NodeToken is the user:secret node agents join with (pki.NodeToken's Credential);
	// it authenticates as a bootstrap identity (auth.NodeToken). Empty: none.
	NodeToken string
}

// Server is the API server. It is an http.Handler (the whole chain, for tests) and
// serves TLS with Serve.
type Server struct {
	cfg          Config
	logger       *slog.Logger
	authn        *auth.Authenticator
	tokens       *satoken.Issuer // service-account tokens: issues and verifies them
	handler      http.Handler
	shuttingDown atomic.Bool

	rest       http.Handler       // the resource API under /api and /apis
	discovery  *discovery.Dynamic // the discovery documents
	openapi    *openapi.Dynamic   // /openapi/v2 and /openapi/v3, built on first use
	background sync.WaitGroup     // work started beside serving
	stores     []*registry.Store
	served     []*registry.Resource // the built-in resources, virtual ones included
	metrics    *metrics.Metrics     // served at /metrics
	// customResources serves what CustomResourceDefinitions define; it runs while
	// Serve does, on a bootstrapped server (one whose store holds the API's objects).
	customResources *customresource.Manager
	bootstrapped    bool
}

// New validates cfg, fills its defaults and builds the request chain.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("apiserver: Config.Store is required")
	}
	if cfg.Version.GitVersion == "" {
		return nil, errors.New("apiserver: Config.Version.GitVersion is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LogCheck == nil {
		cfg.LogCheck = func() error { return nil }
	}
	if cfg.StoreCheckTimeout <= 0 {
		cfg.StoreCheckTimeout = 2 * time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.ClientCAs == nil {
		return nil, errors.New("apiserver: Config.ClientCAs is required")
	}
	s := &Server{cfg: cfg, logger: cfg.Logger}
	// Every store call is timed, so the metrics come first.
	s.metrics = metrics.New()
	s.cfg.Store = s.metrics.Storage(cfg.Store)
	if err := s.buildAuthentication(); err != nil {
		return nil, fmt.Errorf("apiserver: %w", err)
	}
	if err := s.buildAPI(); err != nil {
		return nil, fmt.Errorf("apiserver: %w", err)
	}
	s.handler = s.metrics.Instrument(withRequestTimeout(
		s.withAuthentication(withMaxInFlight(s.withIssuerDiscovery(s.routes()), s.metrics)), s.cfg.RequestTimeout))
	return s, nil
}

// buildAPI makes the resource stores and the handlers of the Kubernetes API.
func (s *Server) buildAPI() error {
	scheme, err := registry.NewScheme()
	if err != nil {
		return err
	}
	stores, err := resourceStores(s.cfg.Store, scheme)
	if err != nil {
		return err
	}
	s.stores = stores
	nodes, err := s.nodeConnector(stores)
	if err != nil {
		return err
	}
	actions, virtuals, err := subresourceActions(s.cfg.Store, stores, nodes)
	if err != nil {
		return err
	}
	idActions, idVirtuals, err := s.identityAPI()
	if err != nil {
		return err
	}
	actions, virtuals = append(actions, idActions...), append(virtuals, idVirtuals...)
	custom := &handlers.CustomResources{}
	if s.rest, err = handlers.NewREST(handlers.RESTConfig{Scheme: scheme, Stores: stores, Actions: actions, Virtuals: virtuals, Logger: s.logger, Custom: custom}); err != nil {
		return err
	}
	resources := make([]*registry.Resource, len(stores))
	for i, st := range stores {
		resources[i] = st.Resource()
	}
	for _, v := range virtuals {
		resources = append(resources, v.Resource)
	}
	s.served = resources
	if s.discovery, err = discovery.NewDynamic(discovery.Config{Resources: resources}); err != nil {
		return err
	}
	if s.customResources, err = s.customResourceManager(scheme, stores, custom); err != nil {
		return err
	}
	s.openapi, err = openapi.NewDynamic(openapi.Config{Resources: resources, Logger: s.logger})
	return err
}

// Bootstrap creates what a cluster has from its first start (the system namespaces and
// priority classes, the kubernetes Service pointing at port on the advertise address).
// It is idempotent; call it before serving.
func (s *Server) Bootstrap(ctx context.Context, port int) error {
	// The OpenAPI documents take tens of milliseconds to encode: do it now, beside
	// start-up, rather than in the first kubectl apply. Serve waits for it on shutdown.
	s.background.Go(func() {
		if err := s.openapi.Prepare(ctx); err != nil {
			s.logger.Error("building the OpenAPI documents failed", "err", err)
		}
		// Building them peaks at tens of MiB of garbage once; hand it back to the
		// system now rather than keep it as heap an idle server never reuses.
		debug.FreeOSMemory()
	})
	if err := bootstrap(ctx, s.stores, s.cfg.AdvertiseAddress, port); err != nil {
		return err
	}
	if err := bootstrapAPIServices(ctx, s.stores, s.served); err != nil {
		return err
	}
	s.bootstrapped = true
	return repairAllocations(ctx, s.cfg.Store, s.stores, s.logger)
}

// ServeHTTP runs a request through the chain. The request must carry its TLS state
// (r.TLS) for client-certificate authentication; without it the request is anonymous.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// TLSConfig returns the server side TLS configuration: the serving certificate, and a
// request for a client certificate. The authenticator verifies it against ClientCAs, so
// a client with a bad one gets a 401 Status, and a client without one is anonymous.
func (s *Server) TLSConfig() (*tls.Config, error) {
	if len(s.cfg.ServingCert.Certificate) == 0 {
		return nil, errors.New("apiserver: Config.ServingCert is required to serve")
	}
	return &tls.Config{
		Certificates: []tls.Certificate{s.cfg.ServingCert},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// Serve serves HTTPS (HTTP/2 and HTTP/1.1) on ln until ctx ends, then shuts down:
// /readyz starts failing, the listener closes, and requests in flight get
// ShutdownTimeout to finish. It returns nil after a clean shutdown and closes ln in
// every case.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	tlsCfg, err := s.TLSConfig()
	if err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{
		Handler:   s,
		TLSConfig: tlsCfg,
		// Bounds a client that opens a connection and never sends a request.
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       90 * time.Second,
		// TLS handshake failures (an untrusted client certificate, say) land here; they
		// are the only trace of why a client was turned away.
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelInfo),
	}
	served := make(chan error, 1)
	go func() { served <- hs.ServeTLS(ln, "", "") }()
	if s.bootstrapped {
		s.background.Go(func() { s.customResources.Run(ctx) })
	}

	select {
	case err := <-served:
		return fmt.Errorf("apiserver: %w", err)
	case <-ctx.Done():
	}

	s.shuttingDown.Store(true)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	if err != nil {
		s.logger.Warn("requests still running at the shutdown deadline; closing their connections", "err", err)
		err = hs.Close()
	}
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	s.background.Wait()
	if err != nil {
		return fmt.Errorf("apiserver: shutdown: %w", err)
	}
	return nil
}

// ShuttingDown reports whether shutdown has begun.
func (s *Server) ShuttingDown() bool { return s.shuttingDown.Load() }
