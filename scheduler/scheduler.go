package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/informers"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/utils/clock"

	"kite/leader"
)

const (
	// LeaseNamespace and LeaseName name the Lease the scheduler holds while it
	// schedules, upstream's names for it.
	LeaseNamespace = "kube-system"
	LeaseName      = "kube-scheduler"
	// DefaultSchedulerName is the spec.schedulerName this scheduler serves.
	DefaultSchedulerName = corev1.DefaultSchedulerName
)

// Config is what the scheduler needs.
type Config struct {
	// REST reaches the API server with the scheduler's own identity (in `kite server`,
	// a loopback connection with a client certificate for system:kube-scheduler). The
	// scheduler makes its clients from it and closes their connections when Run
	// returns. QPS and Burst default to 1000 and 2000 when zero (the loopback
	// connection of one process; a binding and an event per pod). Either REST or Client
	// is required.
	REST *rest.Config
	// Client is a ready client to use instead of REST (tests); its connections are the
	// caller's.
	Client kubernetes.Interface
	// Identity names this scheduler in the Lease. Default: hostname_uuid, as upstream.
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election. Defaults:
	// upstream's 15s, 10s and 2s.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Clock drives the queue's backoff; default the real clock.
	Clock clock.WithTicker
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Scheduler schedules pods while it holds the Lease.
type Scheduler struct {
	cfg    Config
	logger *slog.Logger
	lock   resourcelock.Interface
	http   *http.Client // made from Config.REST; nil with Config.Client
}

// New checks cfg; it does not contact the server.
func New(cfg Config) (*Scheduler, error) {
	var hc *http.Client
	switch {
	case cfg.Client != nil && cfg.REST != nil:
		return nil, errors.New("scheduler: give Config.REST or Config.Client, not both")
	case cfg.REST != nil:
		rc := rest.CopyConfig(cfg.REST)
		if rc.QPS == 0 {
			rc.QPS, rc.Burst = 1000, 2000
		}
		if rc.UserAgent == "" {
			rc.UserAgent = "kite-scheduler"
		}
		// One HTTP client for every API client, so its connections can be closed when
		// the scheduler stops instead of lingering in client-go's transport cache.
		var err error
		if hc, err = rest.HTTPClientFor(rc); err != nil {
			return nil, fmt.Errorf("scheduler: %w", err)
		}
		if cfg.Client, err = kubernetes.NewForConfigAndClient(rc, hc); err != nil {
			return nil, fmt.Errorf("scheduler: %w", err)
		}
	case cfg.Client == nil:
		return nil, errors.New("scheduler: Config.REST or Config.Client is required")
	}
	if cfg.Identity == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("scheduler: identity: %w", err)
		}
		cfg.Identity = host + "_" + string(uuid.NewUUID())
	}
	if cfg.LeaseDuration == 0 {
		cfg.LeaseDuration = 15 * time.Second
	}
	if cfg.RenewDeadline == 0 {
		cfg.RenewDeadline = 10 * time.Second
	}
	if cfg.RetryPeriod == 0 {
		cfg.RetryPeriod = 2 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// The Lease is renewed through a client of its own, as upstream's: behind the
	// scheduling client's rate limit, a renewal waits out a burst of bindings and the
	// Lease is lost.
	leaseClient := cfg.Client
	if cfg.REST != nil {
		lc := rest.CopyConfig(cfg.REST)
		lc.QPS, lc.Burst, lc.UserAgent = 10, 20, "kite-scheduler-leader-election"
		var err error
		if leaseClient, err = kubernetes.NewForConfigAndClient(lc, hc); err != nil {
			return nil, fmt.Errorf("scheduler: %w", err)
		}
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, LeaseNamespace, LeaseName,
		leaseClient.CoreV1(), leaseClient.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: cfg.Identity})
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	return &Scheduler{cfg: cfg, logger: cfg.Logger.With("component", "scheduler"), lock: lock, http: hc}, nil
}

