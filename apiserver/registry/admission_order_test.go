package registry

import (
	"context"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A create goes through admission in upstream's order: Admit (built-in mutating
// steps, mutating policies), the mutating webhooks, validation, AdmitValidate
// (validating policies), the validating webhooks, then AdmitQuota; each validating
// step sees what the webhooks made.
func TestCreateAdmissionOrder(t *testing.T) {
	var steps []string
	w := &recordingWebhooks{}
	s, st := newCMStore(t)
	cfg := s.cfg
	cfg.Storage, cfg.Webhooks = st, w
	// saw records a step and what the mutating webhook had done by then.
	saw := func(name string) func(context.Context, runtime.Object) error {
		return func(_ context.Context, obj runtime.Object) error {
			steps = append(steps, fmt.Sprintf("%s mutated=%q webhookCalls=%d", name, obj.(*corev1.ConfigMap).Data["mutated"], len(w.calls)))
			return nil
		}
	}
	cfg.Admit, cfg.AdmitValidate, cfg.AdmitQuota = saw("admit"), saw("policy"), saw("quota")
	s, err := NewStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(context.Background(), "ns", cm("a", nil, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`admit mutated="" webhookCalls=0`,        // before the mutating webhook
		`policy mutated="CREATE" webhookCalls=1`, // after it, before the validating one
		`quota mutated="CREATE" webhookCalls=2`,  // after both
	}
	if !slices.Equal(steps, want) {
		t.Fatalf("steps:\n%q\nwant\n%q", steps, want)
	}

	// A validating webhook's refusal comes before quota: nothing refused is charged.
	steps, w.calls, w.refuse = nil, nil, "validate"
	_, err = s.Create(context.Background(), "ns", cm("b", nil, nil), metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("want the webhook's refusal, got %v", err)
	}
	if len(steps) != 2 || slices.ContainsFunc(steps, func(s string) bool { return s[:5] == "quota" }) {
		t.Fatalf("steps after a refusal: %q, want admit and policy only", steps)
	}

	// A refusing policy stops the create before the validating webhooks.
	steps, w.calls, w.refuse = nil, nil, ""
	cfg.AdmitValidate = func(context.Context, runtime.Object) error {
		return apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "c", fmt.Errorf("policy says no"))
	}
	s, err = NewStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(context.Background(), "ns", cm("c", nil, nil), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("want the policy's refusal, got %v", err)
	}
	if !slices.Equal(w.calls, []string{"mutate CREATE"}) {
		t.Fatalf("webhook calls %q, want the mutating one only", w.calls)
	}
}

// An update of the object runs AdmitUpdate (built-in mutating admission) before the
// mutating webhooks, which see what it did.
func TestUpdateAdmissionOrder(t *testing.T) {
	w := &recordingWebhooks{}
	s, st := newCMStore(t)
	cfg := s.cfg
	cfg.Storage, cfg.Webhooks = st, w
	var admitted []int // webhook calls made before each AdmitUpdate
	cfg.AdmitUpdate = func(_ context.Context, obj, _ runtime.Object) error {
		admitted = append(admitted, len(w.calls))
		obj.(*corev1.ConfigMap).Data["admitted"] = "yes"
		return nil
	}
	s, err := NewStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created, err := s.Create(ctx, "ns", cm("a", nil, map[string]string{"k": "v"}), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.calls, w.seen = nil, nil
	upd := created.DeepCopyObject().(*corev1.ConfigMap)
	upd.Data["k"] = "w"
	if _, err := s.Update(ctx, "ns", "a", upd, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(admitted, []int{0}) {
		t.Fatalf("AdmitUpdate ran after %v webhook calls, want once, before any", admitted)
	}
	if got := w.seen[0].Object.(*corev1.ConfigMap).Data["admitted"]; got != "yes" {
		t.Fatalf("the mutating webhook did not see AdmitUpdate's change: %v", w.seen[0].Object)
	}
}
