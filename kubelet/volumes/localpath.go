package volumes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
)

// What the local-path provisioner (controllers/localpath) writes and this side reads;
// the controller spells the same strings, and the two must agree.
const (
	// LocalPathFinalizer is on every volume the provisioner makes; the agent of the
	// volume's node removes it once the directory is gone.
	LocalPathFinalizer = "kite.io/local-path-cleanup"
	// LocalPathStorageDirAnnotation on a Node tells the provisioner where the node's
	// agent keeps local-path volumes.
	LocalPathStorageDirAnnotation = "kite.io/local-path-storage-dir"
	// localPathNode names the node a provisioned volume is on; localPathProvisioner is
	// the provisioner's name in pv.kubernetes.io/provisioned-by.
	localPathNode        = "kite.io/local-path-node"
	localPathProvisioner = "kite.io/local-path"
	annProvisionedBy     = "pv.kubernetes.io/provisioned-by"
)

// LocalPathConfig is what the local-path clean-up of a node agent needs.
type LocalPathConfig struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Nodes are the nodes this agent serves: one for a real agent, every simulated
	// node for the simulator. Required.
	Nodes []string
	// StorageDir is the absolute directory the node keeps local-path volumes in
	// (<data-dir>/storage); it is announced on the Node. "" for nodes that have no
	// directories (simulated ones): their volumes only lose the finalizer.
	StorageDir string
	// Recorder, optional, reports a directory that was not removed on the volume.
	Recorder record.EventRecorder
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// LocalPath removes the directories of the node's local-path volumes once the
// provisioner deleted their objects, then lets the objects go. It is the node's part
// of the provisioner's Delete reclaim, which only the machine holding a directory can
// do.
type LocalPath struct {
	cfg    LocalPathConfig
	logger *slog.Logger
	nodes  map[string]bool
}

// NewLocalPath checks cfg.
func NewLocalPath(cfg LocalPathConfig) (*LocalPath, error) {
	if cfg.Client == nil || len(cfg.Nodes) == 0 {
		return nil, errors.New("volumes: local-path clean-up needs a Client and Nodes")
	}
	if cfg.StorageDir != "" && (!filepath.IsAbs(cfg.StorageDir) || filepath.Clean(cfg.StorageDir) != cfg.StorageDir) {
		return nil, fmt.Errorf("volumes: local-path StorageDir must be a clean absolute path, not %q", cfg.StorageDir)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &LocalPath{cfg: cfg, logger: cfg.Logger.With("component", "local-path-cleanup"), nodes: map[string]bool{}}
	for _, n := range cfg.Nodes {
		l.nodes[n] = true
	}
	return l, nil
}

// Run announces the storage directory on the Node (retrying until it is written), then
// finishes the deletion of the nodes' volumes until ctx ends, and waits for its
// goroutines.
func (l *LocalPath) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	if l.cfg.StorageDir != "" {
		wg.Go(func() { l.announce(ctx) })
	}
	factory := informers.NewSharedInformerFactory(l.cfg.Client, 0)
	inf := factory.Core().V1().PersistentVolumes()
	lister := inf.Lister()
	queue := workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "local-path-cleanup"})
	defer queue.ShutDown()
	enqueue := func(obj any) {
		if pv, ok := obj.(*corev1.PersistentVolume); ok && l.ours(pv) && pv.DeletionTimestamp != nil {
			queue.Add(pv.Name)
		}
	}
	reg, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) },
	})
	if err != nil {
		l.logger.Error("watching volumes", "err", err)
		return
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), reg.HasSynced) {
		return
	}
	wg.Go(func() {
		<-ctx.Done()
		queue.ShutDown()
	})
	for {
		name, quit := queue.Get()
		if quit {
			return
		}
		if err := l.sync(ctx, lister, name); err != nil && ctx.Err() == nil {
			l.logger.Error("finishing a local-path volume", "pv", name, "err", err)
			queue.AddRateLimited(name)
		} else {
			queue.Forget(name)
		}
		queue.Done(name)
	}
}

// ours: a volume of the provisioner on one of our nodes that still has the finalizer.
func (l *LocalPath) ours(pv *corev1.PersistentVolume) bool {
	return pv.Annotations[annProvisionedBy] == localPathProvisioner && l.nodes[pv.Annotations[localPathNode]] &&
		slices.Contains(pv.Finalizers, LocalPathFinalizer)
}

func (l *LocalPath) sync(ctx context.Context, lister corelisters.PersistentVolumeLister, name string) error {
	pv, err := lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !l.ours(pv) || pv.DeletionTimestamp == nil {
		return nil
	}
	return l.finish(ctx, pv)
}

