package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"kite/datadir"
	"kite/kubelet"
	"kite/kubelet/server"
	"kite/pki"
)

// agentOptions are the flags of `kite server` about its node agent.
type agentOptions struct {
	disableAgent    bool
	cleanup         bool
	runtimeEndpoint string
	imageDirs       []string
	nodeName        string
	// kubeletPort is the agent's HTTPS port (upstream kubelet's 10250).
	kubeletPort int
	logs        containerLogOptions
}

// kubeletCertNames are the file names (in DATA-DIR/pki) of the node agent's serving
// certificate and of the API server's client certificate toward agents.
const (
	kubeletServingCertName = "kubelet-server"
	kubeletClientCertName  = "apiserver-kubelet-client"
)

// agentNodeName is the name of this machine's Node: --node-name, else the hostname in
// lower case.
func agentNodeName(o agentOptions) (string, error) {
	if o.nodeName != "" {
		return o.nodeName, nil
	}
	h, err := os.Hostname()
	if err != nil {
		return "", err
	}
	return strings.ToLower(h), nil
}

// kubeletClientCert is the API server's client certificate toward node agents, with
// upstream's subject (kube-apiserver-kubelet-client in system:masters).
func kubeletClientCert(dir *datadir.Dir) (tls.Certificate, error) {
	c, err := pki.EnsureClient(pki.Config{Dir: dir.PKI()}, kubeletClientCertName, server.APIServerUser, pki.AdminGroup)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(c.CertPEM, c.KeyPEM)
}

// agentCertName is the file name (in DATA-DIR/pki) of the node agent's client
// certificate.
const agentCertName = "kubelet"

// nodeIdentity is who a node agent is: its client certificate toward the API server
// (system:node:NAME in system:nodes, as upstream's kubelet) and the certificate its
// HTTPS server presents to the API server. `kite server` makes both with the cluster CA;
// `kite agent` gets them through CertificateSigningRequests (bootstrap.go).
type nodeIdentity struct {
	clientCertPEM, clientKeyPEM []byte
	serving                     tls.Certificate
}

// agentServingSANs are the names the API server may dial a node's agent at.
func agentServingSANs(name string, address net.IP) []string {
	return []string{name, "localhost", "127.0.0.1", address.String()}
}

// localNodeIdentity makes the identity of the server's own node agent with the cluster
// CA in DATA-DIR/pki.
func localNodeIdentity(dir *datadir.Dir, name string, address net.IP) (nodeIdentity, error) {
	cert, err := pki.EnsureClient(pki.Config{Dir: dir.PKI()}, agentCertName, "system:node:"+name, "system:nodes")
	if err != nil {
		return nodeIdentity{}, err
	}
	serving, err := pki.EnsureServing(pki.Config{Dir: dir.PKI()}, kubeletServingCertName, "system:node:"+name,
		agentServingSANs(name, address)...)
	if err != nil {
		return nodeIdentity{}, err
	}
	return nodeIdentity{clientCertPEM: cert.CertPEM, clientKeyPEM: cert.KeyPEM, serving: serving}, nil
}

