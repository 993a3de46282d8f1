package registry

import (
	"context"
	"fmt"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// recordingWebhooks records each call as "<phase> <operation>[/<subresource>]" and
// does what the test asks: mutate adds a key, refuse refuses a phase.
type recordingWebhooks struct {
	calls  []string
	seen   []*Attributes
	refuse string // "mutate" or "validate"
}

func (w *recordingWebhooks) record(phase string, a *Attributes) error {
	op := string(a.Operation)
	if a.Subresource != "" {
		op += "/" + a.Subresource
	}
	w.calls = append(w.calls, phase+" "+op)
	w.seen = append(w.seen, a)
	if w.refuse == phase {
		return apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, a.Name, fmt.Errorf("refused at %s", phase))
	}
	return nil
}

func (w *recordingWebhooks) Mutate(_ context.Context, a *Attributes) error {
	if err := w.record("mutate", a); err != nil {
		return err
	}
	if cm, ok := a.Object.(*corev1.ConfigMap); ok && a.Operation != admissionregistrationv1.Delete {
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data["mutated"] = string(a.Operation)
		a.Mutated = true
	}
	return nil
}

func (w *recordingWebhooks) Validate(_ context.Context, a *Attributes) error {
	return w.record("validate", a)
}

func newWebhookCMStore(t *testing.T, w Webhooks) *Store {
	t.Helper()
	s, st := newCMStore(t)
	cfg := s.cfg
	cfg.Storage, cfg.Webhooks = st, w
	s2, err := NewStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s2
}

func TestWebhooksSeeEveryWrite(t *testing.T) {
	w := &recordingWebhooks{}
	s := newWebhookCMStore(t, w)
	ctx := context.Background()
	created, err := s.Create(ctx, "ns", cm("a", nil, map[string]string{"k": "v"}), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := created.(*corev1.ConfigMap).Data["mutated"]; got != "CREATE" {
		t.Fatalf("the mutating webhook's change was not stored on create: %v", created.(*corev1.ConfigMap).Data)
	}
	upd := created.DeepCopyObject().(*corev1.ConfigMap)
	upd.Data["k"] = "w"
	updated, err := s.Update(ctx, "ns", "a", upd, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := updated.(*corev1.ConfigMap).Data["mutated"]; got != "UPDATE" {
		t.Fatalf("the mutating webhook's change was not stored on update: %v", updated.(*corev1.ConfigMap).Data)
	}
	if _, _, err := s.Delete(ctx, "ns", "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "mutate CREATE,validate CREATE,mutate UPDATE,validate UPDATE,mutate DELETE,validate DELETE"
	if got := strings.Join(w.calls, ","); got != want {
		t.Fatalf("calls\n got %s\nwant %s", got, want)
	}
	for _, a := range w.seen {
		if a.Resource == nil || a.Resource.Resource != "configmaps" || a.Namespace != "ns" || a.Name != "a" {
			t.Errorf("%s: attributes %+v", a.Operation, a)
		}
		if (a.Operation == admissionregistrationv1.Update || a.Operation == admissionregistrationv1.Delete) && a.OldObject == nil {
			t.Errorf("%s without the old object", a.Operation)
		}
		if a.Operation == admissionregistrationv1.Delete && a.Object != nil {
			t.Errorf("DELETE with a new object")
		}
		if a.Options == nil {
			t.Errorf("%s without options", a.Operation)
		}
	}
}

func TestWebhookRefusalStopsTheWrite(t *testing.T) {
	ctx := context.Background()
	for _, phase := range []string{"mutate", "validate"} {
		t.Run(phase, func(t *testing.T) {
			w := &recordingWebhooks{refuse: phase}
			s := newWebhookCMStore(t, w)
			if _, err := s.Create(ctx, "ns", cm("a", nil, nil), metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
				t.Fatalf("create: want the webhook's refusal, got %v", err)
			}
			if _, err := s.Get(ctx, "ns", "a", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Fatalf("a refused create was stored: %v", err)
			}
			// An invalid object never reaches the validating webhooks.
			w.refuse, w.calls = "", nil
			if _, err := s.Create(ctx, "ns", cm("b", nil, map[string]string{"bad key": "x"}), metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
				t.Fatalf("want 422, got %v", err)
			}
			if strings.Contains(strings.Join(w.calls, ","), "validate") {
				t.Fatalf("an invalid object was sent to validating webhooks: %v", w.calls)
			}
			if _, err := s.Create(ctx, "ns", cm("c", nil, nil), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			w.refuse = phase
			if _, _, err := s.Delete(ctx, "ns", "c", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
				t.Fatalf("delete: want the webhook's refusal, got %v", err)
			}
			if _, err := s.Get(ctx, "ns", "c", metav1.GetOptions{}); err != nil {
				t.Fatalf("a refused delete deleted: %v", err)
			}
		})
	}
}

func TestWebhooksOnConnectAndDryRun(t *testing.T) {
	w := &recordingWebhooks{}
	s := newWebhookCMStore(t, w)
	opts := &corev1.PodAttachOptions{Container: "c"}
	if err := s.AdmitConnect(context.Background(), "ns", "p", "attach", corev1.SchemeGroupVersion.WithKind("PodAttachOptions"), opts); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(w.calls, ","); got != "mutate CONNECT/attach,validate CONNECT/attach" {
		t.Fatalf("calls %s", got)
	}
	if a := w.seen[1]; a.Object != runtime.Object(opts) || a.Kind.Kind != "PodAttachOptions" {
		t.Fatalf("connect attributes %+v", a)
	}
	w.calls, w.seen = nil, nil
	if _, err := s.Create(context.Background(), "ns", cm("d", nil, nil), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if len(w.seen) != 2 || !w.seen[0].DryRun || !w.seen[1].DryRun {
		t.Fatalf("a dry run must reach the webhooks marked as one: %v", w.calls)
	}
}
