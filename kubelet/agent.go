package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"

	"kite/kubelet/containerd"
	"kite/kubelet/cri"
	"kite/kubelet/images"
	"kite/kubelet/logs"
	"kite/kubelet/network"
	"kite/kubelet/node"
	"kite/kubelet/pods"
	"kite/kubelet/volumes"
)

// SandboxImage is the pause image containerd is configured with; hack/images tags Kite's
// pause under this name (and as registry.k8s.io/pause:3.10.2).
const SandboxImage = "kite.local/pause:1"

// Config describes the agent.
type Config struct {
	// API is how the agent reaches the API server.
	API *rest.Config
	// NodeName defaults to the hostname in lower case.
	NodeName string
	// Address is the node's InternalIP: pods' hostIP. Required.
	Address net.IP
	// DataDir is the data directory (absolute). Required.
	DataDir string
	// ImageDirs are searched for image tarballs to import, after DataDir/images.
	ImageDirs []string
	// RuntimeEndpoint names an existing CRI socket to use instead of starting containerd.
	RuntimeEndpoint string
	// PodCIDR is given to the Node when it has none (default 10.42.0.0/24); ClusterCIDR
	// is every node's pod range (10.42.0.0/16), ServiceCIDR the Services' (10.43.0.0/16).
	PodCIDR, ClusterCIDR, ServiceCIDR string
	// AwaitPodCIDR registers the Node without a pod CIDR and waits for the node IPAM
	// controller to assign one, instead of claiming PodCIDR: a node joining a cluster
	// (`kite agent`) must not take a range another node holds.
	AwaitPodCIDR bool
	// RegistryPulls lets the agent pull missing images from registries through CRI.
	// Off by default: these nodes are air-gapped and must not reach out; they run the
	// images imported from the image directories.
	RegistryPulls bool
	// KubeletVersion is reported in the Node's nodeInfo.
	KubeletVersion string
	// ServerPort is the agent's HTTPS port (logs, exec, attach, port-forward), announced
	// in the Node's daemonEndpoints (default 10250). ServingCert is the certificate it
	// presents and ClientCAs verify its clients; without a certificate it serves nothing.
	ServerPort  int
	ServingCert tls.Certificate
	ClientCAs   *x509.CertPool
	// GetServingCert, when set, gives the serving certificate at each handshake (a
	// renewed one: kubelet/certs), ServingCert being the one at start.
	GetServingCert func() *tls.Certificate
	// ContainerLogMaxSize, ContainerLogMaxFiles and ContainerLogMonitorInterval say
	// when containers' logs are rotated and how many files each keeps (kubelet/logs;
	// upstream's defaults, 10Mi, 5 and 10s, when zero).
	ContainerLogMaxSize         int64
	ContainerLogMaxFiles        int
	ContainerLogMonitorInterval time.Duration
	Logger                      *slog.Logger
}

