package replicaset

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

	"kite/controllers/worker"
)

// burstReplicas caps the pods one sync creates or deletes, as upstream.
const burstReplicas = 500

// controllerKind is what the ReplicaSet's pods name as their controller.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// ReplicaSets and Pods are shared informers. Required.
	ReplicaSets appsinformers.ReplicaSetInformer
	Pods        coreinformers.PodInformer
	// Workers is how many ReplicaSets are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.Clock
}

// Controller keeps ReplicaSets' pods.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	clock    clock.Clock
	rsLister appslisters.ReplicaSetLister
	queue    *worker.Queue
	expect   *expectations
	recorder *worker.Recorder
	removers []func()
	podLst   corelisters.PodLister
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.ReplicaSets == nil || cfg.Pods == nil {
		return nil, errors.New("replicaset controller: Client, ReplicaSets and Pods are required")
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
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "replicaset"),
		clock:    cfg.Clock,
		rsLister: cfg.ReplicaSets.Lister(),
		podLst:   cfg.Pods.Lister(),
		expect:   newExpectations(cfg.Clock),
		recorder: worker.NewRecorder(cfg.Client, "replicaset-controller"),
	}
	rsInf, podInf := cfg.ReplicaSets.Informer(), cfg.Pods.Informer()
	c.queue = worker.New(worker.Config{Name: "replicaset", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{rsInf.HasSynced, podInf.HasSynced}, Logger: c.logger})
	rsReg, err := rsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueRS,
		UpdateFunc: c.updateRS,
		DeleteFunc: c.deleteRS,
	})
	if err != nil {
		return nil, fmt.Errorf("replicaset controller: %w", err)
	}
	podReg, err := podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	})
	if err != nil {
		_ = rsInf.RemoveEventHandler(rsReg)
		return nil, fmt.Errorf("replicaset controller: %w", err)
	}
	c.removers = []func(){
		func() { _ = rsInf.RemoveEventHandler(rsReg) },
		func() { _ = podInf.RemoveEventHandler(podReg) },
	}
	return c, nil
}

// Run syncs ReplicaSets until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer func() {
		for _, r := range c.removers {
			r()
		}
	}()
	defer c.recorder.Start()()
	c.queue.Run(ctx)
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) enqueueRS(obj any) {
	if rs, ok := obj.(*appsv1.ReplicaSet); ok {
		c.queue.Add(keyOf(rs.Namespace, rs.Name))
	}
}

func (c *Controller) updateRS(old, cur any) {
	o, ok1 := old.(*appsv1.ReplicaSet)
	n, ok2 := cur.(*appsv1.ReplicaSet)
	if !ok1 || !ok2 {
		return
	}
	if o.UID != n.UID {
		// Deleted and recreated under the same name between two events.
		c.deleteRS(cache.DeletedFinalStateUnknown{Key: keyOf(o.Namespace, o.Name), Obj: o})
	}
	c.enqueueRS(n)
}

func (c *Controller) deleteRS(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	key := keyOf(rs.Namespace, rs.Name)
	c.expect.forget(key)
	c.queue.Add(key)
}

// controllerOf returns the ReplicaSet that controls pod, or nil.
func (c *Controller) controllerOf(pod *corev1.Pod) *appsv1.ReplicaSet {
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return nil
	}
	rs, err := c.rsLister.ReplicaSets(pod.Namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	return rs
}

// matching returns the ReplicaSets whose selector selects pod: candidates to adopt it.
func (c *Controller) matching(pod *corev1.Pod) []*appsv1.ReplicaSet {
	all, err := c.rsLister.ReplicaSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*appsv1.ReplicaSet
	for _, rs := range all {
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		out = append(out, rs)
	}
	return out
}

func podKey(p *corev1.Pod) string { return keyOf(p.Namespace, p.Name) }

func (c *Controller) addPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.DeletionTimestamp != nil {
		// Seen for the first time while terminating (a restart of the manager).
		c.deletePod(pod)
		return
	}
	if rs := c.controllerOf(pod); rs != nil {
		key := keyOf(rs.Namespace, rs.Name)
		c.expect.creationObserved(key)
		c.queue.Add(key)
		return
	}
	if metav1.GetControllerOf(pod) != nil {
		return
	}
	for _, rs := range c.matching(pod) {
		c.enqueueRS(rs)
	}
}

func (c *Controller) updatePod(old, cur any) {
	o, ok1 := old.(*corev1.Pod)
	n, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 || o.ResourceVersion == n.ResourceVersion {
		return
	}
	labelsChanged := !labels.Equals(o.Labels, n.Labels)
	if n.DeletionTimestamp != nil {
		// Terminating pods do not count: handle it as deleted now, and let its old
		// labels' ReplicaSets look again if they changed too.
		c.deletePod(n)
		if labelsChanged {
			c.deletePod(o)
		}
		return
	}
	oldRef, newRef := metav1.GetControllerOf(o), metav1.GetControllerOf(n)
	refChanged := (oldRef == nil) != (newRef == nil) || oldRef != nil && newRef != nil && oldRef.UID != newRef.UID
	if refChanged && oldRef != nil {
		if rs := c.controllerOf(o); rs != nil {
			c.enqueueRS(rs)
		}
	}
	if newRef != nil {
		if rs := c.controllerOf(n); rs != nil {
			c.enqueueRS(rs)
			// Available only minReadySeconds after ready: look again then.
			if !isReady(o) && isReady(n) && rs.Spec.MinReadySeconds > 0 {
				c.queue.AddAfter(keyOf(rs.Namespace, rs.Name), time.Duration(rs.Spec.MinReadySeconds)*time.Second+time.Second)
			}
		}
		return
	}
	if labelsChanged || refChanged {
		for _, rs := range c.matching(n) {
			c.enqueueRS(rs)
		}
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
	rs := c.controllerOf(pod)
	if rs == nil {
		return
	}
	key := keyOf(rs.Namespace, rs.Name)
	c.expect.deletionObserved(key, podKey(pod))
	c.queue.Add(key)
}
