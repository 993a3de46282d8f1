package priorityclass

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func pc(name string, value int32) *schedulingv1.PriorityClass {
	return &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
}

func wantMessages(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestDefault(t *testing.T) {
	p := pc("high", 1000)
	Strategy{}.Default(p)
	if p.PreemptionPolicy == nil || *p.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("preemptionPolicy %v", p.PreemptionPolicy)
	}
	p.PreemptionPolicy = ptr.To(corev1.PreemptNever)
	Strategy{}.Default(p)
	if *p.PreemptionPolicy != corev1.PreemptNever {
		t.Errorf("Default changed a set policy to %v", *p.PreemptionPolicy)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	v := func(p *schedulingv1.PriorityClass) []string {
		return registrytest.Messages(Strategy{}.Validate(ctx, p))
	}
	for _, sys := range SystemPriorityClasses() {
		Strategy{}.Default(sys)
		wantMessages(t, sys.Name, v(sys))
	}
	wantMessages(t, "user class", v(pc("high", 1_000_000_000)))
	wantMessages(t, "too high", v(pc("higher", 1_000_000_001)),
		"value: Forbidden: maximum allowed value of a user defined priority is 1000000000")
	wantMessages(t, "reserved name", v(pc("system-mine", 5)),
		"metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class")
	wantMessages(t, "built-in with another value", v(pc("system-node-critical", 5)),
		"metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000")
	def := pc("system-cluster-critical", 2_000_000_000)
	def.GlobalDefault = true
	wantMessages(t, "built-in as default", v(def),
		"metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false")
	bad := pc("high", 1)
	bad.PreemptionPolicy = ptr.To(corev1.PreemptionPolicy("Sometimes"))
	wantMessages(t, "policy", v(bad), `preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"`)
}

func TestValidateUpdate(t *testing.T) {
	ctx := context.Background()
	old := pc("high", 1000)
	Strategy{}.Default(old)
	same := old.DeepCopy()
	same.Description = "now described"
	wantMessages(t, "description", registrytest.Messages(Strategy{}.ValidateUpdate(ctx, same, old)))
	changed := old.DeepCopy()
	changed.Value = 2000
	changed.PreemptionPolicy = ptr.To(corev1.PreemptNever)
	wantMessages(t, "value and policy", registrytest.Messages(Strategy{}.ValidateUpdate(ctx, changed, old)),
		"value: Forbidden: may not be changed in an update.",
		`preemptionPolicy: Invalid value: "Never": field is immutable`)
}

func TestTable(t *testing.T) {
	names, wide := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(names, []string{"Name", "Value", "Global-Default", "Age", "PreemptionPolicy"}) || len(wide) != 0 {
		t.Errorf("columns %v wide %v", names, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p := SystemPriorityClasses()[0]
	Strategy{}.Default(p)
	p.CreationTimestamp = metav1.NewTime(now.Add(-49 * time.Hour))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(p)
	if err != nil || !slices.Equal(row, []any{"system-node-critical", int64(2000001000), false, "2d1h", "PreemptLowerPriority"}) {
		t.Errorf("row %#v, %v", row, err)
	}
}
