package daemonset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/utils/clock"

	"kite/controllers/history"
	"kite/controllers/worker"
)

// controllerKind is the kind daemon pods and revisions name as their controller.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// burstReplicas caps the pods one sync creates or deletes, as upstream.
const burstReplicas = 250

// Back-off for nodes whose daemon pod keeps failing, as upstream: from 1s doubling to 15m.
const (
	failedBackoffInitial = time.Second
	failedBackoffMax     = 15 * time.Minute
	backoffGCInterval    = time.Minute
)

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Shared informers. All required.
	DaemonSets appsinformers.DaemonSetInformer
	Pods       coreinformers.PodInformer
	Nodes      coreinformers.NodeInformer
	Revisions  appsinformers.ControllerRevisionInformer
	// Workers is how many DaemonSets are synced at once. Default 2, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.Clock
}

// Controller keeps one daemon pod on every eligible node.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	clock    clock.Clock
	queue    *worker.Queue
	expect   *expectations
	recorder *worker.Recorder
	history  *history.History
	backoff  *flowcontrol.Backoff
	handlers worker.Handlers
	dsLst    appslisters.DaemonSetLister
	podLst   corelisters.PodLister
	nodeLst  corelisters.NodeLister
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.DaemonSets == nil || cfg.Pods == nil || cfg.Nodes == nil || cfg.Revisions == nil {
		return nil, errors.New("daemonset controller: Client, DaemonSets, Pods, Nodes and Revisions are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	hist, err := history.New(history.Config{Client: cfg.Client, Lister: cfg.Revisions.Lister()})
	if err != nil {
		return nil, fmt.Errorf("daemonset controller: %w", err)
	}
	c := &Controller{
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "daemonset"),
		clock:    cfg.Clock,
		expect:   newExpectations(cfg.Clock),
		recorder: worker.NewRecorder(cfg.Client, "daemonset-controller"),
		history:  hist,
		backoff:  flowcontrol.NewBackOff(failedBackoffInitial, failedBackoffMax),
		dsLst:    cfg.DaemonSets.Lister(),
		podLst:   cfg.Pods.Lister(),
		nodeLst:  cfg.Nodes.Lister(),
	}
	dsInf, podInf, nodeInf, revInf := cfg.DaemonSets.Informer(), cfg.Pods.Informer(), cfg.Nodes.Informer(), cfg.Revisions.Informer()
	c.queue = worker.New(worker.Config{Name: "daemonset", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{dsInf.HasSynced, podInf.HasSynced, nodeInf.HasSynced, revInf.HasSynced}, Logger: c.logger})
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandlerFuncs
	}{
		{dsInf, cache.ResourceEventHandlerFuncs{AddFunc: c.enqueueDS, UpdateFunc: func(_, n any) { c.enqueueDS(n) }, DeleteFunc: c.deleteDS}},
		{podInf, cache.ResourceEventHandlerFuncs{AddFunc: c.addPod, UpdateFunc: c.updatePod, DeleteFunc: c.deletePod}},
		{nodeInf, cache.ResourceEventHandlerFuncs{AddFunc: func(any) { c.enqueueAll() }, UpdateFunc: c.updateNode, DeleteFunc: func(any) { c.enqueueAll() }}},
	}
	for _, h := range handlers {
		if err := c.handlers.Add(h.inf, h.h); err != nil {
			return nil, fmt.Errorf("daemonset controller: %w", err)
		}
	}
	return c, nil
}

// Run syncs DaemonSets until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		c.collectBackoff(ctx)
	}()
	defer func() { <-gcDone }()
	c.queue.Run(ctx)
}

// collectBackoff forgets, once a minute, the failed-pod back-offs of nodes whose pods
// stopped failing long ago, as upstream does, so the map does not grow for ever.
func (c *Controller) collectBackoff(ctx context.Context) {
	for {
		t := c.clock.NewTimer(backoffGCInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
			c.backoff.GC()
		}
	}
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) enqueueDS(obj any) {
	if ds, ok := obj.(*appsv1.DaemonSet); ok {
		c.queue.Add(keyOf(ds.Namespace, ds.Name))
	}
}

func (c *Controller) deleteDS(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if ds, ok := obj.(*appsv1.DaemonSet); ok {
		key := keyOf(ds.Namespace, ds.Name)
		c.expect.forget(key)
		c.queue.Add(key)
	}
}

// enqueueAll queues every DaemonSet: a node came, went or changed what it accepts.
func (c *Controller) enqueueAll() {
	all, err := c.dsLst.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range all {
		c.enqueueDS(ds)
	}
}

// updateNode queues every DaemonSet when the node changed in a way that can change
// where daemons run: labels, taints, unschedulable, or its conditions' statuses.
func (c *Controller) updateNode(old, cur any) {
	o, ok1 := old.(*corev1.Node)
	n, ok2 := cur.(*corev1.Node)
	if !ok1 || !ok2 {
		return
	}
	if labels.Equals(o.Labels, n.Labels) && equality.Semantic.DeepEqual(o.Spec.Taints, n.Spec.Taints) &&
		o.Spec.Unschedulable == n.Spec.Unschedulable && sameConditions(o, n) {
		return
	}
	c.enqueueAll()
}

func sameConditions(a, b *corev1.Node) bool {
	if len(a.Status.Conditions) != len(b.Status.Conditions) {
		return false
	}
	for i := range a.Status.Conditions {
		if a.Status.Conditions[i].Type != b.Status.Conditions[i].Type || a.Status.Conditions[i].Status != b.Status.Conditions[i].Status {
			return false
		}
	}
	return true
}

// controllerOf returns the DaemonSet that controls pod, or nil.
func (c *Controller) controllerOf(pod *corev1.Pod) *appsv1.DaemonSet {
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return nil
	}
	ds, err := c.dsLst.DaemonSets(pod.Namespace).Get(ref.Name)
	if err != nil || ds.UID != ref.UID {
		return nil
	}
	return ds
}

// enqueueMatching queues the DaemonSets whose selector selects the orphan pod.
func (c *Controller) enqueueMatching(pod *corev1.Pod) {
	all, err := c.dsLst.DaemonSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range all {
		sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(pod.Labels)) {
			c.enqueueDS(ds)
		}
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
	if ds := c.controllerOf(pod); ds != nil {
		key := keyOf(ds.Namespace, ds.Name)
		c.expect.created(key)
		c.queue.Add(key)
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
	if n.DeletionTimestamp != nil && o.DeletionTimestamp == nil {
		// Terminating counts as gone for expectations; the delete event that follows
		// finds nothing left to expect.
		c.deletePod(n)
		return
	}
	oldDS, newDS := c.controllerOf(o), c.controllerOf(n)
	if oldDS != nil && (newDS == nil || oldDS.UID != newDS.UID) {
		c.enqueueDS(oldDS)
	}
	if newDS != nil {
		c.enqueueDS(newDS)
		// Available only minReadySeconds after ready: look again then.
		if !isReady(o) && isReady(n) && newDS.Spec.MinReadySeconds > 0 {
			c.queue.AddAfter(keyOf(newDS.Namespace, newDS.Name), time.Duration(newDS.Spec.MinReadySeconds)*time.Second+time.Second)
		}
		return
	}
	if metav1.GetControllerOf(n) == nil && (!labels.Equals(o.Labels, n.Labels) || metav1.GetControllerOf(o) != nil) {
		c.enqueueMatching(n)
	}
}

func (c *Controller) deletePod(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ds := c.controllerOf(pod)
	if ds == nil {
		return
	}
	key := keyOf(ds.Namespace, ds.Name)
	c.expect.deleted(key)
	c.queue.Add(key)
}
