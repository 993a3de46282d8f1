package mutatingadmissionpolicy

import (
	"context"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func policy() *admissionv1.MutatingAdmissionPolicy {
	return &admissionv1.MutatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-label"},
		Spec: admissionv1.MutatingAdmissionPolicySpec{
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{"CREATE"},
					Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				},
			}}},
			Mutations: []admissionv1.Mutation{{
				PatchType:          admissionv1.PatchTypeApplyConfiguration,
				ApplyConfiguration: &admissionv1.ApplyConfiguration{Expression: `Object{metadata: Object.metadata{labels: {"a": "b"}}}`},
			}},
			ReinvocationPolicy: admissionv1.NeverReinvocationPolicy,
		},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	p := policy()
	Strategy{}.Default(p)
	if *p.Spec.FailurePolicy != admissionv1.Fail || *p.Spec.MatchConstraints.MatchPolicy != admissionv1.Equivalent {
		t.Errorf("defaults not applied: %+v", p.Spec)
	}
	if errs := (Strategy{}).Validate(ctx, p); len(errs) != 0 {
		t.Fatalf("good policy: %v", errs)
	}
	p.Spec.ReinvocationPolicy = ""
	p.Spec.Mutations = append(p.Spec.Mutations, admissionv1.Mutation{PatchType: "Merge"}, admissionv1.Mutation{PatchType: admissionv1.PatchTypeJSONPatch})
	got := registrytest.Paths(Strategy{}.Validate(ctx, p))
	want := []string{"spec.mutations[1].patchType", "spec.mutations[2].jsonPatch.expression", "spec.reinvocationPolicy"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := registrytest.Messages(Strategy{}.Validate(ctx, &admissionv1.MutatingAdmissionPolicy{Spec: admissionv1.MutatingAdmissionPolicySpec{ReinvocationPolicy: "Never"}})); !slices.Equal(got, []string{
		"spec.matchConstraints: Required value",
		"spec.mutations: Required value: mutations must contain at least one item",
	}) {
		t.Errorf("empty: %q", got)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p := policy()
	p.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Minute))
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	if row, err := s.TableRow(p); err != nil || !slices.Equal(row, []any{"kite-label", int64(1), "<unset>", "5m"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	if all, _ := registrytest.ColumnNames(s.TableColumns()); !slices.Equal(all, []string{"Name", "Mutations", "ParamKind", "Age"}) {
		t.Errorf("columns %v", all)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "", policy(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := out.(*admissionv1.MutatingAdmissionPolicy)
	p.Spec.ReinvocationPolicy = admissionv1.IfNeededReinvocationPolicy
	out, err = s.Update(ctx, "", p.Name, p, metav1.UpdateOptions{}, "")
	if err != nil || out.(*admissionv1.MutatingAdmissionPolicy).Generation != 2 {
		t.Fatalf("update: %v %v", out, err)
	}
	if _, err := s.Update(ctx, "", p.Name, p, metav1.UpdateOptions{}, "status"); err == nil {
		t.Error("mutating admission policies have no status subresource upstream")
	}
}
