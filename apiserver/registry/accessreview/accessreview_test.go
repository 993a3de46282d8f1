package accessreview

import (
	"context"
	"slices"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
)

// recorder allows what is asked about pods only, and remembers the last question.
type recorder struct{ last *Attributes }

func (r *recorder) Authorize(_ context.Context, a Attributes) Decision {
	r.last = &a
	if a.Resource != nil && a.Resource.Resource == "pods" {
		return Decision{Allowed: true, Reason: "pods are fine"}
	}
	return Decision{Denied: true, Reason: "no"}
}

func (r *recorder) Rules(_ context.Context, a Attributes, ns string) ([]authorizationv1.ResourceRule, []authorizationv1.NonResourceRule, bool, error) {
	r.last = &a
	return nil, nil, true, nil
}

func virtuals(t *testing.T, authz Authorizer) map[string]*registry.Virtual {
	t.Helper()
	vs, err := Resources(authz)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*registry.Virtual{}
	for _, v := range vs {
		if !slices.Equal(v.Verbs(), []string{"create"}) || v.Resource.Group != "authorization.k8s.io" {
			t.Errorf("%s: verbs %v group %s", v.Resource.Resource, v.Verbs(), v.Resource.Group)
		}
		out[v.Resource.Resource] = v
	}
	if !out["localsubjectaccessreviews"].Resource.Namespaced || out["subjectaccessreviews"].Resource.Namespaced ||
		out["selfsubjectrulesreviews"].Resource.SingularName != "selfsubjectrulesreview" {
		t.Errorf("scopes or names wrong: %+v", out)
	}
	return out
}

var caller = auth.User{Name: "sa", UID: "u1", Groups: []string{"g", "system:authenticated"}, Extra: map[string][]string{"k": {"v"}}}

func create(v *registry.Virtual, ns string, obj runtime.Object) (runtime.Object, error) {
	return v.Create(auth.WithUser(context.Background(), caller), ns, obj, metav1.CreateOptions{})
}

func TestAllowAll(t *testing.T) {
	vs := virtuals(t, nil)
	out, err := create(vs["subjectaccessreviews"], "", &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: "alice", NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/metrics", Verb: "get"}}})
	if err != nil {
		t.Fatal(err)
	}
	st := out.(*authorizationv1.SubjectAccessReview).Status
	if !st.Allowed || st.Denied || st.Reason != AllowAllReason {
		t.Errorf("status %+v", st)
	}
	out, err = create(vs["selfsubjectrulesreviews"], "", &authorizationv1.SelfSubjectRulesReview{Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	rs := out.(*authorizationv1.SelfSubjectRulesReview).Status
	if len(rs.ResourceRules) != 1 || !slices.Equal(rs.ResourceRules[0].APIGroups, []string{"*"}) || !slices.Equal(rs.ResourceRules[0].Resources, []string{"*"}) ||
		len(rs.NonResourceRules) != 1 || !slices.Equal(rs.NonResourceRules[0].NonResourceURLs, []string{"*"}) || rs.Incomplete {
		t.Errorf("rules %+v", rs)
	}
}

func TestQuestionsReachTheAuthorizer(t *testing.T) {
	rec := &recorder{}
	vs := virtuals(t, rec)
	pods := &authorizationv1.ResourceAttributes{Namespace: "ci", Verb: "get", Resource: "pods"}

	out, err := create(vs["selfsubjectaccessreviews"], "", &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: pods}})
	if err != nil {
		t.Fatal(err)
	}
	if st := out.(*authorizationv1.SelfSubjectAccessReview).Status; !st.Allowed || st.Reason != "pods are fine" {
		t.Errorf("self review status %+v", st)
	}
	// The caller is asked about, with its uid, groups and extra.
	if a := rec.last; a.User != "sa" || a.UID != "u1" || !slices.Equal(a.Groups, caller.Groups) || !slices.Equal(a.Extra["k"], []string{"v"}) {
		t.Errorf("self review asked about %+v", a)
	}

	out, err = create(vs["localsubjectaccessreviews"], "ci", &authorizationv1.LocalSubjectAccessReview{ObjectMeta: metav1.ObjectMeta{Namespace: "ci"},
		Spec: authorizationv1.SubjectAccessReviewSpec{Groups: []string{"devs"}, ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: "ci", Resource: "secrets"}}})
	if err != nil {
		t.Fatal(err)
	}
	if st := out.(*authorizationv1.LocalSubjectAccessReview).Status; st.Allowed || !st.Denied || st.Reason != "no" {
		t.Errorf("local review status %+v", st)
	}
	if a := rec.last; a.User != "" || !slices.Equal(a.Groups, []string{"devs"}) {
		t.Errorf("local review asked about %+v, want the spec's subject", a)
	}

	out, err = create(vs["selfsubjectrulesreviews"], "", &authorizationv1.SelfSubjectRulesReview{Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: "ci"}})
	if err != nil {
		t.Fatal(err)
	}
	// Empty lists, not null, and incomplete as the authorizer said.
	if st := out.(*authorizationv1.SelfSubjectRulesReview).Status; st.ResourceRules == nil || st.NonResourceRules == nil || !st.Incomplete {
		t.Errorf("rules status %+v", st)
	}
}

