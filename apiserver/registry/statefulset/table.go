package statefulset

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
	"kite/apiserver/registry/workload"
)

// TableColumns are upstream's `kubectl get statefulsets` columns; the last two show with
// -o wide (upstream prints no selector for statefulsets).
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "Containers", Type: "string", Priority: 1, Description: workload.ContainersDescription},
		{Name: "Images", Type: "string", Priority: 1, Description: workload.ImagesDescription},
	}
}

// TableRow returns the cells of one statefulset: READY as ready/desired.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	ss, ok := obj.(*appsv1.StatefulSet)
	if !ok {
		return nil, fmt.Errorf("statefulset: cannot print a %T", obj)
	}
	var desired int32
	if ss.Spec.Replicas != nil {
		desired = *ss.Spec.Replicas
	}
	names, images := workload.ContainerCells(ss.Spec.Template.Spec.Containers)
	return []any{
		ss.Name, fmt.Sprintf("%d/%d", ss.Status.ReadyReplicas, desired),
		registry.Age(ss.CreationTimestamp.Time, s.now()), names, images,
	}, nil
}
