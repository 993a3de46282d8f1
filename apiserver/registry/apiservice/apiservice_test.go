package apiservice

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func remote(name, group, version string) *apiregistrationv1.APIService {
	return &apiregistrationv1.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: apiregistrationv1.APIServiceSpec{
			Group: group, Version: version, GroupPriorityMinimum: 100, VersionPriority: 10,
			Service: &apiregistrationv1.ServiceReference{Namespace: "ns", Name: "svc"},
		},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	good := []*apiregistrationv1.APIService{
		Local(schema.GroupVersion{Version: "v1"}, 18000, 1, ManagedOnStart),
		Local(schema.GroupVersion{Group: "apps", Version: "v1"}, 17800, 15, ManagedOnStart),
		remote("v1alpha1.wardle.example.com", "wardle.example.com", "v1alpha1"),
	}
	for _, a := range good {
		if errs := (Strategy{}).Validate(ctx, a); len(errs) > 0 {
			t.Errorf("%s: %v", a.Name, errs)
		}
	}
	bad := func(mutate func(*apiregistrationv1.APIService)) *apiregistrationv1.APIService {
		a := remote("v1alpha1.wardle.example.com", "wardle.example.com", "v1alpha1")
		mutate(a)
		return a
	}
	port := int32(70000)
	for _, c := range []struct {
		obj  *apiregistrationv1.APIService
		want []string
	}{
		{bad(func(a *apiregistrationv1.APIService) { a.Name = "v1.other" }),
			[]string{"metadata.name: Invalid value: \"v1.other\": must be `spec.version+\".\"+spec.group`: \"v1alpha1.wardle.example.com\""}},
		{bad(func(a *apiregistrationv1.APIService) { a.Name, a.Spec.Group = "v1alpha1.", "" }),
			[]string{"spec.group: Required value: only v1 may have an empty group and it better be legacy kube"}},
		{bad(func(a *apiregistrationv1.APIService) { a.Spec.GroupPriorityMinimum, a.Spec.VersionPriority = 0, 1001 }),
			[]string{"spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000", "spec.versionPriority: Invalid value: 1001: must be positive and less than 1000"}},
		{bad(func(a *apiregistrationv1.APIService) {
			a.Spec.Service = &apiregistrationv1.ServiceReference{Port: &port}
		}),
			[]string{"spec.service.namespace: Required value", "spec.service.name: Required value", "spec.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive"}},
		{bad(func(a *apiregistrationv1.APIService) { a.Spec.Service = nil; a.Spec.CABundle = []byte("abc") }),
			[]string{`spec.caBundle: Invalid value: "3 bytes": local APIServices may not have a caBundle`}},
	} {
		if got := registrytest.Messages(Strategy{}.Validate(ctx, c.obj)); !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.obj.Name, got, c.want)
		}
	}
}

