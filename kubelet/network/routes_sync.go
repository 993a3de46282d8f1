package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
)

// DefaultRouteResync is how often the routes are checked when no Node changed: a
// route someone deleted, or a network that came up, is seen within it.
const DefaultRouteResync = 30 * time.Second

// RoutesConfig describes a node's route syncer.
type RoutesConfig struct {
	// Client reaches the API server; NodeName is this node. Required.
	Client   kubernetes.Interface
	NodeName string
	// PodCIDR is this node's pod range (never routed: the bridge has it); ClusterCIDR
	// holds every node's (no route outside it is added). Required, IPv4.
	PodCIDR, ClusterCIDR *net.IPNet
	// Exec runs ip(8) (default: the real command).
	Exec func(ctx context.Context, stdin string, name string, args ...string) ([]byte, error)
	// Recorder, when set, records a FailedToCreateRoute event on a Node that cannot
	// be routed to, as upstream's route controller does.
	Recorder record.EventRecorder
	// Resync is the period of a check without a Node change (DefaultRouteResync).
	Resync time.Duration
	// ForwardingFile is the IPv4 forwarding switch Run turns on
	// (/proc/sys/net/ipv4/ip_forward).
	ForwardingFile string
	Logger         *slog.Logger
}

// Routes keeps this host's routes to the other nodes' pod CIDRs in step with the
// Nodes.
type Routes struct {
	cfg          RoutesConfig
	own, cluster netip.Prefix
	log          *slog.Logger
	exec         execFunc
	warned       map[string]string // node → the reason last reported; Run's goroutine only
	kick         chan struct{}
}

// NewRoutes checks cfg; nothing runs until Run.
func NewRoutes(cfg RoutesConfig) (*Routes, error) {
	if cfg.Client == nil || cfg.NodeName == "" || cfg.PodCIDR == nil || cfg.ClusterCIDR == nil {
		return nil, errors.New("network routes: Client, NodeName, PodCIDR and ClusterCIDR are required")
	}
	own, ok1 := prefixOf(cfg.PodCIDR)
	cluster, ok2 := prefixOf(cfg.ClusterCIDR)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("network routes: pod CIDR %s and cluster CIDR %s must be IPv4", cfg.PodCIDR, cfg.ClusterCIDR)
	}
	if cfg.Exec == nil {
		cfg.Exec = runCommand
	}
	if cfg.Resync <= 0 {
		cfg.Resync = DefaultRouteResync
	}
	if cfg.ForwardingFile == "" {
		cfg.ForwardingFile = "/proc/sys/net/ipv4/ip_forward"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Routes{
		cfg: cfg, own: own, cluster: cluster, log: cfg.Logger.With("component", "node-routes"),
		exec: cfg.Exec, warned: map[string]string{}, kick: make(chan struct{}, 1),
	}, nil
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(n.IP.To4())
	ones, bits := n.Mask.Size()
	if !ok || bits != 32 {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, ones).Masked(), true
}

// Run turns IPv4 forwarding on, then watches the Nodes and syncs the routes on every
// change that matters to them, every Resync, and again after a failure (backing off up
// to Resync), until ctx ends. The routes stay when it returns: pods on other nodes stay
// reachable while the agent restarts; Cleanup removes them.
func (r *Routes) Run(ctx context.Context) {
	if err := r.enableForwarding(); err != nil {
		r.log.Error("pods of other nodes will not reach this node's", "err", err)
	}
	factory := informers.NewSharedInformerFactory(r.cfg.Client, 0)
	defer factory.Shutdown()
	inf := factory.Core().V1().Nodes()
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { r.poke() },
		UpdateFunc: func(old, cur any) {
			// Heartbeats rewrite Node status all the time; only the pod CIDR and the
			// addresses say where a route goes.
			o, ok1 := old.(*corev1.Node)
			n, ok2 := cur.(*corev1.Node)
			if !ok1 || !ok2 || o.Spec.PodCIDR != n.Spec.PodCIDR || !sameAddresses(o, n) {
				r.poke()
			}
		},
		DeleteFunc: func(any) { r.poke() },
	}); err != nil {
		r.log.Error("watching nodes", "err", err)
		return
	}
	lister := inf.Lister()
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
		return
	}
	backoff := time.Second
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
		case <-timer.C:
		}
		next := r.cfg.Resync
		if err := r.sync(ctx, lister); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.log.Warn("syncing routes to other nodes' pods", "err", err, "retry", backoff)
			next, backoff = backoff, min(2*backoff, r.cfg.Resync)
		} else {
			backoff = time.Second
		}
		timer.Reset(next) // a tick pending from before is dropped (Go 1.23 timers)
	}
}

// enableForwarding turns the host's IPv4 forwarding on: packets between this node's
// pods and other nodes' cross it. The bridge plugin turns it on too, but only when the
// node's first pod starts, and other nodes' pods may reach for this node's routes
// before that. It is left on at Cleanup, as the bridge plugin leaves it: other
// software may count on it by then.
func (r *Routes) enableForwarding() error {
	b, err := os.ReadFile(r.cfg.ForwardingFile)
	if err == nil && strings.TrimSpace(string(b)) == "1" {
		return nil
	}
	if err := os.WriteFile(r.cfg.ForwardingFile, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("turning IPv4 forwarding on: %w", err)
	}
	r.log.Info("IPv4 forwarding turned on", "file", r.cfg.ForwardingFile)
	return nil
}

func (r *Routes) poke() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func sameAddresses(a, b *corev1.Node) bool {
	x, okx := internalIPv4(a)
	y, oky := internalIPv4(b)
	return okx == oky && x == y
}

// sync makes the host's Kite routes those the Nodes call for, and reports each node
// that cannot be routed to once per reason.
func (r *Routes) sync(ctx context.Context, lister corelisters.NodeLister) error {
	nodes, err := lister.List(labels.Everything())
	if err != nil {
		return err
	}
	host, err := readHost(ctx, r.exec)
	if err != nil {
		return err
	}
	current, err := kiteRoutes(ctx, r.exec)
	if err != nil {
		return err
	}
	plan := desiredRoutes(nodes, r.cfg.NodeName, r.own, r.cluster, host)
	r.report(nodes, plan.skipped)
	done, err := applyRoutes(ctx, r.exec, current, plan.routes, r.own)
	for _, d := range done {
		r.log.Info("route to another node's pods", "change", d)
	}
	return err
}

// report logs and records each skipped node once, until its reason changes or it is
// routed again.
func (r *Routes) report(nodes []*corev1.Node, skipped map[string]string) {
	for name := range r.warned {
		if _, ok := skipped[name]; !ok {
			delete(r.warned, name)
		}
	}
	for _, n := range nodes {
		why, ok := skipped[n.Name]
		if !ok || r.warned[n.Name] == why {
			continue
		}
		r.warned[n.Name] = why
		r.log.Warn("no route to a node's pods", "node", n.Name, "podCIDR", n.Spec.PodCIDR, "reason", why)
		if r.cfg.Recorder != nil {
			r.cfg.Recorder.Eventf(n, corev1.EventTypeWarning, "FailedToCreateRoute",
				"Node %s cannot route to pod CIDR %s of node %s: %s", r.cfg.NodeName, n.Spec.PodCIDR, n.Name, why)
		}
	}
}
