package disruption

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	policyinformers "k8s.io/client-go/informers/policy/v1"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"kite/controllers/worker"
)

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Budgets, Pods and ReplicaSets are shared informers (a ReplicaSet names the
	// Deployment whose scale counts). Required.
	Budgets     policyinformers.PodDisruptionBudgetInformer
	Pods        coreinformers.PodInformer
	ReplicaSets appsinformers.ReplicaSetInformer
	// Workers is how many budgets are synced at once. Default 1, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.Clock
}

// Controller keeps PodDisruptionBudgets' status.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	clock    clock.Clock
	budgets  policylisters.PodDisruptionBudgetLister
	pods     corelisters.PodLister
	rsLister appslisters.ReplicaSetLister
	queue    *worker.Queue
	recorder *worker.Recorder
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Budgets == nil || cfg.Pods == nil || cfg.ReplicaSets == nil {
		return nil, errors.New("disruption controller: Client, Budgets, Pods and ReplicaSets are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	c := &Controller{
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "disruption"),
		clock:    cfg.Clock,
		budgets:  cfg.Budgets.Lister(),
		pods:     cfg.Pods.Lister(),
		rsLister: cfg.ReplicaSets.Lister(),
		recorder: worker.NewRecorder(cfg.Client, "controllermanager"),
	}
	bInf, pInf, rsInf := cfg.Budgets.Informer(), cfg.Pods.Informer(), cfg.ReplicaSets.Informer()
	c.queue = worker.New(worker.Config{Name: "disruption", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{bInf.HasSynced, pInf.HasSynced, rsInf.HasSynced}, Logger: c.logger})
	if err := c.handlers.Add(bInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueBudget,
		UpdateFunc: func(_, cur any) { c.enqueueBudget(cur) },
		DeleteFunc: c.enqueueBudget,
	}); err != nil {
		return nil, fmt.Errorf("disruption controller: %w", err)
	}
	if err := c.handlers.Add(pInf, cache.ResourceEventHandlerFuncs{
		AddFunc: c.podChanged,
		UpdateFunc: func(old, cur any) {
			c.podChanged(cur)
			if o, ok := old.(*corev1.Pod); ok {
				if n, ok := cur.(*corev1.Pod); ok && !labels.Equals(o.Labels, n.Labels) {
					c.podChanged(old)
				}
			}
		},
		DeleteFunc: c.podChanged,
	}); err != nil {
		return nil, fmt.Errorf("disruption controller: %w", err)
	}
	return c, nil
}

// Run syncs budgets until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	c.queue.Run(ctx)
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) enqueueBudget(obj any) {
	if b, ok := worker.Object[*policyv1.PodDisruptionBudget](obj); ok {
		c.queue.Add(keyOf(b.Namespace, b.Name))
	}
}

// podChanged queues the budgets whose selector selects the pod.
func (c *Controller) podChanged(obj any) {
	pod, ok := worker.Object[*corev1.Pod](obj)
	if !ok {
		return
	}
	all, err := c.budgets.PodDisruptionBudgets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, b := range all {
		sel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
		if err == nil && sel.Matches(labels.Set(pod.Labels)) {
			c.enqueueBudget(b)
		}
	}
}
