package volumes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// Upstream's plugin directory names, the <kind> of Root/<uid>/volumes/<kind>/<name>.
const (
	kindEmptyDir  = "kubernetes.io~empty-dir"
	kindConfigMap = "kubernetes.io~configmap"
	kindSecret    = "kubernetes.io~secret"
	kindDownward  = "kubernetes.io~downward-api"
	kindProjected = "kubernetes.io~projected"
)

// Config wires the volume manager to the cluster and the host.
type Config struct {
	// Client reads ConfigMaps, Secrets, claims and volumes, and requests tokens.
	Client kubernetes.Interface
	// NodeName names the node whose allocatable resources stand in for unset limits.
	NodeName string
	// Root holds one directory per pod (DATA/agent/pods). Required, absolute.
	Root string
	// Mounter mounts memory-backed emptyDirs (HostMounter by default).
	Mounter Mounter
	Clock   clock.Clock
	Logger  *slog.Logger
}

// Manager sets up and tears down the volumes of the node's pods. It is safe for
// concurrent use by different pods; one pod is set up by one caller at a time (the pod
// worker).
type Manager struct {
	cfg Config

	mu sync.Mutex
	// tokens caches the service-account tokens of projected volumes until they are due
	// for refresh, by pod UID and projection.
	tokens map[tokenKey]token
	// certs holds the pod certificates of projected volumes, by pod UID and source.
	certs map[certKey]*podCert
}

// Mount is one volume of a pod as set up on the host.
type Mount struct {
	// HostPath is the directory (or file, for some hostPath volumes) to mount.
	HostPath string
	// ReadOnly is forced for the kinds upstream always mounts read-only (configMap,
	// secret, downwardAPI, projected) and for claims mounted readOnly.
	ReadOnly bool
}

// New checks the configuration and returns a Manager.
func New(cfg Config) (*Manager, error) {
	if cfg.Client == nil || cfg.Root == "" || !filepath.IsAbs(cfg.Root) {
		return nil, errors.New("volumes: Client and an absolute Root are required")
	}
	if cfg.Mounter == nil {
		cfg.Mounter = HostMounter{}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{cfg: cfg, tokens: map[tokenKey]token{}, certs: map[certKey]*podCert{}}, nil
}

// PodDir is the pod's directory on the host, where its volumes and the agent's files
// for it (hosts file, termination messages) live.
func (m *Manager) PodDir(uid types.UID) string {
	return filepath.Join(m.cfg.Root, string(uid))
}

func (m *Manager) volumeDir(uid types.UID, kind, name string) string {
	return filepath.Join(m.PodDir(uid), "volumes", kind, name)
}

// Setup makes every volume of the pod exist and brings the content of configMap,
// secret, downwardAPI and projected volumes up to date. It returns the volumes by name;
// on error, the ones that could be set up and an error per volume that could not, each
// worded as upstream's FailedMount events are.
func (m *Manager) Setup(ctx context.Context, pod *corev1.Pod) (map[string]Mount, error) {
	out := map[string]Mount{}
	var errs []error
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		mnt, err := m.setupVolume(ctx, pod, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("MountVolume.SetUp failed for volume %q : %w", v.Name, err))
			continue
		}
		out[v.Name] = mnt
	}
	return out, errors.Join(errs...)
}

func (m *Manager) setupVolume(ctx context.Context, pod *corev1.Pod, v *corev1.Volume) (Mount, error) {
	src := &v.VolumeSource
	switch {
	case src.EmptyDir != nil:
		dir := m.volumeDir(pod.UID, kindEmptyDir, v.Name)
		return Mount{HostPath: dir}, m.emptyDir(pod, src.EmptyDir, dir)
	case src.HostPath != nil:
		return Mount{HostPath: src.HostPath.Path}, checkHostPath(src.HostPath.Path, src.HostPath.Type)
	case src.PersistentVolumeClaim != nil:
		return m.claim(ctx, pod, src.PersistentVolumeClaim)
	case src.ConfigMap != nil:
		return m.atomic(ctx, pod, kindConfigMap, v.Name, func() (map[string]file, error) {
			return m.configMapPayload(ctx, pod, src.ConfigMap)
		})
	case src.Secret != nil:
		return m.atomic(ctx, pod, kindSecret, v.Name, func() (map[string]file, error) {
			return m.secretPayload(ctx, pod, src.Secret)
		})
	case src.DownwardAPI != nil:
		return m.atomic(ctx, pod, kindDownward, v.Name, func() (map[string]file, error) {
			return m.downwardPayload(ctx, pod, src.DownwardAPI.Items, src.DownwardAPI.DefaultMode)
		})
	case src.Projected != nil:
		return m.atomic(ctx, pod, kindProjected, v.Name, func() (map[string]file, error) {
			return m.projectedPayload(ctx, pod, v.Name, src.Projected)
		})
	}
	return Mount{}, errors.New("this volume type is not supported by this node")
}

