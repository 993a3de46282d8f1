package garbagecollector

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Config is what the collector needs.
type Config struct {
	// Metadata reads, patches and deletes objects as PartialObjectMetadata. Required.
	Metadata metadata.Interface
	// Discovery lists the resources to watch and maps owner kinds to resources.
	// Required.
	Discovery discovery.DiscoveryInterface
	// Informers are the controllers' shared informers of typed objects, started before
	// Run: a resource one of them watches is followed through it (monitors.go).
	// Optional.
	Informers informers.SharedInformerFactory
	// RediscoverEvery is how often the resources are rediscovered. Default 30s, as
	// upstream.
	RediscoverEvery time.Duration
	// DeleteWorkers and OrphanWorkers size the two queues' worker pools. Defaults 5, 2.
	DeleteWorkers, OrphanWorkers int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Collector is the garbage collector.
type Collector struct {
	cfg      Config
	logger   *slog.Logger
	metadata metadata.Interface
	graph    *graph
	toDelete workqueue.TypedRateLimitingInterface[ref]
	toOrphan workqueue.TypedRateLimitingInterface[ref]

	// typed are the types of Informers' started informers, read once they synced.
	typed map[reflect.Type]bool

	mu       sync.Mutex
	mapper   meta.RESTMapper
	monitors map[schema.GroupVersionResource]*monitor
	absent   map[types.UID]struct{}
}

// New makes the collector; Run starts it.
func New(cfg Config) (*Collector, error) {
	if cfg.Metadata == nil || cfg.Discovery == nil {
		return nil, errors.New("garbage collector: Metadata and Discovery are required")
	}
	if cfg.RediscoverEvery <= 0 {
		cfg.RediscoverEvery = 30 * time.Second
	}
	if cfg.DeleteWorkers <= 0 {
		cfg.DeleteWorkers = 5
	}
	if cfg.OrphanWorkers <= 0 {
		cfg.OrphanWorkers = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Collector{
		cfg:      cfg,
		logger:   cfg.Logger.With("controller", "garbagecollector"),
		metadata: cfg.Metadata,
		graph:    newGraph(),
		toDelete: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[ref](),
			workqueue.TypedRateLimitingQueueConfig[ref]{Name: "garbage_collector_attempt_to_delete"}),
		toOrphan: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[ref](),
			workqueue.TypedRateLimitingQueueConfig[ref]{Name: "garbage_collector_attempt_to_orphan"}),
		monitors: map[schema.GroupVersionResource]*monitor{},
		absent:   map[types.UID]struct{}{},
	}, nil
}

// Run watches the resources and collects garbage until ctx ends; it returns once its
// informers and workers have stopped.
func (c *Collector) Run(ctx context.Context) {
	defer c.stopMonitors()
	defer c.toDelete.ShutDown()
	defer c.toOrphan.ShutDown()

	if c.cfg.Informers != nil {
		// The controllers' informers, synced, so that the monitors built on them start
		// with a full cache as their own informers would.
		c.typed = c.cfg.Informers.WaitForCacheSync(ctx.Done())
	}
	// Discovery first: the workers need the informers synced and the mapper set.
	for !c.rediscover(ctx) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	if !cache.WaitForCacheSync(ctx.Done(), c.syncedFuncs()...) {
		return
	}
	c.logger.Info("started", "resources", c.monitorCount())

	var wg sync.WaitGroup
	for range c.cfg.DeleteWorkers {
		wg.Go(func() {
			for c.next(ctx, c.toDelete, c.attemptToDelete) {
			}
		})
	}
	for range c.cfg.OrphanWorkers {
		wg.Go(func() {
			for c.next(ctx, c.toOrphan, c.attemptToOrphan) {
			}
		})
	}
	ticker := time.NewTicker(c.cfg.RediscoverEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			c.toDelete.ShutDown()
			c.toOrphan.ShutDown()
			wg.Wait()
			return
		case <-ticker.C:
			c.rediscover(ctx)
		}
	}
}

// next processes one item of q with fn; it returns false once q is shut down.
func (c *Collector) next(ctx context.Context, q workqueue.TypedRateLimitingInterface[ref], fn func(context.Context, ref) error) bool {
	r, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(r)
	if err := fn(ctx, r); err != nil && ctx.Err() == nil {
		c.logger.Warn("collecting failed; will retry", "resource", r.gvr.String(), "namespace", r.namespace, "name", r.name, "err", err)
		q.AddRateLimited(r)
		return true
	}
	q.Forget(r)
	return true
}

// queue hands the work a graph change caused to the queues.
func (c *Collector) queue(w work) {
	for _, r := range w.toDelete {
		c.toDelete.Add(r)
	}
	for _, r := range w.toOrphan {
		c.toOrphan.Add(r)
	}
}

// isAbsent and markAbsent remember owners found missing, so many dependents of one
// gone owner cost one lookup. The memory is bounded: when full it starts over.
func (c *Collector) isAbsent(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.absent[uid]
	return ok
}

func (c *Collector) markAbsent(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.absent) >= 1000 {
		c.absent = map[types.UID]struct{}{}
	}
	c.absent[uid] = struct{}{}
}

func (c *Collector) restMapper() meta.RESTMapper {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mapper
}

// ignoreNotFound drops the error that means the object is already gone.
func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
