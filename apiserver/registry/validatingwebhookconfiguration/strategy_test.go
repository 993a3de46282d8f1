package validatingwebhookconfiguration

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

func hook(name string) admissionv1.ValidatingWebhook {
	none := admissionv1.SideEffectClassNone
	return admissionv1.ValidatingWebhook{
		Name:                    name,
		ClientConfig:            admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: "default", Name: "hook"}},
		Rules:                   []admissionv1.RuleWithOperations{{Operations: []admissionv1.OperationType{"CREATE"}, Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
		SideEffects:             &none,
		AdmissionReviewVersions: []string{"v1"},
	}
}

func config(hooks ...admissionv1.ValidatingWebhook) *admissionv1.ValidatingWebhookConfiguration {
	return &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "kite-hooks"}, Webhooks: hooks}
}

func TestDefaults(t *testing.T) {
	c := config(hook("a.kite.io"))
	Strategy{}.Default(c)
	w := c.Webhooks[0]
	if *w.FailurePolicy != admissionv1.Fail || *w.MatchPolicy != admissionv1.Equivalent || *w.TimeoutSeconds != 10 ||
		w.NamespaceSelector == nil || w.ObjectSelector == nil || *w.Rules[0].Scope != admissionv1.AllScopes || *w.ClientConfig.Service.Port != 443 {
		t.Errorf("defaults not applied: %+v", w)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	good := config(hook("a.kite.io"))
	Strategy{}.Default(good)
	if errs := (Strategy{}).Validate(ctx, good); len(errs) != 0 {
		t.Fatalf("good config: %v", errs)
	}

	bad := hook("nodots")
	bad.SideEffects = nil
	bad.AdmissionReviewVersions = nil
	bad.ClientConfig.URL = ptr.To("https://example.com/hook")
	bad.TimeoutSeconds = ptr.To[int32](31)
	bad.Rules[0].Operations = []admissionv1.OperationType{"*", "CREATE"}
	bad.Rules[0].Resources = nil
	fp := admissionv1.FailurePolicyType("Sometimes")
	bad.FailurePolicy = &fp
	dup := hook("a.kite.io")
	got := registrytest.Paths(Strategy{}.Validate(ctx, config(bad, hook("a.kite.io"), dup)))
	want := []string{
		"webhooks[0].name",
		"webhooks[0].rules[0].operations",
		"webhooks[0].rules[0].resources",
		"webhooks[0].failurePolicy",
		"webhooks[0].sideEffects",
		"webhooks[0].timeoutSeconds",
		"webhooks[0].admissionReviewVersions",
		"webhooks[0].clientConfig",
		"webhooks[2].name",
	}
	if !slices.Equal(got, want) {
		t.Errorf("paths\n got %q\nwant %q", got, want)
	}

	url := hook("b.kite.io")
	url.ClientConfig = admissionv1.WebhookClientConfig{URL: ptr.To("http://example.com")}
	if msgs := registrytest.Messages(Strategy{}.Validate(ctx, config(url))); !slices.Equal(msgs, []string{`webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme`}) {
		t.Errorf("url: %q", msgs)
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(all, []string{"Name", "Webhooks", "Age"}) || len(wide) != 0 {
		t.Errorf("columns %v %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	c := config(hook("a.kite.io"), hook("b.kite.io"))
	c.CreationTimestamp = metav1.NewTime(now.Add(-72 * time.Hour))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(c)
	if err != nil || !slices.Equal(row, []any{"kite-hooks", int64(2), "3d"}) {
		t.Errorf("row %#v, %v", row, err)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "", config(hook("a.kite.io")), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := out.(*admissionv1.ValidatingWebhookConfiguration)
	if c.Generation != 1 || *c.Webhooks[0].TimeoutSeconds != 10 {
		t.Fatalf("created %+v", c)
	}
	// A label change keeps the generation; a webhook change bumps it.
	c.Labels = map[string]string{"a": "b"}
	out, err = s.Update(ctx, "", c.Name, c, metav1.UpdateOptions{}, "")
	if err != nil || out.(*admissionv1.ValidatingWebhookConfiguration).Generation != 1 {
		t.Fatalf("relabel: %v %v", out, err)
	}
	c = out.(*admissionv1.ValidatingWebhookConfiguration)
	c.Webhooks[0].TimeoutSeconds = ptr.To[int32](5)
	out, err = s.Update(ctx, "", c.Name, c, metav1.UpdateOptions{}, "")
	if err != nil || out.(*admissionv1.ValidatingWebhookConfiguration).Generation != 2 {
		t.Fatalf("webhook change: %v %v", out, err)
	}
	_, err = s.Create(ctx, "", &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Webhooks: []admissionv1.ValidatingWebhook{{Name: "a.kite.io"}}}, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"webhooks[0].sideEffects", "webhooks[0].admissionReviewVersions", "webhooks[0].clientConfig"}) {
		t.Errorf("causes %v", got)
	}
}
