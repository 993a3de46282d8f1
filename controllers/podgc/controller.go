package podgc

import (
	"context"
	"errors"
	"log/slog"
	"time"

	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
)

// Upstream's defaults.
const (
	defaultThreshold  = 12500
	defaultPeriod     = 20 * time.Second
	defaultQuarantine = 40 * time.Second
)

// Config is what the collector needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Pods and Nodes are shared informers. Required.
	Pods  coreinformers.PodInformer
	Nodes coreinformers.NodeInformer
	// TerminatedPodThreshold is how many terminated pods may exist before the oldest
	// are deleted (kube-controller-manager's --terminated-pod-gc-threshold). Zero
	// means the default, 12500; a negative value turns that collection off.
	TerminatedPodThreshold int
	// Period between collections; default 20s.
	Period time.Duration
	// Quarantine is how long a node must be missing before its pods are deleted;
	// default 40s.
	Quarantine time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.WithTicker
}

// Controller is the pod garbage collector.
type Controller struct {
	client     kubernetes.Interface
	logger     *slog.Logger
	clock      clock.WithTicker
	threshold  int
	period     time.Duration
	quarantine time.Duration
	pods       corelisters.PodLister
	nodes      corelisters.NodeLister
	synced     []cache.InformerSynced
	// missing holds when each node named by a pod was first seen missing; only the
	// Run goroutine touches it.
	missing map[string]time.Time
}

// New checks cfg and makes the collector.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Pods == nil || cfg.Nodes == nil {
		return nil, errors.New("podgc controller: Client, Pods and Nodes are required")
	}
	if cfg.TerminatedPodThreshold == 0 {
		cfg.TerminatedPodThreshold = defaultThreshold
	}
	if cfg.Period <= 0 {
		cfg.Period = defaultPeriod
	}
	if cfg.Quarantine <= 0 {
		cfg.Quarantine = defaultQuarantine
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	return &Controller{
		client:     cfg.Client,
		logger:     cfg.Logger.With("controller", "podgc"),
		clock:      cfg.Clock,
		threshold:  cfg.TerminatedPodThreshold,
		period:     cfg.Period,
		quarantine: cfg.Quarantine,
		pods:       cfg.Pods.Lister(),
		nodes:      cfg.Nodes.Lister(),
		synced:     []cache.InformerSynced{cfg.Pods.Informer().HasSynced, cfg.Nodes.Informer().HasSynced},
		missing:    map[string]time.Time{},
	}, nil
}

// Run collects every Period until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.logger.Info("started", "period", c.period, "quarantine", c.quarantine, "threshold", c.threshold)
	t := c.clock.NewTicker(c.period)
	defer t.Stop()
	for {
		c.collect(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
	}
}
