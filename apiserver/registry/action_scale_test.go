package registry

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// cmScale serves a scale subresource over configmaps whose data["replicas"] is the
// desired count: enough of a parent to watch how a scale request is admitted.
func cmScale(t *testing.T, s *Store) *Action {
	t.Helper()
	a, err := ScaleAction(ScaleConfig{
		Store: s,
		Replicas: func(obj runtime.Object) (int32, int32, string, error) {
			n, err := strconv.Atoi(obj.(*corev1.ConfigMap).Data["replicas"])
			return int32(n), 0, "app=x", err
		},
		SetReplicas: func(obj runtime.Object, replicas int32) {
			obj.(*corev1.ConfigMap).Data["replicas"] = strconv.Itoa(int(replicas))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// scalableCM makes a ConfigMap store with a scale subresource calling webhooks (nil:
// none), its resource changed by adjust when given, holds ns/a at replicas 1 in it,
// and returns the store and its scale action.
func scalableCM(t *testing.T, webhooks Webhooks, adjust func(*Resource)) (*Store, *Action) {
	t.Helper()
	plain, st := newCMStore(t)
	cfg := plain.cfg
	res := *cfg.Resource
	res.Subresources = append(slices.Clone(res.Subresources), "scale")
	if adjust != nil {
		adjust(&res)
	}
	cfg.Resource, cfg.Storage, cfg.Webhooks = &res, st, webhooks
	s, err := NewStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(context.Background(), "ns", cm("a", nil, map[string]string{"replicas": "1"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return s, cmScale(t, s)
}

// A scale request is admitted once, as upstream: UPDATE of <resource>/scale with the
// Scale as object and the current Scale as oldObject; the update of the parent it
// turns into is not admitted again as an update of the resource itself.
func TestScaleIsAdmittedOnceAsScale(t *testing.T) {
	w := &recordingWebhooks{}
	s, a := scalableCM(t, w, nil)
	ctx := context.Background()
	w.calls, w.seen = nil, nil

	out, err := a.Update(ctx, "ns", "a", func(current runtime.Object) (runtime.Object, error) {
		sc := current.(*autoscalingv1.Scale)
		sc.Spec.Replicas = 3
		return sc, nil
	}, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*autoscalingv1.Scale).Spec.Replicas; got != 3 {
		t.Errorf("dry-run scale answered %d replicas, want 3", got)
	}
	if want := []string{"mutate UPDATE/scale", "validate UPDATE/scale"}; !slices.Equal(w.calls, want) {
		t.Fatalf("admission calls %v, want %v", w.calls, want)
	}
	for _, at := range w.seen {
		sc, ok := at.Object.(*autoscalingv1.Scale)
		old, okOld := at.OldObject.(*autoscalingv1.Scale)
		if !ok || !okOld || sc.Spec.Replicas != 3 || old.Spec.Replicas != 1 || at.Kind != scaleKind ||
			at.Resource == nil || at.Resource.Resource != "configmaps" || !at.DryRun {
			t.Errorf("admitted %+v (object %T, oldObject %T)", at, at.Object, at.OldObject)
		}
	}

	// Refused by a validating webhook: nothing is stored.
	w.calls, w.seen, w.refuse = nil, nil, "validate"
	_, err = a.Update(ctx, "ns", "a", func(current runtime.Object) (runtime.Object, error) {
		sc := current.(*autoscalingv1.Scale)
		sc.Spec.Replicas = 5
		return sc, nil
	}, metav1.UpdateOptions{})
	wantStatus(t, err, 403, metav1.StatusReasonForbidden)
	got, err := s.Get(ctx, "ns", "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.(*corev1.ConfigMap).Data["replicas"]; n != "1" {
		t.Errorf("a refused scale stored replicas=%s", n)
	}

	// A plain update of the parent is admitted as such, scale or not.
	w.calls, w.seen, w.refuse = nil, nil, ""
	upd := got.(*corev1.ConfigMap).DeepCopy()
	upd.Data["other"] = "x"
	if _, err := s.Update(ctx, "ns", "a", upd, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	if want := []string{"mutate UPDATE", "validate UPDATE"}; !slices.Equal(w.calls, want) {
		t.Errorf("plain update admitted as %v, want %v", w.calls, want)
	}
}

// cappedCMStrategy is cmStrategy with an update rule a scale can break: at most 10
// replicas. Each update validation is recorded in the webhooks' calls, so that the
// order of the steps shows.
type cappedCMStrategy struct {
	cmStrategy
	calls *[]string
}

func (c cappedCMStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	*c.calls = append(*c.calls, "parent validation")
	if n, _ := strconv.Atoi(obj.(*corev1.ConfigMap).Data["replicas"]); n > 10 {
		return field.ErrorList{field.Invalid(field.NewPath("data").Key("replicas"), n, "must be at most 10")}
	}
	return c.cmStrategy.ValidateUpdate(ctx, obj, old)
}

// Upstream's order for a scale: mutating admission of the Scale, the parent's update
// validation, then validating admission of the Scale; a scale the parent refuses is a
// 422 no validating webhook hears of.
func TestScaleParentValidationBeforeValidatingAdmission(t *testing.T) {
	w := &recordingWebhooks{}
	s, a := scalableCM(t, w, func(res *Resource) { res.Strategy = cappedCMStrategy{calls: &w.calls} })
	ctx := context.Background()
	scaleTo := func(n int32) (runtime.Object, error) {
		w.calls, w.seen = nil, nil
		return a.Update(ctx, "ns", "a", func(current runtime.Object) (runtime.Object, error) {
			sc := current.(*autoscalingv1.Scale)
			sc.Spec.Replicas = n
			return sc, nil
		}, metav1.UpdateOptions{})
	}

	if _, err := scaleTo(3); err != nil {
		t.Fatal(err)
	}
	i := slices.Index(w.calls, "validate UPDATE/scale")
	if i < 0 || !slices.Equal(w.calls[:i], []string{"mutate UPDATE/scale", "parent validation"}) {
		t.Errorf("steps %v, want the Scale mutated, the parent validated, then the Scale validated", w.calls)
	}
	if sc, ok := w.seen[len(w.seen)-1].Object.(*autoscalingv1.Scale); !ok || sc.Spec.Replicas != 3 {
		t.Errorf("the validating webhook saw %+v, want the Scale of the updated parent", w.seen[len(w.seen)-1].Object)
	}

	_, err := scaleTo(11)
	wantStatus(t, err, 422, metav1.StatusReasonInvalid)
	if want := []string{"mutate UPDATE/scale", "parent validation"}; !slices.Equal(w.calls, want) {
		t.Errorf("steps of a scale the parent refuses %v, want %v", w.calls, want)
	}
	got, err := s.Get(ctx, "ns", "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.(*corev1.ConfigMap).Data["replicas"]; n != "3" {
		t.Errorf("stored replicas=%s after a refused scale, want 3", n)
	}
}

// A scale whose body names another object's uid is refused with upstream's 409, and
// nothing changes; the parent's own uid passes.
func TestScaleUIDPrecondition(t *testing.T) {
	s, a := scalableCM(t, nil, nil)
	ctx := context.Background()
	scaleTo := func(n int32, uid k8stypes.UID) error {
		_, err := a.Update(ctx, "ns", "a", func(current runtime.Object) (runtime.Object, error) {
			sc := current.(*autoscalingv1.Scale)
			sc.Spec.Replicas = n
			if uid != "" {
				sc.UID = uid
			}
			return sc, nil
		}, metav1.UpdateOptions{})
		return err
	}
	err := scaleTo(5, "not-the-uid")
	wantStatus(t, err, 409, metav1.StatusReasonConflict)
	if !strings.Contains(err.Error(), "Precondition failed: UID in precondition: not-the-uid") {
		t.Errorf("error %q, want upstream's precondition message", err)
	}
	got, err := s.Get(ctx, "ns", "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.(*corev1.ConfigMap).Data["replicas"]; n != "1" {
		t.Errorf("stored replicas=%s after a refused scale, want 1", n)
	}
	if err := scaleTo(5, got.(*corev1.ConfigMap).UID); err != nil {
		t.Errorf("a scale naming the parent's own uid: %v", err)
	}
}
