package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A create's managedFields are what upstream records: one Update entry of the
// request's field manager, in FieldsV1, owning every field the body set (with "."
// for each map it created), stamped with the time of the create; managed fields in
// the body lose every field to the creator; a pod's status is not
// owned through the main resource; kubectl's create is recorded as kubectl-create.
func TestCreateManagedFields(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	cms := c.CoreV1().ConfigMaps("default")

	before := metav1.NewTime(time.Now().Add(-time.Second).Truncate(time.Second))
	cm, err := cms.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-fields", Labels: map[string]string{"app": "web"}},
		Data:       map[string]string{"v": strings.Repeat("x", 1024)},
	}, metav1.CreateOptions{FieldManager: "e2e-creator"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cm.ManagedFields) != 1 {
		t.Fatalf("managedFields %+v, want one entry", cm.ManagedFields)
	}
	e := cm.ManagedFields[0]
	if e.Manager != "e2e-creator" || e.Operation != metav1.ManagedFieldsOperationUpdate || e.APIVersion != "v1" || e.FieldsType != "FieldsV1" || e.Subresource != "" {
		t.Errorf("entry %+v", e)
	}
	if e.Time == nil || e.Time.Before(&before) {
		t.Errorf("entry time %v, want the create's", e.Time)
	}
	if got, want := string(e.FieldsV1.Raw), `{"f:data":{".":{},"f:v":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`; got != want {
		t.Errorf("fields %s, want %s", got, want)
	}
	// What a later read returns is what the create answered.
	got, err := cms.Get(ctx, "kite-fields", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustMarshal(t, got.ManagedFields), mustMarshal(t, cm.ManagedFields); a != b {
		t.Errorf("read managedFields %s, created %s", a, b)
	}

	// Managed fields in the body are where upstream starts from, but a create changes
	// every field from nothing, so the creator takes them all over and the body's
	// managers, left owning nothing, are dropped.
	cm, err = cms.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-fields-given", ManagedFields: []metav1.ManagedFieldsEntry{{
			Manager: "earlier", Operation: metav1.ManagedFieldsOperationApply, APIVersion: "v1", FieldsType: "FieldsV1",
			FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:data":{"f:a":{}}}`)},
		}}},
		Data: map[string]string{"a": "1", "b": "2"},
	}, metav1.CreateOptions{FieldManager: "e2e-creator"})
	if err != nil {
		t.Fatal(err)
	}
	managers := map[string]string{}
	for _, e := range cm.ManagedFields {
		managers[e.Manager] = string(e.Operation) + " " + string(e.FieldsV1.Raw)
	}
	if len(managers) != 1 || managers["e2e-creator"] != `Update {"f:data":{".":{},"f:a":{},"f:b":{}}}` {
		t.Errorf("managers %v", managers)
	}

	// A name-only object owns nothing: no managedFields at all.
	cm, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kite-fields-empty"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.ManagedFields != nil {
		t.Errorf("managedFields %+v, want none", cm.ManagedFields)
	}

	// A pod's status is reset on create, and not owned.
	pod, err := c.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-fields-pod"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		Status:     corev1.PodStatus{Message: "set by the client"},
	}, metav1.CreateOptions{FieldManager: "e2e-creator"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pod.ManagedFields) != 1 || strings.Contains(string(pod.ManagedFields[0].FieldsV1.Raw), "f:status") ||
		!strings.Contains(string(pod.ManagedFields[0].FieldsV1.Raw), `"f:containers":{"k:{\"name\":\"c\"}":{".":{}`) {
		t.Errorf("pod managedFields %+v", pod.ManagedFields)
	}

	// kubectl create names itself.
	kubectl(t, newest(t), kc, "create", "configmap", "kite-fields-kubectl", "--from-literal=k=v")
	out := kubectl(t, newest(t), kc, "get", "configmap", "kite-fields-kubectl", "--show-managed-fields", "-o",
		`jsonpath={range .metadata.managedFields[*]}{.manager}:{.operation}:{.fieldsV1}{end}`)
	if out != `kubectl-create:Update:{"f:data":{".":{},"f:k":{}}}` {
		t.Errorf("kubectl create's managedFields %q", out)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
