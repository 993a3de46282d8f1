package selfsubjectreview

import (
	"context"
	"slices"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/auth"
)

func TestAnswersTheCaller(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	v, err := Resource(clocktesting.NewFakePassiveClock(now))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Verbs(), []string{"create"}) || v.Resource.Resource != "selfsubjectreviews" || v.Resource.Namespaced {
		t.Errorf("resource %+v", v.Resource)
	}
	ctx := auth.WithUser(context.Background(), auth.User{Name: "kite-admin", Groups: []string{"system:masters", "system:authenticated"}})
	// Whatever the body says about the user is ignored.
	body := &authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{UserInfo: authenticationv1.UserInfo{Username: "root"}}}
	out, err := v.Create(ctx, "", body, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ssr := out.(*authenticationv1.SelfSubjectReview)
	u := ssr.Status.UserInfo
	if u.Username != "kite-admin" || !slices.Equal(u.Groups, []string{"system:masters", "system:authenticated"}) || u.UID != "" || u.Extra != nil {
		t.Errorf("user info %+v", u)
	}
	if !ssr.CreationTimestamp.Time.Equal(now) {
		t.Errorf("creationTimestamp %v", ssr.CreationTimestamp)
	}

	if _, err := v.Create(context.Background(), "", body, metav1.CreateOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("without a user: %v, want 400", err)
	}
}
