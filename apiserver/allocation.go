package apiserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/allocator"
	"kite/apiserver/registry"
	"kite/storage"
)

var (
	servicesResource    = schema.GroupResource{Resource: "services"}
	ipAddressesResource = schema.GroupResource{Group: "networking.k8s.io", Resource: "ipaddresses"}
)

// serviceAllocator returns the allocator of Service cluster IPs and node ports, whose
// IP claims are IPAddress objects kept by the ipaddresses Store. That Store must be
// built before the services Store (builtinResources lists it first).
func serviceAllocator(st storage.Interface, stores []*registry.Store, logger *slog.Logger) (*allocator.Allocator, error) {
	ips := storeOf(stores, ipAddressesResource)
	if ips == nil {
		return nil, errors.New("apiserver: the ipaddresses store must be built before the services store")
	}
	return allocator.New(allocator.Config{IPAddresses: ips, Storage: st, Logger: logger})
}

// repairAllocations makes the Service IP and port claims match the Services: a server
// killed between a claim and its Service write leaves a claim to remove. It runs at
// bootstrap, before serving, when no Service write can be in flight.
func repairAllocations(ctx context.Context, st storage.Interface, stores []*registry.Store, logger *slog.Logger) error {
	alloc, err := serviceAllocator(st, stores, logger)
	if err != nil {
		return err
	}
	services := storeOf(stores, servicesResource)
	if services == nil {
		return errors.New("apiserver: no services store")
	}
	made, removed, err := alloc.Repair(ctx, services)
	if err != nil {
		return fmt.Errorf("apiserver: repairing service allocations: %w", err)
	}
	if made+removed > 0 {
		logger.Info("repaired service allocations", "claimsMade", made, "claimsRemoved", removed)
	}
	return nil
}
