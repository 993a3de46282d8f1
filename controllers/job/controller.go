package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	batchinformers "k8s.io/client-go/informers/batch/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"kite/controllers/worker"
)

// controllerKind is what a Job's pods name as their controller.
var controllerKind = batchv1.SchemeGroupVersion.WithKind("Job")

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Jobs and Pods are shared informers. Required.
	Jobs batchinformers.JobInformer
	Pods coreinformers.PodInformer
	// Workers is how many Jobs are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.Clock
}

// Controller runs Jobs' pods to completion.
type Controller struct {
	client    kubernetes.Interface
	logger    *slog.Logger
	clock     clock.Clock
	jobLister batchlisters.JobLister
	podLister corelisters.PodLister
	queue     *worker.Queue
	expect    *expectations
	recorder  *worker.Recorder
	handlers  worker.Handlers

	// written remembers, per Job key, the resourceVersion of the last status this
	// controller wrote, so a sync never acts on an older copy from a lagging cache
	// (it would count pods whose finalizers it already removed as not counted).
	mu      sync.Mutex
	written map[string]uint64
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Jobs == nil || cfg.Pods == nil {
		return nil, errors.New("job controller: Client, Jobs and Pods are required")
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
		logger:    cfg.Logger.With("controller", "job"),
		clock:     cfg.Clock,
		jobLister: cfg.Jobs.Lister(),
		podLister: cfg.Pods.Lister(),
		expect:    newExpectations(cfg.Clock),
		recorder:  worker.NewRecorder(cfg.Client, "job-controller"),
		written:   map[string]uint64{},
	}
	jobInf, podInf := cfg.Jobs.Informer(), cfg.Pods.Informer()
	c.queue = worker.New(worker.Config{Name: "job", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{jobInf.HasSynced, podInf.HasSynced}, Logger: c.logger})
	if err := c.handlers.Add(jobInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueJob,
		UpdateFunc: func(_, cur any) { c.enqueueJob(cur) },
		DeleteFunc: c.deleteJob,
	}); err != nil {
		return nil, fmt.Errorf("job controller: %w", err)
	}
	if err := c.handlers.Add(podInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	}); err != nil {
		return nil, fmt.Errorf("job controller: %w", err)
	}
	return c, nil
}

// Run syncs Jobs until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	c.queue.Run(ctx)
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) enqueueJob(obj any) {
	if j, ok := obj.(*batchv1.Job); ok {
		c.queue.Add(keyOf(j.Namespace, j.Name))
	}
}

func (c *Controller) deleteJob(obj any) {
	if j, ok := worker.Object[*batchv1.Job](obj); ok {
		c.queue.Add(keyOf(j.Namespace, j.Name))
	}
}

// wrote records the resourceVersion of a status this controller wrote.
func (c *Controller) wrote(key string, j *batchv1.Job) {
	rv, err := strconv.ParseUint(j.ResourceVersion, 10, 64)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written[key] = max(c.written[key], rv)
}

// stale reports whether the cached j is older than a status this controller wrote.
// Kite's resourceVersions are the store's increasing revision, so they compare.
func (c *Controller) stale(key string, j *batchv1.Job) bool {
	rv, err := strconv.ParseUint(j.ResourceVersion, 10, 64)
	if err != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return rv < c.written[key]
}

func (c *Controller) forgetJob(key string) {
	c.expect.forget(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.written, key)
}

// jobOf returns the key of the Job that controls pod, or "".
func (c *Controller) jobOf(pod *corev1.Pod) string {
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return ""
	}
	j, err := c.jobLister.Jobs(pod.Namespace).Get(ref.Name)
	if err != nil || j.UID != ref.UID {
		return ""
	}
	return keyOf(j.Namespace, j.Name)
}

// enqueueMatching queues the Jobs whose selector selects an orphan pod.
func (c *Controller) enqueueMatching(pod *corev1.Pod) {
	jobs, err := c.jobLister.Jobs(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, j := range jobs {
		sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(pod.Labels)) {
			c.enqueueJob(j)
		}
	}
}

func (c *Controller) addPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if key := c.jobOf(pod); key != "" {
		c.expect.creationObserved(key)
		if pod.DeletionTimestamp != nil {
			c.expect.deletionObserved(key, pod.Name)
		}
		c.queue.Add(key)
		return
	}
	c.enqueueOrphan(pod)
	if metav1.GetControllerOf(pod) == nil && pod.DeletionTimestamp == nil {
		c.enqueueMatching(pod)
	}
}

// enqueueOrphan queues a pod that holds the tracking finalizer but whose Job the
// cache does not know: syncOrphan releases it if its Job is really gone.
func (c *Controller) enqueueOrphan(pod *corev1.Pod) {
	if hasFinalizer(pod) {
		c.queue.Add(orphanPrefix + keyOf(pod.Namespace, pod.Name))
	}
}

func (c *Controller) updatePod(old, cur any) {
	o, ok1 := old.(*corev1.Pod)
	n, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 {
		return
	}
	key := c.jobOf(n)
	if key == "" {
		if ok := c.jobOf(o); ok != "" {
			c.queue.Add(ok)
		} else if metav1.GetControllerOf(n) == nil && n.DeletionTimestamp == nil {
			c.enqueueMatching(n)
		}
		c.enqueueOrphan(n)
		return
	}
	if n.DeletionTimestamp != nil {
		c.expect.deletionObserved(key, n.Name)
	}
	if !hasFinalizer(n) {
		c.expect.finalizerRemovalObserved(key, string(n.UID))
	}
	c.queue.Add(key)
}

func (c *Controller) deletePod(obj any) {
	pod, ok := worker.Object[*corev1.Pod](obj)
	if !ok {
		return
	}
	key := c.jobOf(pod)
	if key == "" {
		return
	}
	c.expect.deletionObserved(key, pod.Name)
	c.expect.finalizerRemovalObserved(key, string(pod.UID))
	c.queue.Add(key)
}
