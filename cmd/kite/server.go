package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
	"k8s.io/klog/v2"

	"kite/apiserver"
	"kite/datadir"
	"kite/pki"
	"kite/storage"
	"kite/storage/pebble"
)

// serverOptions are the flags of `kite server`.
type serverOptions struct {
	dataDir          string
	bindAddress      net.IP
	securePort       int
	tlsSANs          []string
	historyRetention time.Duration
	// disableControllers leaves the controller manager off (a bare API server), or
	// only the controllers it names.
	disableControllers disabledControllers
	// disableScheduler leaves the scheduler off: pods wait unscheduled.
	disableScheduler bool
	// profiling serves /debug/pprof/, as kube-apiserver's flag of the same name.
	profiling bool
	// simulatedNodes runs that many simulated nodes in place of the node agent.
	simulatedNodes int
	// remoteNodeAgents lets the server dial joined nodes' agents at their InternalIP.
	remoteNodeAgents bool
	// signingDuration is the life of the certificates signed for nodes.
	signingDuration time.Duration
	agent           agentOptions
	memory          memoryOptions
}

func serverFlags(o *serverOptions) *pflag.FlagSet {
	fs := pflag.NewFlagSet("kite server", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&o.dataDir, "data-dir", "./.kite",
		"Directory for the store, certificates and kubeconfig; created if missing. One server at a time may use it.")
	fs.IPVar(&o.bindAddress, "bind-address", net.IPv4zero,
		"IP address to serve HTTPS on (0.0.0.0 or :: for all interfaces).")
	fs.IntVar(&o.securePort, "secure-port", 6443,
		"Port to serve HTTPS on (0 picks a free port).")
	fs.StringSliceVar(&o.tlsSANs, "tls-san", nil,
		"Extra DNS name or IP address for the serving certificate (repeatable, or comma-separated).")
	fs.DurationVar(&o.historyRetention, "history-retention", 5*time.Minute,
		"How long the store keeps past revisions for watches and consistent reads before compacting them.")
	fs.Var(&o.disableControllers, "disable-controllers",
		"Alone: run no controllers (namespace, service account, root CA, ReplicaSet, garbage collector): a bare API server. "+
			"With =NAMES (comma-separated), leave out only those: local-path (the built-in provisioner and its default StorageClass).")
	fs.Lookup("disable-controllers").NoOptDefVal = "*"
	fs.BoolVar(&o.disableScheduler, "disable-scheduler", false,
		"Run no scheduler: pods stay pending unless they name their node.")
	fs.BoolVar(&o.agent.disableAgent, "disable-agent", false,
		"Run no node agent: this machine is not a node, and containerd is not started.")
	fs.StringVar(&o.agent.runtimeEndpoint, "container-runtime-endpoint", "",
		"CRI socket of an existing container runtime for the node agent (default: start containerd under DATA-DIR/containerd).")
	fs.StringSliceVar(&o.agent.imageDirs, "images", nil,
		"Directory of image tarballs the node agent imports at start, besides DATA-DIR/images (repeatable).")
	fs.StringVar(&o.agent.nodeName, "node-name", "",
		"Name of this machine's Node (default: the hostname in lower case).")
	fs.IntVar(&o.agent.kubeletPort, "kubelet-port", 10250,
		"Port of the node agent's HTTPS server (container logs, exec, attach, port-forward), as kubelet's.")
	o.agent.logs.addFlags(fs)
	fs.BoolVar(&o.agent.cleanup, "cleanup", false,
		"Remove what the node agent of DATA-DIR left on the host (pods, containerd and its state, the kite0 bridge, KITE- iptables chains) and exit.")
	fs.BoolVar(&o.profiling, "profiling", true,
		"Serve Go's profiles at /debug/pprof/ to authenticated clients.")
	fs.IntVar(&o.simulatedNodes, "simulated-nodes", 0,
		"Register this many simulated nodes (kite-sim-0 …) that run pods without containers, as kwok does, and start no node agent.")
	fs.BoolVar(&o.remoteNodeAgents, "remote-node-agents", false,
		"Dial the agents of nodes joined with kite agent at their InternalIP for their pods' logs, exec, attach and port-forward (off: only this machine's agent is dialled).")
	fs.DurationVar(&o.signingDuration, "cluster-signing-duration", 365*24*time.Hour,
		"Longest life of the certificates the controller manager signs for nodes (CSRs may ask for less), as kube-controller-manager's flag; nodes renew theirs at 70-90% of it.")
	o.memory.addFlags(fs)
	return fs
}

func serverUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintln(w, "Run the Kubernetes API server on a data directory.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "On first start it makes a cluster CA and certificates in DATA-DIR/pki, and at every")
	fmt.Fprintln(w, "start it writes DATA-DIR/kubeconfig for kubectl. SIGINT or SIGTERM stops it cleanly.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  kite server [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags:")
	fmt.Fprint(w, fs.FlagUsages())
	fmt.Fprintln(w, "  -h, --help                         Show this help.")
}

func runServer(ctx context.Context, args []string, stdout, stderr io.Writer, started time.Time) int {
	var o serverOptions
	fs := serverFlags(&o)
	fs.SetOutput(io.Discard) // errors are reported below, on one line
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			serverUsage(stdout, fs)
			return exitOK
		}
		return usageError(stderr, "kite server", err)
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "kite server", fmt.Errorf("unexpected argument %q%s", fs.Arg(0), disableHint(fs.Arg(0))))
	}
	if o.securePort < 0 || o.securePort > 65535 {
		return usageError(stderr, "kite server", fmt.Errorf("--secure-port %d is not a port number", o.securePort))
	}
	if o.historyRetention <= 0 {
		return usageError(stderr, "kite server", fmt.Errorf("--history-retention must be positive, not %s", o.historyRetention))
	}
	if o.simulatedNodes < 0 {
		return usageError(stderr, "kite server", fmt.Errorf("--simulated-nodes must not be negative, not %d", o.simulatedNodes))
	}
	if err := validSigningDuration(o.signingDuration); err != nil {
		return usageError(stderr, "kite server", err)
	}
	if o.simulatedNodes > 0 {
		// Simulated nodes take the place of this machine's node.
		o.agent.disableAgent = true
	}
	if err := o.agent.logs.validate(); err != nil {
		return usageError(stderr, "kite server", err)
	}
	if err := o.memory.apply(); err != nil {
		return usageError(stderr, "kite server", err)
	}

	ctx, stopSignals := withSignals(ctx, stderr)
	defer stopSignals()
	if o.agent.cleanup {
		return runCleanup(ctx, o.dataDir, stderr)
	}
	return serve(ctx, o, stderr, started)
}

// withSignals returns a context that ends at the first SIGINT or SIGTERM. After that
// first signal the default action is restored, so a second one stops a stuck shutdown.
func withSignals(parent context.Context, stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs)
			name := sig.String()
			if s, ok := sig.(syscall.Signal); ok {
				name = unix.SignalName(s)
			}
			fmt.Fprintf(stderr, "kite: %s received, shutting down (send it again to force)\n", name)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// serve runs the server until ctx ends. It reports each start-up step on stderr with