// Run is New followed by Scheduler.Run.
func Run(ctx context.Context, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// Identity is the name this scheduler holds the Lease under.
func (s *Scheduler) Identity() string { return s.cfg.Identity }

// Run campaigns for the Lease and schedules while it holds it, until ctx ends. It
// returns after every goroutine it started has ended and the Lease was released.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.http != nil {
		defer s.http.CloseIdleConnections()
	}
	return leader.Run(ctx, leader.Config{Lock: s.lock, Name: LeaseNamespace + "/" + LeaseName,
		LeaseDuration: s.cfg.LeaseDuration, RenewDeadline: s.cfg.RenewDeadline, RetryPeriod: s.cfg.RetryPeriod,
		Logger: s.logger}, s.schedule)
}

// schedule runs informers, the queue and the scheduling loop until ctx ends.
func (s *Scheduler) schedule(ctx context.Context) {
	client := s.cfg.Client
	factory := informers.NewSharedInformerFactory(client, 0)
	defer factory.Shutdown()
	// Finished pods hold no resources; upstream's scheduler does not watch them.
	pods := factory.InformerFor(&corev1.Pod{}, func(c kubernetes.Interface, resync time.Duration) cache.SharedIndexInformer {
		return coreinformers.NewFilteredPodInformer(c, corev1.NamespaceAll, resync, cache.Indexers{}, func(o *metav1.ListOptions) {
			o.FieldSelector = fields.ParseSelectorOrDie("status.phase!=" + string(corev1.PodSucceeded) + ",status.phase!=" + string(corev1.PodFailed)).String()
		})
	})
	nodes := factory.Core().V1().Nodes()
	namespaces := factory.Core().V1().Namespaces()
	claims := factory.Core().V1().PersistentVolumeClaims()
	volumes := factory.Core().V1().PersistentVolumes()
	classes := factory.Storage().V1().StorageClasses()
	csiNodes := factory.Storage().V1().CSINodes()
	attachments := factory.Storage().V1().VolumeAttachments()

	broadcaster := events.NewEventBroadcasterAdapterWithContext(ctx, client)
	broadcaster.StartRecordingToSink(ctx.Done())
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(DefaultSchedulerName)

	nsLister := namespaces.Lister()
	nsLabels := func(name string) (labels.Set, bool) {
		ns, err := nsLister.Get(name)
		if err != nil {
			return nil, false
		}
		return labels.Set(ns.Labels), true
	}
	volumePlugins := VolumePlugins{
		Restrictions: &VolumeRestrictions{Claims: claims.Lister()},
		Limits: &NodeVolumeLimits{Claims: claims.Lister(), Volumes: volumes.Lister(), Classes: classes.Lister(),
			CSINodes: csiNodes.Lister(), Attachments: attachments.Lister()},
		Binding: &VolumeBinding{Client: client, Claims: claims.Lister(), Volumes: volumes.Lister(), Classes: classes.Lister()},
		Zone:    &VolumeZone{Claims: claims.Lister(), Volumes: volumes.Lister(), Classes: classes.Lister()},
	}
	profile, err := DefaultProfile(nsLabels, volumePlugins,
		DefaultPreemption{Client: client, Recorder: recorder, Logger: s.logger},
		DefaultBinder{Client: client})
	if err != nil {
		s.logger.Error("building the profile", "err", err)
		return
	}
	l := &loop{
		logger:   s.logger,
		client:   client,
		recorder: recorder,
		profile:  profile,
		cache:    NewCache(),
		queue:    NewQueue(QueueConfig{Clock: s.cfg.Clock}),
		nominate: NewNominator(),
		pods:     corelisters.NewPodLister(pods.GetIndexer()),
		rnd:      rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
	if err := errors.Join(l.addHandlers(pods, nodes.Informer()),
		l.addVolumeHandlers(claims.Informer(), volumes.Informer(), classes.Informer(),
			csiNodes.Informer(), attachments.Informer())); err != nil {
		s.logger.Error("registering event handlers", "err", err)
		return
	}
	namespaces.Informer() // registered before Start so the factory starts it
	factory.Start(ctx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok && ctx.Err() == nil {
			s.logger.Error("informer did not sync", "type", typ.String())
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { l.queue.Run(ctx) })
	for {
		qp := l.queue.Pop(ctx)
		if qp == nil {
			break
		}
		l.scheduleOne(ctx, qp, &wg)
	}
	wg.Wait()
}
