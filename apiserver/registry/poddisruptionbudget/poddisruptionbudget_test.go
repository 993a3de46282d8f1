package poddisruptionbudget

import (
	"context"
	"slices"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func pdb(name string) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromInt32(2)),
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := pdb("web")
	in.Status.DisruptionsAllowed = 5
	out, err := s.Create(ctx, "shop", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*policyv1.PodDisruptionBudget)
	if created.Generation != 1 || created.Status.DisruptionsAllowed != 0 {
		t.Errorf("created: generation %d, status %+v", created.Generation, created.Status)
	}

	// Status through /status only; spec changes bump the generation.
	st := created.DeepCopy()
	st.Status.DisruptionsAllowed, st.Status.ExpectedPods = 1, 3
	st.Spec.MinAvailable = ptr.To(intstr.FromInt32(9))
	out, err = s.Update(ctx, "shop", "web", st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*policyv1.PodDisruptionBudget); got.Status.DisruptionsAllowed != 1 || got.Spec.MinAvailable.IntValue() != 2 || got.Generation != 1 {
		t.Errorf("after status update: %+v", got)
	}
	upd := out.(*policyv1.PodDisruptionBudget).DeepCopy()
	upd.Spec.MinAvailable = ptr.To(intstr.FromString("50%"))
	upd.Status.DisruptionsAllowed = 7
	out, err = s.Update(ctx, "shop", "web", upd, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*policyv1.PodDisruptionBudget); got.Generation != 2 || got.Status.DisruptionsAllowed != 1 {
		t.Errorf("after spec update: generation %d status %+v", got.Generation, got.Status)
	}

	neg := out.(*policyv1.PodDisruptionBudget).DeepCopy()
	neg.Status.CurrentHealthy = -1
	_, err = s.Update(ctx, "shop", "web", neg, metav1.UpdateOptions{}, "status")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"status.currentHealthy"}) {
		t.Errorf("negative count: causes %v", got)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	both := pdb("both")
	both.Spec.MaxUnavailable = ptr.To(intstr.FromString("200%"))
	both.Spec.Selector.MatchLabels = map[string]string{"app": "-bad-"}
	both.Spec.UnhealthyPodEvictionPolicy = ptr.To(policyv1.UnhealthyPodEvictionPolicyType("Sometimes"))
	got := registrytest.Paths(Strategy{}.Validate(ctx, both))
	want := []string{"spec", "spec.maxUnavailable", "spec.selector.matchLabels", "spec.unhealthyPodEvictionPolicy"}
	if !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
	if msgs := registrytest.Messages(Strategy{}.Validate(ctx, both)); msgs[0] == "" || !slices.ContainsFunc(msgs, func(m string) bool {
		return m == `spec.maxUnavailable: Invalid value: "200%": must not be greater than 100%`
	}) {
		t.Errorf("messages %q", msgs)
	}
	neg := pdb("neg")
	neg.Spec.MinAvailable = ptr.To(intstr.FromInt32(-1))
	if got := registrytest.Messages(Strategy{}.Validate(ctx, neg)); !slices.Equal(got, []string{"spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"}) {
		t.Errorf("negative: %q", got)
	}
	// Neither bound is fine (the budget then allows no disruption by selector alone).
	none := pdb("none")
	none.Spec.MinAvailable = nil
	if errs := (Strategy{}).Validate(ctx, none); len(errs) != 0 {
		t.Errorf("no bound: %v", errs)
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(all, []string{"Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"}) || len(wide) != 0 {
		t.Errorf("columns %v wide %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p := pdb("web")
	p.CreationTimestamp = metav1.NewTime(now.Add(-30 * time.Second))
	p.Status.DisruptionsAllowed = 1
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(p)
	if want := []any{"web", "2", "N/A", int64(1), "30s"}; err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, want %#v (%v)", row, want, err)
	}
}
