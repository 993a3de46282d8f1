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
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"kite/controllers/worker"
)

// burstReplicas caps the pods one sync creates or deletes, as upstream.
const burstReplicas = 500

// everything selects every object of a lister.
var everything = labels.Everything()

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// ReplicaSets and Pods are shared informers. Pods is required, and one of
	// ReplicaSets and ReplicationControllers: the controller keeps the pods of that
	// kind (a ReplicationController is kept exactly as a ReplicaSet would be, with
	// events from replication-controller).
	ReplicaSets            appsinformers.ReplicaSetInformer
	ReplicationControllers coreinformers.ReplicationControllerInformer
	Pods                   coreinformers.PodInformer
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
	kind     kind
	queue    *worker.Queue
	expect   *expectations
	recorder *worker.Recorder
	handlers worker.Handlers
	podLst   corelisters.PodLister
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Pods == nil || (cfg.ReplicaSets == nil) == (cfg.ReplicationControllers == nil) {
		return nil, errors.New("replicaset controller: Client, Pods and one of ReplicaSets and ReplicationControllers are required")
	}
	var k kind
	if cfg.ReplicaSets != nil {
		k = replicaSets{client: cfg.Client, inf: cfg.ReplicaSets, lister: cfg.ReplicaSets.Lister()}
	} else {
		k = replicationControllers{client: cfg.Client, inf: cfg.ReplicationControllers, lister: cfg.ReplicationControllers.Lister()}
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
		logger:   cfg.Logger.With("controller", k.component()),
		clock:    cfg.Clock,
		kind:     k,
		podLst:   cfg.Pods.Lister(),
		expect:   newExpectations(cfg.Clock),
		recorder: worker.NewRecorder(cfg.Client, k.component()+"-controller"),
	}
	rsInf, podInf := k.informer(), cfg.Pods.Informer()
	c.queue = worker.New(worker.Config{Name: k.component(), Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{rsInf.HasSynced, podInf.HasSynced}, Logger: c.logger})
	if err := c.handlers.Add(rsInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueRS,
		UpdateFunc: c.updateRS,
		DeleteFunc: c.deleteRS,
	}); err != nil {
		return nil, fmt.Errorf("replicaset controller: %w", err)
	}
	if err := c.handlers.Add(podInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	}); err != nil {
		return nil, fmt.Errorf("replicaset controller: %w", err)
	}
	return c, nil
}

// Run syncs ReplicaSets until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	c.queue.Run(ctx)
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

// view returns obj as a ReplicaSet: informers hand the kind's own objects, and the
// handlers pass on the ReplicaSet view of them.
func (c *Controller) view(obj any) (*appsv1.ReplicaSet, bool) {
	if rs, ok := obj.(*appsv1.ReplicaSet); ok {
		return rs, true
	}
	return c.kind.asReplicaSet(obj)
}

func (c *Controller) enqueueRS(obj any) {
	if rs, ok := c.view(obj); ok {
		c.queue.Add(keyOf(rs.Namespace, rs.Name))
	}
}

func (c *Controller) updateRS(old, cur any) {
	o, ok1 := c.view(old)
	n, ok2 := c.view(cur)
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
	rs, ok := c.view(worker.Unwrap(obj))
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
	gvk := c.kind.gvk()
	if ref == nil || ref.Kind != gvk.Kind || ref.APIVersion != gvk.GroupVersion().String() {
		return nil
	}
	rs, err := c.kind.get(pod.Namespace, ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	return rs
}

// matching returns the ReplicaSets whose selector selects pod: candidates to adopt it.
func (c *Controller) matching(pod *corev1.Pod) []*appsv1.ReplicaSet {
	all, err := c.kind.list(pod.Namespace)
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
	pod, ok := worker.Object[*corev1.Pod](obj)
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
