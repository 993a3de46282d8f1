package podspec

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestDefaultsAndImagePullPolicy(t *testing.T) {
	for image, want := range map[string]corev1.PullPolicy{
		"nginx": corev1.PullAlways, "nginx:latest": corev1.PullAlways, "nginx:1.27": corev1.PullIfNotPresent,
		"reg:5000/nginx": corev1.PullAlways, "nginx@sha256:abc": corev1.PullIfNotPresent,
	} {
		if got := pullPolicy(image); got != want {
			t.Errorf("%s: %s, want %s", image, got, want)
		}
	}
	spec := corev1.PodSpec{
		Containers: []corev1.Container{{Name: "c", Image: "x:1", Ports: []corev1.ContainerPort{{ContainerPort: 80}},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080)}}}}},
		Volumes: []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}}, {Name: "e"}},
	}
	DefaultPodSpec(&spec)
	p := spec.Containers[0].LivenessProbe
	if spec.Containers[0].Ports[0].Protocol != corev1.ProtocolTCP || p.TimeoutSeconds != 1 || p.PeriodSeconds != 10 ||
		p.SuccessThreshold != 1 || p.FailureThreshold != 3 || p.HTTPGet.Path != "/" || p.HTTPGet.Scheme != corev1.URISchemeHTTP ||
		*spec.Volumes[0].Secret.DefaultMode != 420 || spec.Volumes[1].EmptyDir == nil {
		t.Errorf("defaulted %+v", spec)
	}
	if errs := ValidatePodSpec(&spec, nil, field.NewPath("spec")); len(errs) != 0 {
		t.Errorf("defaulted spec invalid: %v", errs)
	}
}

func TestSysctlNames(t *testing.T) {
	errs := validateSysctls([]corev1.Sysctl{{Name: "foo-"}, {Name: "kernel.shmmax"}, {Name: "safe-and-unsafe"}, {Name: "bar.."}, {Name: "net/ipv4/ip_forward"}, {Name: "kernel.shmmax"}}, field.NewPath("sysctls"))
	var got []string
	for _, e := range errs {
		got = append(got, e.Field+" "+string(e.Type))
	}
	want := "sysctls[0].name FieldValueInvalid,sysctls[3].name FieldValueInvalid,sysctls[5].name FieldValueDuplicate"
	if strings.Join(got, ",") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	if !strings.Contains(errs[0].Error(), `Invalid value: "foo-"`) {
		t.Errorf("message %q", errs[0].Error())
	}
}
