package controllers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"kite/controllers/csrsigning"
	"kite/leader"
)

const (
	// LeaseNamespace and LeaseName name the Lease the manager holds while it runs
	// controllers, upstream's names for it.
	LeaseNamespace = "kube-system"
	LeaseName      = "kube-controller-manager"
)

// Config is what the manager needs.
type Config struct {
	// REST reaches the API server with the manager's own identity. Required. QPS and
	// Burst default to 400 and 800 when zero: the server is on the same machine,
	// and some twenty controllers share them.
	REST *rest.Config
	// RootCA is the cluster CA (PEM), published in every namespace. Required.
	RootCA []byte
	// Signer signs node agents' certificate requests with the cluster CA (pki.LoadCA):
	// the csrsigning controller runs only when it is set.
	Signer csrsigning.Signer
	// SigningDuration is the longest life of a certificate the csrsigning controller
	// issues, as kube-controller-manager's --cluster-signing-duration (default a year).
	SigningDuration time.Duration
	// StorageDir is where the built-in local-path provisioner puts volumes on every
	// node (<data-dir>/storage, absolute); it runs only when this is set. LocalNode
	// names the node whose agent runs in this process ("" for none): the provisioner
	// makes and removes the directories of that node's volumes itself.
	StorageDir, LocalNode string
	// Identity names this manager in the Lease. Default: hostname_uuid, as upstream.
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election. Defaults:
	// upstream's 15s, 10s and 2s.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Manager runs the controllers while it holds the Lease.
type Manager struct {
	cfg      Config
	logger   *slog.Logger
	http     *http.Client
	client   kubernetes.Interface
	metadata metadata.Interface
	lock     resourcelock.Interface
}

// New checks cfg and makes the clients; it does not contact the server.
func New(cfg Config) (*Manager, error) {
	if cfg.REST == nil {
		return nil, errors.New("controllers: Config.REST is required")
	}
	if len(cfg.RootCA) == 0 {
		return nil, errors.New("controllers: Config.RootCA is required")
	}
	if cfg.Identity == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("controllers: identity: %w", err)
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rc := rest.CopyConfig(cfg.REST)
	if rc.QPS == 0 {
		rc.QPS, rc.Burst = 400, 800
	}
	if rc.UserAgent == "" {
		rc.UserAgent = "kite-controller-manager"
	}
	// One HTTP client for every API client, so its connections can be closed when the
	// manager stops instead of lingering in client-go's shared transport cache.
	hc, err := rest.HTTPClientFor(rc)
	if err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	client, err := kubernetes.NewForConfigAndClient(rc, hc)
	if err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	meta, err := metadata.NewForConfigAndClient(rc, hc)
	if err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	// The Lease is renewed through a client of its own, as upstream's: behind the
	// controllers' rate limit, a renewal would wait out their bursts and lose the Lease.
	lc := rest.CopyConfig(rc)
	lc.QPS, lc.Burst, lc.UserAgent = 10, 20, rc.UserAgent+"-leader-election"
	leaseClient, err := kubernetes.NewForConfigAndClient(lc, hc)
	if err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, LeaseNamespace, LeaseName,
		leaseClient.CoreV1(), leaseClient.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: cfg.Identity})
	if err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	return &Manager{cfg: cfg, logger: cfg.Logger.With("component", "controller-manager"),
		http: hc, client: client, metadata: meta, lock: lock}, nil
}

// Identity is the name this manager holds the Lease under.
func (m *Manager) Identity() string { return m.cfg.Identity }

// Run campaigns for the Lease and runs the controllers while it holds it, until ctx
// ends. It returns after every goroutine it started has ended and the Lease has been
// released (when it was held).
func (m *Manager) Run(ctx context.Context) error {
	defer m.http.CloseIdleConnections()
	return leader.Run(ctx, leader.Config{Lock: m.lock, Name: LeaseNamespace + "/" + LeaseName,
		LeaseDuration: m.cfg.LeaseDuration, RenewDeadline: m.cfg.RenewDeadline, RetryPeriod: m.cfg.RetryPeriod,
		Logger: m.logger}, m.runControllers)
}

// runnable is a controller: Run blocks until ctx ends and its workers have stopped.
type runnable interface {
	Run(ctx context.Context)
}

// runControllers starts every controller and blocks until ctx ends and all stopped.
func (m *Manager) runControllers(ctx context.Context) {
	factory := informers.NewSharedInformerFactory(m.client, 0)
	defer factory.Shutdown()

	ctrls, err := m.newControllers(ctx, factory)
	if err != nil {
		// A controller that cannot be built is a programming error; the others run.
		m.logger.Error("building controllers", "err", err)
	}
	factory.Start(ctx.Done())
	var wg sync.WaitGroup
	for _, c := range ctrls {
		wg.Go(func() { c.Run(ctx) })
	}
	wg.Wait()
}
