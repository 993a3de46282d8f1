package admission

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

// LimitRangeLister returns the LimitRanges of a namespace.
type LimitRangeLister func(ctx context.Context, namespace string) ([]corev1.LimitRange, error)

// LimitRanger is upstream's LimitRanger admission plugin for pod creates, as its two
// halves. mutate, a built-in mutating step, gives containers the default requests and
// limits of the namespace's Container limits. validate, a validating step that runs
// after the mutating webhooks (so that what they set is judged too), checks that every
// container and the pod as a whole respect their min, max and maxLimitRequestRatio,
// else refuses the pod (403) with all the reasons.
func LimitRanger(list LimitRangeLister) (mutate, validate func(context.Context, runtime.Object) error) {
	mutate = func(ctx context.Context, obj runtime.Object) error {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return nil
		}
		ranges, err := list(ctx, pod.Namespace)
		if err != nil {
			return err
		}
		for _, lr := range ranges {
			for _, item := range lr.Spec.Limits {
				if item.Type != corev1.LimitTypeContainer {
					continue
				}
				for i := range pod.Spec.InitContainers {
					applyDefaults(&pod.Spec.InitContainers[i].Resources, item)
				}
				for i := range pod.Spec.Containers {
					applyDefaults(&pod.Spec.Containers[i].Resources, item)
				}
			}
		}
		return nil
	}
	validate = func(ctx context.Context, obj runtime.Object) error {
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return nil
		}
		ranges, err := list(ctx, pod.Namespace)
		if err != nil || len(ranges) == 0 {
			return err
		}
		var problems []string
		for _, lr := range ranges {
			for _, item := range lr.Spec.Limits {
				switch item.Type {
				case corev1.LimitTypeContainer:
					for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
						problems = append(problems, check("Container", c.Resources.Requests, c.Resources.Limits, item)...)
					}
				case corev1.LimitTypePod:
					req, lim := podTotals(pod)
					problems = append(problems, check("Pod", req, lim, item)...)
				}
			}
		}
		if len(problems) > 0 {
			return apierrors.NewForbidden(podsResource, pod.Name, fmt.Errorf("[%s]", strings.Join(problems, ", ")))
		}
		return nil
	}
	return mutate, validate
}

// applyDefaults fills the requests and limits a container left out.
func applyDefaults(r *corev1.ResourceRequirements, item corev1.LimitRangeItem) {
	for name, q := range item.Default {
		if _, ok := r.Limits[name]; !ok {
			if r.Limits == nil {
				r.Limits = corev1.ResourceList{}
			}
			r.Limits[name] = q.DeepCopy()
		}
	}
	for name, q := range item.DefaultRequest {
		if _, ok := r.Requests[name]; !ok {
			if r.Requests == nil {
				r.Requests = corev1.ResourceList{}
			}
			r.Requests[name] = q.DeepCopy()
		}
	}
}

// check returns upstream's messages for the bounds of item that requests and limits
// break.
func check(kind string, requests, limits corev1.ResourceList, item corev1.LimitRangeItem) []string {
	var out []string
	for _, name := range sortedNames(item.Min) {
		min := item.Min[name]
		if req, ok := requests[name]; !ok {
			out = append(out, fmt.Sprintf("minimum %s usage per %s is %s.  No request is specified", name, kind, min.String()))
		} else if req.Cmp(min) < 0 {
			out = append(out, fmt.Sprintf("minimum %s usage per %s is %s, but request is %s", name, kind, min.String(), req.String()))
		}
		if lim, ok := limits[name]; ok && lim.Cmp(min) < 0 {
			out = append(out, fmt.Sprintf("minimum %s usage per %s is %s, but limit is %s", name, kind, min.String(), lim.String()))
		}
	}
	for _, name := range sortedNames(item.Max) {
		max := item.Max[name]
		if lim, ok := limits[name]; !ok {
			out = append(out, fmt.Sprintf("maximum %s usage per %s is %s.  No limit is specified", name, kind, max.String()))
		} else if lim.Cmp(max) > 0 {
			out = append(out, fmt.Sprintf("maximum %s usage per %s is %s, but limit is %s", name, kind, max.String(), lim.String()))
		}
		if req, ok := requests[name]; ok && req.Cmp(max) > 0 {
			out = append(out, fmt.Sprintf("maximum %s usage per %s is %s, but request is %s", name, kind, max.String(), req.String()))
		}
	}
	for _, name := range sortedNames(item.MaxLimitRequestRatio) {
		ratio := item.MaxLimitRequestRatio[name]
		req, hasReq := requests[name]
		lim, hasLim := limits[name]
		if !hasReq || !hasLim || req.IsZero() {
			continue
		}
		if float64(lim.MilliValue())/float64(req.MilliValue()) > float64(ratio.MilliValue())/1000 {
			out = append(out, fmt.Sprintf("%s max limit to request ratio per %s is %s, but provided ratio is %f", name, kind, ratio.String(), float64(lim.MilliValue())/float64(req.MilliValue())))
		}
	}
	return out
}

// podTotals sums the containers' requests and limits, as the Pod limit type measures.
func podTotals(pod *corev1.Pod) (requests, limits corev1.ResourceList) {
	requests, limits = corev1.ResourceList{}, corev1.ResourceList{}
	add := func(dst corev1.ResourceList, src corev1.ResourceList) {
		for name, q := range src {
			sum := dst[name]
			if sum.Format == "" {
				sum = *resource.NewQuantity(0, q.Format)
			}
			sum.Add(q)
			dst[name] = sum
		}
	}
	for _, c := range pod.Spec.Containers {
		add(requests, c.Resources.Requests)
		add(limits, c.Resources.Limits)
	}
	return requests, limits
}

func sortedNames(list corev1.ResourceList) []corev1.ResourceName {
	names := make([]corev1.ResourceName, 0, len(list))
	for n := range list {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	return names
}
