package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// A custom resource whose spec.replicas is an integer, for policies to be type-checked
// against.
const kiteCronTabCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: kitecrontabs.typecheck.kite.dev}
spec:
  group: typecheck.kite.dev
  scope: Namespaced
  names: {plural: kitecrontabs, singular: kitecrontab, kind: KiteCronTab}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              image: {type: string}
              replicas: {type: integer}
`

const kiteCronTabPolicies = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: kite-crontab-correct}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [typecheck.kite.dev], apiVersions: [v1], operations: [CREATE], resources: [kitecrontabs]}
  validations:
  - expression: "object.spec.replicas > 1 && object.metadata.name != ''"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: kite-crontab-confused}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [typecheck.kite.dev], apiVersions: [v1], operations: [CREATE], resources: [kitecrontabs]}
  validations:
  - expression: "object.spec.replicas > '1'"
  - expression: "object.spec.maxRetries < 10"
`

// As upstream's "should type check a CRD": policies over a custom resource are
// type-checked against the definition's schema, and status.typeChecking says what
// does not fit it.
func TestAdmissionPolicyTypeCheckCustomResource(t *testing.T) {
	_, kc := apiServer(t)
	bin := newest(t)
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "crd.yaml", kiteCronTabCRD))
	kubectl(t, bin, kc, "wait", "--for=condition=Established", "--timeout=30s", "crd/kitecrontabs.typecheck.kite.dev")
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "policies.yaml", kiteCronTabPolicies))

	status := func(name string) admissionregistrationv1.ValidatingAdmissionPolicyStatus {
		t.Helper()
		var s admissionregistrationv1.ValidatingAdmissionPolicyStatus
		out := kubectl(t, bin, kc, "get", "validatingadmissionpolicy", name, "-o", "jsonpath={.status}")
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("status of %s: %v: %q", name, err, out)
		}
		return s
	}
	if tc := status("kite-crontab-correct").TypeChecking; tc == nil || len(tc.ExpressionWarnings) != 0 {
		t.Errorf("correct policy: typeChecking %+v, want no warnings", tc)
	}
	tc := status("kite-crontab-confused").TypeChecking
	if tc == nil || len(tc.ExpressionWarnings) != 2 {
		t.Fatalf("confused policy: typeChecking %+v, want two warnings", tc)
	}
	w := tc.ExpressionWarnings
	if w[0].FieldRef != "spec.validations[0].expression" || !strings.Contains(w[0].Warning, "found no matching overload for '_>_' applied to '(int, string)'") {
		t.Errorf("first warning %+v", w[0])
	}
	if w[1].FieldRef != "spec.validations[1].expression" || !strings.Contains(w[1].Warning, "undefined field 'maxRetries'") {
		t.Errorf("second warning %+v", w[1])
	}
}
