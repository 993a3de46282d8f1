package node

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// LeaseNamespace holds one Lease per node, renewed as the node's heartbeat.
const LeaseNamespace = "kube-node-lease"

// leaseDuration is upstream's default node lease duration.
const leaseDuration = 40

// renewLease creates the node's Lease or sets its renewTime to now. The Lease is owned by
// the Node (so it goes when the Node goes) once the Node's UID is known.
func renewLease(ctx context.Context, cfg Config, owner metav1.OwnerReference) error {
	leases := cfg.Client.CoordinationV1().Leases(LeaseNamespace)
	now := metav1.NewMicroTime(cfg.Clock.Now())
	var owners []metav1.OwnerReference
	if owner.UID != "" {
		owners = []metav1.OwnerReference{owner}
	}
	l, err := leases.Get(ctx, cfg.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: cfg.Name, Namespace: LeaseNamespace, OwnerReferences: owners},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       ptr.To(cfg.Name),
				LeaseDurationSeconds: ptr.To[int32](leaseDuration),
				RenewTime:            &now,
			},
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	l.Spec.HolderIdentity = ptr.To(cfg.Name)
	l.Spec.LeaseDurationSeconds = ptr.To[int32](leaseDuration)
	l.Spec.RenewTime = &now
	if len(l.OwnerReferences) == 0 {
		l.OwnerReferences = owners
	}
	_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	return err
}

// Run keeps the Node's status and Lease current until ctx ends: the Lease every
// LeaseInterval, the status whenever it changed (checked at the same ticks) and at
// least every StatusInterval. Failures are logged and retried at the next tick.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	var owner metav1.OwnerReference
	lastPost := time.Time{}
	tick := cfg.Clock.NewTicker(cfg.LeaseInterval)
	defer tick.Stop()
	for {
		if owner.UID == "" {
			if n, err := cfg.Client.CoreV1().Nodes().Get(ctx, cfg.Name, metav1.GetOptions{}); err == nil {
				owner = metav1.OwnerReference{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID}
			}
		}
		if err := renewLease(ctx, cfg, owner); err != nil && ctx.Err() == nil {
			cfg.Logger.Warn("renewing the node lease", "node", cfg.Name, "err", err)
		}
		force := cfg.Clock.Since(lastPost) >= cfg.StatusInterval
		posted, err := postStatus(ctx, cfg, force)
		switch {
		case err != nil && ctx.Err() == nil:
			cfg.Logger.Warn("posting node status", "node", cfg.Name, "err", err)
		case posted:
			lastPost = cfg.Clock.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C():
		}
	}
}
