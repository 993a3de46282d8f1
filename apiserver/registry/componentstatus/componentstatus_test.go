package componentstatus

import (
	"context"
	"errors"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newResource(t *testing.T) (get func(string) (*corev1.ComponentStatus, error), list func(metav1.ListOptions) (*corev1.ComponentStatusList, error)) {
	t.Helper()
	ok := func(context.Context) (string, error) { return "ok", nil }
	v, err := New(Config{Probes: []Probe{
		{Name: "scheduler", Check: ok},
		{Name: "controller-manager", Check: ok},
		{Name: "etcd-0", Check: func(context.Context) (string, error) { return "", errors.New("store: closed") }},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Verbs(); !slices.Equal(got, []string{"get", "list"}) || v.Resource.Namespaced || !slices.Equal(v.Resource.ShortNames, []string{"cs"}) {
		t.Fatalf("verbs %v, resource %+v", got, v.Resource)
	}
	return func(name string) (*corev1.ComponentStatus, error) {
			obj, err := v.Get(context.Background(), "", name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			return obj.(*corev1.ComponentStatus), nil
		}, func(opts metav1.ListOptions) (*corev1.ComponentStatusList, error) {
			obj, err := v.List(context.Background(), "", opts)
			if err != nil {
				return nil, err
			}
			return obj.(*corev1.ComponentStatusList), nil
		}
}

func TestListAndGet(t *testing.T) {
	get, list := newResource(t)
	l, err := list(metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for i := range l.Items {
		row, err := Strategy{}.TableRow(&l.Items[i])
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	want := [][]any{
		{"scheduler", "Healthy", "ok", ""},
		{"controller-manager", "Healthy", "ok", ""},
		{"etcd-0", "Unhealthy", "", "store: closed"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %v", rows)
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d = %v, want %v", i, rows[i], want[i])
		}
	}
	cs, err := get("scheduler")
	if err != nil || cs.Conditions[0].Type != corev1.ComponentHealthy || cs.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("get scheduler: %+v %v", cs, err)
	}
	if _, err := get("kube-proxy"); !apierrors.IsNotFound(err) {
		t.Errorf("get of an unknown component: %v", err)
	}
	l, err = list(metav1.ListOptions{FieldSelector: "metadata.name=etcd-0"})
	if err != nil || len(l.Items) != 1 || l.Items[0].Name != "etcd-0" {
		t.Errorf("field-selected list: %+v %v", l, err)
	}
	if _, err := list(metav1.ListOptions{LabelSelector: "a in (("}); !apierrors.IsBadRequest(err) {
		t.Errorf("bad selector: %v", err)
	}
	if row, _ := (Strategy{}).TableRow(&corev1.ComponentStatus{}); row[1] != "Unknown" {
		t.Errorf("no condition prints %v", row)
	}
}
