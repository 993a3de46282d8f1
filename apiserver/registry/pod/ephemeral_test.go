package pod

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// An ephemeral container may not set what upstream forbids it (ports, probes, hooks,
// resources, restart policy, subPath mounts) nor target a container the pod lacks.
func TestEphemeralContainerForbiddenFields(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	createPod(t, s, web())
	a, err := EphemeralContainersAction(s)
	if err != nil {
		t.Fatal(err)
	}
	base := func() corev1.EphemeralContainer {
		return corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", Image: "busybox"}}
	}
	for name, tc := range map[string]struct {
		change func(*corev1.EphemeralContainer)
		want   string
	}{
		"ports": {func(c *corev1.EphemeralContainer) { c.Ports = []corev1.ContainerPort{{ContainerPort: 80}} },
			"spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container"},
		"liveness probe": {func(c *corev1.EphemeralContainer) {
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
		}, "spec.ephemeralContainers[0].livenessProbe: Forbidden: cannot be set for an Ephemeral Container"},
		"lifecycle": {func(c *corev1.EphemeralContainer) {
			c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
		}, "spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container"},
		"resources": {func(c *corev1.EphemeralContainer) {
			c.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
		}, "spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container"},
		"subPath": {func(c *corev1.EphemeralContainer) {
			c.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/d", SubPath: "x"}}
		}, "spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container"},
		"unknown target": {func(c *corev1.EphemeralContainer) { c.TargetContainerName = "nope" },
			`spec.ephemeralContainers[0].targetContainerName: Not found: "nope"`},
	} {
		t.Run(name, func(t *testing.T) {
			ec := base()
			tc.change(&ec)
			add := func(cur runtime.Object) (runtime.Object, error) {
				p := cur.(*corev1.Pod)
				p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, ec)
				return p, nil
			}
			_, err := a.Update(ctx, "default", "web", add, metav1.UpdateOptions{})
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want Invalid with %q", err, tc.want)
			}
		})
	}

	// What a debugger needs is allowed: a target that exists, a TTY, the pod's volumes.
	ec := base()
	ec.TargetContainerName = web().Spec.Containers[0].Name
	ec.Stdin, ec.TTY = true, true
	add := func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, ec)
		return p, nil
	}
	out, err := a.Update(ctx, "default", "web", add, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*corev1.Pod).Spec.EphemeralContainers; len(got) != 1 || got[0].TargetContainerName != ec.TargetContainerName {
		t.Errorf("ephemeral containers %+v", got)
	}
}
