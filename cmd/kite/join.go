package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"kite/datadir"
	"kite/kubelet/simulated"
	"kite/pki"
)

// joinOptions are the flags of `kite agent`.
type joinOptions struct {
	server    string
	token     string
	tokenFile string
	dataDir   string
	nodeIP    net.IP
	// simulatedNodes runs that many simulated nodes in place of the node agent.
	simulatedNodes int
	agent          agentOptions
}

func joinFlags(o *joinOptions) *pflag.FlagSet {
	fs := pflag.NewFlagSet("kite agent", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&o.server, "server", "", "URL of the API server to join, as kite server prints it: https://ADDR:6443. Required.")
	fs.StringVar(&o.token, "token", "", "The server's node token (its DATA-DIR/server/node-token: K10<CA hash>::node:<secret>). This or --token-file is required.")
	fs.StringVar(&o.tokenFile, "token-file", "", "File holding the node token, so that it does not show in the process list.")
	fs.StringVar(&o.dataDir, "data-dir", "./.kite-agent",
		"Directory for the node's certificates, containerd's state and pods; created if missing. One process at a time may use it.")
	fs.StringVar(&o.agent.nodeName, "node-name", "",
		"Name of this Node (default: the hostname in lower case); with --simulated-nodes, the prefix of theirs (NAME-sim-0 …).")
	fs.IPVar(&o.nodeIP, "node-ip", nil,
		"This node's InternalIP, where the API server reaches its agent and pods reach each other (default: the first global IPv4 address, else 127.0.0.1); with --simulated-nodes, the first node's (the next ones count up from it; default 198.18.0.1).")
	fs.IntVar(&o.agent.kubeletPort, "kubelet-port", 10250,
		"Port of the node agent's HTTPS server (container logs, exec, attach, port-forward), as kubelet's.")
	fs.StringVar(&o.agent.runtimeEndpoint, "container-runtime-endpoint", "",
		"CRI socket of an existing container runtime (default: start containerd under DATA-DIR/containerd).")
	fs.StringSliceVar(&o.agent.imageDirs, "images", nil,
		"Directory of image tarballs to import at start, besides DATA-DIR/images (repeatable).")
	fs.IntVar(&o.simulatedNodes, "simulated-nodes", 0,
		"Join this many simulated nodes (NAME-sim-0 …) that run pods without containers, as kwok does, in place of this machine's node; no containerd.")
	fs.BoolVar(&o.agent.cleanup, "cleanup", false,
		"Remove what the node agent of DATA-DIR left on the host (pods, containerd and its state, the kite0 bridge, KITE- iptables chains) and exit.")
	o.agent.logs.addFlags(fs)
	return fs
}

func joinUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintln(w, "Join this machine to a running cluster as a node.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The agent checks the server's CA against the hash in the node token, gets its")
	fmt.Fprintln(w, "certificates through CertificateSigningRequests (signed by the server's controller")
	fmt.Fprintln(w, "manager), registers the Node and runs its pods with containerd, as `kite server`'s")
	fmt.Fprintln(w, "own node agent does. SIGINT or SIGTERM stops it cleanly; its pods keep running.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  kite agent --server https://ADDR:6443 --token TOKEN [flags]")
	fmt.Fprintln(w, "  kite agent --cleanup [--data-dir DIR]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags:")
	fmt.Fprint(w, fs.FlagUsages())
	fmt.Fprintln(w, "  -h, --help                         Show this help.")
}

func runJoin(ctx context.Context, args []string, stdout, stderr io.Writer, started time.Time) int {
	var o joinOptions
	fs := joinFlags(&o)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			joinUsage(stdout, fs)
			return exitOK
		}
		return usageError(stderr, "kite agent", err)
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "kite agent", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	ctx, stopSignals := withSignals(ctx, stderr)
	defer stopSignals()
	if o.agent.cleanup {
		return runCleanup(ctx, o.dataDir, stderr)
	}
	switch {
	case o.server == "":
		return usageError(stderr, "kite agent", errors.New("--server is required"))
	case o.token == "" && o.tokenFile == "":
		return usageError(stderr, "kite agent", errors.New("--token or --token-file is required"))
	case o.token != "" && o.tokenFile != "":
		return usageError(stderr, "kite agent", errors.New("give --token or --token-file, not both"))
	case o.simulatedNodes < 0:
		return usageError(stderr, "kite agent", fmt.Errorf("--simulated-nodes must not be negative, not %d", o.simulatedNodes))
	case o.agent.kubeletPort <= 0 || o.agent.kubeletPort > 65535:
		return usageError(stderr, "kite agent", fmt.Errorf("--kubelet-port %d is not a port number", o.agent.kubeletPort))
	}
	if err := o.agent.logs.validate(); err != nil {
		return usageError(stderr, "kite agent", err)
	}
	flag := "--token"
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return usageError(stderr, "kite agent", fmt.Errorf("--token-file: %w", err))
		}
		o.token, flag = string(b), "--token-file"
	}
	tok, err := pki.ParseNodeToken(o.token)
	if err != nil {
		return usageError(stderr, "kite agent", fmt.Errorf("%s: %w", flag, err))
	}
	o.server = strings.TrimRight(o.server, "/")
	return join(ctx, o, tok, stderr, started)
}