func TestPlan(t *testing.T) {
	apps := schema.GroupVersion{Group: "apps", Version: "v1"}
	batch := schema.GroupVersion{Group: "batch", Version: "v1"}
	old := schema.GroupVersion{Group: "gone.example.com", Version: "v1"}
	user := schema.GroupVersion{Group: "user.example.com", Version: "v1"}
	stale := *Local(apps, 1, 1, ManagedOnStart)
	stale.ResourceVersion = "5"
	mine := *Local(user, 50, 5, ManagedOnStart)
	delete(mine.Labels, ManagedLabel)
	existing := []apiregistrationv1.APIService{stale, *Local(old, 1000, 100, ManagedOnStart), *Local(schema.GroupVersion{Group: "crd.example.com", Version: "v1"}, 1000, 100, ManagedAlways), mine}
	want := []*apiregistrationv1.APIService{Local(apps, 17800, 15, ManagedOnStart), Local(batch, 17400, 15, ManagedOnStart), Local(user, 1, 1, ManagedOnStart)}
	c := Plan(existing, want, ManagedOnStart)
	if len(c.Create) != 1 || c.Create[0].Name != "v1.batch" {
		t.Errorf("create %v", c.Create)
	}
	// The stale spec is corrected on the stored object, so the update is conditional
	// on what was read.
	if len(c.Update) != 1 || c.Update[0].Name != "v1.apps" || c.Update[0].Spec.GroupPriorityMinimum != 17800 || c.Update[0].ResourceVersion != "5" {
		t.Errorf("update %v", c.Update)
	}
	// Neither the user's APIService nor one managed for custom resources is deleted.
	if !slices.Equal(c.Delete, []string{"v1.gone.example.com"}) {
		t.Errorf("delete %v", c.Delete)
	}
	if c := Plan([]apiregistrationv1.APIService{*want[0]}, want[:1], ManagedOnStart); len(c.Create)+len(c.Update)+len(c.Delete) != 0 {
		t.Errorf("in step, yet %+v", c)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	if all, _ := registrytest.ColumnNames(s.TableColumns()); !slices.Equal(all, []string{"Name", "Service", "Available", "Age"}) {
		t.Errorf("columns %v", all)
	}
	local := Local(schema.GroupVersion{Version: "v1"}, 18000, 1, ManagedOnStart)
	local.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	s.PrepareForCreate(context.Background(), local)
	r := remote("v1alpha1.wardle.example.com", "wardle.example.com", "v1alpha1")
	r.CreationTimestamp = metav1.NewTime(now.Add(-time.Minute))
	s.PrepareForCreate(context.Background(), r)
	for _, c := range []struct {
		obj  *apiregistrationv1.APIService
		want []any
	}{
		{local, []any{"v1.", "Local", "True", "120m"}},
		{r, []any{"v1alpha1.wardle.example.com", "ns/svc", "False (FailedDiscoveryCheck)", "60s"}},
	} {
		if row, err := s.TableRow(c.obj); err != nil || !slices.Equal(row, c.want) {
			t.Errorf("row %v (%v), want %v", row, err, c.want)
		}
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := Local(schema.GroupVersion{Group: "apps", Version: "v1"}, 17800, 15, ManagedOnStart)
	// A client cannot claim a status on create: a local APIService is available.
	in.Status.Conditions = []apiregistrationv1.APIServiceCondition{{Type: "Other", Status: "False"}}
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := out.(*apiregistrationv1.APIService)
	if len(a.Status.Conditions) != 1 || a.Status.Conditions[0].Type != apiregistrationv1.Available ||
		a.Status.Conditions[0].Status != apiregistrationv1.ConditionTrue || a.Status.Conditions[0].Reason != "Local" {
		t.Fatalf("status %+v", a.Status)
	}
	// Moving it to a service makes it unavailable, with upstream's default port.
	upd := a.DeepCopy()
	upd.Spec.Service = &apiregistrationv1.ServiceReference{Namespace: "ns", Name: "svc"}
	out, err = s.Update(ctx, "", a.Name, upd, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	a = out.(*apiregistrationv1.APIService)
	if a.Spec.Service.Port == nil || *a.Spec.Service.Port != 443 || a.Status.Conditions[0].Status != apiregistrationv1.ConditionFalse || a.Generation != 2 {
		t.Fatalf("after moving to a service: %+v", a)
	}
	// Through status only the status changes.
	st := a.DeepCopy()
	st.Spec.VersionPriority = 99
	st.Status.Conditions[0].Status = "Maybe"
	_, err = s.Update(ctx, "", a.Name, st, metav1.UpdateOptions{}, "status")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"status.conditions[0].status"}) {
		t.Errorf("causes %v", got)
	}
	st.Status.Conditions[0].Status = apiregistrationv1.ConditionUnknown
	out, err = s.Update(ctx, "", a.Name, st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	if a := out.(*apiregistrationv1.APIService); a.Spec.VersionPriority != 15 || a.Status.Conditions[0].Status != apiregistrationv1.ConditionUnknown {
		t.Errorf("after status: %+v", a)
	}
}
