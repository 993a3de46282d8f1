package servicecidr

import (
	"context"
	"slices"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func cidr(name string, cidrs ...string) *networkingv1.ServiceCIDR {
	return &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: cidrs}}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	for _, good := range [][]string{{"10.0.0.0/24"}, {"10.0.0.0/24", "fd00::/64"}} {
		if errs := (Strategy{}).Validate(ctx, cidr("a", good...)); len(errs) > 0 {
			t.Errorf("%v: %v", good, errs)
		}
	}
	for _, c := range []struct {
		cidrs []string
		want  []string
	}{
		{nil, []string{"spec.cidrs: Required value: at least one CIDR required"}},
		{[]string{"10.0.0.0/24", "10.1.0.0/24"}, []string{`spec.cidrs: Invalid value: ["10.0.0.0/24","10.1.0.0/24"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64`}},
		{[]string{"10.0.0.1/24"}, []string{`spec.cidrs[0]: Invalid value: "10.0.0.1/24": must not have bits set beyond the prefix length`}},
	} {
		if got := registrytest.Messages(Strategy{}.Validate(ctx, cidr("a", c.cidrs...))); !slices.Equal(got, c.want) {
			t.Errorf("%v:\n got %q\nwant %q", c.cidrs, got, c.want)
		}
	}
	if got := registrytest.Paths(Strategy{}.Validate(ctx, cidr("a", "a", "b", "c"))); !slices.Equal(got, []string{"spec.cidrs"}) {
		t.Errorf("three cidrs: %v", got)
	}
}

func TestValidateUpdate(t *testing.T) {
	ctx := context.Background()
	old := cidr("a", "10.0.0.0/24")
	if errs := (Strategy{}).ValidateUpdate(ctx, cidr("a", "10.0.0.0/24", "fd00::/64"), old); len(errs) > 0 {
		t.Errorf("adding a family: %v", errs)
	}
	if got := registrytest.Paths(Strategy{}.ValidateUpdate(ctx, cidr("a", "10.1.0.0/24"), old)); !slices.Equal(got, []string{"spec.cidrs[0]"}) {
		t.Errorf("changing: %v", got)
	}
	if got := registrytest.Paths(Strategy{}.ValidateUpdate(ctx, cidr("a", "10.0.0.0/24"), cidr("a", "10.0.0.0/24", "fd00::/64"))); !slices.Equal(got, []string{"spec.cidrs"}) {
		t.Errorf("dropping: %v", got)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	all, _ := registrytest.ColumnNames(s.TableColumns())
	if !slices.Equal(all, []string{"Name", "CIDRs", "Age"}) {
		t.Errorf("columns %v", all)
	}
	c := cidr("kubernetes", "10.43.0.0/16", "fd00::/108")
	c.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Hour))
	row, _ := s.TableRow(c)
	if want := []any{"kubernetes", "10.43.0.0/16,fd00::/108", "5h"}; !slices.Equal(row, want) {
		t.Errorf("row %v", row)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	def := DefaultServiceCIDR()
	out, err := s.Create(ctx, "", def, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*networkingv1.ServiceCIDR)
	if len(created.Status.Conditions) != 0 || !slices.Equal(created.Spec.CIDRs, []string{"10.43.0.0/16"}) {
		t.Fatalf("created %+v", created)
	}
	// The bootstrap writes the Ready condition through status; spec changes there are
	// ignored.
	st := created.DeepCopy()
	st.Status = DefaultServiceCIDR().Status
	st.Spec.CIDRs = []string{"10.0.0.0/8"}
	out, err = s.Update(ctx, "", "kubernetes", st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*networkingv1.ServiceCIDR)
	if got.Spec.CIDRs[0] != "10.43.0.0/16" || len(got.Status.Conditions) != 1 || got.Status.Conditions[0].Type != "Ready" || got.Status.Conditions[0].Status != "True" {
		t.Errorf("after status %+v", got)
	}
	upd := got.DeepCopy()
	upd.Spec.CIDRs = []string{"10.44.0.0/16"}
	_, err = s.Update(ctx, "", "kubernetes", upd, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.cidrs[0]"}) {
		t.Errorf("causes %v", got)
	}
}
