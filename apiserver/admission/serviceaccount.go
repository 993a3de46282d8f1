package admission

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
)

// The token volume upstream's ServiceAccount admission adds to pods.
const (
	tokenMountPath      = "/var/run/secrets/kubernetes.io/serviceaccount"
	tokenVolumePrefix   = "kube-api-access-"
	tokenExpiration     = 3607 // seconds, as upstream: an hour plus a little for clock skew
	rootCAConfigMapName = "kube-root-ca.crt"
)

// ServiceAccountGetter returns a namespace's ServiceAccount, or an error matching
// apierrors.IsNotFound.
type ServiceAccountGetter func(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error)

// ServiceAccount is the mounting half of upstream's ServiceAccount admission plugin: a
// pod gets the projected kube-api-access volume (token, cluster CA, namespace) mounted in
// every container at the usual path, unless the pod, or else its ServiceAccount, says
// automountServiceAccountToken: false. A ServiceAccount that does not exist (yet) counts
// as one that mounts: upstream refuses such pods, but Kite has no controller creating
// the default ServiceAccount yet.
func ServiceAccount(get ServiceAccountGetter) func(context.Context, runtime.Object) error {
	return func(ctx context.Context, obj runtime.Object) error {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return nil
		}
		if pod.Spec.ServiceAccountName == "" {
			pod.Spec.ServiceAccountName = "default"
		}
		mount := true
		if pod.Spec.AutomountServiceAccountToken != nil {
			mount = *pod.Spec.AutomountServiceAccountToken
		} else {
			sa, err := get(ctx, pod.Namespace, pod.Spec.ServiceAccountName)
			switch {
			case apierrors.IsNotFound(err):
			case err != nil:
				return err
			case sa.AutomountServiceAccountToken != nil:
				mount = *sa.AutomountServiceAccountToken
			}
		}
		if mount {
			mountToken(pod)
		}
		return nil
	}
}

func mountToken(pod *corev1.Pod) {
	name := tokenVolumePrefix + utilrand.String(5)
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{
			DefaultMode: ptr.To[int32](0o644),
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr.To[int64](tokenExpiration), Path: "token"}},
				{ConfigMap: &corev1.ConfigMapProjection{
					LocalObjectReference: corev1.LocalObjectReference{Name: rootCAConfigMapName},
					Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
				}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
					Path:     "namespace",
					FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
				}}}},
			},
		},
	}})
	mountIn := func(cs []corev1.Container) {
		for i := range cs {
			if !hasMountAt(cs[i].VolumeMounts, tokenMountPath) {
				cs[i].VolumeMounts = append(cs[i].VolumeMounts, corev1.VolumeMount{Name: name, ReadOnly: true, MountPath: tokenMountPath})
			}
		}
	}
	mountIn(pod.Spec.InitContainers)
	mountIn(pod.Spec.Containers)
}

func hasMountAt(mounts []corev1.VolumeMount, path string) bool {
	for _, m := range mounts {
		if m.MountPath == path {
			return true
		}
	}
	return false
}
