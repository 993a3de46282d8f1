package selfsubjectreview

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
	"kite/apiserver/registry/tokenreview"
)

// Resource returns the selfsubjectreviews resource; clk stamps creationTimestamp as
// upstream does (nil: the real clock).
func Resource(clk clock.PassiveClock) (*registry.Virtual, error) {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return registry.NewVirtual(&registry.Virtual{
		Resource: &registry.Resource{
			Group:        authenticationv1.GroupName,
			Version:      "v1",
			Resource:     "selfsubjectreviews",
			Kind:         "SelfSubjectReview",
			SingularName: "selfsubjectreview",
			New:          func() runtime.Object { return &authenticationv1.SelfSubjectReview{} },
		},
		Create: func(ctx context.Context, _ string, obj runtime.Object, _ metav1.CreateOptions) (runtime.Object, error) {
			if _, ok := obj.(*authenticationv1.SelfSubjectReview); !ok {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectReview: %T", obj))
			}
			u, ok := auth.UserFrom(ctx)
			if !ok {
				return nil, apierrors.NewBadRequest("no user present on request")
			}
			return &authenticationv1.SelfSubjectReview{
				ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(clk.Now())},
				Status:     authenticationv1.SelfSubjectReviewStatus{UserInfo: tokenreview.UserInfo(u)},
			}, nil
		},
	})
}