// its duration; after start-up it logs through slog.
func serve(ctx context.Context, o serverOptions, stderr io.Writer, started time.Time) int {
	say := func(format string, args ...any) { fmt.Fprintf(stderr, "kite: "+format+"\n", args...) }
	step := time.Now()
	took := func() string {
		d := time.Since(step)
		step = time.Now()
		return formatDuration(d)
	}

	logw := newStallWriter(stallWriterConfig{W: stderr})
	logger := slog.New(slog.NewTextHandler(logw, nil))
	// client-go logs through klog; send it to the same place.
	klog.SetSlogLogger(logger)

	dir, err := datadir.Open(datadir.Config{Path: o.dataDir})
	if err != nil {
		return fail(stderr, exitUsage, err)
	}
	defer dir.Close()
	say("data dir %s ready (lock held) in %s", o.dataDir, took())

	bundle, err := pki.Ensure(pki.Config{Dir: dir.PKI(), ExtraSANs: servingSANs(o)})
	if err != nil {
		// Every failure here is about the data dir's certificates or a --tls-san value.
		return fail(stderr, exitUsage, err)
	}
	say("%s in %s", describeCerts(bundle), took())
	saKey, _, err := pki.EnsureServiceAccountKey(dir.PKI())
	if err != nil {
		return fail(stderr, exitUsage, err)
	}
	nodeToken, _, err := pki.EnsureNodeToken(nodeTokenPath(dir), bundle.CA)
	if err != nil {
		return fail(stderr, exitUsage, err)
	}
	// The server sends the CA after its certificate, so a joining agent can learn it
	// from the handshake and check it against the node token's hash.
	bundle.Serving.Certificate = append(bundle.Serving.Certificate, bundle.CA.Raw)

	store, err := pebble.Open(ctx, pebble.Config{Dir: dir.DB(), HistoryRetention: o.historyRetention, Logger: logger})
	if err != nil {
		if errors.Is(err, storage.ErrCorrupt) {
			return fail(stderr, exitUsage, fmt.Errorf("data dir %s is not usable: %w", o.dataDir, err))
		}
		return fail(stderr, exitFailure, err)
	}
	closeStore := func() error {
		if store == nil {
			return nil
		}
		err := store.Close()
		store = nil
		return err
	}
	defer closeStore()
	go o.memory.returnIdleMemory(ctx, logger, store.DropCache)
	st := store.Stats()
	say("store opened (%d keys, rev %d) in %s", st.Keys, st.Revision, took())

	ln, err := net.Listen("tcp", net.JoinHostPort(o.bindAddress.String(), strconv.Itoa(o.securePort)))
	if err != nil {
		return fail(stderr, exitFailure, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	server := "https://" + net.JoinHostPort(clientHost(o.bindAddress), strconv.Itoa(port))
	if err := pki.WriteKubeconfig(dir.Kubeconfig(), server, bundle); err != nil {
		ln.Close()
		return fail(stderr, exitUsage, err)
	}

	// Pods' logs and streams go through the node agent's HTTPS server, which only serves
	// the API server's kubelet-client identity.
	kubeletClient, err := kubeletClientCert(dir)
	if err != nil {
		ln.Close()
		return fail(stderr, exitFailure, err)
	}
	localNode := ""
	if !o.agent.disableAgent {
		if localNode, err = agentNodeName(o.agent); err != nil {
			ln.Close()
			return fail(stderr, exitFailure, err)
		}
	}
	srv, err := apiserver.New(apiserver.Config{
		KubeletClientCert: kubeletClient,
		LocalNode:         localNode,
		RemoteNodes:       o.remoteNodeAgents,
		NodeToken:         nodeToken.Credential(),
		Store:             store,
		Version:           kiteVersion(),
		ServingCert:       bundle.Serving,
		ClientCAs:         bundle.ClientCAs(),
		ServiceAccountKey: saKey,
		AdvertiseAddress:  advertiseAddress(o.bindAddress),
		Logger:            logger,
		LogCheck:          logw.Check,
		Profiling:         o.profiling,
	})
	if err != nil {
		ln.Close()
		return fail(stderr, exitFailure, err)
	}
	if err := srv.Bootstrap(ctx, port); err != nil {
		ln.Close()
		return fail(stderr, exitFailure, err)
	}
	say("system objects (namespaces, priority classes, the kubernetes Service, flow control) ready in %s", took())
	say("serving on https://%s", net.JoinHostPort(o.bindAddress.String(), strconv.Itoa(port)))
	serveCtx := ctx
	if !o.disableControllers.all {
		var who string
		serveCtx, who, err = startControllers(ctx, serveCtx, pki.Config{Dir: dir.PKI()}, server, bundle.CAPEM,
			dir.Path(), localNode, !o.disableControllers.has(controllerLocalPath), o.signingDuration, logger)
		if err != nil {
			ln.Close()
			return fail(stderr, exitFailure, err)
		}
		say("controller manager started %s in %s", who, took())
	}
	if !o.disableScheduler {
		var who string
		serveCtx, who, err = startScheduler(ctx, serveCtx, pki.Config{Dir: dir.PKI()}, server, bundle.CAPEM, logger)
		if err != nil {
			ln.Close()
			return fail(stderr, exitFailure, err)
		}
		say("scheduler started %s in %s", who, took())
	}
	if o.simulatedNodes > 0 {
		serveCtx, err = startSimulatedNodes(ctx, serveCtx, o.simulatedNodes, pki.Config{Dir: dir.PKI()}, server, bundle.CAPEM, logger)
		if err != nil {
			ln.Close()
			return fail(stderr, exitFailure, err)
		}
		say("%d simulated nodes starting in the background", o.simulatedNodes)
	}
	if !o.agent.disableAgent {
		agentDone, err := startAgent(ctx, o.agent, dir, server, bundle.CAPEM, advertiseAddress(o.bindAddress), logger, say)
		if err != nil {
			ln.Close()
			return fail(stderr, exitFailure, err)
		}
		serveCtx = afterAgent(serveCtx, agentDone)
		say("node agent starting (containerd, node registration, image import) in the background")
	}
	say("to add a node: kite agent --server %s --token \"$(cat %s)\"", joinURL(o.bindAddress, port), nodeTokenPath(dir))
	// The socket is listening, so connections made from now on are answered.
	say("ready in %s. Use: kubectl --kubeconfig %s get namespaces",
		formatDuration(time.Since(started)), dir.Kubeconfig())

	serveErr := srv.Serve(serveCtx, ln)
	if serveErr != nil {
		logger.Error("serving failed", "err", serveErr)
	}
	if err := closeStore(); err != nil {
		logger.Error("closing the store", "err", err)
		return exitFailure
	}
	if err := dir.Close(); err != nil {
		logger.Error("releasing the data dir lock", "err", err)
		return exitFailure
	}
	if serveErr != nil {
		return exitFailure
	}
	say("stopped")
	return exitOK
}

// servingSANs adds a specific bind address to the --tls-san values: clients reach the
// server there, so the certificate must name it. A server on all interfaces names the
// host's address, where agents on other machines join it (joinURL).
func servingSANs(o serverOptions) []string {
	sans := append([]string(nil), o.tlsSANs...)
	if !o.bindAddress.IsUnspecified() {
		sans = append(sans, o.bindAddress.String())
	} else if a := advertiseAddress(o.bindAddress); a != nil {
		sans = append(sans, a.String())
	}
	return sans
}

// clientHost is the address the admin kubeconfig points at: 127.0.0.1 when the server
// listens on all interfaces (0.0.0.0 and :: both accept IPv4), else the one address it
// listens on.
func clientHost(bind net.IP) string {
	if bind.IsUnspecified() {
		return "127.0.0.1"
	}
	return bind.String()
}

// describeCerts says what pki.Ensure did, for the start-up report.
func describeCerts(b *pki.Bundle) string {
	switch {
	case b.CAGenerated():
		return "certificates generated"
	case len(b.Made) == 0:
		return "certificates loaded"
	}
	msg := "certificates loaded, renewed"
	for i, m := range b.Made {
		if i > 0 {
			msg += ","
		}
		msg += fmt.Sprintf(" %s (%s)", m.Name, m.Reason)
	}
	return msg
}

// formatDuration prints a start-up step's duration in milliseconds, the unit that
// tells them apart ("12ms", "<1ms", "1.25s").
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(10 * time.Millisecond).String()
}

// advertiseAddress is the address pods reach the API server at: the bind address when
// it names one that is not loopback, else the host's first global IPv4 address (nil
// when it has none; then the kubernetes Service has no endpoints).
func advertiseAddress(bind net.IP) net.IP {
	if !bind.IsUnspecified() && !bind.IsLoopback() {
		return bind
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && ipn.IP.IsGlobalUnicast() {
			return ipn.IP.To4()
		}
	}
	return nil
}

// joinURL is the address agents join at: the one address the server listens on, else
// (all interfaces) the host's address other machines reach, else loopback.
func joinURL(bind net.IP, port int) string {
	host := clientHost(bind)
	if a := advertiseAddress(bind); bind.IsUnspecified() && a != nil {
		host = a.String()
	}
	return "https://" + net.JoinHostPort(host, strconv.Itoa(port))
}
