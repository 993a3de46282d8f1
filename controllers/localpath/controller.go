package localpath

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	coreinformers "k8s.io/client-go/informers/core/v1"
	storageinformers "k8s.io/client-go/informers/storage/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/worker"
)

// Provisioner is the provisioner name of the local-path class, on the claims it
// serves and (pv.kubernetes.io/provisioned-by) on the volumes it made.
const Provisioner = "kite.io/local-path"

// ClassName is the StorageClass created at start.
const ClassName = "local-path"

// Finalizer is on every volume this provisioner makes: the node agent of the volume's
// node removes it once it removed the volume's directory (kubelet/volumes spells it
// too; the two must agree).
const Finalizer = "kite.io/local-path-cleanup"

// NodeStorageDirAnnotation on a Node names the absolute directory its agent keeps
// local-path volumes in (kubelet/volumes sets it; the two must agree). Volumes on a
// node without it go under Config.StorageDir.
const NodeStorageDirAnnotation = "kite.io/local-path-storage-dir"

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Claims, Volumes, Classes and Nodes are shared informers. Required.
	Claims  coreinformers.PersistentVolumeClaimInformer
	Volumes coreinformers.PersistentVolumeInformer
	Classes storageinformers.StorageClassInformer
	Nodes   coreinformers.NodeInformer
	// StorageDir is the absolute directory that holds the volumes on a node that does
	// not name its own (<data-dir>/storage). Required.
	StorageDir string
	// LocalNode is the node whose agent runs in this process, "" for none: only its
	// directories are made here (with mode 0777); the node agents remove them.
	LocalNode string
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Controller provisions and deletes local-path volumes.
type Controller struct {
	client     kubernetes.Interface
	logger     *slog.Logger
	claims     corelisters.PersistentVolumeClaimLister
	volumes    corelisters.PersistentVolumeLister
	classes    storagelisters.StorageClassLister
	nodes      corelisters.NodeLister
	storageDir string
	localNode  string
	claimQ     *worker.Queue
	volumeQ    *worker.Queue
	recorder   *worker.Recorder
	handlers   worker.Handlers
	// fs makes and removes the local directories; a field so tests can watch it.
	fs dirs
}

// New checks cfg, makes the controller and registers its handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Claims == nil || cfg.Volumes == nil || cfg.Classes == nil || cfg.Nodes == nil {
		return nil, errors.New("localpath controller: Client, Claims, Volumes, Classes and Nodes are required")
	}
	if !filepath.IsAbs(cfg.StorageDir) {
		return nil, fmt.Errorf("localpath controller: StorageDir must be an absolute path, not %q", cfg.StorageDir)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{
		client:     cfg.Client,
		logger:     cfg.Logger.With("controller", "local-path-provisioner"),
		claims:     cfg.Claims.Lister(),
		volumes:    cfg.Volumes.Lister(),
		classes:    cfg.Classes.Lister(),
		nodes:      cfg.Nodes.Lister(),
		storageDir: filepath.Clean(cfg.StorageDir),
		localNode:  cfg.LocalNode,
		recorder:   worker.NewRecorder(cfg.Client, Provisioner),
		fs:         osDirs{},
	}
	synced := []cache.InformerSynced{cfg.Claims.Informer().HasSynced, cfg.Volumes.Informer().HasSynced,
		cfg.Classes.Informer().HasSynced, cfg.Nodes.Informer().HasSynced}
	c.claimQ = worker.New(worker.Config{Name: "local-path-claims", Sync: c.syncClaimKey, Synced: synced, Logger: c.logger})
	c.volumeQ = worker.New(worker.Config{Name: "local-path-volumes", Sync: c.syncVolumeKey, Synced: synced, Logger: c.logger})
	err := errors.Join(
		c.handlers.Add(cfg.Claims.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.claimChanged,
			UpdateFunc: func(_, cur any) { c.claimChanged(cur) },
		}),
		c.handlers.Add(cfg.Volumes.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.volumeChanged,
			UpdateFunc: func(_, cur any) { c.volumeChanged(cur) },
		}),
		c.handlers.Add(cfg.Nodes.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: c.nodeDeleted}),
	)
	if err != nil {
		c.handlers.Remove()
		return nil, fmt.Errorf("localpath controller: %w", err)
	}
	return c, nil
}

// Run makes sure the StorageClass exists, then provisions and deletes volumes until
// ctx ends, and waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	defer c.recorder.Start()()
	if err := c.ensureClass(ctx); err != nil && ctx.Err() == nil {
		// Claims of a class made by hand are still served; only the default is missing.
		c.logger.Error("creating the local-path StorageClass", "err", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.claimQ.Run(ctx) })
	wg.Go(func() { c.volumeQ.Run(ctx) })
	wg.Wait()
}

func (c *Controller) claimChanged(obj any) {
	pvc, ok := worker.Object[*corev1.PersistentVolumeClaim](obj)
	if !ok || pvc.Annotations[annStorageProvisioner] != Provisioner {
		return
	}
	c.claimQ.Add(pvc.Namespace + "/" + pvc.Name)
}

// nodeDeleted queues the volumes on a deleted node: those being deleted can no longer
// wait for its agent.
func (c *Controller) nodeDeleted(obj any) {
	n, ok := worker.Object[*corev1.Node](obj)
	if !ok {
		return
	}
	volumes, err := c.volumes.List(labels.Everything())
	if err != nil {
		return
	}
	for _, pv := range volumes {
		if pv.Annotations[annNode] == n.Name && pv.Annotations[annProvisionedBy] == Provisioner {
			c.volumeQ.Add(pv.Name)
		}
	}
}

func (c *Controller) volumeChanged(obj any) {
	pv, ok := worker.Object[*corev1.PersistentVolume](obj)
	if !ok || pv.Annotations[annProvisionedBy] != Provisioner {
		return
	}
	c.volumeQ.Add(pv.Name)
}
