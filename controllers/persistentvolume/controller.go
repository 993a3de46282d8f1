package persistentvolume

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	coreinformers "k8s.io/client-go/informers/core/v1"
	storageinformers "k8s.io/client-go/informers/storage/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	"k8s.io/utils/clock"

	"kite/controllers/worker"
)

// component is upstream's event source for this controller.
const component = "persistentvolume-controller"

// defaultResync is upstream's --pvclaimbinder-sync-period.
const defaultResync = 15 * time.Second

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Volumes, Claims, Classes and Nodes are shared informers. Required.
	Volumes coreinformers.PersistentVolumeInformer
	Claims  coreinformers.PersistentVolumeClaimInformer
	Classes storageinformers.StorageClassInformer
	Nodes   coreinformers.NodeInformer
	// Pods, optional, names the pods a waiting claim waits for in its event
	// (WaitForPodScheduled), as upstream; without it the event is always
	// WaitForFirstConsumer.
	Pods coreinformers.PodInformer
	// Resync is how often every claim and volume is synced again; default 15s.
	Resync time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Clock drives the resync; default the real clock.
	Clock clock.WithTicker
}

// Controller binds claims to volumes.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	clock    clock.WithTicker
	resync   time.Duration
	volumes  corelisters.PersistentVolumeLister
	claims   corelisters.PersistentVolumeClaimLister
	classes  storagelisters.StorageClassLister
	nodes    corelisters.NodeLister
	pods     corelisters.PodLister // nil without Config.Pods
	claimQ   *worker.Queue
	volumeQ  *worker.Queue
	recorder *worker.Recorder
	handlers worker.Handlers
}

// New checks cfg, makes the controller and registers its handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Volumes == nil || cfg.Claims == nil || cfg.Classes == nil || cfg.Nodes == nil {
		return nil, errors.New("persistentvolume controller: Client, Volumes, Claims, Classes and Nodes are required")
	}
	if cfg.Resync <= 0 {
		cfg.Resync = defaultResync
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	c := &Controller{
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "persistentvolume-binder"),
		clock:    cfg.Clock,
		resync:   cfg.Resync,
		volumes:  cfg.Volumes.Lister(),
		claims:   cfg.Claims.Lister(),
		classes:  cfg.Classes.Lister(),
		nodes:    cfg.Nodes.Lister(),
		recorder: worker.NewRecorder(cfg.Client, component),
	}
	synced := []cache.InformerSynced{cfg.Volumes.Informer().HasSynced, cfg.Claims.Informer().HasSynced,
		cfg.Classes.Informer().HasSynced, cfg.Nodes.Informer().HasSynced}
	if cfg.Pods != nil {
		c.pods = cfg.Pods.Lister()
		synced = append(synced, cfg.Pods.Informer().HasSynced)
	}
	// One worker each, as upstream: a claim and the volume it binds may be synced at
	// once (their writes are compare-and-swaps), but never one object twice.
	c.claimQ = worker.New(worker.Config{Name: "persistentvolumeclaims", Sync: c.syncClaimKey, Synced: synced, Logger: c.logger})
	c.volumeQ = worker.New(worker.Config{Name: "persistentvolumes", Sync: c.syncVolumeKey, Synced: synced, Logger: c.logger})
	err := errors.Join(
		c.handlers.Add(cfg.Claims.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.claimChanged,
			UpdateFunc: func(_, cur any) { c.claimChanged(cur) },
			DeleteFunc: c.claimDeleted,
		}),
		c.handlers.Add(cfg.Volumes.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.volumeChanged,
			UpdateFunc: func(_, cur any) { c.volumeChanged(cur) },
			DeleteFunc: c.volumeDeleted,
		}),
		c.handlers.Add(cfg.Classes.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { c.enqueueUnboundClaims() },
			UpdateFunc: func(any, any) { c.enqueueUnboundClaims() },
		}),
	)
	if err != nil {
		c.handlers.Remove()
		return nil, fmt.Errorf("persistentvolume controller: %w", err)
	}
	return c, nil
}

// Run syncs claims and volumes until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	var wg sync.WaitGroup
	wg.Go(func() { c.claimQ.Run(ctx) })
	wg.Go(func() { c.volumeQ.Run(ctx) })
	wg.Go(func() { c.resyncLoop(ctx) })
	wg.Wait()
}

// resyncLoop queues every claim and volume each period: the binder's safety net, as
// upstream's periodic resync is (a claim waiting for a volume that appeared while its
// sync failed, a Failed volume whose deletion is retried).
func (c *Controller) resyncLoop(ctx context.Context) {
	t := c.clock.NewTicker(c.resync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		if claims, err := c.claims.List(labels.Everything()); err == nil {
			for _, pvc := range claims {
				c.claimQ.Add(claimKey(pvc.Namespace, pvc.Name))
			}
		}
		if volumes, err := c.volumes.List(labels.Everything()); err == nil {
			for _, pv := range volumes {
				c.volumeQ.Add(pv.Name)
			}
		}
	}
}

func claimKey(namespace, name string) string { return namespace + "/" + name }

func (c *Controller) claimChanged(obj any) {
	pvc, ok := worker.Object[*corev1.PersistentVolumeClaim](obj)
	if !ok {
		return
	}
	c.claimQ.Add(claimKey(pvc.Namespace, pvc.Name))
	if pvc.Spec.VolumeName != "" {
		c.volumeQ.Add(pvc.Spec.VolumeName)
	}
}

// claimDeleted queues the volumes bound to the claim: they are Released now.
func (c *Controller) claimDeleted(obj any) {
	pvc, ok := worker.Object[*corev1.PersistentVolumeClaim](obj)
	if !ok {
		return
	}
	c.claimQ.Add(claimKey(pvc.Namespace, pvc.Name))
	if pvc.Spec.VolumeName != "" {
		c.volumeQ.Add(pvc.Spec.VolumeName)
	}
	volumes, err := c.volumes.List(labels.Everything())
	if err != nil {
		return
	}
	for _, pv := range volumes {
		if ref := pv.Spec.ClaimRef; ref != nil && ref.Namespace == pvc.Namespace && ref.Name == pvc.Name {
			c.volumeQ.Add(pv.Name)
		}
	}
}

// volumeChanged queues the volume and the claims it may now serve: the claim it names,
// or, when it is free, every claim still waiting (upstream waits for the next resync;
// a small cluster can afford to look at once).
func (c *Controller) volumeChanged(obj any) {
	pv, ok := worker.Object[*corev1.PersistentVolume](obj)
	if !ok {
		return
	}
	c.volumeQ.Add(pv.Name)
	if ref := pv.Spec.ClaimRef; ref != nil {
		c.claimQ.Add(claimKey(ref.Namespace, ref.Name))
		return
	}
	c.enqueueUnboundClaims()
}

// volumeDeleted queues the claim bound to the volume: it is Lost now.
func (c *Controller) volumeDeleted(obj any) {
	pv, ok := worker.Object[*corev1.PersistentVolume](obj)
	if !ok {
		return
	}
	if ref := pv.Spec.ClaimRef; ref != nil {
		c.claimQ.Add(claimKey(ref.Namespace, ref.Name))
	}
}

func (c *Controller) enqueueUnboundClaims() {
	claims, err := c.claims.List(labels.Everything())
	if err != nil {
		return
	}
	for _, pvc := range claims {
		if !metav1.HasAnnotation(pvc.ObjectMeta, volumehelpers.AnnBindCompleted) {
			c.claimQ.Add(claimKey(pvc.Namespace, pvc.Name))
		}
	}
}
