package admission

import (
	"context"
	"slices"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"kite/apiserver/warning"
)

// warnedTexts are the texts a client reads from rec's headers.
func warnedTexts(t *testing.T, rec *warning.Recorder) []string {
	t.Helper()
	ws, errs := utilnet.ParseWarningHeaders(rec.Headers())
	if len(errs) > 0 {
		t.Fatalf("warning headers do not parse: %v", errs)
	}
	var out []string
	for _, w := range ws {
		out = append(out, w.Text)
	}
	return out
}

func TestWebhookWarningsReachTheRequest(t *testing.T) {
	warnWith := func(allowed bool, texts ...string) func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
		return func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
			r := &admissionv1.AdmissionResponse{Allowed: allowed, Warnings: texts}
			if !allowed {
				r.Result = &metav1.Status{Message: "no"}
			}
			return r
		}
	}
	ws := newWebhookServer(t, map[string]func(*admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse{
		"/mutate":   warnWith(true, "mutating says hi", "shared"),
		"/validate": warnWith(true, "validating says hi", "shared", "bad\ncontrol"),
		"/deny":     warnWith(false, "denied, and warned"),
	})
	c := &configs{
		mutating:   []admissionregistrationv1.MutatingWebhookConfiguration{mutating("m", ws.url("/mutate"), rule(allOps, "", "configmaps"))},
		validating: []admissionregistrationv1.ValidatingWebhookConfiguration{validating("v", ws.url("/validate"), rule(allOps, "", "configmaps"))},
	}
	w := c.webhooks(t)
	rec := &warning.Recorder{}
	ctx := warning.WithRecorder(context.Background(), rec)
	a := cmCreate("x", nil)
	if err := w.Mutate(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := w.Validate(ctx, a); err != nil {
		t.Fatal(err)
	}
	// Each text once, in the order the webhooks ran; the one with a control character
	// cannot be a header and is dropped.
	if got, want := warnedTexts(t, rec), []string{"mutating says hi", "shared", "validating says hi"}; !slices.Equal(got, want) {
		t.Fatalf("warnings %q, want %q", got, want)
	}

	// A refusal's warnings reach the client too.
	c.validating = append(c.validating, validating("w", ws.url("/deny"), rule(allOps, "", "configmaps")))
	rec = &warning.Recorder{}
	ctx = warning.WithRecorder(context.Background(), rec)
	if err := c.webhooks(t).Validate(ctx, cmCreate("y", nil)); err == nil {
		t.Fatal("the denying webhook did not refuse")
	}
	if got := warnedTexts(t, rec); !slices.Contains(got, "denied, and warned") {
		t.Fatalf("warnings %q lack the refusing webhook's", got)
	}
}
