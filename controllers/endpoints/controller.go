package endpoints

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/worker"
)

// Upstream's names for what this controller writes.
const (
	LabelManagedBy = "endpoints.kubernetes.io/managed-by"
	ControllerName = "endpoint-controller"
	// LabelHeadless marks the Endpoints (and slices) of a Service without cluster IP.
	LabelHeadless = "service.kubernetes.io/headless"
	// AnnotationOverCapacity says the addresses were cut at maxCapacity.
	AnnotationOverCapacity = "endpoints.kubernetes.io/over-capacity"
)

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Services, Pods and Endpoints are shared informers. Required.
	Services  coreinformers.ServiceInformer
	Pods      coreinformers.PodInformer
	Endpoints coreinformers.EndpointsInformer
	// Workers is how many Services are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Controller keeps the Endpoints of Services with selectors.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	eps      corelisters.EndpointsLister
	queue    *worker.Queue
	triggers *TriggerTracker
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Services == nil || cfg.Pods == nil || cfg.Endpoints == nil {
		return nil, errors.New("endpoints controller: Client, Services, Pods and Endpoints are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "endpoints"),
		services: cfg.Services.Lister(),
		pods:     cfg.Pods.Lister(),
		eps:      cfg.Endpoints.Lister(),
		triggers: NewTriggerTracker(),
	}
	svcInf, podInf, epInf := cfg.Services.Informer(), cfg.Pods.Informer(), cfg.Endpoints.Informer()
	c.queue = worker.New(worker.Config{Name: "endpoint", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{svcInf.HasSynced, podInf.HasSynced, epInf.HasSynced}, Logger: c.logger})
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{svcInf, cache.ResourceEventHandlerFuncs{AddFunc: c.enqueue, UpdateFunc: func(_, n any) { c.enqueue(n) }, DeleteFunc: c.enqueue}},
		{podInf, cache.ResourceEventHandlerFuncs{AddFunc: c.podChanged, UpdateFunc: c.podUpdated, DeleteFunc: c.podChanged}},
		// A changed or deleted Endpoints that is ours is put right by its Service's sync.
		{epInf, cache.ResourceEventHandlerFuncs{UpdateFunc: func(_, n any) { c.enqueueManaged(n) }, DeleteFunc: c.enqueueManaged, AddFunc: c.enqueueManaged}},
	}
	for _, h := range handlers {
		if err := c.handlers.Add(h.inf, h.h); err != nil {
			return nil, fmt.Errorf("endpoints controller: %w", err)
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
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err == nil {
		c.queue.Add(key)
	}
}

// enqueueManaged queues the Service of an Endpoints this controller wrote, so that
// one left behind by a deleted Service (say while the manager was down) is removed
// and one edited by hand is put back.
func (c *Controller) enqueueManaged(obj any) {
	ep, ok := worker.Object[*corev1.Endpoints](obj)
	if !ok || ep.Labels[LabelManagedBy] != ControllerName {
		return
	}
	c.queue.Add(ep.Namespace + "/" + ep.Name)
}

// servicesFor lists the keys of the Services whose selector picks pod.
func (c *Controller) servicesFor(pod *corev1.Pod) []string {
	svcs, err := c.services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var keys []string
	for _, s := range svcs {
		if s.Spec.Selector == nil {
			continue
		}
		if labels.SelectorFromValidatedSet(s.Spec.Selector).Matches(labels.Set(pod.Labels)) {
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
	keys := map[string]bool{}
	for _, k := range c.servicesFor(n) {
		keys[k] = true
	}
	if !labels.Equals(o.Labels, n.Labels) {
		for _, k := range c.servicesFor(o) {
			keys[k] = true
		}
	}
	for k := range keys {
		c.queue.Add(k)
	}
}
