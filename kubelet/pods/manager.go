package pods

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"

	"kite/kubelet/probe"
	"kite/kubelet/volumes"
)

// Config wires the pod manager to the cluster and the runtime.
type Config struct {
	Client   kubernetes.Interface
	NodeName string
	// HostIP is the node's address, reported as the pods' hostIP.
	HostIP net.IP
	// Runtime and Images are the CRI services (kubelet/cri's Client carries both).
	Runtime runtimeapi.RuntimeServiceClient
	Images  runtimeapi.ImageServiceClient
	// RuntimeName prefixes container IDs in statuses ("containerd").
	RuntimeName string
	// LogDir holds the pods' container logs, one directory per pod. Required.
	LogDir string
	// PodDir holds one directory per pod UID with its volumes and the agent's files
	// for it (hosts file, termination messages); LogDir by default, where upstream's
	// kubelet keeps them too (its pods/ directory).
	PodDir string
	// Mounter mounts the tmpfs of memory-backed emptyDirs (the host's by default).
	Mounter volumes.Mounter
	// VolumeRefresh is how often a running pod's ConfigMap, Secret, downward API and
	// projected volumes are brought up to date (10s).
	VolumeRefresh time.Duration
	// CgroupRoot is the cgroup (cgroupfs driver) under which each pod gets its own,
	// "/kite" by default.
	CgroupRoot string
	// ClusterDNS and ClusterDomain make the resolv.conf of dnsPolicy ClusterFirst pods.
	ClusterDNS    string
	ClusterDomain string
	// ResolvConf is the node's resolver configuration, which dnsPolicy Default pods
	// with a dnsConfig extend (/etc/resolv.conf).
	ResolvConf string
	// Ready, when set, is closed once the node can run pods (its images imported);
	// no pod is synced before.
	Ready <-chan struct{}
	// Workers sync that many pods at once (default 8). A pod being torn down does not
	// hold one: its sync runs on a goroutine of its own (see work).
	Workers int
	// RelistPeriod is how often the runtime's state is compared with the last (1s).
	RelistPeriod time.Duration
	// SandboxImage is the runtime's pause image. When set, a sandbox is made only once
	// the image is present, so the runtime never goes to a registry for it.
	SandboxImage string
	// RegistryPulls lets a missing image be pulled through CRI PullImage. Off, a missing
	// image is an ErrImagePull without any network traffic: nodes here are air-gapped
	// and preload their images, and must not reach out.
	RegistryPulls bool
	// Recorder receives the pods' events (Pulled, Created, Started, Killing, BackOff,
	// Failed), as upstream's kubelet records them; nil records none.
	Recorder record.EventRecorder
	Clock    clock.WithTicker
	Logger   *slog.Logger
}

func (c *Config) defaults() error {
	if c.Client == nil || c.NodeName == "" || c.Runtime == nil || c.Images == nil || c.LogDir == "" {
		return fmt.Errorf("pods: Client, NodeName, Runtime, Images and LogDir are required")
	}
	if c.RuntimeName == "" {
		c.RuntimeName = "containerd"
	}
	if c.CgroupRoot == "" {
		c.CgroupRoot = "/kite"
	}
	if c.ClusterDNS == "" {
		c.ClusterDNS = "10.43.0.10"
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = "cluster.local"
	}
	if c.ResolvConf == "" {
		c.ResolvConf = "/etc/resolv.conf"
	}
	if c.Workers == 0 {
		c.Workers = 8
	}
	if c.PodDir == "" {
		c.PodDir = c.LogDir
	}
	if c.VolumeRefresh == 0 {
		c.VolumeRefresh = 10 * time.Second
	}
	if c.RelistPeriod == 0 {
		c.RelistPeriod = time.Second
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Manager runs the node's pods.
type Manager struct {
	cfg    Config
	queue  workqueue.TypedRateLimitingInterface[types.UID]
	vols   *volumes.Manager
	prober *probe.Prober
	// probeWG counts the running probe workers, which Run waits for.
	probeWG sync.WaitGroup
	// teardowns counts the syncs of pods being torn down that run beside the workers,
	// which Run waits for.
	teardowns sync.WaitGroup

	mu sync.Mutex
	// pods are the pods bound to this node as last seen, by UID. A UID missing here
	// whose sandbox exists belongs to a deleted pod.
	pods map[types.UID]*corev1.Pod
	// graces remembers the grace period of deleted pods until they are torn down.
	graces map[types.UID]int64
	// deleted keeps the last seen object of deleted pods until they are torn down, for
	// their containers' preStop hooks.
	deleted map[types.UID]*corev1.Pod
	// probes are the running probe workers.
	probes map[probeKey]*probeWorker
	// waiting holds, per container ("uid/name"), why it is not running when the
	// runtime cannot say (an image pull failed, a restart is backing off).
	waiting map[string]waitReason
	// backoff tracks restart and image pull back-off per container.
	backoff map[string]*backoffEntry
	// resizes is what the agent admitted and applied of in-place resizes.
	resizes resizeState
	// netDown holds the sandboxes this agent stopped and has not removed yet. Every
	// StopPodSandbox runs the CNI DEL chain again (containerd tears the network down
	// whether or not it already did), so a stopped sandbox is not stopped twice.
	netDown map[string]bool
	// services serves the service link variables once Run has started its informer;
	// nil before (services.go). Set before the workers start, read-only after.
	services *serviceSource
}

// New checks the configuration and returns a Manager; Run starts it.
func New(cfg Config) (*Manager, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	root, err := filepath.Abs(cfg.PodDir)
	if err != nil {
		return nil, err
	}
	vols, err := volumes.New(volumes.Config{Client: cfg.Client, NodeName: cfg.NodeName, Root: root,
		Mounter: cfg.Mounter, Clock: cfg.Clock, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	prober, err := probe.New(probe.Config{Runtime: cfg.Runtime, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return &Manager{
		cfg:    cfg,
		vols:   vols,
		prober: prober,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[types.UID](200*time.Millisecond, 30*time.Second),
			workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "pods", Clock: cfg.Clock}),
		pods:    map[types.UID]*corev1.Pod{},
		graces:  map[types.UID]int64{},
		deleted: map[types.UID]*corev1.Pod{},
		probes:  map[probeKey]*probeWorker{},
		waiting: map[string]waitReason{},
		backoff: map[string]*backoffEntry{},
		netDown: map[string]bool{},
	}, nil
}

// Run watches the node's pods and syncs them until ctx ends. Pods keep running after
// it returns.
func (m *Manager) Run(ctx context.Context) error {
	defer m.queue.ShutDown()
	factory := informers.NewSharedInformerFactoryWithOptions(m.cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", m.cfg.NodeName).String()
		}))
	informer := factory.Core().V1().Pods().Informer()
	reg, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { m.seen(obj) },
		UpdateFunc: func(_, obj any) { m.seen(obj) },
		DeleteFunc: m.gone,
	})
	if err != nil {
		return err
	}
	// Every namespace's Services, for the containers' service link variables.
	svcFactory := informers.NewSharedInformerFactory(m.cfg.Client, 0)
	svcInformer := svcFactory.Core().V1().Services()
	m.services = &serviceSource{lister: svcInformer.Lister(), synced: svcInformer.Informer().HasSynced}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	svcFactory.Start(ctx.Done())
	defer svcFactory.Shutdown()
	// The registration's HasSynced, not the informer's: only once the handler has seen
	// every existing pod may a sandbox without a known pod be taken for an orphan.
	if !cache.WaitForCacheSync(ctx.Done(), reg.HasSynced, m.services.synced) {
		return ctx.Err()
	}
	// Directories of pods deleted while the agent was down go now; the pods the
	// handler has seen keep theirs.
	m.mu.Lock()
	keep := make(map[types.UID]bool, len(m.pods))
	for uid := range m.pods {
		keep[uid] = true
	}
	m.mu.Unlock()
	if err := m.vols.Sweep(keep); err != nil {
		m.cfg.Logger.Warn("removing the volumes of gone pods", "err", err)
	}
	if m.cfg.Ready != nil {
		select {
		case <-m.cfg.Ready:
		case <-ctx.Done():
			return nil
		}
	}
	var wg sync.WaitGroup
	for range m.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m.work(ctx) {
			}
		}()
	}
	m.relistLoop(ctx)
	m.queue.ShutDown()
	wg.Wait()
	m.teardowns.Wait()
	// The workers are done; the probe workers end with ctx, which has ended.
	m.probeWG.Wait()
	return nil
}

