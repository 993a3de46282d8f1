package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Two ValidatingAdmissionPolicies that ask the authorizer, applied with kubectl: one
// whose validation checks that the user may create deployments in the object's
// namespace (it may: Kite allows every authenticated user until RBAC), and one whose
// messageExpression reports authorizer.requestResource's reason for the request.
const authorizerPolicies = `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: kite-authz-allowed}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  validations:
  - expression: "authorizer.group('apps').resource('deployments').namespace(object.metadata.namespace).check('create').allowed()"
    message: the user may not create deployments here
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: kite-authz-allowed}
spec:
  policyName: kite-authz-allowed
  validationActions: [Deny]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: kite-authz-reason}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [secrets]}
  validations:
  - expression: "!authorizer.requestResource.check('create').allowed()"
    messageExpression: "'create allowed=' + string(authorizer.requestResource.check('create').allowed()) + ' reason=[' + authorizer.requestResource.check('create').reason() + ']'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: kite-authz-reason}
spec:
  policyName: kite-authz-reason
  validationActions: [Deny]
`

func TestAdmissionPolicyAuthorizer(t *testing.T) {
	_, kc := apiServer(t)
	bin := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	kubectl(t, bin, kc, "create", "namespace", "kite-authz")
	kubectl(t, bin, kc, "apply", "-f", writeFile(t, "policies.yaml", authorizerPolicies))

	// The second policy refuses secrets, with the reason of the request's own check:
	// allowed, and no reason given. Waiting for it also waits for the policies to
	// take effect.
	const want = `ValidatingAdmissionPolicy 'kite-authz-reason' with binding 'kite-authz-reason' denied request: create allowed=true reason=[]`
	eventually(t, 30*time.Second, func() string {
		out, ok := kubectlStderr(t, bin, kc, "-n", "kite-authz", "create", "secret", "generic", "kite-s", "--from-literal=a=b")
		if ok {
			kubectl(t, bin, kc, "-n", "kite-authz", "delete", "secret", "kite-s")
			return "the secret was admitted"
		}
		if !strings.Contains(out, want) {
			return "kubectl said " + out
		}
		return ""
	})

	// The first policy's check is allowed, so the config map is admitted: an
	// authorizer the expression could not use would fail it (failurePolicy Fail).
	kubectl(t, bin, kc, "-n", "kite-authz", "create", "configmap", "kite-cm", "--from-literal=a=b")
	if _, err := c.CoreV1().ConfigMaps("kite-authz").Get(ctx, "kite-cm", metav1.GetOptions{}); err != nil {
		t.Fatalf("config map not stored: %v", err)
	}
	// The validation that asks the authorizer type-checks cleanly.
	status := kubectl(t, bin, kc, "get", "validatingadmissionpolicy", "kite-authz-allowed", "-o", "jsonpath={.status.typeChecking}")
	if strings.TrimSpace(status) != "{}" {
		t.Errorf("status.typeChecking of kite-authz-allowed: %q, want no warnings", status)
	}
}
