package lease

import (
	"context"
	"slices"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func lease(holder string) *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-node", Namespace: "kube-node-lease"},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To(holder), LeaseDurationSeconds: ptr.To[int32](40)},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, lease("node-1")); len(errs) != 0 {
		t.Errorf("good lease: %v", errs)
	}
	bad := lease("node-1")
	bad.Spec.LeaseDurationSeconds = ptr.To[int32](0)
	bad.Spec.LeaseTransitions = ptr.To[int32](-1)
	bad.Spec.PreferredHolder = ptr.To("node-2")
	want := []string{
		"spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
		"spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
		"spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined",
	}
	if got := registrytest.Messages((Strategy{}).ValidateUpdate(ctx, bad, lease("x"))); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}

	strat := lease("node-1")
	strat.Spec.Strategy = ptr.To(coordinationv1.CoordinatedLeaseStrategy("Newest"))
	if got := registrytest.Paths((Strategy{}).Validate(ctx, strat)); !slices.Equal(got, []string{"spec.strategy.strategy"}) {
		t.Errorf("unknown strategy: %v", got)
	}
	strat.Spec.Strategy = ptr.To(coordinationv1.CoordinatedLeaseStrategy("example.com/newest"))
	if errs := (Strategy{}).Validate(ctx, strat); len(errs) != 0 {
		t.Errorf("qualified strategy: %v", errs)
	}
}

func TestCoordinatedFieldsAreDropped(t *testing.T) {
	ctx := context.Background()
	l := lease("node-1")
	l.Spec.Strategy = ptr.To(coordinationv1.OldestEmulationVersion)
	l.Spec.PreferredHolder = ptr.To("node-2")
	Strategy{}.PrepareForCreate(ctx, l)
	if l.Spec.Strategy != nil || l.Spec.PreferredHolder != nil {
		t.Errorf("create kept %v %v", l.Spec.Strategy, l.Spec.PreferredHolder)
	}

	old := lease("node-1")
	old.Spec.Strategy = ptr.To(coordinationv1.OldestEmulationVersion)
	upd := old.DeepCopy()
	upd.Spec.PreferredHolder = ptr.To("node-2")
	Strategy{}.PrepareForUpdate(ctx, upd, old)
	if upd.Spec.Strategy == nil || upd.Spec.PreferredHolder != nil {
		t.Errorf("update: strategy %v preferredHolder %v", upd.Spec.Strategy, upd.Spec.PreferredHolder)
	}
}

func TestTable(t *testing.T) {
	names, wide := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(names, []string{"Name", "Holder", "Age"}) || len(wide) != 0 {
		t.Errorf("columns %v wide %v", names, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	l := lease("node-1")
	l.CreationTimestamp = metav1.NewTime(now.Add(-3 * time.Hour))
	row, err := s.TableRow(l)
	if err != nil || !slices.Equal(row, []any{"kite-node", "node-1", "3h"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	l.Spec.HolderIdentity = nil
	row, _ = s.TableRow(l)
	if row[1] != "" {
		t.Errorf("unheld lease: holder %q", row[1])
	}
}
