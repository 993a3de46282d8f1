package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Config describes one controller's loop.
type Config struct {
	// Name names the queue in logs and metrics, e.g. "replicaset". Required.
	Name string
	// Sync handles one key. An error retries the key with back-off. Required.
	Sync func(ctx context.Context, key string) error
	// Workers is how many keys are handled at once. Default 1.
	Workers int
	// Synced are the informers that must have synced before the first key is handled.
	Synced []cache.InformerSynced
	// Logger; default slog.Default().
	Logger *slog.Logger
	// RateLimiter sets the back-off of failed keys; default client-go's controller
	// limiter (5 ms doubling to 1000 s, and 10 per second overall).
	RateLimiter workqueue.TypedRateLimiter[string]
}

// Queue is a controller's work queue and the goroutines that drain it.
type Queue struct {
	cfg   Config
	queue workqueue.TypedRateLimitingInterface[string]
}

// New makes a queue; nothing runs until Run.
func New(cfg Config) *Queue {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RateLimiter == nil {
		cfg.RateLimiter = workqueue.DefaultTypedControllerRateLimiter[string]()
	}
	return &Queue{cfg: cfg, queue: workqueue.NewTypedRateLimitingQueueWithConfig(
		cfg.RateLimiter,
		workqueue.TypedRateLimitingQueueConfig[string]{Name: cfg.Name})}
}

// Add queues key now.
func (q *Queue) Add(key string) { q.queue.Add(key) }

// AddAfter queues key after d, as for a condition that becomes true with time.
func (q *Queue) AddAfter(key string, d time.Duration) { q.queue.AddAfter(key, d) }

// AddRateLimited queues key after its back-off.
func (q *Queue) AddRateLimited(key string) { q.queue.AddRateLimited(key) }

// Forget resets key's back-off.
func (q *Queue) Forget(key string) { q.queue.Forget(key) }

// ShutDown stops the queue without Run, for a controller that returns before it;
// it is safe to call more than once and after Run.
func (q *Queue) ShutDown() { q.queue.ShutDown() }

// Len is how many keys wait.
func (q *Queue) Len() int { return q.queue.Len() }

// Run waits for the informers, drains the queue with the configured workers until ctx
// ends, then shuts the queue down and waits for the workers. It returns at once, with
// nothing handled, when ctx ends before the informers sync.
func (q *Queue) Run(ctx context.Context) {
	defer q.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), q.cfg.Synced...) {
		return
	}
	q.cfg.Logger.Info("started", "workers", q.cfg.Workers)
	var wg sync.WaitGroup
	for range q.cfg.Workers {
		wg.Go(func() {
			for q.next(ctx) {
			}
		})
	}
	<-ctx.Done()
	q.queue.ShutDown()
	wg.Wait()
}

func (q *Queue) next(ctx context.Context) bool {
	key, quit := q.queue.Get()
	if quit {
		return false
	}
	defer q.queue.Done(key)
	if err := q.cfg.Sync(ctx, key); err != nil {
		if ctx.Err() == nil {
			q.cfg.Logger.Warn("sync failed; will retry", "key", key, "err", err)
			q.queue.AddRateLimited(key)
		}
		return true
	}
	q.queue.Forget(key)
	return true
}
