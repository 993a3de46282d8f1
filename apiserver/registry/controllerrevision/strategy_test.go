package controllerrevision

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func revision(data string) *appsv1.ControllerRevision {
	cr := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "web-7f9c", Namespace: "default"}, Revision: 2}
	if data != "" {
		cr.Data = runtime.RawExtension{Raw: []byte(data)}
	}
	return cr
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		data string
		want []string
	}{
		{`{"spec":{}}`, nil},
		{``, []string{"data: Required value: data is mandatory"}},
		{`null`, []string{"data: Required value: data is mandatory"}},
		{`[1]`, []string{"data: Required value: data must be a valid JSON object"}},
		{`{`, []string{`data: Invalid value: "<value omitted>": error parsing data: unexpected end of JSON input`}},
	} {
		got := registrytest.Messages((Strategy{}).Validate(ctx, revision(tc.data)))
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("data %q:\n got %q\nwant %q", tc.data, got, tc.want)
		}
	}
	cr := revision(`{}`)
	cr.Revision = -1
	if got := registrytest.Paths((Strategy{}).Validate(ctx, cr)); !slices.Equal(got, []string{"revision"}) {
		t.Errorf("negative revision: %v", got)
	}
}

func TestDataIsImmutable(t *testing.T) {
	ctx := context.Background()
	old := revision(`{"a":1}`)
	if errs := (Strategy{}).ValidateUpdate(ctx, revision(`{ "a": 1 }`), old); len(errs) != 0 {
		t.Errorf("same data re-encoded: %v", errs)
	}
	if got := registrytest.Paths((Strategy{}).ValidateUpdate(ctx, revision(`{"a":2}`), old)); !slices.Equal(got, []string{"data"}) {
		t.Errorf("changed data: %v", got)
	}
}

func TestTable(t *testing.T) {
	all, _ := registrytest.ColumnNames((Strategy{}).TableColumns())
	if !slices.Equal(all, []string{"Name", "Controller", "Revision", "Age"}) {
		t.Errorf("columns %v", all)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	cr := revision(`{}`)
	cr.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	row, err := s.TableRow(cr)
	if want := []any{"web-7f9c", "<none>", int64(2), "120m"}; err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, %v", row, err)
	}
	cr.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web", Controller: ptr.To(true)}}
	if row, _ := s.TableRow(cr); row[1] != "statefulset.apps/web" {
		t.Errorf("controller cell %v", row[1])
	}
}
