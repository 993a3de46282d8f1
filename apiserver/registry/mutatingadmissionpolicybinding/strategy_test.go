package mutatingadmissionpolicybinding

import (
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestBinding(t *testing.T) {
	registrytest.CheckPolicyBinding(t, registrytest.PolicyBinding{
		New: func() runtime.Object {
			return &admissionv1.MutatingAdmissionPolicyBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "kite-binding"},
				Spec:       admissionv1.MutatingAdmissionPolicyBindingSpec{PolicyName: "kite-policy"},
			}
		},
		Fields: func(obj runtime.Object) registrytest.BindingFields {
			spec := &obj.(*admissionv1.MutatingAdmissionPolicyBinding).Spec
			return registrytest.BindingFields{PolicyName: &spec.PolicyName, ParamRef: &spec.ParamRef, MatchResources: &spec.MatchResources}
		},
		Strategy: func(c clock.PassiveClock) registrytest.BindingStrategy { return Strategy{Clock: c} },
		Store:    registrytest.NewStore(t, Resource(), memory.New(memory.Config{})),
	})
}
