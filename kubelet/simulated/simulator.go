package simulated

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"kite/kubelet/volumes"
)

// The annotations and label a user or test uses with simulated nodes.
const (
	// StoppedAnnotation set to "true" on a simulated node stops its heartbeat.
	StoppedAnnotation = "kite.dev/simulated-stopped"
	// ExitCodeAnnotation on a pod makes its simulated containers exit with that code.
	ExitCodeAnnotation = "kite.dev/simulated-exit-code"
	// TypeLabel=TypeValue marks the simulated nodes.
	TypeLabel = "type"
	TypeValue = "kite-simulated"
)

// Defaults.
const (
	defaultPrefix    = "kite-sim-"
	defaultInterval  = 10 * time.Second
	defaultWorkers   = 8
	leaseDuration    = 40
	podsByNodeIndex  = "simulated.kite.dev/nodeName"
	heartbeatBatches = 20
)

// Config is what the simulator needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Nodes is how many nodes to simulate. Required, at least 1.
	Nodes int
	// Prefix of the node names; default "kite-sim-".
	Prefix string
	// HeartbeatInterval between two Lease renewals of a node; default 10s.
	HeartbeatInterval time.Duration
	// Workers write pod statuses; default 8.
	Workers int
	// KubeletVersion is reported in each node's nodeInfo.
	KubeletVersion string
	// FirstAddress is the first node's InternalIP; node i has FirstAddress+i. Default
	// 198.18.0.1 (the benchmark range, which nothing connects to). An IPv4 address.
	FirstAddress net.IP
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.WithTicker
}

// Simulator runs the simulated nodes.
type Simulator struct {
	cfg      Config
	client   kubernetes.Interface
	logger   *slog.Logger
	clock    clock.WithTicker
	names    []string
	index    map[string]int
	nodes    corelisters.NodeLister
	pods     corelisters.PodLister
	podIndex cache.Indexer
	queue    workqueue.TypedRateLimitingInterface[string]
	ips      *podIPs

	mu     sync.Mutex
	leases map[string]*coordv1.Lease
}

// New checks cfg and makes the simulator; nothing runs until Run.
func New(cfg Config) (*Simulator, error) {
	if cfg.Client == nil {
		return nil, errors.New("simulated nodes: Client is required")
	}
	if cfg.Nodes < 1 || cfg.Nodes > 100000 {
		return nil, fmt.Errorf("simulated nodes: %d nodes; want 1 to 100000", cfg.Nodes)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = defaultPrefix
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = defaultInterval
	}
	if cfg.Workers <= 0 {
		cfg.Workers = defaultWorkers
	}
	if cfg.FirstAddress != nil && cfg.FirstAddress.To4() == nil {
		return nil, fmt.Errorf("simulated nodes: first address %s is not IPv4", cfg.FirstAddress)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	s := &Simulator{
		cfg: cfg, client: cfg.Client, logger: cfg.Logger.With("component", "simulated-nodes"), clock: cfg.Clock,
		index: make(map[string]int, cfg.Nodes), leases: make(map[string]*coordv1.Lease, cfg.Nodes), ips: newPodIPs(),
	}
	for i := range cfg.Nodes {
		name := cfg.Prefix + strconv.Itoa(i)
		s.names = append(s.names, name)
		s.index[name] = i
	}
	return s, nil
}

// Names are the simulated nodes' names.
func (s *Simulator) Names() []string { return append([]string(nil), s.names...) }

// ours says whether node is one of the simulated nodes.
func (s *Simulator) ours(node string) bool {
	if !strings.HasPrefix(node, s.cfg.Prefix) {
		return false
	}
	_, ok := s.index[node]
	return ok
}

// Run registers the nodes, then heartbeats them and runs their pods until ctx ends.
func (s *Simulator) Run(ctx context.Context) error {
	nodeFactory := informers.NewSharedInformerFactoryWithOptions(s.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = TypeLabel + "=" + TypeValue }))
	podFactory := informers.NewSharedInformerFactory(s.client, 0)
	nodeInf := nodeFactory.Core().V1().Nodes()
	podInf := podFactory.Core().V1().Pods()
	s.nodes, s.pods = nodeInf.Lister(), podInf.Lister()
	s.podIndex = podInf.Informer().GetIndexer()
	if err := podInf.Informer().AddIndexers(cache.Indexers{podsByNodeIndex: func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}, nil
		}
		return nil, nil
	}}); err != nil {
		return err
	}
	s.queue = workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "simulated-pods"})
	defer s.queue.ShutDown()
	podReg, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    s.podChanged,
		UpdateFunc: func(_, obj any) { s.podChanged(obj) },
		DeleteFunc: s.podDeleted,
	})
	if err != nil {
		return err
	}
	nodeReg, err := nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.nodeChanged(nil, obj) },
		UpdateFunc: s.nodeChanged,
	})
	if err != nil {
		return err
	}

	started := s.clock.Now()
	if err := s.register(ctx); err != nil {
		return err
	}
	s.logger.Info("simulated nodes registered", "nodes", len(s.names), "took", s.clock.Since(started))

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	nodeFactory.Start(runCtx.Done())
	podFactory.Start(runCtx.Done())
	defer podFactory.Shutdown()
	defer nodeFactory.Shutdown()
	if !cache.WaitForCacheSync(runCtx.Done(), podReg.HasSynced, nodeReg.HasSynced) {
		return ctx.Err()
	}
	// Simulated nodes have no directories: their local-path volumes only lose the
	// clean-up finalizer once the provisioner deleted them.
	localPath, err := volumes.NewLocalPath(volumes.LocalPathConfig{Client: s.client, Nodes: s.names, Logger: s.logger})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() {
			for s.next(runCtx) {
			}
		})
	}
	wg.Go(func() { s.heartbeats(runCtx) })
	wg.Go(func() { localPath.Run(runCtx) })
	<-ctx.Done()
	s.queue.ShutDown()
	wg.Wait()
	return nil
}

// podsOn are the pods bound to node, from the informer.
func (s *Simulator) podsOn(node string) []*corev1.Pod {
	objs, err := s.podIndex.ByIndex(podsByNodeIndex, node)
	if err != nil {
		return nil
	}
	out := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			out = append(out, p)
		}
	}
	return out
}

// stopped says whether node is annotated as stopped.
func stopped(n *corev1.Node) bool { return n.Annotations[StoppedAnnotation] == "true" }

// nodeChanged queues a node's pods when something they wait for arrives: its pod
// range, or its return from a stop.
func (s *Simulator) nodeChanged(old, obj any) {
	n, ok := obj.(*corev1.Node)
	if !ok || !s.ours(n.Name) || stopped(n) {
		return
	}
	if o, ok := old.(*corev1.Node); ok && o.Spec.PodCIDR != "" && !stopped(o) {
		return
	}
	for _, p := range s.podsOn(n.Name) {
		s.queue.Add(p.Namespace + "/" + p.Name)
	}
}
