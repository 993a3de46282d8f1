package admission

import (
	"context"
	"fmt"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"kite/apiserver/openapi"
)

// Upstream's "should type check validation expressions": a policy over deployments is
// checked against the Deployment schema, and its status says what does not type-check.
func TestTypeCheckPolicies(t *testing.T) {
	deployments := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	gvk := appsv1.SchemeGroupVersion.WithKind("Deployment")
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.AddSpecific(gvk, deployments, deployments.GroupResource().WithVersion("v1"), meta.RESTScopeNamespace)
	check, err := TypeCheckPolicies(TypeCheckConfig{Mapper: mapper, Models: func(k schema.GroupVersionKind) (map[string]*spec.Schema, error) {
		if k != gvk {
			return nil, fmt.Errorf("unknown %v", k)
		}
		return openapi.Models(&appsv1.Deployment{}, gvk)
	}})
	if err != nil {
		t.Fatal(err)
	}
	policy := func(v admissionregistrationv1.Validation) *admissionregistrationv1.ValidatingAdmissionPolicy {
		return &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Generation: 3},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
						Rule: admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}}}}}},
				Validations: []admissionregistrationv1.Validation{v},
			}}
	}
	good := policy(admissionregistrationv1.Validation{Expression: "object.spec.replicas > 1"})
	if err := check(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	if tc := good.Status.TypeChecking; tc == nil || len(tc.ExpressionWarnings) != 0 || good.Status.ObservedGeneration != 3 {
		t.Fatalf("correct policy: status %+v", good.Status)
	}
	// The authorizer variable has upstream's Authorizer type, so its checks type-check.
	authz := policy(admissionregistrationv1.Validation{Expression: "authorizer.group('apps').resource('deployments').namespace(object.metadata.namespace).check('create').allowed()",
		MessageExpression: "authorizer.path('/x').check('get').reason()"})
	if err := check(context.Background(), authz); err != nil {
		t.Fatal(err)
	}
	if tc := authz.Status.TypeChecking; tc == nil || len(tc.ExpressionWarnings) != 0 {
		t.Fatalf("policy using the authorizer: status %+v", authz.Status)
	}
	rr := policy(admissionregistrationv1.Validation{Expression: "authorizer.requestResource.check('create').allowed()"})
	if err := check(context.Background(), rr); err != nil {
		t.Fatal(err)
	}
	// Upstream's type checker declares authorizer but not authorizer.requestResource,
	// so upstream warns about it (the expression still works at admission); so does Kite.
	if w := rr.Status.TypeChecking.ExpressionWarnings; len(w) != 1 || w[0].FieldRef != "spec.validations[0].expression" {
		t.Errorf("policy using authorizer.requestResource: warnings %+v", w)
	}
	confused := policy(admissionregistrationv1.Validation{Expression: "object.spec.replicas > '1'", MessageExpression: "'wants replicas > 1, got ' + object.spec.replicas"})
	if err := check(context.Background(), confused); err != nil {
		t.Fatal(err)
	}
	w := confused.Status.TypeChecking.ExpressionWarnings
	if len(w) != 2 || w[0].FieldRef != "spec.validations[0].expression" || !strings.Contains(w[0].Warning, "found no matching overload for '_>_' applied to '(int, string)'") ||
		w[1].FieldRef != "spec.validations[0].messageExpression" || !strings.Contains(w[1].Warning, "found no matching overload for '_+_' applied to '(string, int)'") {
		t.Errorf("confused policy: warnings %+v", w)
	}
}
