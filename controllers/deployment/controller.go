package deployment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"

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

// controllerKind is what a Deployment's ReplicaSets name as their controller.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("Deployment")

// rsKind is what pods name as their ReplicaSet controller.
var rsKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Deployments, ReplicaSets and Pods are shared informers. Required.
	Deployments appsinformers.DeploymentInformer
	ReplicaSets appsinformers.ReplicaSetInformer
	Pods        coreinformers.PodInformer
	// Workers is how many Deployments are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock. Conditions' times and progress deadlines use it.
	Clock clock.Clock
}

// Controller rolls Deployments out through ReplicaSets.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	clock    clock.Clock
	dLister  appslisters.DeploymentLister
	rsLister appslisters.ReplicaSetLister
	podLst   corelisters.PodLister
	queue    *worker.Queue
	recorder *worker.Recorder
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Deployments == nil || cfg.ReplicaSets == nil || cfg.Pods == nil {
		return nil, errors.New("deployment controller: Client, Deployments, ReplicaSets and Pods are required")
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
		logger:   cfg.Logger.With("controller", "deployment"),
		clock:    cfg.Clock,
		dLister:  cfg.Deployments.Lister(),
		rsLister: cfg.ReplicaSets.Lister(),
		podLst:   cfg.Pods.Lister(),
		recorder: worker.NewRecorder(cfg.Client, "deployment-controller"),
	}
	dInf, rsInf, podInf := cfg.Deployments.Informer(), cfg.ReplicaSets.Informer(), cfg.Pods.Informer()
	c.queue = worker.New(worker.Config{Name: "deployment", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{dInf.HasSynced, rsInf.HasSynced, podInf.HasSynced}, Logger: c.logger})
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandlerFuncs
	}{
		{dInf, cache.ResourceEventHandlerFuncs{AddFunc: c.enqueue, UpdateFunc: func(_, cur any) { c.enqueue(cur) }, DeleteFunc: c.enqueue}},
		{rsInf, cache.ResourceEventHandlerFuncs{AddFunc: c.addRS, UpdateFunc: c.updateRS, DeleteFunc: c.deleteRS}},
		// Only a Recreate rollout waits for pods (to be gone); the rest reads
		// ReplicaSets' status.
		{podInf, cache.ResourceEventHandlerFuncs{DeleteFunc: c.deletePod}},
	}
	for _, h := range handlers {
		if err := c.handlers.Add(h.inf, h.h); err != nil {
			return nil, fmt.Errorf("deployment controller: %w", err)
		}
	}
	return c, nil
}

// Run syncs Deployments until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	c.queue.Run(ctx)
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) enqueue(obj any) {
	if d, ok := worker.Object[*appsv1.Deployment](obj); ok {
		c.queue.Add(keyOf(d.Namespace, d.Name))
	}
}

// resolve returns the Deployment ref names, if it is still the one with ref's uid.
func (c *Controller) resolve(namespace string, ref *metav1.OwnerReference) *appsv1.Deployment {
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return nil
	}
	d, err := c.dLister.Deployments(namespace).Get(ref.Name)
	if err != nil || d.UID != ref.UID {
		return nil
	}
	return d
}

// selecting returns the Deployments whose selector selects rs: candidates to adopt it.
func (c *Controller) selecting(rs *appsv1.ReplicaSet) []*appsv1.Deployment {
	if len(rs.Labels) == 0 {
		return nil
	}
	all, err := c.dLister.Deployments(rs.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*appsv1.Deployment
	for _, d := range all {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(rs.Labels)) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func (c *Controller) addRS(obj any) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	if rs.DeletionTimestamp != nil {
		c.deleteRS(rs)
		return
	}
	if ref := metav1.GetControllerOf(rs); ref != nil {
		if d := c.resolve(rs.Namespace, ref); d != nil {
			c.enqueue(d)
		}
		return
	}
	for _, d := range c.selecting(rs) {
		c.enqueue(d)
	}
}

func (c *Controller) updateRS(old, cur any) {
	o, ok1 := old.(*appsv1.ReplicaSet)
	n, ok2 := cur.(*appsv1.ReplicaSet)
	if !ok1 || !ok2 || o.ResourceVersion == n.ResourceVersion {
		return
	}
	oldRef, newRef := metav1.GetControllerOf(o), metav1.GetControllerOf(n)
	refChanged := !reflect.DeepEqual(oldRef, newRef)
	if refChanged && oldRef != nil {
		if d := c.resolve(o.Namespace, oldRef); d != nil {
			c.enqueue(d)
		}
	}
	if newRef != nil {
		if d := c.resolve(n.Namespace, newRef); d != nil {
			c.enqueue(d)
		}
		return
	}
	if refChanged || !labels.Equals(o.Labels, n.Labels) {
		for _, d := range c.selecting(n) {
			c.enqueue(d)
		}
	}
}

func (c *Controller) deleteRS(obj any) {
	rs, ok := worker.Object[*appsv1.ReplicaSet](obj)
	if !ok {
		return
	}
	if d := c.resolve(rs.Namespace, metav1.GetControllerOf(rs)); d != nil {
		c.enqueue(d)
	}
}

// deletePod wakes a Recreate Deployment whose old pods it waits to see gone.
func (c *Controller) deletePod(obj any) {
	pod, ok := worker.Object[*corev1.Pod](obj)
	if !ok {
		return
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != rsKind.Kind {
		return
	}
	rs, err := c.rsLister.ReplicaSets(pod.Namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return
	}
	if d := c.resolve(rs.Namespace, metav1.GetControllerOf(rs)); d != nil && d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		c.enqueue(d)
	}
}
