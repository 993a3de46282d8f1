package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	coreinformers "k8s.io/client-go/informers/core/v1"
	discoveryinformers "k8s.io/client-go/informers/discovery/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/endpoints"
	"kite/controllers/worker"
)

// ControllerName is the managed-by label value of the slices this controller owns.
const ControllerName = "endpointslice-controller.k8s.io"

// maxEndpointsPerSlice is upstream's default --max-endpoints-per-slice.
const maxEndpointsPerSlice = 100

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Services, Pods, Nodes and EndpointSlices are shared informers. Required.
	Services       coreinformers.ServiceInformer
	Pods           coreinformers.PodInformer
	Nodes          coreinformers.NodeInformer
	EndpointSlices discoveryinformers.EndpointSliceInformer
	// MaxEndpointsPerSlice; default 100, as upstream.
	MaxEndpointsPerSlice int
	// Workers is how many Services are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Controller keeps the EndpointSlices of Services with selectors.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	max      int
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	slices   discoverylisters.EndpointSliceLister
	queue    *worker.Queue
	tracker  *Tracker
	triggers *endpoints.TriggerTracker
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Services == nil || cfg.Pods == nil || cfg.Nodes == nil || cfg.EndpointSlices == nil {
		return nil, errors.New("endpointslice controller: Client, Services, Pods, Nodes and EndpointSlices are required")
	}
	if cfg.MaxEndpointsPerSlice <= 0 {
		cfg.MaxEndpointsPerSlice = maxEndpointsPerSlice
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "endpointslice"),
		max:      cfg.MaxEndpointsPerSlice,
		services: cfg.Services.Lister(),
		pods:     cfg.Pods.Lister(),
		nodes:    cfg.Nodes.Lister(),
		slices:   cfg.EndpointSlices.Lister(),
		tracker:  NewTracker(),
		triggers: endpoints.NewTriggerTracker(),
	}
	svcInf, podInf, nodeInf, sliceInf := cfg.Services.Informer(), cfg.Pods.Informer(), cfg.Nodes.Informer(), cfg.EndpointSlices.Informer()
	c.queue = worker.New(worker.Config{Name: "endpoint_slice", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{svcInf.HasSynced, podInf.HasSynced, nodeInf.HasSynced, sliceInf.HasSynced}, Logger: c.logger})
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{svcInf, cache.ResourceEventHandlerFuncs{AddFunc: c.enqueue, UpdateFunc: func(_, n any) { c.enqueue(n) }, DeleteFunc: c.enqueue}},
		{podInf, cache.ResourceEventHandlerFuncs{AddFunc: c.podChanged, UpdateFunc: c.podUpdated, DeleteFunc: c.podChanged}},
		{nodeInf, cache.ResourceEventHandlerFuncs{UpdateFunc: c.nodeUpdated}},
		{sliceInf, c.tracker.SliceEvents(ControllerName, c.queue.Add)},
	}
	for _, h := range handlers {
		if err := c.handlers.Add(h.inf, h.h); err != nil {
			return nil, fmt.Errorf("endpointslice controller: %w", err)
		}
	}
	return c, nil
}

// Run syncs Services until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	c.queue.Run(ctx)
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func (c *Controller) servicesFor(pod *corev1.Pod) []string {
	svcs, err := c.services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var keys []string
	for _, s := range svcs {
		if s.Spec.Selector != nil && labels.SelectorFromValidatedSet(s.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			keys = append(keys, s.Namespace+"/"+s.Name)
		}
	}
	return keys
}

func (c *Controller) podChanged(obj any) {
	if pod, ok := worker.Object[*corev1.Pod](obj); ok {
		for _, k := range c.servicesFor(pod) {
			c.queue.Add(k)
		}
	}
}

func (c *Controller) podUpdated(old, cur any) {
	o, ok1 := old.(*corev1.Pod)
	n, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 || o.ResourceVersion == n.ResourceVersion {
		return
	}
	for _, k := range c.servicesFor(n) {
		c.queue.Add(k)
	}
	if !labels.Equals(o.Labels, n.Labels) {
		for _, k := range c.servicesFor(o) {
			c.queue.Add(k)
		}
	}
}

// nodeUpdated resyncs the Services of the node's pods when its zone changes.
func (c *Controller) nodeUpdated(old, cur any) {
	o, ok1 := old.(*corev1.Node)
	n, ok2 := cur.(*corev1.Node)
	if !ok1 || !ok2 || o.Labels[corev1.LabelTopologyZone] == n.Labels[corev1.LabelTopologyZone] {
		return
	}
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return
	}
	for _, p := range pods {
		if p.Spec.NodeName == n.Name {
			c.podChanged(p)
		}
	}
}
