package volumes

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The downward API: pod fields and container resources as text, formatted as upstream
// formats them both for volume files and for environment variables.

// FieldValue is the value of a pod metadata or spec field a fieldRef may name. Status
// fields (status.podIP…) are the caller's: they are not the pod object's yet when
// containers start. ok is false for a path this function does not know.
func FieldValue(pod *corev1.Pod, path string) (value string, ok bool) {
	if key, sub, found := subscript(path); found {
		switch key {
		case "metadata.labels":
			return pod.Labels[sub], true
		case "metadata.annotations":
			return pod.Annotations[sub], true
		}
		return "", false
	}
	switch path {
	case "metadata.name":
		return pod.Name, true
	case "metadata.namespace":
		return pod.Namespace, true
	case "metadata.uid":
		return string(pod.UID), true
	case "metadata.labels":
		return FormatMap(pod.Labels), true
	case "metadata.annotations":
		return FormatMap(pod.Annotations), true
	case "spec.nodeName":
		return pod.Spec.NodeName, true
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, true
	}
	return "", false
}

// subscript splits "metadata.labels['key']" into its field and key.
func subscript(path string) (field, key string, ok bool) {
	open := strings.Index(path, "['")
	if open < 0 || !strings.HasSuffix(path, "']") {
		return "", "", false
	}
	return path[:open], path[open+2 : len(path)-2], true
}

// FormatMap writes labels or annotations one per line as key="value", sorted by key,
// the value quoted as Go quotes strings; no newline after the last, as upstream.
func FormatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = fmt.Sprintf("%s=%q", k, m[k])
	}
	return strings.Join(lines, "\n")
}

// ResourceValue is a container's resource request or limit (limits.cpu,
// requests.memory, limits.ephemeral-storage…) divided by divisor and rounded up, as
// upstream's downward API computes it. A limit the container does not set is the
// node's allocatable amount, as upstream: the most the container could use.
func ResourceValue(pod *corev1.Pod, containerName, name string, divisor resource.Quantity, allocatable corev1.ResourceList) (string, error) {
	var c *corev1.Container
	for _, list := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == containerName {
				c = &list[i]
			}
		}
	}
	if c == nil {
		return "", fmt.Errorf("container %s not found in pod %s/%s", containerName, pod.Namespace, pod.Name)
	}
	kind, res, ok := strings.Cut(name, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("unsupported container resource : %v", name)
	}
	rn := corev1.ResourceName(res)
	var q resource.Quantity
	if kind == "limits" {
		v, set := c.Resources.Limits[rn]
		if !set {
			v = allocatable[rn]
		}
		q = v
	} else {
		q = c.Resources.Requests[rn]
	}
	switch rn {
	case corev1.ResourceCPU:
		d := divisor.MilliValue()
		if divisor.IsZero() || d == 0 {
			d = 1000
		}
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(d))), 10), nil
	case corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		d := divisor.Value()
		if divisor.IsZero() || d == 0 {
			d = 1
		}
		return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(d))), 10), nil
	}
	if strings.HasPrefix(res, corev1.ResourceHugePagesPrefix) {
		d := divisor.Value()
		if divisor.IsZero() || d == 0 {
			d = 1
		}
		return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(d))), 10), nil
	}
	return "", fmt.Errorf("unsupported container resource : %v", name)
}