func TestValidation(t *testing.T) {
	vs := virtuals(t, nil)
	pods := &authorizationv1.ResourceAttributes{Namespace: "ci", Verb: "get", Resource: "pods"}
	url := &authorizationv1.NonResourceAttributes{Path: "/healthz", Verb: "get"}
	for _, tc := range []struct {
		name, resource, ns string
		obj                runtime.Object
		invalid            bool // 422, else 400
		msg                string
	}{
		{"SAR with neither", "subjectaccessreviews", "", &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: "a"}},
			true, "spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified"},
		{"SAR with both", "subjectaccessreviews", "", &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: "a", ResourceAttributes: pods, NonResourceAttributes: url}},
			true, "spec.nonResourceAttributes: Invalid value: "},
		{"SAR without a subject", "subjectaccessreviews", "", &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{ResourceAttributes: pods}},
			true, `spec.user: Invalid value: "": at least one of user or group must be specified`},
		{"SAR with metadata", "subjectaccessreviews", "", &authorizationv1.SubjectAccessReview{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Spec: authorizationv1.SubjectAccessReviewSpec{User: "a", ResourceAttributes: pods}},
			true, "metadata: Invalid value: "},
		{"SAR with both selector forms", "subjectaccessreviews", "", &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: "a",
			ResourceAttributes: &authorizationv1.ResourceAttributes{Resource: "pods", LabelSelector: &authorizationv1.LabelSelectorAttributes{RawSelector: "a=b",
				Requirements: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpExists}}}}}},
			true, "spec.resourceAttributes.labelSelector.rawSelector"},
		{"self review with neither", "selfsubjectaccessreviews", "", &authorizationv1.SelfSubjectAccessReview{},
			true, "exactly one of nonResourceAttributes or resourceAttributes must be specified"},
		{"local review about another namespace", "localsubjectaccessreviews", "ci", &authorizationv1.LocalSubjectAccessReview{ObjectMeta: metav1.ObjectMeta{Namespace: "ci"},
			Spec: authorizationv1.SubjectAccessReviewSpec{User: "a", ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: "kube-system"}}},
			true, `spec.resourceAttributes.namespace: Invalid value: "kube-system": must match metadata.namespace`},
		{"local review of a URL", "localsubjectaccessreviews", "ci", &authorizationv1.LocalSubjectAccessReview{ObjectMeta: metav1.ObjectMeta{Namespace: "ci"},
			Spec: authorizationv1.SubjectAccessReviewSpec{User: "a", NonResourceAttributes: url}},
			true, "spec.nonResourceAttributes: Invalid value: "},
		{"local review with a name", "localsubjectaccessreviews", "ci", &authorizationv1.LocalSubjectAccessReview{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "x"},
			Spec: authorizationv1.SubjectAccessReviewSpec{User: "a", ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: "ci"}}},
			true, "must be empty except for namespace"},
		{"local review in another namespace than the URL's", "localsubjectaccessreviews", "default", &authorizationv1.LocalSubjectAccessReview{ObjectMeta: metav1.ObjectMeta{Namespace: "ci"},
			Spec: authorizationv1.SubjectAccessReviewSpec{User: "a", ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: "ci"}}},
			false, "spec.resourceAttributes.namespace must match namespace: default"},
		{"rules review without a namespace", "selfsubjectrulesreviews", "", &authorizationv1.SelfSubjectRulesReview{},
			false, "no namespace on request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(vs[tc.resource], tc.ns, tc.obj)
			if tc.invalid && !apierrors.IsInvalid(err) || !tc.invalid && !apierrors.IsBadRequest(err) {
				t.Fatalf("error %v, want invalid=%v", err, tc.invalid)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}
