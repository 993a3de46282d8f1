package claim

import (
	"context"
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRecheck(t *testing.T) {
	notFound := apierrors.NewNotFound(appsv1.Resource("replicasets"), "web")
	replaced := owner(false)
	replaced.UID = "new-uid"
	cases := []struct {
		name    string
		live    *appsv1.ReplicaSet
		getErr  error
		wantErr string
	}{
		{name: "same owner, not deleted", live: owner(false)},
		{name: "owner gone", getErr: notFound, wantErr: `"web" not found`},
		{name: "owner replaced", live: replaced, wantErr: "original ReplicaSet ns/web is gone: got uid new-uid, wanted owner-uid"},
		{name: "owner being deleted", live: owner(true), wantErr: "ReplicaSet ns/web has just been deleted at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gets := 0
			check := Recheck(owner(false), "ReplicaSet", func(_ context.Context, name string, _ metav1.GetOptions) (*appsv1.ReplicaSet, error) {
				gets++
				if name != "web" {
					t.Errorf("read %q, want the owner", name)
				}
				return tc.live, tc.getErr
			})
			for range 3 {
				err := check(context.Background())
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("unexpected error %v", err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
			}
			if tc.getErr != nil && !errors.Is(check(context.Background()), tc.getErr) {
				t.Errorf("the read's error is not returned as is")
			}
			if gets != 1 {
				t.Errorf("owner read %d times, want once", gets)
			}
		})
	}
}
