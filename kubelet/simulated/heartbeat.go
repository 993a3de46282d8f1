package simulated

import (
	"context"
	"sync"

	coordv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// heartbeatWorkers renew Leases in parallel.
const heartbeatWorkers = 4

// heartbeats renews every node's Lease once per interval. The nodes are split into
// heartbeatBatches batches by index, one batch per tick, so a thousand nodes make a
// steady trickle of writes instead of a burst every ten seconds.
func (s *Simulator) heartbeats(ctx context.Context) {
	work := make(chan string, 64)
	var wg sync.WaitGroup
	for range heartbeatWorkers {
		wg.Go(func() {
			for name := range work {
				s.beat(ctx, name)
			}
		})
	}
	defer wg.Wait()
	defer close(work)
	t := s.clock.NewTicker(s.cfg.HeartbeatInterval / heartbeatBatches)
	defer t.Stop()
	for batch := 0; ; batch = (batch + 1) % heartbeatBatches {
		for i := batch; i < len(s.names); i += heartbeatBatches {
			select {
			case work <- s.names[i]:
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-t.C():
		case <-ctx.Done():
			return
		}
	}
}

// beat renews node name's Lease and repairs its Ready condition, unless the node is
// stopped or gone.
func (s *Simulator) beat(ctx context.Context, name string) {
	n, err := s.nodes.Get(name)
	if err != nil || stopped(n) || n.DeletionTimestamp != nil {
		return
	}
	if err := s.renew(ctx, n); err != nil && ctx.Err() == nil {
		s.logger.Warn("renewing a simulated node's lease", "node", name, "err", err)
	}
	if err := s.reportReady(ctx, n); err != nil && ctx.Err() == nil {
		s.logger.Warn("posting a simulated node's status", "node", name, "err", err)
	}
}

// renew updates the node's Lease from the last one written (no read), creating it
// when it is missing; a conflict drops the remembered one, to be read next time.
func (s *Simulator) renew(ctx context.Context, n *corev1.Node) error {
	leases := s.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	s.mu.Lock()
	l := s.leases[n.Name]
	s.mu.Unlock()
	now := metav1.NewMicroTime(s.clock.Now())
	if l == nil {
		got, err := leases.Get(ctx, n.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			created, err := leases.Create(ctx, &coordv1.Lease{
				ObjectMeta: metav1.ObjectMeta{
					Name: n.Name, Namespace: corev1.NamespaceNodeLease,
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID}},
				},
				Spec: coordv1.LeaseSpec{HolderIdentity: ptr.To(n.Name), LeaseDurationSeconds: ptr.To[int32](leaseDuration), RenewTime: &now},
			}, metav1.CreateOptions{})
			if err != nil {
				return err
			}
			s.remember(created)
			return nil
		case err != nil:
			return err
		}
		l = got
	}
	next := l.DeepCopy()
	next.Spec.RenewTime = &now
	next.Spec.HolderIdentity = ptr.To(n.Name)
	next.Spec.LeaseDurationSeconds = ptr.To[int32](leaseDuration)
	updated, err := leases.Update(ctx, next, metav1.UpdateOptions{})
	if err != nil {
		s.forget(n.Name)
		return err
	}
	s.remember(updated)
	return nil
}

func (s *Simulator) remember(l *coordv1.Lease) {
	s.mu.Lock()
	s.leases[l.Name] = l
	s.mu.Unlock()
}

func (s *Simulator) forget(name string) {
	s.mu.Lock()
	delete(s.leases, name)
	s.mu.Unlock()
}
