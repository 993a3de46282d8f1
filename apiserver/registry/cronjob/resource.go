package cronjob

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes batch/v1 cronjobs as upstream's discovery publishes them:
// namespaced, short name "cj", in category "all", with the status subresource.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        "batch",
		Version:      "v1",
		Resource:     "cronjobs",
		Kind:         "CronJob",
		SingularName: "cronjob",
		Namespaced:   true,
		ShortNames:   []string{"cj"},
		Categories:   []string{"all"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &batchv1.CronJob{} },
		NewList:      func() runtime.Object { return &batchv1.CronJobList{} },
		Strategy:     Strategy{},
	}
}
