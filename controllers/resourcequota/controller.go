package resourcequota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/discovery"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"kite/controllers/worker"

	"kite/quota"
)

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Metadata lists and watches the objects quotas only count. Required.
	Metadata metadata.Interface
	// Discovery finds the version of a resource named by count/<resource>.<group>
	// (default: Client's).
	Discovery discovery.DiscoveryInterface
	// Quotas, Pods, Services and Claims are shared informers. Required.
	Quotas   coreinformers.ResourceQuotaInformer
	Pods     coreinformers.PodInformer
	Services coreinformers.ServiceInformer
	Claims   coreinformers.PersistentVolumeClaimInformer
	// ResyncPeriod is how often every quota is recomputed from scratch, catching what no
	// event announces (a charge for a create that then failed). Default 5 minutes.
	ResyncPeriod time.Duration
	// Workers is how many quotas are synced at once. Default 5, as upstream.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock; default the real clock.
	Clock clock.Clock
}

// Controller keeps ResourceQuotas' status.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	clock    clock.Clock
	resync   time.Duration
	quotas   corelisters.ResourceQuotaLister
	pods     corelisters.PodLister
	services corelisters.ServiceLister
	claims   corelisters.PersistentVolumeClaimLister
	counts   *counters
	queue    *worker.Queue
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Metadata == nil || cfg.Quotas == nil || cfg.Pods == nil || cfg.Services == nil || cfg.Claims == nil {
		return nil, errors.New("resourcequota controller: Client, Metadata, Quotas, Pods, Services and Claims are required")
	}
	if cfg.Discovery == nil {
		cfg.Discovery = cfg.Client.Discovery()
	}
	if cfg.ResyncPeriod <= 0 {
		cfg.ResyncPeriod = 5 * time.Minute
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
		logger:   cfg.Logger.With("controller", "resourcequota"),
		clock:    cfg.Clock,
		resync:   cfg.ResyncPeriod,
		quotas:   cfg.Quotas.Lister(),
		pods:     cfg.Pods.Lister(),
		services: cfg.Services.Lister(),
		claims:   cfg.Claims.Lister(),
	}
	c.counts = newCounters(cfg.Metadata, cfg.Discovery, c.objectChanged)
	qInf, pInf, sInf, cInf := cfg.Quotas.Informer(), cfg.Pods.Informer(), cfg.Services.Informer(), cfg.Claims.Informer()
	c.queue = worker.New(worker.Config{Name: "resourcequota", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{qInf.HasSynced, pInf.HasSynced, sInf.HasSynced, cInf.HasSynced}, Logger: c.logger})
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{qInf, cache.ResourceEventHandlerFuncs{AddFunc: c.enqueueQuota, UpdateFunc: c.updateQuota, DeleteFunc: func(any) {}}},
		{pInf, kindHandler(c, quota.IsPodResource, podChanged)},
		{sInf, kindHandler(c, quota.IsServiceResource, serviceChanged)},
		{cInf, kindHandler(c, quota.IsClaimResource, claimChanged)},
	}
	for _, h := range handlers {
		if err := c.handlers.Add(h.inf, h.h); err != nil {
			return nil, fmt.Errorf("resourcequota controller: %w", err)
		}
	}
	return c, nil
}

// Run syncs quotas until ctx ends, then waits for its workers and informers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	c.counts.start(ctx)
	defer c.counts.shutdown()
	go c.resyncEvery(ctx)
	c.queue.Run(ctx)
}

// resyncEvery queues every quota each resync period, until ctx ends.
func (c *Controller) resyncEvery(ctx context.Context) {
	for {
		t := c.clock.NewTimer(c.resync)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
			all, err := c.quotas.List(labels.Everything())
			if err != nil {
				continue
			}
			for _, q := range all {
				c.enqueueQuota(q)
			}
		}
	}
}

func keyOf(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) enqueueQuota(obj any) {
	if q, ok := obj.(*corev1.ResourceQuota); ok {
		c.queue.Add(keyOf(q.Namespace, q.Name))
	}
}

// updateQuota syncs a quota whose spec changed, or whose status no longer matches its
// spec (someone wrote the status: it is put back). A charge by admission changes
// only status.used and needs nothing.
func (c *Controller) updateQuota(old, cur any) {
	o, ok1 := old.(*corev1.ResourceQuota)
	n, ok2 := cur.(*corev1.ResourceQuota)
	if !ok1 || !ok2 {
		return
	}
	if !apiequality.Semantic.DeepEqual(o.Spec, n.Spec) || !apiequality.Semantic.DeepEqual(n.Spec.Hard, n.Status.Hard) {
		c.enqueueQuota(n)
	}
}

// objectChanged queues the quotas of namespace that measure some name of a kind.
func (c *Controller) objectChanged(namespace string, measures func(corev1.ResourceName) bool) {
	qs, err := c.quotas.ResourceQuotas(namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, q := range qs {
		for name := range q.Spec.Hard {
			if measures(name) {
				c.enqueueQuota(q)
				break
			}
		}
	}
}

// kindHandler queues the quotas an object's kind concerns when one appears, goes or
// changes in a way its usage shows (changed says so).
func kindHandler[T interface{ GetNamespace() string }](c *Controller, measures func(corev1.ResourceName) bool, changed func(old, cur T) bool) cache.ResourceEventHandler {
	ns := func(obj any) (string, bool) {
		o, ok := worker.Object[T](obj)
		if !ok {
			return "", false
		}
		return o.GetNamespace(), true
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if n, ok := ns(obj); ok {
				c.objectChanged(n, measures)
			}
		},
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(T)
			n, ok2 := cur.(T)
			if ok1 && ok2 && changed(o, n) {
				c.objectChanged(n.GetNamespace(), measures)
			}
		},
		DeleteFunc: func(obj any) {
			if n, ok := ns(obj); ok {
				c.objectChanged(n, measures)
			}
		},
	}
}

// podChanged: what a pod uses changes when it ends, starts quota.Terminating or is resized;
// its quota.Scopes when its active deadline does.
func podChanged(old, cur *corev1.Pod) bool {
	return old.Status.Phase != cur.Status.Phase || (old.DeletionTimestamp == nil) != (cur.DeletionTimestamp == nil) ||
		quota.Terminating(old) != quota.Terminating(cur) ||
		!apiequality.Semantic.DeepEqual(old.Spec.Containers, cur.Spec.Containers) ||
		!apiequality.Semantic.DeepEqual(old.Spec.InitContainers, cur.Spec.InitContainers)
}

func serviceChanged(old, cur *corev1.Service) bool {
	return !apiequality.Semantic.DeepEqual(quota.ServiceUsage(old), quota.ServiceUsage(cur))
}

func claimChanged(old, cur *corev1.PersistentVolumeClaim) bool {
	return !apiequality.Semantic.DeepEqual(quota.ClaimUsage(old), quota.ClaimUsage(cur)) ||
		!apiequality.Semantic.DeepEqual(old.Spec.VolumeAttributesClassName, cur.Spec.VolumeAttributesClassName)
}
