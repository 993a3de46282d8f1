package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// kiteReplicasPolicy is a policy over deployments; EXPR is its one validation.
const kiteReplicasPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: kite-replicas}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: "EXPR"
`

// As upstream's policy status controller, each new generation of a policy is
// type-checked again: a kubectl apply that changes the expression to one naming a
// field Deployments do not have gets the warning, observed at the new generation.
func TestAdmissionPolicyTypeCheckNewGeneration(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	bin := newest(t)
	apply := func(expr string) {
		t.Helper()
		kubectl(t, bin, kc, "apply", "-f", writeFile(t, "policy.yaml", strings.Replace(kiteReplicasPolicy, "EXPR", expr, 1)))
	}
	get := func() admissionregistrationv1.ValidatingAdmissionPolicy {
		t.Helper()
		var p admissionregistrationv1.ValidatingAdmissionPolicy
		out := kubectl(t, bin, kc, "get", "validatingadmissionpolicy", "kite-replicas", "-o", "json")
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		return p
	}

	apply("object.spec.replicas <= 5")
	p := get()
	if tc := p.Status.TypeChecking; p.Generation != 1 || p.Status.ObservedGeneration != 1 || tc == nil || len(tc.ExpressionWarnings) != 0 {
		t.Fatalf("first generation: generation %d, status %+v", p.Generation, p.Status)
	}

	apply("object.spec.maxRetries < 10")
	p = get()
	if p.Generation != 2 || p.Status.ObservedGeneration != 2 || p.Status.TypeChecking == nil {
		t.Fatalf("second generation: generation %d, status %+v", p.Generation, p.Status)
	}
	w := p.Status.TypeChecking.ExpressionWarnings
	if len(w) != 1 || w[0].FieldRef != "spec.validations[0].expression" || !strings.Contains(w[0].Warning, "undefined field 'maxRetries'") {
		t.Errorf("second generation: warnings %+v", w)
	}

	// A label changes no generation: the status stays as it was.
	kubectl(t, bin, kc, "label", "validatingadmissionpolicy", "kite-replicas", "kite=label")
	p = get()
	if p.Generation != 2 || p.Status.ObservedGeneration != 2 || p.Status.TypeChecking == nil || len(p.Status.TypeChecking.ExpressionWarnings) != 1 {
		t.Errorf("after a label: generation %d, status %+v", p.Generation, p.Status)
	}

	// Back to a correct expression: generation 3, no warnings.
	apply("object.spec.replicas <= 5")
	p = get()
	if tc := p.Status.TypeChecking; p.Generation != 3 || p.Status.ObservedGeneration != 3 || tc == nil || len(tc.ExpressionWarnings) != 0 {
		t.Errorf("third generation: generation %d, status %+v", p.Generation, p.Status)
	}
}
