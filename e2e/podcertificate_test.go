package e2e

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// A pod's podCertificate projection may ask for certificates living between an hour
// and 91 days; the API server refuses the pod otherwise, with upstream's message.
func TestPodCertificateLifetimeBounds(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	pod := func(name string, seconds int32) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "c", Image: "busybox", VolumeMounts: []corev1.VolumeMount{{Name: "tls", MountPath: "/tls"}}}},
				Volumes: []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
					Sources: []corev1.VolumeProjection{{PodCertificate: &corev1.PodCertificateProjection{
						SignerName: "example.com/kite-e2e", KeyType: "ED25519", CredentialBundlePath: "bundle.pem", MaxExpirationSeconds: &seconds,
					}}},
				}}}},
			},
		}
	}
	for _, tc := range []struct {
		seconds int32
		want    string
	}{
		{3599, "spec.volumes[0].projected.sources[0].podCertificate.maxExpirationSeconds: Invalid value: 3599: if provided, maxExpirationSeconds must be >= 3600"},
		{91*24*3600 + 1, "if provided, maxExpirationSeconds must be <= 7862400"},
	} {
		_, err := c.CoreV1().Pods("default").Create(ctx, pod("kite-pc-bad", tc.seconds), metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d seconds: %v, want 422 with %q", tc.seconds, err, tc.want)
		}
	}
	if _, err := c.CoreV1().Pods("default").Create(ctx, pod("kite-pc-good", 86400), metav1.CreateOptions{}); err != nil {
		t.Errorf("a day: %v", err)
	}
	_ = c.CoreV1().Pods("default").Delete(ctx, "kite-pc-good", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
}
