package admissionreg

import (
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// A service path may be empty (the root) or absolute, as upstream; anything else is
// refused at service.path.
func TestServicePath(t *testing.T) {
	for _, tc := range []struct {
		path  *string
		valid bool
	}{
		{nil, true},
		{ptr.To(""), true},
		{ptr.To("/"), true},
		{ptr.To("/always-deny"), true},
		{ptr.To("always-deny"), false},
	} {
		cc := &admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: "ns", Name: "svc", Path: tc.path}}
		errs := validateClientConfig(cc, field.NewPath("clientConfig"))
		if (len(errs) == 0) != tc.valid {
			t.Errorf("path %v: errors %v, want valid=%v", ptr.Deref(tc.path, "<nil>"), errs, tc.valid)
		}
		if !tc.valid && (len(errs) != 1 || errs[0].Field != "clientConfig.service.path") {
			t.Errorf("path %v: errors %v, want one at clientConfig.service.path", ptr.Deref(tc.path, "<nil>"), errs)
		}
	}
}
