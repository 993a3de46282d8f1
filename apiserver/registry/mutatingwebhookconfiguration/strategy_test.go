package mutatingwebhookconfiguration

import (
	"context"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func config(name string) *admissionv1.MutatingWebhookConfiguration {
	none := admissionv1.SideEffectClassNone
	return &admissionv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-hooks"},
		Webhooks: []admissionv1.MutatingWebhook{{
			Name:                    name,
			ClientConfig:            admissionv1.WebhookClientConfig{URL: ptr.To("https://127.0.0.1:8443/mutate")},
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
		}},
	}
}

func TestDefaultsAndReinvocation(t *testing.T) {
	c := config("m.kite.io")
	Strategy{}.Default(c)
	w := c.Webhooks[0]
	if *w.ReinvocationPolicy != admissionv1.NeverReinvocationPolicy || *w.FailurePolicy != admissionv1.Fail || *w.TimeoutSeconds != 10 {
		t.Errorf("defaults not applied: %+v", w)
	}
	if errs := (Strategy{}).Validate(context.Background(), c); len(errs) != 0 {
		t.Errorf("good config: %v", errs)
	}
	c.Webhooks[0].ReinvocationPolicy = ptr.To(admissionv1.ReinvocationPolicyType("Always"))
	c.Webhooks[0].Name = ""
	got := registrytest.Messages(Strategy{}.Validate(context.Background(), c))
	want := []string{"webhooks[0].name: Required value", `webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	c := config("m.kite.io")
	c.CreationTimestamp = metav1.NewTime(now.Add(-30 * time.Second))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(c)
	if err != nil || !slices.Equal(row, []any{"kite-hooks", int64(1), "30s"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	if all, _ := registrytest.ColumnNames(Strategy{}.TableColumns()); !slices.Equal(all, []string{"Name", "Webhooks", "Age"}) {
		t.Errorf("columns %v", all)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	if _, err := s.Create(ctx, "", config("m.kite.io"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Get(ctx, "", "kite-hooks", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := out.(*admissionv1.MutatingWebhookConfiguration).Webhooks[0]; *w.ReinvocationPolicy != admissionv1.NeverReinvocationPolicy {
		t.Errorf("stored %+v", w)
	}
}
