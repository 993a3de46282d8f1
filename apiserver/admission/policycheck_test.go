package admission

import (
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestCheckPolicyExpressions(t *testing.T) {
	check, err := CheckPolicyExpressions()
	if err != nil {
		t.Fatal(err)
	}
	vap := func(spec admissionregistrationv1.ValidatingAdmissionPolicySpec) *admissionregistrationv1.ValidatingAdmissionPolicy {
		return &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: spec}
	}
	for _, c := range []struct {
		name string
		obj  runtime.Object
		want string // "" to pass
	}{
		{"compiles", vap(admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConditions:  []admissionregistrationv1.MatchCondition{{Name: "m", Expression: "request.userInfo.username != ''"}},
			Variables:        []admissionregistrationv1.Variable{{Name: "n", Expression: "request.userInfo.extra[?'k'][0].orValue('')"}},
			Validations:      []admissionregistrationv1.Validation{{Expression: "variables.n != '' && params.x == 1", MessageExpression: "'x' + variables.n"}},
			AuditAnnotations: []admissionregistrationv1.AuditAnnotation{{Key: "k", ValueExpression: "string(object.spec.replicas)"}},
		}), ""},
		{"validation", vap(admissionregistrationv1.ValidatingAdmissionPolicySpec{
			Validations: []admissionregistrationv1.Validation{{Expression: "object.spec.replicas >"}},
		}), `spec.validations[0].expression: Invalid value: "object.spec.replicas >": compilation failed: ERROR: <input>:1:23: Syntax error`},
		{"message expression", vap(admissionregistrationv1.ValidatingAdmissionPolicySpec{
			Validations: []admissionregistrationv1.Validation{{Expression: "true", MessageExpression: "nosuchvar + 'x'"}},
		}), "spec.validations[0].messageExpression: Invalid value: \"nosuchvar + 'x'\": compilation failed: ERROR: <input>:1:1: undeclared reference to 'nosuchvar'"},
		{"match condition and audit annotation", vap(admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConditions:  []admissionregistrationv1.MatchCondition{{Name: "m", Expression: "("}},
			AuditAnnotations: []admissionregistrationv1.AuditAnnotation{{Key: "k", ValueExpression: "1 +"}},
		}), "spec.matchConditions[0].expression"},
		{"mutation", &admissionregistrationv1.MutatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "m"}, Spec: admissionregistrationv1.MutatingAdmissionPolicySpec{
			Mutations: []admissionregistrationv1.Mutation{
				{PatchType: admissionregistrationv1.PatchTypeApplyConfiguration, ApplyConfiguration: &admissionregistrationv1.ApplyConfiguration{Expression: "Object{metadata: Object.metadata{labels: {'a': 'b'}}}"}},
				{PatchType: admissionregistrationv1.PatchTypeJSONPatch, JSONPatch: &admissionregistrationv1.JSONPatch{Expression: "[JSONPatch{op: 'add', path: '/x',"}},
			}}}, "spec.mutations[1].jsonPatch.expression"},
		{"another kind", &corev1.ConfigMap{}, ""},
	} {
		err := check(c.obj)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (!apierrors.IsInvalid(err) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want 422 %q", c.name, err, c.want)
		}
	}
	// Both failures of one policy are reported.
	err = check(vap(admissionregistrationv1.ValidatingAdmissionPolicySpec{
		MatchConditions:  []admissionregistrationv1.MatchCondition{{Name: "m", Expression: "("}},
		AuditAnnotations: []admissionregistrationv1.AuditAnnotation{{Key: "k", ValueExpression: "1 +"}},
	}))
	if err == nil || !strings.Contains(err.Error(), "spec.auditAnnotations[0].valueExpression") {
		t.Errorf("all failures: %v", err)
	}
}
