package validatingadmissionpolicy

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

func policy() *admissionv1.ValidatingAdmissionPolicy {
	return &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-replicas"},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{"CREATE", "UPDATE"},
					Rule:       admissionv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
				},
			}}},
			Validations: []admissionv1.Validation{{Expression: "object.spec.replicas <= 5"}},
		},
	}
}

func TestDefaults(t *testing.T) {
	p := policy()
	Strategy{}.Default(p)
	m := p.Spec.MatchConstraints
	if *p.Spec.FailurePolicy != admissionv1.Fail || *m.MatchPolicy != admissionv1.Equivalent || m.NamespaceSelector == nil || m.ObjectSelector == nil || *m.ResourceRules[0].Scope != "*" {
		t.Errorf("defaults not applied: %+v", p.Spec)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, policy()); len(errs) != 0 {
		t.Fatalf("good policy: %v", errs)
	}
	p := policy()
	p.Spec.MatchConstraints = nil
	p.Spec.Validations = nil
	p.Spec.ParamKind = &admissionv1.ParamKind{Kind: "ConfigMap"}
	got := registrytest.Messages(Strategy{}.Validate(ctx, p))
	want := []string{
		"spec.paramKind.apiVersion: Required value",
		"spec.matchConstraints: Required value",
		"spec.validations: Required value: validations or auditAnnotations must contain at least one item",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	p = policy()
	p.Spec.MatchConstraints.ResourceRules = nil
	p.Spec.Validations[0].Expression = ""
	if got := registrytest.Paths(Strategy{}.Validate(ctx, p)); !slices.Equal(got, []string{"spec.matchConstraints.resourceRules", "spec.validations[0].expression"}) {
		t.Errorf("paths %q", got)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p := policy()
	p.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Minute))
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	if row, err := s.TableRow(p); err != nil || !slices.Equal(row, []any{"kite-replicas", int64(1), "<unset>", "5m"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	p.Spec.ParamKind = &admissionv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"}
	if row, _ := s.TableRow(p); row[2] != "v1/ConfigMap" {
		t.Errorf("param kind cell %v", row[2])
	}
	if all, _ := registrytest.ColumnNames(s.TableColumns()); !slices.Equal(all, []string{"Name", "Validations", "ParamKind", "Age"}) {
		t.Errorf("columns %v", all)
	}
}

func TestStatusIsolation(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := policy()
	in.Status.ObservedGeneration = 7
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := out.(*admissionv1.ValidatingAdmissionPolicy)
	if p.Status.ObservedGeneration != 0 || p.Generation != 1 {
		t.Fatalf("create kept status or missed generation: %+v", p)
	}

	// /status changes only the status.
	p.Status.ObservedGeneration = 1
	p.Spec.Validations[0].Expression = "true"
	out, err = s.Update(ctx, "", p.Name, p, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	p = out.(*admissionv1.ValidatingAdmissionPolicy)
	if p.Status.ObservedGeneration != 1 || p.Spec.Validations[0].Expression != "object.spec.replicas <= 5" || p.Generation != 1 {
		t.Fatalf("status update: %+v", p)
	}

	// The main resource changes only the spec, and bumps the generation.
	p.Status.ObservedGeneration = 9
	p.Spec.Validations[0].Expression = "true"
	out, err = s.Update(ctx, "", p.Name, p, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	p = out.(*admissionv1.ValidatingAdmissionPolicy)
	if p.Status.ObservedGeneration != 1 || p.Spec.Validations[0].Expression != "true" || p.Generation != 2 {
		t.Fatalf("spec update: %+v", p)
	}
}
