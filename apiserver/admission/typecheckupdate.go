package admission

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TypeCheckNewGenerations is the write hook (registry.WriteHook) of
// ValidatingAdmissionPolicies that type-checks, with check (what TypeCheckPolicies
// returns), every update that makes a new generation of a policy (its spec changed),
// and records the outcome in status.typeChecking with that generation as
// status.observedGeneration, as upstream's policy status controller re-checks each
// generation it has not observed yet. A create is checked by the admission step;
// updates keep their status (the strategy copies it from the stored policy), so
// the check of an update runs at the write, where it also judges the spec as the
// mutating webhooks and defaults left it. Other writes pass untouched.
func TypeCheckNewGenerations(check func(ctx context.Context, obj runtime.Object) error) registry.WriteHook {
	return func(ctx context.Context, obj, old runtime.Object, _ bool) (func(bool), error) {
		p, ok := obj.(*admissionregistrationv1.ValidatingAdmissionPolicy)
		if !ok {
			return nil, nil
		}
		o, ok := old.(*admissionregistrationv1.ValidatingAdmissionPolicy)
		if !ok || p.Generation == o.Generation {
			return nil, nil
		}
		return nil, check(ctx, p)
	}
}
