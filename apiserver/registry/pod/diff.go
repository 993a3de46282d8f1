package pod

import (
	"encoding/json"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// fieldsOf returns a spec's top-level JSON fields, for naming what an update changed.
func fieldsOf(spec *corev1.PodSpec) map[string]json.RawMessage {
	data, err := json.Marshal(spec)
	if err != nil {
		return nil
	}
	out := map[string]json.RawMessage{}
	if json.Unmarshal(data, &out) != nil {
		return nil
	}
	return out
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
