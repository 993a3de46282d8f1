package cronjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	batchinformers "k8s.io/client-go/informers/batch/v1"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"kite/controllers/worker"
)

// controllerKind is what a CronJob's Jobs name as their controller.
var controllerKind = batchv1.SchemeGroupVersion.WithKind("CronJob")

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// CronJobs and Jobs are shared informers. Required.
	CronJobs batchinformers.CronJobInformer
	Jobs     batchinformers.JobInformer
	// Workers is how many CronJobs are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock tells the time schedules are read against; default the real clock.
	Clock clock.Clock
}

// Controller creates CronJobs' Jobs on schedule.
type Controller struct {
	client    kubernetes.Interface
	logger    *slog.Logger
	clock     clock.Clock
	cjLister  batchlisters.CronJobLister
	jobLister batchlisters.JobLister
	queue     *worker.Queue
	recorder  *worker.Recorder
	handlers  worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.CronJobs == nil || cfg.Jobs == nil {
		return nil, errors.New("cronjob controller: Client, CronJobs and Jobs are required")
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
		client:    cfg.Client,
		logger:    cfg.Logger.With("controller", "cronjob"),
		clock:     cfg.Clock,
		cjLister:  cfg.CronJobs.Lister(),
		jobLister: cfg.Jobs.Lister(),
		recorder:  worker.NewRecorder(cfg.Client, "cronjob-controller"),
	}
	cjInf, jobInf := cfg.CronJobs.Informer(), cfg.Jobs.Informer()
	c.queue = worker.New(worker.Config{Name: "cronjob", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{cjInf.HasSynced, jobInf.HasSynced}, Logger: c.logger})
	if err := c.handlers.Add(cjInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, cur any) { c.enqueue(cur) },
		DeleteFunc: c.enqueue,
	}); err != nil {
		return nil, fmt.Errorf("cronjob controller: %w", err)
	}
	if err := c.handlers.Add(jobInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueOwner,
		UpdateFunc: func(_, cur any) { c.enqueueOwner(cur) },
		DeleteFunc: c.enqueueOwner,
	}); err != nil {
		return nil, fmt.Errorf("cronjob controller: %w", err)
	}
	return c, nil
}

// Run syncs CronJobs until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	c.queue.Run(ctx)
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) enqueue(obj any) {
	if cj, ok := worker.Object[*batchv1.CronJob](obj); ok {
		c.queue.Add(keyOf(cj.Namespace, cj.Name))
	}
}

// enqueueOwner queues the CronJob that controls a Job.
func (c *Controller) enqueueOwner(obj any) {
	j, ok := worker.Object[*batchv1.Job](obj)
	if !ok {
		return
	}
	ref := metav1.GetControllerOf(j)
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return
	}
	c.queue.Add(keyOf(j.Namespace, ref.Name))
}
