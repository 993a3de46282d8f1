package job

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes batch/v1 jobs as upstream's discovery publishes them: namespaced,
// no short name, in category "all", with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "batch",
		Version:      "v1",
		Resource:     "jobs",
		Kind:         "Job",
		SingularName: "job",
		Namespaced:   true,
		Categories:   []string{"all"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &batchv1.Job{} },
		NewList:      func() runtime.Object { return &batchv1.JobList{} },
		Strategy:     Strategy{},
	}
}
