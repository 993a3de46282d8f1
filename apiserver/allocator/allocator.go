package allocator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// Objects is the part of a registry Store the allocator uses (a *registry.Store): the
// IPAddresses it creates and deletes, the Services Repair reads. Errors are Status
// errors.
type Objects interface {
	Create(ctx context.Context, namespace string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error)
	Get(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error)
	List(ctx context.Context, namespace string, opts metav1.ListOptions) (runtime.Object, error)
	Delete(ctx context.Context, namespace, name string, opts metav1.DeleteOptions) (runtime.Object, bool, error)
}

// Config configures an Allocator.
type Config struct {
	// IPAddresses keeps the networking.k8s.io/v1 IPAddress objects. Required.
	IPAddresses Objects
	// Storage keeps the node port claims. Required.
	Storage storage.Interface
	// ServiceCIDR is the range of cluster IPs (IPv4). Default: 10.43.0.0/16.
	ServiceCIDR netip.Prefix
	// NodePortMin and NodePortMax bound the node ports, inclusive. Default: 30000-32767.
	NodePortMin, NodePortMax int
	// Logger receives what a client cannot act on (a release that failed). Default:
	// slog.Default().
	Logger *slog.Logger
}

// Allocator claims cluster IPs and node ports for Services. It keeps no state of its
// own (see the package documentation) and is safe for concurrent use.
type Allocator struct {
	cfg    Config
	ips    ipRange
	ports  portRange
	logger *slog.Logger
}

// New validates cfg and returns an Allocator.
func New(cfg Config) (*Allocator, error) {
	if cfg.IPAddresses == nil || cfg.Storage == nil {
		return nil, errors.New("allocator: Config.IPAddresses and Storage are required")
	}
	if !cfg.ServiceCIDR.IsValid() {
		cfg.ServiceCIDR = netip.MustParsePrefix("10.43.0.0/16")
	}
	if cfg.NodePortMin == 0 && cfg.NodePortMax == 0 {
		cfg.NodePortMin, cfg.NodePortMax = 30000, 32767
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ips, err := newIPRange(cfg.ServiceCIDR)
	if err != nil {
		return nil, err
	}
	if cfg.NodePortMin < 1 || cfg.NodePortMax > 65535 || cfg.NodePortMin > cfg.NodePortMax {
		return nil, fmt.Errorf("allocator: bad node port range %d-%d", cfg.NodePortMin, cfg.NodePortMax)
	}
	return &Allocator{
		cfg:    cfg,
		ips:    ips,
		ports:  newPortRange(cfg.NodePortMin, cfg.NodePortMax),
		logger: cfg.Logger,
	}, nil
}
