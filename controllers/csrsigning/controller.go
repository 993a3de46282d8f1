package csrsigning

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	certinformers "k8s.io/client-go/informers/certificates/v1"
	"k8s.io/client-go/kubernetes"
	certlisters "k8s.io/client-go/listers/certificates/v1"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/worker"
)

// Signer issues certificates with the cluster CA (pki.CA is one).
type Signer interface {
	SignRequest(req *x509.CertificateRequest, keyUsage x509.KeyUsage, extUsages []x509.ExtKeyUsage, ttl time.Duration) ([]byte, error)
}

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// CSRs is the shared informer of CertificateSigningRequests. Required.
	CSRs certinformers.CertificateSigningRequestInformer
	// Signer signs approved requests. Required.
	Signer Signer
	// MaxTTL caps a certificate's life, and is the life of one whose CSR names none.
	// Default: a year.
	MaxTTL time.Duration
	// Workers is how many CSRs are handled at once. Default 2.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Controller approves and signs node CSRs.
type Controller struct {
	client   kubernetes.Interface
	signer   Signer
	maxTTL   time.Duration
	logger   *slog.Logger
	lister   certlisters.CertificateSigningRequestLister
	queue    *worker.Queue
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informer.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.CSRs == nil || cfg.Signer == nil {
		return nil, errors.New("csr signer: Client, CSRs and Signer are required")
	}
	if cfg.MaxTTL <= 0 {
		cfg.MaxTTL = 365 * 24 * time.Hour
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{
		client: cfg.Client,
		signer: cfg.Signer,
		maxTTL: cfg.MaxTTL,
		logger: cfg.Logger.With("controller", "csrsigning"),
		lister: cfg.CSRs.Lister(),
	}
	inf := cfg.CSRs.Informer()
	c.queue = worker.New(worker.Config{Name: "certificate", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{inf.HasSynced}, Logger: c.logger})
	if err := c.handlers.Add(inf, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("csr signer: %w", err)
	}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if csr, ok := obj.(*certificatesv1.CertificateSigningRequest); ok && served(csr.Spec.SignerName) {
		c.queue.Add(csr.Name)
	}
}

// served says whether the controller handles a signer's CSRs.
func served(signer string) bool {
	return signer == certificatesv1.KubeAPIServerClientKubeletSignerName || signer == certificatesv1.KubeletServingSignerName
}

// Run handles CSRs until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	c.queue.Run(ctx)
}

// sync takes one CSR a step further: approve it when policy allows, then sign it.
// Each step is one write; its update event brings the CSR back for the next.
func (c *Controller) sync(ctx context.Context, name string) error {
	csr, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !served(csr.Spec.SignerName) || len(csr.Status.Certificate) > 0 ||
		hasCondition(csr, certificatesv1.CertificateDenied) || hasCondition(csr, certificatesv1.CertificateFailed) {
		return nil
	}
	req, reqErr := parseRequest(csr.Spec.Request)
	if !hasCondition(csr, certificatesv1.CertificateApproved) {
		if reqErr != nil {
			return nil
		}
		a := autoApproval(csr, req)
		if a.reason == "" {
			return nil
		}
		csr = csr.DeepCopy()
		csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: a.reason, Message: a.message,
			LastUpdateTime: metav1.Now(),
		})
		_, err := c.client.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			// Gone, or changed meanwhile: its events bring it back if needed.
			return nil
		}
		if err == nil {
			c.logger.Info("approved", "csr", csr.Name, "signer", csr.Spec.SignerName, "requester", csr.Spec.Username)
		}
		return err
	}
	is, err := shapeOf(csr, req, reqErr)
	if err != nil {
		return c.fail(ctx, csr, err)
	}
	certPEM, err := c.signer.SignRequest(req, is.keyUsage, is.extUsages, c.ttl(csr))
	if err != nil {
		return c.fail(ctx, csr, err)
	}
	csr = csr.DeepCopy()
	csr.Status.Certificate = certPEM
	_, err = c.client.CertificatesV1().CertificateSigningRequests().UpdateStatus(ctx, csr, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	if err == nil {
		c.logger.Info("signed", "csr", csr.Name, "signer", csr.Spec.SignerName, "subject", req.Subject.CommonName)
	}
	return err
}

func shapeOf(csr *certificatesv1.CertificateSigningRequest, req *x509.CertificateRequest, reqErr error) (issue, error) {
	if reqErr != nil {
		return issue{}, reqErr
	}
	return shape(csr.Spec.SignerName, csr.Spec.Usages, req)
}

// ttl is how long the CSR's certificate lives: what it asks for, at most maxTTL.
func (c *Controller) ttl(csr *certificatesv1.CertificateSigningRequest) time.Duration {
	if s := csr.Spec.ExpirationSeconds; s != nil && time.Duration(*s)*time.Second < c.maxTTL {
		return time.Duration(*s) * time.Second
	}
	return c.maxTTL
}

// fail marks an approved CSR the signer will not sign, as upstream's signer does, so
// its requester stops waiting.
func (c *Controller) fail(ctx context.Context, csr *certificatesv1.CertificateSigningRequest, why error) error {
	c.logger.Info("not signing", "csr", csr.Name, "signer", csr.Spec.SignerName, "err", why)
	csr = csr.DeepCopy()
	csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
		Type: certificatesv1.CertificateFailed, Status: corev1.ConditionTrue, Reason: "SignerValidationFailure",
		Message: why.Error(), LastUpdateTime: metav1.Now(),
	})
	_, err := c.client.CertificatesV1().CertificateSigningRequests().UpdateStatus(ctx, csr, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

func hasCondition(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) bool {
	for _, c := range csr.Status.Conditions {
		if c.Type == t && c.Status != corev1.ConditionFalse {
			return true
		}
	}
	return false
}
