package rootca

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/worker"
)

const (
	// ConfigMapName is the ConfigMap every namespace gets, and DataKey its key.
	ConfigMapName = "kube-root-ca.crt"
	DataKey       = "ca.crt"

	// DescriptionAnnotation and Description are the annotation upstream puts on it.
	DescriptionAnnotation = "kubernetes.io/description"
	Description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
		"No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Config is what the publisher needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// RootCA is the cluster CA, PEM-encoded. Required.
	RootCA []byte
	// Namespaces is a shared informer. Required. (The publisher watches the
	// kube-root-ca.crt ConfigMaps itself: a shared ConfigMap informer would hold every
	// ConfigMap of the cluster in memory for the sake of one per namespace.)
	Namespaces coreinformers.NamespaceInformer
	// Workers is how many namespaces are handled at once. Default 3.
	Workers int
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Publisher keeps kube-root-ca.crt in every namespace.
type Publisher struct {
	client   kubernetes.Interface
	data     map[string]string
	logger   *slog.Logger
	nsLister corelisters.NamespaceLister
	cmLister corelisters.ConfigMapLister
	// cmInformer watches only the ConfigMaps named ConfigMapName; Run runs it.
	cmInformer cache.SharedIndexInformer
	queue      *worker.Queue
	handlers   worker.Handlers
}

// New makes the publisher and registers its handlers with the informers.
func New(cfg Config) (*Publisher, error) {
	if cfg.Client == nil || cfg.Namespaces == nil {
		return nil, errors.New("root CA publisher: Client and Namespaces are required")
	}
	if len(cfg.RootCA) == 0 {
		return nil, errors.New("root CA publisher: RootCA is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Publisher{
		client:   cfg.Client,
		data:     map[string]string{DataKey: string(cfg.RootCA)},
		logger:   cfg.Logger.With("controller", "root-ca-cert-publisher"),
		nsLister: cfg.Namespaces.Lister(),
	}
	byName := fields.OneTermEqualSelector("metadata.name", ConfigMapName).String()
	p.cmInformer = coreinformers.NewFilteredConfigMapInformer(cfg.Client, metav1.NamespaceAll, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
		func(o *metav1.ListOptions) { o.FieldSelector = byName })
	p.cmLister = corelisters.NewConfigMapLister(p.cmInformer.GetIndexer())
	nsInf, cmInf := cfg.Namespaces.Informer(), p.cmInformer
	p.queue = worker.New(worker.Config{Name: "root_ca_cert_publisher", Sync: p.sync, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{nsInf.HasSynced, cmInf.HasSynced}, Logger: p.logger})
	if err := p.handlers.Add(nsInf, cache.ResourceEventHandlerFuncs{
		AddFunc:    p.enqueueNamespace,
		UpdateFunc: func(_, obj any) { p.enqueueNamespace(obj) },
	}); err != nil {
		return nil, fmt.Errorf("root CA publisher: %w", err)
	}
	if err := p.handlers.Add(cmInf, cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { p.enqueueConfigMap(obj) },
		DeleteFunc: p.enqueueConfigMap,
	}); err != nil {
		return nil, fmt.Errorf("root CA publisher: %w", err)
	}
	return p, nil
}

func (p *Publisher) enqueueNamespace(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		p.queue.Add(ns.Name)
	}
}

func (p *Publisher) enqueueConfigMap(obj any) {
	if cm, ok := worker.Object[*corev1.ConfigMap](obj); ok && cm.Name == ConfigMapName {
		p.queue.Add(cm.Namespace)
	}
}

// Run handles namespaces until ctx ends, then waits for its workers and its ConfigMap
// informer.
func (p *Publisher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer p.handlers.Remove()
	wg.Go(func() { p.cmInformer.Run(ctx.Done()) })
	p.queue.Run(ctx)
}

// sync makes kube-root-ca.crt in namespace name what it must be.
func (p *Publisher) sync(ctx context.Context, name string) error {
	ns, err := p.nsLister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return nil
	}
	cm, err := p.cmLister.ConfigMaps(name).Get(ConfigMapName)
	if apierrors.IsNotFound(err) {
		_, err = p.client.CoreV1().ConfigMaps(name).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{
				Name:        ConfigMapName,
				Namespace:   name,
				Annotations: map[string]string{DescriptionAnnotation: Description},
			},
			Data: maps.Clone(p.data),
		}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) || apierrors.IsForbidden(err) && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			// The cache is behind, or the namespace began terminating: the events
			// that follow bring it here again if anything is left to do.
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if maps.Equal(cm.Data, p.data) && cm.Annotations[DescriptionAnnotation] != "" {
		return nil
	}
	cm = cm.DeepCopy()
	cm.Data = maps.Clone(p.data)
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[DescriptionAnnotation] = Description
	_, err = p.client.CoreV1().ConfigMaps(name).Update(ctx, cm, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		// Deleted meanwhile: the delete event queues it again.
		return nil
	}
	return err
}