func (c *Config) defaults() error {
	if c.API == nil || c.Address == nil || c.DataDir == "" || !filepath.IsAbs(c.DataDir) {
		return errors.New("kubelet: API, Address and an absolute DataDir are required")
	}
	if c.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("kubelet: node name: %w", err)
		}
		c.NodeName = strings.ToLower(h)
	}
	if c.PodCIDR == "" {
		c.PodCIDR = "10.42.0.0/24"
	}
	if c.ClusterCIDR == "" {
		c.ClusterCIDR = "10.42.0.0/16"
	}
	if c.ServiceCIDR == "" {
		c.ServiceCIDR = "10.43.0.0/16"
	}
	if c.ServerPort == 0 {
		c.ServerPort = 10250
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// layout names the agent's places in the data directory.
type layout struct{ data string }

func (l layout) containerd() string { return filepath.Join(l.data, "containerd") }
func (l layout) images() string     { return filepath.Join(l.data, "images") }
func (l layout) agent() string      { return filepath.Join(l.data, "agent") }
func (l layout) cniConf() string    { return filepath.Join(l.data, "agent", "cni", "net.d") }
func (l layout) ipam() string       { return filepath.Join(l.data, "agent", "cni", "networks") }
func (l layout) podLogs() string    { return filepath.Join(l.data, "agent", "pods") }

func containerdConfig(l layout, logger *slog.Logger) containerd.Config {
	return containerd.Config{
		Dir:          l.containerd(),
		SandboxImage: SandboxImage,
		CNIConfDir:   l.cniConf(),
		Logger:       logger,
	}
}

// Run starts the agent and runs it until ctx ends. It returns an error when the agent
// cannot start; once running, failures are logged and retried. The pods keep running
// after it returns; so does nothing else the agent started (it stops its containerd,
// whose shims keep the containers).
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	log := cfg.Logger.With("component", "agent")
	l := layout{cfg.DataDir}
	lock, err := lockHost(hostLockPath, cfg.DataDir)
	if err != nil {
		return err
	}
	defer lock.release(false)
	client, err := kubernetes.NewForConfig(cfg.API)
	if err != nil {
		return err
	}

	// The Node first: it says which pod CIDR this node's pods come from.
	nodeCfg := node.Config{
		Client: client, Name: cfg.NodeName, Address: cfg.Address, PodCIDR: cfg.PodCIDR,
		KubeletVersion: cfg.KubeletVersion, DiskPath: cfg.DataDir, KubeletPort: int32(cfg.ServerPort), Logger: log,
	}
	if cfg.AwaitPodCIDR {
		nodeCfg.PodCIDR = ""
	}
	n, err := registerWithRetry(ctx, nodeCfg, log)
	if err != nil {
		return err
	}
	if n.Spec.PodCIDR == "" && cfg.AwaitPodCIDR {
		if n, err = awaitPodCIDR(ctx, client, n.Name, log); err != nil {
			return err
		}
	}
	_, podCIDR, err := net.ParseCIDR(n.Spec.PodCIDR)
	if err != nil {
		return fmt.Errorf("node %s has no usable pod CIDR %q: %w", n.Name, n.Spec.PodCIDR, err)
	}
	_, clusterCIDR, err := net.ParseCIDR(cfg.ClusterCIDR)
	if err != nil {
		return err
	}
	_, serviceCIDR, err := net.ParseCIDR(cfg.ServiceCIDR)
	if err != nil {
		return err
	}

	netCfg := network.Config{ConfDir: l.cniConf(), IPAMDir: l.ipam(), PodCIDR: podCIDR, ClusterCIDR: clusterCIDR, ServiceCIDR: serviceCIDR}
	if err := network.WriteCNIConfig(netCfg); err != nil {
		return err
	}
	if err := network.EnsureRules(ctx, netCfg); err != nil {
		return fmt.Errorf("pod network rules: %w", err)
	}

	endpoint := cfg.RuntimeEndpoint
	ctrdCfg := containerdConfig(l, log)
	sandboxImage := "" // a foreign runtime's own configuration says
	if endpoint == "" {
		sandboxImage = SandboxImage
	}
	var daemon *containerd.Daemon
	if endpoint == "" {
		if daemon, err = containerd.Start(ctx, ctrdCfg); err != nil {
			return err
		}
		defer daemon.Stop()
		endpoint = ctrdCfg.Endpoint()
	}
	rt, err := cri.Dial(ctx, cri.Config{Endpoint: endpoint})
	if err != nil {
		return err
	}
	defer rt.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	log.Info("container runtime ready", "runtime", rt.Name, "version", rt.Version, "endpoint", endpoint)
	if len(cfg.ServingCert.Certificate) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(ctx, cfg, client, rt, log)
		}()
	}

	// Preload images in the background; pods wait for it, the API does not.
	imported := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(imported)
		importImages(ctx, l, cfg.ImageDirs, rt, ctrdCfg, daemon != nil, log)
	}()

	nodeCfg.RuntimeVersion = rt.Name + "://" + rt.Version
	nodeCfg.Images = node.CRIImages(rt.Images)
	nodeCfg.Ready = func(ctx context.Context) (bool, string) {
		select {
		case <-imported:
		default:
			return false, "preloaded images are still being imported"
		}
		ok, why, err := rt.Ready(ctx)
		if err != nil {
			return false, err.Error()
		}
		return ok, why
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		node.Run(ctx, nodeCfg)
	}()

	// Pod events, as upstream's kubelet records them (source component "kubelet"),
	// through a client of their own, as upstream keeps them apart (eventRecordQPS):
	// the three events of every started pod do not use up the client-side rate limit
	// that its volume reads and status writes wait on.
	eventClient, err := kubernetes.NewForConfig(eventsAPI(cfg.API))
	if err != nil {
		return err
	}
	events := record.NewBroadcaster(record.WithContext(ctx))
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: eventClient.CoreV1().Events("")})
	defer events.Shutdown()
	recorder := events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: cfg.NodeName})

	// The node's part of local-path volumes' Delete reclaim: their directories are
	// here, under DATA-DIR/storage, where the provisioner is told to put them.
	localPath, err := volumes.NewLocalPath(volumes.LocalPathConfig{
		Client: client, Nodes: []string{n.Name}, StorageDir: filepath.Join(cfg.DataDir, "storage"),
		Recorder: recorder, Logger: log,
	})
	if err != nil {
		return err
	}
	wg.Go(func() { localPath.Run(ctx) })

	// Routes to the other nodes' pod CIDRs through their InternalIPs (network.Routes).
	routes, err := network.NewRoutes(network.RoutesConfig{Client: client, NodeName: n.Name, PodCIDR: podCIDR,
		ClusterCIDR: clusterCIDR, Recorder: recorder, Logger: log})
	if err != nil {
		return err
	}
	wg.Go(func() { routes.Run(ctx) })

	rotator, err := logs.New(logs.Config{
		Runtime: rt.Runtime, LogDir: l.podLogs(), MaxSize: cfg.ContainerLogMaxSize,
		MaxFiles: cfg.ContainerLogMaxFiles, MonitorInterval: cfg.ContainerLogMonitorInterval, Logger: log,
	})
	if err != nil {
		return err
	}

	mgr, err := pods.New(pods.Config{
		Client: client, NodeName: cfg.NodeName, HostIP: cfg.Address,
		Runtime: rt.Runtime, Images: rt.Images, RuntimeName: rt.Name,
		LogDir: l.podLogs(), Ready: imported, Recorder: recorder, Logger: log,
		SandboxImage: sandboxImage, RegistryPulls: cfg.RegistryPulls,
	})
	if err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rotator.Run(ctx)
	}()
	return mgr.Run(ctx)
}

