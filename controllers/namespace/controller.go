package namespace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/time/rate"
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

	"kite/controllers/worker"
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
	logger   *slog.Logger
	lister   corelisters.NamespaceLister
	queue    *worker.Queue
	deleter  *deleter
	handlers worker.Handlers
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
		logger: cfg.Logger.With("controller", "namespace"),
		lister: cfg.Namespaces.Lister(),
		deleter: &deleter{
			client:      cfg.Client,
			metadata:    cfg.Metadata,
			discover:    cfg.DiscoverResources,
			clock:       cfg.Clock,
			unsupported: map[verbKey]bool{},
		},
	}
	inf := cfg.Namespaces.Informer()
	c.queue = worker.New(worker.Config{Name: "namespace", Sync: c.pass, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{inf.HasSynced}, Logger: c.logger, RateLimiter: rateLimiter()})
	// Failed passes are retried through the rate-limited queue, so no periodic
	// resync is needed (the shared informers have none).
	if err := c.handlers.Add(inf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("namespace controller: %w", err)
	}
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

// rateLimiter is upstream's for namespaces: a failed pass is retried with back-off
// doubling from 5 ms but never more than a minute apart (a namespace must not wait
// long once what held it is gone), at most 10 retries a second overall.
func rateLimiter() workqueue.TypedRateLimiter[string] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, time.Minute),
		&workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}

// Run processes namespaces until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	c.queue.Run(ctx)
}

// pass is one pass over namespace name, as the queue's sync. Content still being
// deleted is not a failure: the namespace is looked at again when it should be gone,
// without back-off (the queue forgets the key's failures on a nil return).
func (c *Controller) pass(ctx context.Context, name string) error {
	err := c.sync(ctx, name)
	var remaining *remainingError
	if errors.As(err, &remaining) {
		c.queue.AddAfter(name, remaining.estimate/2+time.Second)
		return nil
	}
	return err
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
