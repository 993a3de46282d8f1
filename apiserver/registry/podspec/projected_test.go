package podspec

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func podCertificatePod(pc *corev1.PodCertificateProjection) *corev1.PodSpec {
	return &corev1.PodSpec{
		Containers:                    []corev1.Container{{Name: "c", Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent, TerminationMessagePolicy: corev1.TerminationMessageReadFile}},
		RestartPolicy:                 corev1.RestartPolicyAlways,
		DNSPolicy:                     corev1.DNSClusterFirst,
		TerminationGracePeriodSeconds: ptr.To[int64](30),
		Volumes: []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{PodCertificate: pc}},
		}}}},
	}
}

func messages(errs field.ErrorList) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestPodCertificateProjection(t *testing.T) {
	good := func() *corev1.PodCertificateProjection {
		return &corev1.PodCertificateProjection{SignerName: "example.com/spiffe", KeyType: "ED25519", CredentialBundlePath: "bundle.pem"}
	}
	if errs := ValidatePodSpec(podCertificatePod(good()), nil, field.NewPath("spec")); len(errs) > 0 {
		t.Fatalf("valid pod: %v", errs)
	}
	const p = "spec.volumes[0].projected.sources[0].podCertificate"
	for _, c := range []struct {
		name   string
		mutate func(*corev1.PodCertificateProjection)
		want   []string
	}{
		{"too short", func(pc *corev1.PodCertificateProjection) { pc.MaxExpirationSeconds = ptr.To[int32](3599) },
			[]string{p + ".maxExpirationSeconds: Invalid value: 3599: if provided, maxExpirationSeconds must be >= 3600"}},
		{"too long", func(pc *corev1.PodCertificateProjection) { pc.MaxExpirationSeconds = ptr.To[int32](91*24*3600 + 1) },
			[]string{p + ".maxExpirationSeconds: Invalid value: 7862401: if provided, maxExpirationSeconds must be <= 7862400"}},
		{"kubernetes signer: a day at most", func(pc *corev1.PodCertificateProjection) {
			pc.SignerName, pc.MaxExpirationSeconds = "kubernetes.io/kube-apiserver-client-pod", ptr.To[int32](86401)
		}, []string{p + ".maxExpirationSeconds: Invalid value: 86401: if provided, maxExpirationSeconds must be <= 86400"}},
		{"no file, bad key type", func(pc *corev1.PodCertificateProjection) { pc.CredentialBundlePath, pc.KeyType = "", "DSA" },
			[]string{p + `.keyType: Unsupported value: "DSA": supported values: "RSA3072", "RSA4096", "ECDSAP256", "ECDSAP384", "ECDSAP521", "ED25519"`,
				p + ": Required value: specify at least one of credentialBundlePath, keyPath, and certificateChainPath"}},
	} {
		pc := good()
		c.mutate(pc)
		if got := messages(ValidatePodSpec(podCertificatePod(pc), nil, field.NewPath("spec"))); !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
