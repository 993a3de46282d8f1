package ipaddress

import (
	"context"
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func ip(name string, ref *networkingv1.ParentReference) *networkingv1.IPAddress {
	return &networkingv1.IPAddress{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.IPAddressSpec{ParentRef: ref}}
}

func svc(name string) *networkingv1.ParentReference {
	return &networkingv1.ParentReference{Resource: "services", Namespace: "default", Name: name}
}

func TestValidateName(t *testing.T) {
	if got := ValidateName("10.43.0.1", false); len(got) > 0 {
		t.Errorf("valid IP: %v", got)
	}
	if got := ValidateName("2001:db8::1", false); len(got) > 0 {
		t.Errorf("valid IPv6: %v", got)
	}
	if got := ValidateName("2001:DB8::1", false); !slices.Equal(got, []string{`must be in canonical form ("2001:db8::1")`}) {
		t.Errorf("uppercase IPv6: %q", got)
	}
	if got := ValidateName("web", false); len(got) == 0 {
		t.Error("a DNS name passed as an IP")
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, ip("10.0.0.1", svc("web"))); len(errs) > 0 {
		t.Error(errs)
	}
	if got := registrytest.Messages(Strategy{}.Validate(ctx, ip("10.0.0.1", nil))); !slices.Equal(got, []string{"spec.parentRef: Required value"}) {
		t.Errorf("no parentRef: %q", got)
	}
	bad := &networkingv1.ParentReference{Group: "Bad_Group", Name: "a/b"}
	want := []string{"spec.parentRef.group", "spec.parentRef.resource", "spec.parentRef.name"}
	if got := registrytest.Paths(Strategy{}.Validate(ctx, ip("10.0.0.1", bad))); !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
}

func TestTable(t *testing.T) {
	all, _ := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(all, []string{"Name", "ParentRef"}) {
		t.Errorf("columns %v", all)
	}
	row, _ := Strategy{}.TableRow(ip("10.43.0.10", svc("kube-dns")))
	if want := []any{"10.43.0.10", "services/default/kube-dns"}; !slices.Equal(row, want) {
		t.Errorf("row %v", row)
	}
	row, _ = Strategy{}.TableRow(ip("10.43.0.11", &networkingv1.ParentReference{Group: "Example.com", Resource: "Things", Name: "x"}))
	if want := []any{"10.43.0.11", "things.example.com/x"}; !slices.Equal(row, want) {
		t.Errorf("row %v", row)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "", ip("10.43.0.1", svc("kubernetes")), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Create(ctx, "", ip("10.43.0.01", svc("web")), metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"metadata.name"}) {
		t.Errorf("non-canonical name: causes %v", got)
	}
	upd := out.(*networkingv1.IPAddress).DeepCopy()
	upd.Spec.ParentRef = svc("web")
	_, err = s.Update(ctx, "", "10.43.0.1", upd, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.parentRef"}) {
		t.Errorf("causes %v", got)
	}
}
