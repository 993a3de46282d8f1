package main

import (
	"context"
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
	"kite/pki"
)

// agentOptions are the flags of `kite server` about its node agent.
type agentOptions struct {
	disableAgent    bool
	cleanup         bool
	runtimeEndpoint string
	imageDirs       []string
	nodeName        string
}

// agentCertName is the file name (in DATA-DIR/pki) of the node agent's client
// certificate.
const agentCertName = "kubelet"

// startAgent runs the node agent for this machine against the API server at url, on
// its own identity (system:node:NAME in system:nodes, as upstream's kubelet). The agent
// runs until ctx ends; the returned channel is closed when it has stopped. Failures to
// start are logged and leave the API server running without a node.
func startAgent(ctx context.Context, o agentOptions, dir *datadir.Dir, url string, caPEM []byte, address net.IP, logger *slog.Logger, say func(string, ...any)) (<-chan struct{}, error) {
	name := o.nodeName
	if name == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, err
		}
		name = strings.ToLower(h)
	}
	cert, err := pki.EnsureClient(pki.Config{Dir: dir.PKI()}, agentCertName, "system:node:"+name, "system:nodes")
	if err != nil {
		return nil, err
	}
	if address == nil {
		address = net.IPv4(127, 0, 0, 1)
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
