package mutatingadmissionpolicybinding

import (
	"context"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func binding() *admissionv1.MutatingAdmissionPolicyBinding {
	return &admissionv1.MutatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-binding"},
		Spec: admissionv1.MutatingAdmissionPolicyBindingSpec{
			PolicyName: "kite-policy",
		},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, binding()); len(errs) != 0 {
		t.Fatalf("good binding: %v", errs)
	}
	b := binding()
	b.Spec.PolicyName = ""
	b.Spec.ParamRef = &admissionv1.ParamRef{Name: "p", Selector: &metav1.LabelSelector{}, ParameterNotFoundAction: ptr.To(admissionv1.ParameterNotFoundActionType("Maybe"))}
	b.Spec.MatchResources = &admissionv1.MatchResources{MatchPolicy: ptr.To(admissionv1.MatchPolicyType("Fuzzy"))}
	got := registrytest.Paths(Strategy{}.Validate(ctx, b))
	want := []string{"spec.policyName", "spec.paramRef.name", "spec.paramRef.parameterNotFoundAction", "spec.matchResources.matchPolicy"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestDefaultsThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := binding()
	in.Spec.MatchResources = &admissionv1.MatchResources{}
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := out.(*admissionv1.MutatingAdmissionPolicyBinding)
	if m := b.Spec.MatchResources; *m.MatchPolicy != admissionv1.Equivalent || m.NamespaceSelector == nil || m.ObjectSelector == nil || b.Generation != 1 {
		t.Fatalf("created %+v", b)
	}
	b.Spec.PolicyName = "other"
	out, err = s.Update(ctx, "", b.Name, b, metav1.UpdateOptions{}, "")
	if err != nil || out.(*admissionv1.MutatingAdmissionPolicyBinding).Generation != 2 {
		t.Fatalf("update: %v %v", out, err)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	if all, _ := registrytest.ColumnNames(s.TableColumns()); !slices.Equal(all, []string{"Name", "PolicyName", "ParamRef", "Age"}) {
		t.Errorf("columns %v", all)
	}
	for _, tc := range []struct {
		ref  *admissionv1.ParamRef
		want string
	}{
		{nil, "<unset>"},
		{&admissionv1.ParamRef{Name: "limits", Namespace: "default"}, "default/limits"},
		{&admissionv1.ParamRef{Name: "limits"}, "*/limits"},
	} {
		b := binding()
		b.Spec.ParamRef = tc.ref
		b.CreationTimestamp = metav1.NewTime(now.Add(-time.Minute))
		row, err := s.TableRow(b)
		if err != nil || !slices.Equal(row, []any{"kite-binding", "kite-policy", tc.want, "60s"}) {
			t.Errorf("row %#v, %v", row, err)
		}
	}
}
