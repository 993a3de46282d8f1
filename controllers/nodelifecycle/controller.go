package nodelifecycle

import (
	"context"
	"errors"
	"log/slog"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	coordinformers "k8s.io/client-go/informers/coordination/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"kite/controllers/worker"
)

// Upstream's defaults.
const (
	defaultGracePeriod   = 40 * time.Second
	defaultMonitorPeriod = 5 * time.Second
	// leaseNamespace holds the nodes' heartbeat Leases.
	leaseNamespace = corev1.NamespaceNodeLease
	// podsByNode indexes the pod informer by spec.nodeName.
	podsByNode = "nodelifecycle.kite.dev/nodeName"
)

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Nodes, Leases and Pods are shared informers. Required.
	Nodes  coreinformers.NodeInformer
	Leases coordinformers.LeaseInformer
	Pods   coreinformers.PodInformer
	// GracePeriod is how long a node may go without a heartbeat before it is Unknown;
	// default 40s.
	GracePeriod time.Duration
	// MonitorPeriod is how often every node is looked at; default 5s.
	MonitorPeriod time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.WithTicker
	// NodeEvents and PodEvents record events; default recorders of the node-controller
	// and taint-eviction-controller components, sending through Client.
	NodeEvents, PodEvents record.EventRecorder
}

// Controller is the node lifecycle and taint eviction controller.
type Controller struct {
	client        kubernetes.Interface
	logger        *slog.Logger
	clock         clock.WithTicker
	grace         time.Duration
	monitor       time.Duration
	nodes         corelisters.NodeLister
	leases        coordlisters.LeaseLister
	pods          corelisters.PodLister
	podIndex      cache.Indexer
	synced        []cache.InformerSynced
	nodeQueue     *worker.Queue
	podQueue      *worker.Queue
	nodeEvents    record.EventRecorder
	podEvents     record.EventRecorder
	startRecorder func() (stop func())
	handlers      worker.Handlers
	// started is when Run began: a node's heartbeat counts as no older than that, so
	// a controller (or server) that was down longer than the grace period gives every
	// node a full grace period to renew before marking it, as upstream does by timing
	// heartbeats from when it first observes them.
	started time.Time
}

// New checks cfg and makes the controller.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Nodes == nil || cfg.Leases == nil || cfg.Pods == nil {
		return nil, errors.New("nodelifecycle controller: Client, Nodes, Leases and Pods are required")
	}
	if cfg.GracePeriod <= 0 {
		cfg.GracePeriod = defaultGracePeriod
	}
	if cfg.MonitorPeriod <= 0 {
		cfg.MonitorPeriod = defaultMonitorPeriod
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	c := &Controller{
		client:        cfg.Client,
		logger:        cfg.Logger.With("controller", "nodelifecycle"),
		clock:         cfg.Clock,
		grace:         cfg.GracePeriod,
		monitor:       cfg.MonitorPeriod,
		nodes:         cfg.Nodes.Lister(),
		leases:        cfg.Leases.Lister(),
		pods:          cfg.Pods.Lister(),
		podIndex:      cfg.Pods.Informer().GetIndexer(),
		nodeEvents:    cfg.NodeEvents,
		podEvents:     cfg.PodEvents,
		startRecorder: func() func() { return func() {} },
		synced: []cache.InformerSynced{cfg.Nodes.Informer().HasSynced, cfg.Leases.Informer().HasSynced,
			cfg.Pods.Informer().HasSynced},
	}
	if c.nodeEvents == nil || c.podEvents == nil {
		nodeRec := worker.NewRecorder(cfg.Client, "node-controller")
		podRec := worker.NewRecorder(cfg.Client, "taint-eviction-controller")
		c.nodeEvents, c.podEvents = nodeRec, podRec
		c.startRecorder = func() func() {
			a, b := nodeRec.Start(), podRec.Start()
			return func() { a(); b() }
		}
	}
	if err := cfg.Pods.Informer().AddIndexers(cache.Indexers{podsByNode: func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}, nil
		}
		return nil, nil
	}}); err != nil {
		return nil, err
	}
	c.nodeQueue = worker.New(worker.Config{Name: "nodelifecycle", Sync: c.syncNodeKey, Workers: 2, Synced: c.synced, Logger: c.logger})
	c.podQueue = worker.New(worker.Config{Name: "taint-eviction", Sync: c.syncPodKey, Workers: 4, Synced: c.synced, Logger: c.logger})
	if err := c.handlers.Add(cfg.Nodes.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.nodeChanged(nil, obj) },
		UpdateFunc: c.nodeChanged,
	}); err != nil {
		return nil, err
	}
	if err := c.handlers.Add(cfg.Leases.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.leaseChanged,
		UpdateFunc: func(_, obj any) { c.leaseChanged(obj) },
	}); err != nil {
		return nil, err
	}
	if err := c.handlers.Add(cfg.Pods.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podChanged,
		UpdateFunc: func(_, obj any) { c.podChanged(obj) },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Controller) nodeChanged(old, obj any) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	c.nodeQueue.Add(n.Name)
	// A change of NoExecute taints changes every pod's eviction time.
	if o, ok := old.(*corev1.Node); ok && taintsEqual(noExecute(o.Spec.Taints), noExecute(n.Spec.Taints)) {
		return
	}
	c.enqueuePodsOn(n.Name)
}

func (c *Controller) leaseChanged(obj any) {
	if l, ok := obj.(*coordv1.Lease); ok && l.Namespace == leaseNamespace {
		c.nodeQueue.Add(l.Name)
	}
}

func (c *Controller) podChanged(obj any) {
	if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" && p.DeletionTimestamp == nil {
		c.podQueue.Add(p.Namespace + "/" + p.Name)
	}
}

func (c *Controller) enqueuePodsOn(node string) {
	for _, obj := range c.podsOn(node) {
		c.podQueue.Add(obj.Namespace + "/" + obj.Name)
	}
}

// podsOn are the pods bound to node, from the informer.
func (c *Controller) podsOn(node string) []*corev1.Pod {
	objs, err := c.podIndex.ByIndex(podsByNode, node)
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

// Run runs both queues and looks at every node each MonitorPeriod until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.startRecorder()()
	c.started = c.clock.Now()
	done := make(chan struct{}, 2)
	go func() { c.nodeQueue.Run(ctx); done <- struct{}{} }()
	go func() { c.podQueue.Run(ctx); done <- struct{}{} }()
	if cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		c.logger.Info("started", "gracePeriod", c.grace, "monitorPeriod", c.monitor)
		t := c.clock.NewTicker(c.monitor)
	loop:
		for {
			select {
			case <-ctx.Done():
				break loop
			case <-t.C():
				nodes, err := c.nodes.List(labels.Everything())
				if err != nil {
					continue
				}
				for _, n := range nodes {
					c.nodeQueue.Add(n.Name)
				}
			}
		}
		t.Stop()
	}
	<-done
	<-done
}

func (c *Controller) syncNodeKey(ctx context.Context, name string) error {
	after, err := c.syncNode(ctx, name)
	if err == nil && after > 0 {
		c.nodeQueue.AddAfter(name, after)
	}
	return err
}

func (c *Controller) syncPodKey(ctx context.Context, key string) error {
	after, err := c.syncPod(ctx, key)
	if err == nil && after > 0 {
		c.podQueue.AddAfter(key, after)
	}
	return err
}
