package nodeipam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"kite/controllers/worker"
)

// Defaults, as k3s uses them.
const (
	defaultClusterCIDR = "10.42.0.0/16"
	defaultMaskSize    = 24
	// agentCIDR is the range the node agent of `kite server` gives its own Node.
	agentCIDR = "10.42.0.0/24"
)

// Config is what the controller needs.
type Config struct {
	// Client reaches the API server. Required.
	Client kubernetes.Interface
	// Nodes is a shared informer. Required.
	Nodes coreinformers.NodeInformer
	// ClusterCIDR is every node's pod range together; default 10.42.0.0/16.
	ClusterCIDR string
	// NodeMaskSize is the prefix length of one node's range; default 24.
	NodeMaskSize int
	// Reserved ranges are never allocated; nil means the node agent's 10.42.0.0/24,
	// an empty non-nil slice none.
	Reserved []string
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Events records events; default a recorder of upstream's cidrAllocator component,
	// sending through Client.
	Events record.EventRecorder
}

// Controller allocates pod ranges to nodes.
type Controller struct {
	client   kubernetes.Interface
	logger   *slog.Logger
	nodes    corelisters.NodeLister
	synced   cache.InformerSynced
	alloc    *allocator
	reserved []string
	queue    *worker.Queue
	events   record.EventRecorder
	// startEvents starts sending events; a no-op when Config gave the recorder.
	startEvents func() (stop func())
	handlers    worker.Handlers
}

// New checks cfg and makes the controller.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Nodes == nil {
		return nil, errors.New("nodeipam controller: Client and Nodes are required")
	}
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = defaultClusterCIDR
	}
	if cfg.NodeMaskSize == 0 {
		cfg.NodeMaskSize = defaultMaskSize
	}
	if cfg.Reserved == nil {
		cfg.Reserved = []string{agentCIDR}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cluster, err := netip.ParsePrefix(cfg.ClusterCIDR)
	if err != nil {
		return nil, fmt.Errorf("nodeipam controller: cluster CIDR: %w", err)
	}
	alloc, err := newAllocator(cluster, cfg.NodeMaskSize)
	if err != nil {
		return nil, err
	}
	c := &Controller{
		client:      cfg.Client,
		logger:      cfg.Logger.With("controller", "nodeipam"),
		nodes:       cfg.Nodes.Lister(),
		synced:      cfg.Nodes.Informer().HasSynced,
		alloc:       alloc,
		reserved:    cfg.Reserved,
		events:      cfg.Events,
		startEvents: func() func() { return func() {} },
	}
	if c.events == nil {
		rec := worker.NewRecorder(cfg.Client, "cidrAllocator")
		c.events, c.startEvents = rec, rec.Start
	}
	c.queue = worker.New(worker.Config{Name: "nodeipam", Sync: c.sync, Workers: 1, Synced: []cache.InformerSynced{c.synced}, Logger: c.logger})
	if err := c.handlers.Add(cfg.Nodes.Informer(), cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.enqueue(obj) },
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
		DeleteFunc: c.deleted,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if n, ok := obj.(*corev1.Node); ok && n.Spec.PodCIDR == "" {
		c.queue.Add(n.Name)
	}
}

// deleted releases the ranges of a deleted node.
func (c *Controller) deleted(obj any) {
	n, ok := worker.Object[*corev1.Node](obj)
	if !ok {
		return
	}
	for _, cidr := range cidrsOf(n) {
		c.alloc.release(cidr, n.Name)
	}
}

// Run rebuilds the ranges in use from the synced informer, then allocates until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	defer c.handlers.Remove()
	// Events and the queue stop on every return, also the early ones below: both run
	// goroutines from New.
	defer c.startEvents()()
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	if err := c.rebuild(); err != nil {
		c.logger.Error("listing nodes to rebuild the pod ranges in use", "err", err)
		return
	}
	c.logger.Info("pod ranges in use rebuilt", "inUse", c.alloc.inUse())
	c.queue.Run(ctx)
}

// rebuild marks the reserved ranges and every node's ranges as used.
func (c *Controller) rebuild() error {
	for _, r := range c.reserved {
		c.alloc.occupy(r, "")
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, n := range nodes {
		for _, cidr := range cidrsOf(n) {
			c.alloc.occupy(cidr, n.Name)
		}
	}
	return nil
}

// sync gives node name a range if it has none.
func (c *Controller) sync(ctx context.Context, name string) error {
	n, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if n.DeletionTimestamp != nil {
		return nil
	}
	if len(cidrsOf(n)) > 0 {
		for _, cidr := range cidrsOf(n) {
			c.alloc.occupy(cidr, n.Name)
		}
		return nil
	}
	cidr, err := c.alloc.allocate(n.Name)
	if err != nil {
		// As upstream: the node goes on without a range, and is tried again with
		// back-off, in case a deleted node frees one.
		c.events.Eventf(n, corev1.EventTypeNormal, "CIDRNotAvailable", "Node %s status is now: CIDRNotAvailable", n.Name)
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"podCIDR": cidr, "podCIDRs": []string{cidr}}})
	_, err = c.client.CoreV1().Nodes().Patch(ctx, n.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		c.alloc.release(cidr, n.Name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("setting pod range %s on node %s: %w", cidr, n.Name, err)
	}
	c.logger.Info("pod range allocated", "node", n.Name, "podCIDR", cidr)
	return nil
}

// cidrsOf is a node's pod ranges: podCIDRs, else the single podCIDR.
func cidrsOf(n *corev1.Node) []string {
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs
	}
	if n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}
	}
	return nil
}