// atomic writes a payload-backed volume with the atomic writer, its files owned by the
// pod's fsGroup when it has one.
func (m *Manager) atomic(ctx context.Context, pod *corev1.Pod, kind, name string, payload func() (map[string]file, error)) (Mount, error) {
	dir := m.volumeDir(pod.UID, kind, name)
	p, err := payload()
	if err != nil {
		return Mount{}, err
	}
	var perms func(string) error
	if g := fsGroup(pod); g != nil {
		for k, f := range p {
			f.Mode |= 0o440 // read-only volumes: the group may read, as upstream
			p[k] = f
		}
		perms = func(ts string) error { return chownTree(ts, *g) }
	}
	changed, err := writeAtomic(dir, p, perms, m.cfg.Clock.Now())
	if err != nil {
		return Mount{}, err
	}
	if changed {
		m.cfg.Logger.Debug("volume written", "pod", pod.Namespace+"/"+pod.Name, "volume", name)
	}
	return Mount{HostPath: dir, ReadOnly: true}, nil
}

// claim resolves a PersistentVolumeClaim to its bound volume's path on this node.
func (m *Manager) claim(ctx context.Context, pod *corev1.Pod, src *corev1.PersistentVolumeClaimVolumeSource) (Mount, error) {
	pvc, err := m.cfg.Client.CoreV1().PersistentVolumeClaims(pod.Namespace).Get(ctx, src.ClaimName, metav1.GetOptions{})
	if err != nil {
		return Mount{}, err
	}
	if pvc.Status.Phase != corev1.ClaimBound || pvc.Spec.VolumeName == "" {
		return Mount{}, fmt.Errorf("PVC %s/%s has non-bound phase (%q) or empty pvc.Spec.VolumeName (%q)",
			pvc.Namespace, pvc.Name, pvc.Status.Phase, pvc.Spec.VolumeName)
	}
	pv, err := m.cfg.Client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return Mount{}, err
	}
	ro := src.ReadOnly
	switch {
	case pv.Spec.HostPath != nil:
		if err := makeLocalPathDir(pv); err != nil {
			return Mount{}, fmt.Errorf("local-path volume %s: %w", pv.Name, err)
		}
		return Mount{HostPath: pv.Spec.HostPath.Path, ReadOnly: ro}, checkHostPath(pv.Spec.HostPath.Path, pv.Spec.HostPath.Type)
	case pv.Spec.Local != nil:
		if _, err := os.Stat(pv.Spec.Local.Path); err != nil {
			return Mount{}, fmt.Errorf("local volume %s: %w", pv.Name, err)
		}
		return Mount{HostPath: pv.Spec.Local.Path, ReadOnly: ro}, nil
	}
	return Mount{}, fmt.Errorf("persistent volume %s is neither hostPath nor local: this node cannot attach it", pv.Name)
}

// Teardown unmounts the pod's memory-backed volumes and removes its directory. A
// directory that is still a mount point after the unmount stops the removal, so it
// never deletes through a mount.
func (m *Manager) Teardown(uid types.UID) error {
	m.mu.Lock()
	for k := range m.tokens {
		if k.uid == uid {
			delete(m.tokens, k)
		}
	}
	for k := range m.certs {
		if k.uid == uid {
			delete(m.certs, k)
		}
	}
	m.mu.Unlock()
	podDir := m.PodDir(uid)
	if !exists(podDir) {
		// Nothing can be mounted under a directory that is not there; the pod's sync
		// and the relist call Teardown again and again after the first one removed it,
		// and the mount table of a node with a hundred pods is not read for nothing.
		return nil
	}
	if err := m.unmountAll(podDir); err != nil {
		return err
	}
	return os.RemoveAll(podDir)
}

// unmountAll unmounts everything mounted at or below the pod directory, deepest
// first, and fails when anything is still mounted after.
func (m *Manager) unmountAll(podDir string) error {
	points, err := m.cfg.Mounter.MountPointsUnder(podDir)
	if err != nil {
		return err
	}
	if len(points) == 0 {
		return nil // the common case: no memory-backed volume, nothing propagated
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	var errs []error
	for _, p := range points {
		if err := m.cfg.Mounter.Unmount(p); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if left, err := m.cfg.Mounter.MountPointsUnder(podDir); err != nil || len(left) > 0 {
		return errors.Join(err, fmt.Errorf("still mounted under %s: %v", podDir, left))
	}
	return nil
}

// Sweep tears down the directories of pods not in keep: what a pod deleted while the
// agent was down left behind.
func (m *Manager) Sweep(keep map[types.UID]bool) error {
	entries, err := os.ReadDir(m.cfg.Root)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		uid := types.UID(e.Name())
		// Pod directories are named by UID; the log directories beside them
		// (<ns>_<name>_<uid>) are not the volume manager's.
		if !e.IsDir() || keep[uid] || strings.Contains(e.Name(), "_") {
			continue
		}
		if err := m.Teardown(uid); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func fsGroup(pod *corev1.Pod) *int64 {
	if sc := pod.Spec.SecurityContext; sc != nil {
		return sc.FSGroup
	}
	return nil
}
