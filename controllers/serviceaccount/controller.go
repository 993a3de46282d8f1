package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/worker"
)

// DefaultName is the ServiceAccount every namespace gets.
const DefaultName = "default"

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Namespaces and ServiceAccounts are shared informers. Required.
	Namespaces      coreinformers.NamespaceInformer
	ServiceAccounts coreinformers.ServiceAccountInformer
	// Workers is how many namespaces are handled at once. Default 3.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Controller keeps a default ServiceAccount in every active namespace.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	nsLister corelisters.NamespaceLister
	saLister corelisters.ServiceAccountLister
	queue    *worker.Queue
	handlers worker.Handlers
}

// New makes the controller and registers its handlers with the informers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Namespaces == nil || cfg.ServiceAccounts == nil {
		return nil, errors.New("serviceaccount controller: Client, Namespaces and ServiceAccounts are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{
		client:   cfg.Client,
		logger:   cfg.Logger.With("controller", "serviceaccount"),
		nsLister: cfg.Namespaces.Lister(),
		saLister: cfg.ServiceAccounts.Lister(),
	}
	nsInf, saInf := cfg.Namespaces.Informer(), cfg.ServiceAccounts.Informer()
	c.queue = worker.New(worker.Config{Name: "serviceaccount", Sync: c.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{nsInf.HasSynced, saInf.HasSynced}, Logger: c.logger})
	if err := c.handlers.Add(nsInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.enqueueNamespace(obj) },
		UpdateFunc: func(_, obj any) { c.enqueueNamespace(obj) },
	}); err != nil {
		return nil, fmt.Errorf("serviceaccount controller: %w", err)
	}
	if err := c.handlers.Add(saInf, cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.serviceAccountDeleted,
	}); err != nil {
		return nil, fmt.Errorf("serviceaccount controller: %w", err)
	}
	return c, nil
}

func (c *Controller) enqueueNamespace(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		c.queue.Add(ns.Name)
	}
}

func (c *Controller) serviceAccountDeleted(obj any) {
	if sa, ok := worker.Object[*corev1.ServiceAccount](obj); ok && sa.Name == DefaultName {
		c.queue.Add(sa.Namespace)
	}
}

// Run handles namespaces until ctx ends, then waits for its workers.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	c.queue.Run(ctx)
}

// sync creates the default ServiceAccount of namespace name if the cache lacks it.
func (c *Controller) sync(ctx context.Context, name string) error {
	ns, err := c.nsLister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.Status.Phase != corev1.NamespaceActive || ns.DeletionTimestamp != nil {
		return nil
	}
	if _, err := c.saLister.ServiceAccounts(name).Get(DefaultName); err == nil {
		return nil
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: DefaultName, Namespace: name}}
	_, err = c.client.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{})
	switch {
	case err == nil:
		c.logger.Debug("created", "namespace", name, "serviceaccount", DefaultName)
		return nil
	case apierrors.IsAlreadyExists(err), apierrors.IsForbidden(err) && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		return nil
	}
	return err
}