// seen records an added or updated pod and enqueues it.
func (m *Manager) seen(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	m.mu.Lock()
	sync := needsSync(m.pods[pod.UID], pod)
	m.pods[pod.UID] = pod
	m.mu.Unlock()
	if sync {
		m.queue.Add(pod.UID)
	}
}

// gone forgets a deleted pod, keeping its grace period for the teardown.
func (m *Manager) gone(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	m.mu.Lock()
	delete(m.pods, pod.UID)
	m.graces[pod.UID] = gracePeriod(pod)
	m.deleted[pod.UID] = pod
	m.mu.Unlock()
	m.queue.Add(pod.UID)
}

func (m *Manager) pod(uid types.UID) *corev1.Pod {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pods[uid]
}

// work syncs one pod from the queue; false when the queue shut down.
//
// The sync of a pod being torn down (deleted, or gone from the API) runs on a goroutine
// of its own, as upstream's kubelet gives every pod its own worker: it waits out the
// containers' grace period and the runtime's network teardown (the CNI DEL chain, which
// runs iptables), and a namespace of a hundred pods must not queue them eight at a
// time behind each other, nor hold up the pods that are starting. The key stays in
// process until that sync ends (Done), so the queue still never hands the pod to a
// second sync meanwhile.
func (m *Manager) work(ctx context.Context) bool {
	uid, quit := m.queue.Get()
	if quit {
		return false
	}
	if m.tearingDown(uid) {
		m.teardowns.Add(1)
		go func() {
			defer m.teardowns.Done()
			m.syncOne(ctx, uid)
		}()
		return true
	}
	m.syncOne(ctx, uid)
	return true
}

// tearingDown reports whether the pod's next sync stops it for good: its object has a
// deletion timestamp, or is gone.
func (m *Manager) tearingDown(uid types.UID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	pod := m.pods[uid]
	return pod == nil || pod.DeletionTimestamp != nil
}

// syncOne syncs the pod, requeues it as the sync asks, and marks its key done.
func (m *Manager) syncOne(ctx context.Context, uid types.UID) {
	defer m.queue.Done(uid)
	requeue, err := m.sync(ctx, uid)
	switch {
	case err != nil && ctx.Err() == nil:
		m.cfg.Logger.Warn("pod sync failed; retrying", "uid", uid, "err", err)
		m.queue.AddRateLimited(uid)
	case requeue > 0:
		m.queue.Forget(uid)
		m.queue.AddAfter(uid, requeue)
	default:
		m.queue.Forget(uid)
	}
}

// event records an event about the pod when a recorder is configured.
func (m *Manager) event(pod *corev1.Pod, typ, reason, format string, args ...any) {
	if m.cfg.Recorder != nil {
		m.cfg.Recorder.Eventf(pod, typ, reason, format, args...)
	}
}

// gracePeriod is how long the pod's containers get between SIGTERM and SIGKILL.
func gracePeriod(pod *corev1.Pod) int64 {
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}