// join runs the node until ctx ends, reporting each start-up step as `kite server`
// does.
func join(ctx context.Context, o joinOptions, tok pki.NodeToken, stderr io.Writer, started time.Time) int {
	say := func(format string, args ...any) { fmt.Fprintf(stderr, "kite: "+format+"\n", args...) }
	step := time.Now()
	took := func() string {
		d := time.Since(step)
		step = time.Now()
		return formatDuration(d)
	}
	logw := newStallWriter(stallWriterConfig{W: stderr})
	logger := slog.New(slog.NewTextHandler(logw, nil))
	klog.SetSlogLogger(logger)

	dir, err := datadir.Open(datadir.Config{Path: o.dataDir})
	if err != nil {
		return fail(stderr, exitUsage, err)
	}
	defer dir.Close()
	say("data dir %s ready (lock held) in %s", o.dataDir, took())

	caPEM, err := fetchServerCA(ctx, o.server, tok)
	if err != nil {
		return fail(stderr, exitFailure, err)
	}
	say("server %s verified: its CA matches the node token in %s", o.server, took())

	name, err := agentNodeName(o.agent)
	if err != nil {
		return fail(stderr, exitFailure, err)
	}
	address := o.nodeIP
	if address == nil {
		if address = advertiseAddress(net.IPv4zero); address == nil {
			address = net.IPv4(127, 0, 0, 1)
		}
	}
	bc := bootstrapConfig{server: o.server, caPEM: caPEM, token: tok, pkiDir: dir.PKI(), name: name,
		progress: func(format string, args ...any) { say(format+" in %s", append(args, took())...) }}
	if o.simulatedNodes == 0 {
		bc.sans = agentServingSANs(name, address)
	}
	id, err := bootstrapIdentity(ctx, bc)
	if err != nil {
		if ctx.Err() != nil {
			return exitFailure
		}
		return fail(stderr, exitFailure, err)
	}
	nc, err := newNodeCerts(bc, id, logger)
	if err != nil {
		return fail(stderr, exitFailure, err)
	}

	var done <-chan struct{}
	failed := make(chan error, 1)
	if o.simulatedNodes > 0 {
		done, err = runSimulatedNodes(ctx, o, name, caPEM, nc, logger, failed)
		if err != nil {
			return fail(stderr, exitFailure, err)
		}
		say("%d simulated nodes (%s-sim-0 …) joining %s", o.simulatedNodes, name, o.server)
	} else {
		cfg, err := agentConfig(o.agent, dir.Path(), name, address, o.server, caPEM, id, logger)
		if err != nil {
			return fail(stderr, exitFailure, err)
		}
		// The cluster's node IPAM controller gives a joined node its pod range.
		cfg.AwaitPodCIDR = true
		// Its certificates are renewed while it runs, and used without a restart.
		if cfg.API, err = nc.restConfig(cfg.API); err != nil {
			return fail(stderr, exitFailure, err)
		}
		cfg.GetServingCert = nc.serving.Current
		done = runAgent(ctx, cfg, logger, say, func(err error) { failed <- err })
		say("node agent for %s (%s, port %d) starting: containerd, node registration, image import", name, address, o.agent.kubeletPort)
	}
	rotateCtx, stopRotation := context.WithCancel(ctx)
	rotated := nc.run(rotateCtx)
	say("ready in %s", formatDuration(time.Since(started)))
	<-done
	stopRotation()
	<-rotated
	select {
	case <-failed:
		return exitFailure
	default:
	}
	if err := dir.Close(); err != nil {
		logger.Error("releasing the data dir lock", "err", err)
		return exitFailure
	}
	say("stopped")
	return exitOK
}

// runSimulatedNodes joins simulated nodes named after name, as the node identity
// system:node:NAME; the returned channel is closed when they have stopped.
func runSimulatedNodes(ctx context.Context, o joinOptions, name string, caPEM []byte, nc *nodeCerts, logger *slog.Logger, failed chan<- error) (<-chan struct{}, error) {
	rc, err := nc.restConfig(&rest.Config{
		Host:            o.server,
		TLSClientConfig: rest.TLSClientConfig{CAData: caPEM},
		// Many small writes for many nodes; see startSimulatedNodes.
		QPS: 500, Burst: 1000,
	})
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	sim, err := simulated.New(simulated.Config{Client: client, Nodes: o.simulatedNodes, Prefix: name + "-sim-",
		KubeletVersion: kiteVersion().GitVersion, FirstAddress: o.nodeIP, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("--simulated-nodes: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := sim.Run(ctx); err != nil && ctx.Err() == nil {
			logger.Error("simulated nodes failed", "err", err)
			failed <- err
		}
	}()
	return done, nil
}

// nodeTokenPath is where `kite server` keeps its node token.
func nodeTokenPath(dir *datadir.Dir) string {
	return filepath.Join(dir.Path(), "server", "node-token")
}
