package ingressclass

import (
	"context"
	"slices"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func class(controller string) *networkingv1.IngressClass {
	return &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "kite"}, Spec: networkingv1.IngressClassSpec{Controller: controller}}
}

func TestDefaultAndValidate(t *testing.T) {
	ctx := context.Background()
	c := class("kite.io/ingress")
	c.Spec.Parameters = &networkingv1.IngressClassParametersReference{Kind: "Config", Name: "cfg", APIGroup: ptr.To("kite.io")}
	Strategy{}.Default(c)
	if c.Spec.Parameters.Scope == nil || *c.Spec.Parameters.Scope != "Cluster" {
		t.Fatalf("scope %v", c.Spec.Parameters.Scope)
	}
	if errs := (Strategy{}).Validate(ctx, c); len(errs) != 0 {
		t.Errorf("good class: %v", errs)
	}
	c.Spec.Parameters.Namespace = ptr.To("default")
	c.Spec.Controller = "no-domain"
	want := []string{"spec.controller", "spec.parameters.namespace"}
	if got := registrytest.Paths((Strategy{}).Validate(ctx, c)); !slices.Equal(got, want) {
		t.Errorf("paths %q want %q", got, want)
	}
	c = class("kite.io/ingress")
	c.Spec.Parameters = &networkingv1.IngressClassParametersReference{Scope: ptr.To("Namespace")}
	want = []string{"spec.parameters.kind", "spec.parameters.name", "spec.parameters.namespace"}
	if got := registrytest.Paths((Strategy{}).Validate(ctx, c)); !slices.Equal(got, want) {
		t.Errorf("paths %q want %q", got, want)
	}
}

func TestControllerIsImmutable(t *testing.T) {
	want := []string{`spec.controller: Invalid value: "other.io/x": field is immutable`}
	got := registrytest.Messages((Strategy{}).ValidateUpdate(context.Background(), class("other.io/x"), class("kite.io/ingress")))
	if !slices.Equal(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestTable(t *testing.T) {
	names, _ := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(names, []string{"Name", "Controller", "Parameters", "Age"}) {
		t.Errorf("columns %v", names)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	c := class("kite.io/ingress")
	c.CreationTimestamp = metav1.NewTime(now.Add(-time.Minute))
	c.Annotations = map[string]string{defaultAnnotation: "true"}
	c.Spec.Parameters = &networkingv1.IngressClassParametersReference{Kind: "Config", Name: "cfg", APIGroup: ptr.To("kite.io")}
	row, err := s.TableRow(c)
	if err != nil || !slices.Equal(row, []any{"kite (default)", "kite.io/ingress", "Config.kite.io/cfg", "60s"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	row, _ = s.TableRow(class("kite.io/ingress"))
	if row[0] != "kite" || row[2] != "<none>" {
		t.Errorf("plain row %#v", row)
	}
}