// eventsAPI is the agent's API configuration with a rate limit of its own for events,
// upstream kubelet's eventRecordQPS and eventBurst.
func eventsAPI(api *rest.Config) *rest.Config {
	c := rest.CopyConfig(api)
	c.QPS, c.Burst, c.RateLimiter = 50, 100, nil
	return c
}

// registerWithRetry registers the Node, retrying while the API server is not answering
// yet (the agent starts beside it).
func registerWithRetry(ctx context.Context, cfg node.Config, log *slog.Logger) (*corev1.Node, error) {
	delay := 100 * time.Millisecond
	for {
		n, err := node.Register(ctx, cfg)
		if err == nil {
			return n, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		log.Warn("registering the node; retrying", "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// importImages imports the tarballs of DATA/images and the extra directories. Only an
// agent-owned containerd is imported into with ctr; with a foreign runtime the images
// are expected to be there.
func importImages(ctx context.Context, l layout, dirs []string, rt *cri.Client, ctrdCfg containerd.Config, own bool, log *slog.Logger) {
	if !own {
		return
	}
	start := time.Now()
	res, err := images.ImportAll(ctx, images.Config{
		Dirs:   append([]string{l.images()}, dirs...),
		Lookup: func(ctx context.Context, ref string) (string, error) { return imageID(ctx, rt, ref) },
		Import: func(ctx context.Context, path string) error { return containerd.Import(ctx, ctrdCfg, path) },
		Logger: log,
	})
	if err != nil && ctx.Err() == nil {
		log.Error("some images could not be imported", "err", err)
	}
	log.Info("image preload done", "imported", res.Imported, "present", res.Skipped, "failed", res.Failed,
		"took", time.Since(start).Round(time.Millisecond))
}
