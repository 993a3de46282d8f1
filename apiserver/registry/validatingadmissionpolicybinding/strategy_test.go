package validatingadmissionpolicybinding

import (
	"context"
	"slices"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func binding() *admissionv1.ValidatingAdmissionPolicyBinding {
	return &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-binding"},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        "kite-policy",
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
		},
	}
}

func TestBinding(t *testing.T) {
	registrytest.CheckPolicyBinding(t, registrytest.PolicyBinding{
		New: func() runtime.Object { return binding() },
		Fields: func(obj runtime.Object) registrytest.BindingFields {
			spec := &obj.(*admissionv1.ValidatingAdmissionPolicyBinding).Spec
			return registrytest.BindingFields{PolicyName: &spec.PolicyName, ParamRef: &spec.ParamRef, MatchResources: &spec.MatchResources}
		},
		Strategy: func(c clock.PassiveClock) registrytest.BindingStrategy { return Strategy{Clock: c} },
		Store:    registrytest.NewStore(t, Resource(), memory.New(memory.Config{})),
	})
}

func TestValidationActions(t *testing.T) {
	b := binding()
	b.Spec.ValidationActions = []admissionv1.ValidationAction{"Deny", "Warn", "Deny", "Shout"}
	got := registrytest.Paths(Strategy{}.Validate(context.Background(), b))
	want := []string{"spec.validationActions[2]", "spec.validationActions[3]", "spec.validationActions"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	b.Spec.ValidationActions = nil
	if got := registrytest.Messages(Strategy{}.Validate(context.Background(), b)); !slices.Equal(got, []string{"spec.validationActions: Required value: at least one validation action is required"}) {
		t.Errorf("got %q", got)
	}
}
