package csrcleaner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	certinformers "k8s.io/client-go/informers/certificates/v1"
	"k8s.io/client-go/kubernetes"
	certlisters "k8s.io/client-go/listers/certificates/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"kite/controllers/worker"
)

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// CSRs is the shared informer of CertificateSigningRequests. Required.
	CSRs certinformers.CertificateSigningRequestInformer
	// Clock tells the time (default the real clock).
	Clock clock.PassiveClock
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Controller deletes CSRs that are done with; see the package doc.
type Controller struct {
	client   kubernetes.Interface
	clock    clock.PassiveClock
	logger   *slog.Logger
	lister   certlisters.CertificateSigningRequestLister
	queue    *worker.Queue
	handlers worker.Handlers
	// after queues a CSR for when it falls due (the queue's AddAfter; tests watch it).
	after func(name string, d time.Duration)
}

// New makes the controller and registers its handlers with the informer.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.CSRs == nil {
		return nil, errors.New("csr cleaner: Client and CSRs are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{
		client: cfg.Client,
		clock:  cfg.Clock,
		logger: cfg.Logger.With("controller", "csrcleaner"),
		lister: cfg.CSRs.Lister(),
	}
	inf := cfg.CSRs.Informer()
	c.queue = worker.New(worker.Config{Name: "csrcleaner", Sync: c.sync,
		Synced: []cache.InformerSynced{inf.HasSynced}, Logger: c.logger})
	c.after = c.queue.AddAfter
	if err := c.handlers.Add(inf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("csr cleaner: %w", err)
	}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if csr, ok := obj.(*certificatesv1.CertificateSigningRequest); ok {
		c.queue.Add(csr.Name)
	}
}

// Run cleans up until ctx ends, then waits for its worker.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	c.queue.Run(ctx)
}

// sync deletes the CSR when it is due, else queues it for when it will be.
func (c *Controller) sync(ctx context.Context, name string) error {
	csr, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	at, why, ok := dueAt(csr)
	if !ok {
		return nil // its next change brings it back
	}
	if wait := at.Sub(c.clock.Now()); wait > 0 {
		c.after(name, wait)
		return nil
	}
	uid, rv := csr.UID, csr.ResourceVersion
	err = c.client.CertificatesV1().CertificateSigningRequests().Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone already, or changed: its update event brings it back
	}
	if err != nil {
		return fmt.Errorf("deleting CSR %s: %w", name, err)
	}
	c.logger.Info("deleted CSR", "csr", name, "signer", csr.Spec.SignerName, "why", why)
	return nil
}
