package devicetaintrule

import (
	"context"
	"slices"
	"testing"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func rule(effect resourcev1.DeviceTaintEffect) *resourcev1.DeviceTaintRule {
	return &resourcev1.DeviceTaintRule{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-rule"},
		Spec: resourcev1.DeviceTaintRuleSpec{
			DeviceSelector: &resourcev1.DeviceTaintSelector{Driver: ptr.To("gpu.example.com")},
			Taint:          resourcev1.DeviceTaint{Key: "example.com/broken", Value: "yes", Effect: effect},
		},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, rule("NoSchedule")); len(errs) > 0 {
		t.Fatal(errs)
	}
	bad := rule("")
	bad.Spec.Taint.Key = ""
	bad.Spec.DeviceSelector.Pool = ptr.To("")
	// An empty key fails twice, as upstream: empty, and not a qualified name.
	want := []string{"spec.deviceSelector.pool", "spec.taint.key", "spec.taint.key", "spec.taint.effect"}
	if got := registrytest.Paths(Strategy{}.Validate(ctx, bad)); !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
	if got := registrytest.Messages(Strategy{}.Validate(ctx, rule("Later"))); !slices.Equal(got, []string{`spec.taint.effect: Unsupported value: "Later": supported values: "NoExecute", "NoSchedule", "None"`}) {
		t.Errorf("got %q", got)
	}
}

func TestTimeAdded(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clocktesting.NewFakePassiveClock(t0)
	s := Strategy{Clock: clk}
	old := rule("NoSchedule")
	s.Default(old)
	if !old.Spec.Taint.TimeAdded.Time.Equal(t0) {
		t.Fatalf("defaulted timeAdded %v", old.Spec.Taint.TimeAdded)
	}
	clk.SetTime(t0.Add(time.Hour))
	upd := old.DeepCopy()
	upd.Spec.Taint.Effect = "NoExecute"
	s.PrepareForUpdate(context.Background(), upd, old)
	if !upd.Spec.Taint.TimeAdded.Time.Equal(t0.Add(time.Hour)) {
		t.Errorf("effect change kept timeAdded %v", upd.Spec.Taint.TimeAdded)
	}
	row, _ := s.TableRow(upd)
	if want := []any{"kite-rule", "example.com/broken", "yes", "NoExecute", "0s", "<unknown>"}; !slices.Equal(row, want) {
		t.Errorf("row %v", row)
	}
	all, _ := registrytest.ColumnNames(s.TableColumns())
	if !slices.Equal(all, []string{"Name", "Key", "Value", "Effect", "TimeAdded", "Age"}) {
		t.Errorf("columns %v", all)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := rule("NoSchedule")
	in.Status.Conditions = []metav1.Condition{{Type: "EvictionInProgress", Status: "True", Reason: "X", LastTransitionTime: metav1.Now()}}
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := out.(*resourcev1.DeviceTaintRule)
	if len(r.Status.Conditions) != 0 || r.Spec.Taint.TimeAdded == nil || r.Generation != 1 {
		t.Fatalf("created %+v", r)
	}
	st := r.DeepCopy()
	st.Spec.Taint.Value = "no"
	st.Status.Conditions = []metav1.Condition{{Type: "EvictionInProgress", Status: "False", Reason: "Done", LastTransitionTime: metav1.Now()}}
	out, err = s.Update(ctx, "", "kite-rule", st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	r = out.(*resourcev1.DeviceTaintRule)
	if r.Spec.Taint.Value != "yes" || len(r.Status.Conditions) != 1 || r.Generation != 1 {
		t.Errorf("after status %+v", r)
	}
	r.Spec.Taint.Value = "no"
	out, err = s.Update(ctx, "", "kite-rule", r, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(*resourcev1.DeviceTaintRule); r.Generation != 2 || len(r.Status.Conditions) != 1 {
		t.Errorf("after spec update %+v", r)
	}
}