// agentConfig is the node agent's configuration, the same for the server's own agent
// and for `kite agent`: it reaches the API server at url (trusting caPEM) as id, runs
// pods from dataDir, and serves only clients the cluster CA signed (the API server's
// kubelet-client identity).
func agentConfig(o agentOptions, dataDir, name string, address net.IP, url string, caPEM []byte, id nodeIdentity, logger *slog.Logger) (kubelet.Config, error) {
	clientCAs := x509.NewCertPool()
	if !clientCAs.AppendCertsFromPEM(caPEM) {
		return kubelet.Config{}, fmt.Errorf("node agent: the cluster CA certificate is not usable")
	}
	imageDirs := make([]string, 0, len(o.imageDirs))
	for _, d := range o.imageDirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return kubelet.Config{}, err
		}
		imageDirs = append(imageDirs, abs)
	}
	return kubelet.Config{
		API: &rest.Config{
			Host:            url,
			TLSClientConfig: rest.TLSClientConfig{CAData: caPEM, CertData: id.clientCertPEM, KeyData: id.clientKeyPEM},
			// Four times upstream kubelet's kubeAPIQPS and kubeAPIBurst (50, 100):
			// the agent GETs the ConfigMaps and Services that upstream's kubelet
			// watches, some six requests per started pod. At 50 the client-side
			// limit alone held 100 pods to about 10 s from create to the last
			// Ready (p50 5 s) with an instant runtime; at 200, 1.1 s (p50 0.5 s).
			QPS:   200,
			Burst: 400,
		},
		NodeName:        name,
		Address:         address,
		DataDir:         dataDir,
		ImageDirs:       imageDirs,
		RuntimeEndpoint: o.runtimeEndpoint,
		KubeletVersion:  kiteVersion().GitVersion,
		ServerPort:      o.kubeletPort,
		ServingCert:     id.serving,
		ClientCAs:       clientCAs,
		Logger:          logger,

		ContainerLogMaxSize:         o.logs.maxSizeBytes,
		ContainerLogMaxFiles:        o.logs.maxFiles,
		ContainerLogMonitorInterval: o.logs.monitorInterval,
	}, nil
}

// runAgent runs the node agent of cfg until ctx ends; the returned channel is closed
// when it has stopped. A failure is logged and reported, and failed (may be nil) is
// called with it.
func runAgent(ctx context.Context, cfg kubelet.Config, logger *slog.Logger, say func(string, ...any), failed func(error)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := kubelet.Run(ctx, cfg); err != nil && ctx.Err() == nil {
			logger.Error("node agent failed", "err", err)
			say("node agent failed: %v", err)
			if failed != nil {
				failed(err)
			}
		}
	}()
	return done
}

// startAgent runs the node agent for this machine against the API server at url, on
// its own identity (system:node:NAME in system:nodes, as upstream's kubelet). The agent
// runs until ctx ends; the returned channel is closed when it has stopped. Failures to
// start are logged and leave the API server running without a node.
func startAgent(ctx context.Context, o agentOptions, dir *datadir.Dir, url string, caPEM []byte, address net.IP, logger *slog.Logger, say func(string, ...any)) (<-chan struct{}, error) {
	name, err := agentNodeName(o)
	if err != nil {
		return nil, err
	}
	if address == nil {
		address = net.IPv4(127, 0, 0, 1)
	}
	id, err := localNodeIdentity(dir, name, address)
	if err != nil {
		return nil, err
	}
	cfg, err := agentConfig(o, dir.Path(), name, address, url, caPEM, id, logger)
	if err != nil {
		return nil, err
	}
	return runAgent(ctx, cfg, logger, say, nil), nil
}

// runCleanup is `kite server --cleanup`: it removes what the node agent of the data
// directory left on the host, and exits.
func runCleanup(ctx context.Context, dataDir string, stderr io.Writer) int {
	dir, err := datadir.Open(datadir.Config{Path: dataDir})
	if err != nil {
		return fail(stderr, exitUsage, err)
	}
	defer dir.Close()
	start := time.Now()
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if err := kubelet.Cleanup(ctx, kubelet.CleanupConfig{DataDir: dir.Path(), Logger: logger}); err != nil {
		return fail(stderr, exitFailure, fmt.Errorf("cleanup: %w", err))
	}
	fmt.Fprintf(stderr, "kite: cleaned up the node agent's containers, containerd state, network and cgroups of %s in %s\n",
		dataDir, formatDuration(time.Since(start)))
	return exitOK
}

// afterAgent returns a context that ends once ctx has ended and the agent has stopped,
// so the API server keeps serving the agent's last requests (its final status and
// watches) while it shuts down.
func afterAgent(ctx context.Context, agentDone <-chan struct{}) context.Context {
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer cancel()
		<-ctx.Done()
		<-agentDone
	}()
	return out
}
