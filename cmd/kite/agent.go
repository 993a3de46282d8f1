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

// startAgent runs the node agent for this machine against the API server at url, on
// its own identity (system:node:NAME in system:nodes, as upstream's kubelet). The agent
// runs until ctx ends; the returned channel is closed when it has stopped. Failures to
// start are logged and leave the API server running without a node.
func startAgent(ctx context.Context, o agentOptions, dir *datadir.Dir, url string, caPEM []byte, address net.IP, logger *slog.Logger, say func(string, ...any)) (<-chan struct{}, error) {
	name, err := agentNodeName(o)
	if err != nil {
		return nil, err
	}
	cert, err := pki.EnsureClient(pki.Config{Dir: dir.PKI()}, agentCertName, "system:node:"+name, "system:nodes")
	if err != nil {
		return nil, err
	}
	if address == nil {
		address = net.IPv4(127, 0, 0, 1)
	}
	// The agent's HTTPS server presents a certificate of the cluster CA for the names
	// the API server may dial it at, and serves only clients the cluster CA signed.
	serving, err := pki.EnsureServing(pki.Config{Dir: dir.PKI()}, kubeletServingCertName, "system:node:"+name,
		name, "localhost", "127.0.0.1", address.String())
	if err != nil {
		return nil, err
	}
	clientCAs := x509.NewCertPool()
	if !clientCAs.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("node agent: the cluster CA certificate is not usable")
	}
	imageDirs := make([]string, 0, len(o.imageDirs))
	for _, d := range o.imageDirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		imageDirs = append(imageDirs, abs)
	}
	cfg := kubelet.Config{
		API: &rest.Config{
			Host:            url,
			TLSClientConfig: rest.TLSClientConfig{CAData: caPEM, CertData: cert.CertPEM, KeyData: cert.KeyPEM},
			QPS:             50,
			Burst:           100,
		},
		NodeName:        name,
		Address:         address,
		DataDir:         dir.Path(),
		ImageDirs:       imageDirs,
		RuntimeEndpoint: o.runtimeEndpoint,
		KubeletVersion:  kiteVersion().GitVersion,
		ServerPort:      o.kubeletPort,
		ServingCert:     serving,
		ClientCAs:       clientCAs,
		Logger:          logger,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := kubelet.Run(ctx, cfg); err != nil && ctx.Err() == nil {
			logger.Error("node agent failed; the API server goes on without this node", "err", err)
			say("node agent failed: %v", err)
		}
	}()
	return done, nil
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
