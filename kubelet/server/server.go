package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// APIServerUser is the user of the API server's client certificate toward node agents,
// upstream's kube-apiserver-kubelet-client.
const APIServerUser = "kube-apiserver-kubelet-client"

// Config is what a Server needs.
type Config struct {
	// NodeName is this node's name. Required.
	NodeName string
	// Runtime is the CRI runtime service the containers run in. Required.
	Runtime runtimeapi.RuntimeServiceClient
	// Pods lists this node's pods for /pods. Required.
	Pods func(ctx context.Context) (*corev1.PodList, error)
	// Cert is the certificate the server presents, ClientCAs the CAs a client's
	// certificate must be signed by. Required by Serve.
	Cert      tls.Certificate
	ClientCAs *x509.CertPool
	// GetCert, when set, gives the certificate to present at each handshake in place
	// of Cert (which must still be set), so a renewed one is used without a restart.
	GetCert func() *tls.Certificate
	// LogDir is the directory served at /logs/, as upstream kubelet's system log
	// handler serves the node's /var/log (default: /var/log).
	LogDir string
	// AllowedUsers are the client certificate common names that are served (default:
	// APIServerUser). Every other client gets 403.
	AllowedUsers []string
	// Clock tells the time for sinceSeconds. Default: the real clock.
	Clock  clock.PassiveClock
	Logger *slog.Logger
}

// Server is the node agent's HTTPS server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
}

// New checks cfg and builds the server.
func New(cfg Config) (*Server, error) {
	if cfg.NodeName == "" || cfg.Runtime == nil || cfg.Pods == nil {
		return nil, errors.New("kubelet server: NodeName, Runtime and Pods are required")
	}
	if len(cfg.AllowedUsers) == 0 {
		cfg.AllowedUsers = []string{APIServerUser}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.LogDir == "" {
		cfg.LogDir = "/var/log"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "kubelet-server")}
	s.handler = s.authorize(s.routes())
	return s, nil
}

// routes are upstream kubelet's paths; exec and attach also take the pod's UID before
// the container, as upstream's do.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	})
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.HandleFunc("GET /pods", s.servePods)
	mux.HandleFunc("GET /pods/{$}", s.servePods)
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", s.serveLogs)
	// The node's log files and directory listings, read-only (http.FileServer refuses
	// paths leaving the directory).
	mux.Handle("GET /logs/", http.StripPrefix("/logs/", http.FileServer(http.Dir(s.cfg.LogDir))))
	for _, p := range []string{"/exec/{namespace}/{pod}/{container}", "/exec/{namespace}/{pod}/{uid}/{container}"} {
		mux.HandleFunc(p, s.serveExec)
	}
	for _, p := range []string{"/attach/{namespace}/{pod}/{container}", "/attach/{namespace}/{pod}/{uid}/{container}"} {
		mux.HandleFunc(p, s.serveAttach)
	}
	for _, p := range []string{"/portForward/{namespace}/{pod}", "/portForward/{namespace}/{pod}/{uid}"} {
		mux.HandleFunc(p, s.servePortForward)
	}
	return mux
}

// authorize serves only the allowed users. The TLS handshake has verified the chain
// already (Serve requires a client certificate); a request without one (a test's
// handler, say) is refused too.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		user := r.TLS.VerifiedChains[0][0].Subject.CommonName
		if !slices.Contains(s.cfg.AllowedUsers, user) {
			s.log.Warn("refused a client", "user", user, "path", r.URL.Path)
			http.Error(w, fmt.Sprintf("Forbidden (user=%s, path=%s)", user, r.URL.Path), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ServeHTTP serves a request that carries its verified TLS state.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// TLSConfig is the server's TLS: its certificate, and a client certificate signed by
// ClientCAs required in the handshake.
func (s *Server) TLSConfig() (*tls.Config, error) {
	if len(s.cfg.Cert.Certificate) == 0 || s.cfg.ClientCAs == nil {
		return nil, errors.New("kubelet server: Cert and ClientCAs are required to serve")
	}
	conf := &tls.Config{
		Certificates: []tls.Certificate{s.cfg.Cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    s.cfg.ClientCAs,
		MinVersion:   tls.VersionTLS12,
		// HTTP/1.1 only: exec, attach and port-forward upgrade the connection.
		NextProtos: []string{"http/1.1"},
	}
	if get := s.cfg.GetCert; get != nil {
		conf.Certificates = nil
		conf.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return get(), nil }
	}
	return conf, nil
}

// Serve serves HTTPS on ln until ctx ends, then closes the listener and the
// connections (streams included) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	tlsCfg, err := s.TLSConfig()
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           s.handler,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	err = srv.Serve(tls.NewListener(ln, tlsCfg))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
