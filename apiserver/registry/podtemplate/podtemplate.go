package podtemplate

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry"
	"kite/apiserver/registry/podspec"
	"kite/apiserver/registry/workload"
)

// Resource describes core/v1 podtemplates as upstream's discovery publishes them.
func Resource() *registry.Resource {
	return &registry.Resource{
		Version:      "v1",
		Resource:     "podtemplates",
		Kind:         "PodTemplate",
		SingularName: "podtemplate",
		Namespaced:   true,
		New:          func() runtime.Object { return &corev1.PodTemplate{} },
		NewList:      func() runtime.Object { return &corev1.PodTemplateList{} },
		Strategy:     Strategy{},
	}
}

// Strategy holds the podtemplate rules.
type Strategy struct{}

func (Strategy) PrepareForCreate(context.Context, runtime.Object)                 {}
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default applies upstream's pod defaults to the template.
func (Strategy) Default(obj runtime.Object) {
	podspec.DefaultPodTemplateSpec(&obj.(*corev1.PodTemplate).Template)
}

// Validate checks the template as upstream's ValidatePodTemplate does.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return podspec.ValidatePodTemplateSpec(&obj.(*corev1.PodTemplate).Template, field.NewPath("template"))
}

// ValidateUpdate checks an update like a create: every field of a template may change.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// TableColumns are upstream's `kubectl get podtemplates` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Template", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Containers", Type: "string", Description: "Names of each container in the template."},
		{Name: "Images", Type: "string", Description: "Images referenced by each container in the template."},
		{Name: "Pod Labels", Type: "string", Description: "The labels for the pod template."},
	}
}

// TableRow returns the cells of one podtemplate.
func (Strategy) TableRow(obj runtime.Object) ([]any, error) {
	pt, ok := obj.(*corev1.PodTemplate)
	if !ok {
		return nil, fmt.Errorf("podtemplate: cannot print a %T", obj)
	}
	names, images := workload.ContainerCells(pt.Template.Spec.Containers)
	return []any{pt.Name, names, images, labels.FormatLabels(pt.Template.Labels)}, nil
}
