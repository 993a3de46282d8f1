package horizontalpodautoscaler

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes autoscaling/v2 horizontalpodautoscalers, the version they are
// stored in, as upstream's discovery publishes them: namespaced, short name "hpa", in
// category "all", with the status subresource.
func Resource() *registry.Resource {
	r := base()
	r.Version = "v2"
	r.New = func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} }
	r.NewList = func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscalerList{} }
	r.Strategy = Strategy{}
	return r
}

// ResourceV1 describes autoscaling/v1 horizontalpodautoscalers: the same objects as
// Resource's, converted to and from autoscaling/v2 when they are written and read.
func ResourceV1() *registry.Resource {
	r := base()
	r.Version = "v1"
	r.New = func() runtime.Object { return &autoscalingv1.HorizontalPodAutoscaler{} }
	r.NewList = func() runtime.Object { return &autoscalingv1.HorizontalPodAutoscalerList{} }
	r.Strategy = V1Strategy{}
	r.Storage = &registry.StorageForm{
		GroupVersion: autoscalingv2.SchemeGroupVersion,
		New:          func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
		ToStorage: func(obj runtime.Object) (runtime.Object, error) {
			return storedForm(obj.(*autoscalingv1.HorizontalPodAutoscaler))
		},
		FromStorage: func(obj runtime.Object) (runtime.Object, error) {
			return ToV1(obj.(*autoscalingv2.HorizontalPodAutoscaler))
		},
	}
	return r
}

func base() *registry.Resource {
	return &registry.Resource{
		Group:        autoscalingv2.GroupName,
		Resource:     "horizontalpodautoscalers",
		Kind:         "HorizontalPodAutoscaler",
		SingularName: "horizontalpodautoscaler",
		Namespaced:   true,
		ShortNames:   []string{"hpa"},
		Categories:   []string{"all"},
		Subresources: []string{"status"},
	}
}

// storedForm is a v1 object as it is stored: converted to v2, with v2's defaults, as
// upstream's storage would default it on reading.
func storedForm(in *autoscalingv1.HorizontalPodAutoscaler) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	out, err := ToV2(in)
	if err != nil {
		return nil, err
	}
	Strategy{}.Default(out)
	return out, nil
}
