package namespace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Config is what the controller needs.
type Config struct {
	// Client and Metadata reach the API server. Required.
	Client   kubernetes.Interface
	Metadata metadata.Interface
	// Namespaces is the shared namespace informer. Required.
	Namespaces coreinformers.NamespaceInformer
	// DiscoverResources lists the namespaced resources to empty. Default: the preferred
	// versions of the namespaced resources Client's discovery reports.
	DiscoverResources func() ([]*metav1.APIResourceList, error)
	// Workers is how many namespaces are emptied at once. Default 5.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.Clock
}

// Controller empties and finalizes namespaces that are being deleted.
type Controller struct {
	logger  *slog.Logger
	workers int
	lister  corelisters.NamespaceLister
	synced  cache.InformerSynced
	queue   workqueue.TypedRateLimitingInterface[string]
	deleter *deleter
	handle  cache.ResourceEventHandlerRegistration
	inform  cache.SharedIndexInformer
}

// New makes the controller and registers its handlers with the informer.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Metadata == nil || cfg.Namespaces == nil {
		return nil, errors.New("namespace controller: Client, Metadata and Namespaces are required")
	}
	if cfg.DiscoverResources == nil {
		disc := cfg.Client.Discovery()
		cfg.DiscoverResources = func() ([]*metav1.APIResourceList, error) {
			return discovery.ServerPreferredNamespacedResources(disc)
		}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	c := &Controller{
		logger:  cfg.Logger.With("controller", "namespace"),
		workers: cfg.Workers,
		lister:  cfg.Namespaces.Lister(),
		inform:  cfg.Namespaces.Informer(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "namespace"}),
		deleter: &deleter{
			client:      cfg.Client,
			metadata:    cfg.Metadata,
			discover:    cfg.DiscoverResources,
			clock:       cfg.Clock,
			unsupported: map[verbKey]bool{},
		},
	}
	c.synced = c.inform.HasSynced
	// Failed passes are retried through the rate-limited queue, so no periodic
	// resync is needed (the shared informers have none).
	reg, err := c.inform.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("namespace controller: %w", err)
	}
	c.handle = reg
	return c, nil
}

// enqueue queues a namespace that is being deleted; others need nothing.
func (c *Controller) enqueue(obj any) {
	ns, ok := obj.(*corev1.Namespace)
	if !ok || ns.DeletionTimestamp == nil {
		return
	}
	// Coalesce the bursts of updates a deletion causes (phase, conditions) into one
	// pass, as upstream does.
	c.queue.AddAfter(ns.Name, time.Second/2)
}

// Run processes namespaces until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.queue.ShutDown()
	defer func() { _ = c.inform.RemoveEventHandler(c.handle) }()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	c.logger.Info("started", "workers", c.workers)
	var wg sync.WaitGroup
	for range c.workers {
		wg.Go(func() {
			for c.next(ctx) {
			}
		})
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
}

// next processes one namespace; it returns false once the queue is shut down.
func (c *Controller) next(ctx context.Context) bool {
	name, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(name)
	err := c.sync(ctx, name)
	var remaining *remainingError
	switch {
	case err == nil:
		c.queue.Forget(name)
	case errors.As(err, &remaining):
		// Not a failure: look again when the content should be gone.
		c.queue.Forget(name)
		c.queue.AddAfter(name, remaining.estimate/2)
	case ctx.Err() != nil:
	default:
		c.logger.Warn("emptying namespace failed; will retry", "namespace", name, "err", err)
		c.queue.AddRateLimited(name)
	}
	return true
}

// sync empties the namespace name if it is being deleted.
func (c *Controller) sync(ctx context.Context, name string) error {
	ns, err := c.lister.Get(name)
	if err != nil {
		// Gone from the cache means gone from the API: nothing to do.
		return nil
	}
	if ns.DeletionTimestamp == nil {
		return nil
	}
	start := time.Now()
	err = c.deleter.delete(ctx, name)
	if err == nil {
		c.logger.Info("namespace emptied and finalized", "namespace", name, "took", time.Since(start).Round(time.Millisecond))
	}
	return err
}
