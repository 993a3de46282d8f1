package statefulset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"kite/controllers/history"
	"kite/controllers/worker"
)

// controllerKind is what a StatefulSet's pods, claims and revisions name as their
// controller.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// StatefulSets, Pods, Claims and Revisions are shared informers. Required.
	StatefulSets appsinformers.StatefulSetInformer
	Pods         coreinformers.PodInformer
	Claims       coreinformers.PersistentVolumeClaimInformer
	Revisions    appsinformers.ControllerRevisionInformer
	// Workers is how many StatefulSets are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.Clock
}

// Controller keeps StatefulSets' pods, claims and revisions.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	clock    clock.Clock
	sets     appslisters.StatefulSetLister
	pods     corelisters.PodLister
	history  *history.History
	queue    *worker.Queue
	recorder *worker.Recorder
	updater  *updater
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.StatefulSets == nil || cfg.Pods == nil || cfg.Claims == nil || cfg.Revisions == nil {
		return nil, errors.New("statefulset controller: Client, StatefulSets, Pods, Claims and Revisions are required")
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
	hist, err := history.New(history.Config{Client: cfg.Client, Lister: cfg.Revisions.Lister()})
	if err != nil {
		return nil, fmt.Errorf("statefulset controller: %w", err)
	}
	c := &Controller{
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "statefulset"),
		clock:    cfg.Clock,
		sets:     cfg.StatefulSets.Lister(),
		pods:     cfg.Pods.Lister(),
		history:  hist,
		recorder: worker.NewRecorder(cfg.Client, "statefulset-controller"),
	}
	c.updater = &updater{
		pods:   &apiPodControl{client: cfg.Client, pods: c.pods, claims: cfg.Claims.Lister(), recorder: c.recorder},
		events: c.recorder,
		logger: c.logger,
		now:    c.clock.Now,
	}
	setInf, podInf := cfg.StatefulSets.Informer(), cfg.Pods.Informer()
	c.queue = worker.New(worker.Config{Name: "statefulset", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{setInf.HasSynced, podInf.HasSynced, cfg.Claims.Informer().HasSynced, cfg.Revisions.Informer().HasSynced},
		Logger: c.logger})
	if err := c.handlers.Add(setInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueSet,
		UpdateFunc: func(_, cur any) { c.enqueueSet(cur) },
		DeleteFunc: c.enqueueSet,
	}); err != nil {
		return nil, fmt.Errorf("statefulset controller: %w", err)
	}
	if err := c.handlers.Add(podInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	}); err != nil {
		return nil, fmt.Errorf("statefulset controller: %w", err)
	}
	// Claims and revisions are read from their caches only; the informers must run.
	if err := c.handlers.Add(cfg.Claims.Informer(), cache.ResourceEventHandlerFuncs{}); err != nil {
		return nil, fmt.Errorf("statefulset controller: %w", err)
	}
	if err := c.handlers.Add(cfg.Revisions.Informer(), cache.ResourceEventHandlerFuncs{}); err != nil {
		return nil, fmt.Errorf("statefulset controller: %w", err)
	}
	return c, nil
}

// Run syncs StatefulSets until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	c.queue.Run(ctx)
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) enqueueSet(obj any) {
	if set, ok := worker.Object[*appsv1.StatefulSet](obj); ok {
		c.queue.Add(keyOf(set.Namespace, set.Name))
	}
}

// controllerOf returns the StatefulSet that controls pod, or nil.
func (c *Controller) controllerOf(pod *corev1.Pod) *appsv1.StatefulSet {
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return nil
	}
	set, err := c.sets.StatefulSets(pod.Namespace).Get(ref.Name)
	if err != nil || set.UID != ref.UID {
		return nil
	}
	return set
}

// enqueueMatching queues the StatefulSets that could adopt the orphan pod.
func (c *Controller) enqueueMatching(pod *corev1.Pod) {
	sets, err := c.sets.StatefulSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, set := range sets {
		sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		c.enqueueSet(set)
	}
}

func (c *Controller) addPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.DeletionTimestamp != nil {
		c.deletePod(pod)
		return
	}
	if set := c.controllerOf(pod); set != nil {
		c.enqueueSet(set)
		return
	}
	if metav1.GetControllerOf(pod) == nil {
		c.enqueueMatching(pod)
	}
}

func (c *Controller) updatePod(old, cur any) {
	o, ok1 := old.(*corev1.Pod)
	n, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 || o.ResourceVersion == n.ResourceVersion {
		return
	}
	oldRef, newRef := metav1.GetControllerOf(o), metav1.GetControllerOf(n)
	if oldRef != nil && (newRef == nil || oldRef.UID != newRef.UID) {
		if set := c.controllerOf(o); set != nil {
			c.enqueueSet(set)
		}
	}
	if newRef != nil {
		if set := c.controllerOf(n); set != nil {
			c.enqueueSet(set)
			// Available only minReadySeconds after ready: look again then.
			if !isRunningAndReady(o) && isRunningAndReady(n) && set.Spec.MinReadySeconds > 0 {
				c.queue.AddAfter(keyOf(set.Namespace, set.Name), time.Duration(set.Spec.MinReadySeconds)*time.Second)
			}
		}
		return
	}
	c.enqueueMatching(n)
}

func (c *Controller) deletePod(obj any) {
	pod, ok := worker.Object[*corev1.Pod](obj)
	if !ok {
		return
	}
	if set := c.controllerOf(pod); set != nil {
		c.enqueueSet(set)
	}
}