// finish removes a deleted volume's directory, when the provisioner deleted it as its
// reclaim (Released, policy Delete), and then the finalizer. A volume deleted in any
// other state (by hand, or with policy Retain) keeps its data, as deleting a
// PersistentVolume object never deletes data upstream either. A directory that is not
// exactly the one the provisioner makes for the volume's claim is not touched, and the
// finalizer stays so that a person sees why.
func (l *LocalPath) finish(ctx context.Context, pv *corev1.PersistentVolume) error {
	reclaim := pv.Status.Phase == corev1.VolumeReleased && pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete
	if l.cfg.StorageDir != "" && reclaim {
		path, err := l.ownDirectory(pv)
		if err != nil {
			if l.cfg.Recorder != nil {
				l.cfg.Recorder.Event(pv, corev1.EventTypeWarning, "VolumeFailedDelete", err.Error())
			}
			l.logger.Error("not removing a volume's directory", "pv", pv.Name, "err", err)
			return nil // a retry cannot help; a person decides
		}
		if err := os.RemoveAll(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		l.logger.Info("removed a local-path volume's directory", "pv", pv.Name, "path", path)
	}
	return l.dropFinalizer(ctx, pv)
}

// ownDirectory returns pv's directory if it is exactly the one the provisioner makes
// for pv's claim under this node's StorageDir: nothing else may be removed, whatever
// a volume object says.
func (l *LocalPath) ownDirectory(pv *corev1.PersistentVolume) (string, error) {
	ref := pv.Spec.ClaimRef
	if pv.Spec.HostPath == nil || ref == nil || ref.UID == "" || pv.Name != "pvc-"+string(ref.UID) {
		return "", fmt.Errorf("volume %s is not a local-path volume of the provisioner's making; its directory is left in place", pv.Name)
	}
	want := filepath.Join(l.cfg.StorageDir, localPathDirName(ref.UID, ref.Namespace, ref.Name))
	// A claim's names cannot hold a separator, but the check costs nothing.
	if pv.Spec.HostPath.Path != want || filepath.Dir(want) != l.cfg.StorageDir {
		return "", fmt.Errorf("volume %s: path %q is not %q; its directory is left in place", pv.Name, pv.Spec.HostPath.Path, want)
	}
	return want, nil
}

// localPathDirName is the provisioner's directory name for a claim, k3s's layout.
func localPathDirName(uid types.UID, namespace, name string) string {
	return fmt.Sprintf("pvc-%s_%s_%s", uid, namespace, name)
}

// dropFinalizer removes the finalizer with a compare-and-swap on the object seen: a
// conflict is retried on the fresher one.
func (l *LocalPath) dropFinalizer(ctx context.Context, pv *corev1.PersistentVolume) error {
	clone := pv.DeepCopy()
	clone.Finalizers = slices.DeleteFunc(clone.Finalizers, func(f string) bool { return f == LocalPathFinalizer })
	_, err := l.cfg.Client.CoreV1().PersistentVolumes().Update(ctx, clone, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// announce writes StorageDir on each Node, so the provisioner puts their volumes
// where this agent looks for them; it retries until it succeeds or ctx ends (the Node
// may be written by others meanwhile; a merge patch of one annotation needs no
// resourceVersion).
func (l *LocalPath) announce(ctx context.Context) {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{LocalPathStorageDirAnnotation: l.cfg.StorageDir}}})
	if err != nil {
		l.logger.Error("announcing the storage directory", "err", err)
		return
	}
	for node := range l.nodes {
		backoff := workqueue.DefaultTypedControllerRateLimiter[string]()
		for {
			_, err := l.cfg.Client.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, patch, metav1.PatchOptions{})
			if err == nil {
				break
			}
			l.logger.Warn("announcing the storage directory on the Node", "node", node, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff.When(node)):
			}
		}
	}
}

// makeLocalPathDir makes a missing directory of a local-path volume with mode 0777, as
// the provisioner does for the server's own node (k3s's provisioner does the same), so
// that pods running as any user can write to their claim; hostPath's DirectoryOrCreate
// would make it 0755, owned by root. Other volumes are left to their hostPath type.
func makeLocalPathDir(pv *corev1.PersistentVolume) error {
	if pv.Spec.HostPath == nil || pv.Annotations[annProvisionedBy] != localPathProvisioner {
		return nil
	}
	path := pv.Spec.HostPath.Path
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.MkdirAll(path, 0o777); err != nil {
		return err
	}
	// MkdirAll's mode is cut by the umask.
	return os.Chmod(path, 0o777)
}
