package endpointslicemirroring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	coreinformers "k8s.io/client-go/informers/core/v1"
	discoveryinformers "k8s.io/client-go/informers/discovery/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/endpointslice"
	"kite/controllers/worker"
)

// ControllerName is the managed-by label value of the slices this controller owns.
const ControllerName = "endpointslicemirroring-controller.k8s.io"

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Services, Endpoints and EndpointSlices are shared informers. Required.
	Services       coreinformers.ServiceInformer
	Endpoints      coreinformers.EndpointsInformer
	EndpointSlices discoveryinformers.EndpointSliceInformer
	// Workers is how many keys are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Controller mirrors hand-written Endpoints into EndpointSlices.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	services corelisters.ServiceLister
	eps      corelisters.EndpointsLister
	slices   discoverylisters.EndpointSliceLister
	queue    *worker.Queue
	tracker  *endpointslice.Tracker
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Services == nil || cfg.Endpoints == nil || cfg.EndpointSlices == nil {
		return nil, errors.New("endpointslicemirroring controller: Client, Services, Endpoints and EndpointSlices are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "endpointslicemirroring"),
		services: cfg.Services.Lister(),
		eps:      cfg.Endpoints.Lister(),
		slices:   cfg.EndpointSlices.Lister(),
		tracker:  endpointslice.NewTracker(),
	}
	svcInf, epInf, sliceInf := cfg.Services.Informer(), cfg.Endpoints.Informer(), cfg.EndpointSlices.Informer()
	c.queue = worker.New(worker.Config{Name: "endpoint_slice_mirroring", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{svcInf.HasSynced, epInf.HasSynced, sliceInf.HasSynced}, Logger: c.logger})
	byKey := cache.ResourceEventHandlerFuncs{AddFunc: c.enqueue, UpdateFunc: func(_, n any) { c.enqueue(n) }, DeleteFunc: c.enqueue}
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{svcInf, byKey},
		{epInf, byKey},
		{sliceInf, c.tracker.SliceEvents(ControllerName, c.queue.Add)},
	}
	for _, h := range handlers {
		if err := c.handlers.Add(h.inf, h.h); err != nil {
			return nil, fmt.Errorf("endpointslicemirroring controller: %w", err)
		}
	}
	return c, nil
}

// Run mirrors until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	c.queue.Run(ctx)
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}
