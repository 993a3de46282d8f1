package customresourcedefinition

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Resource describes customresourcedefinitions as upstream serves them: cluster
// scoped, short name crd, category api-extensions, with a status subresource. Without
// a TableStrategy they print NAME and CREATED AT, as upstream.
func Resource() *registry.Resource {
	return &registry.Resource{
		Group:        apiextensionsv1.GroupName,
		Version:      "v1",
		Resource:     "customresourcedefinitions",
		Kind:         "CustomResourceDefinition",
		SingularName: "customresourcedefinition",
		ShortNames:   []string{"crd", "crds"},
		Categories:   []string{"api-extensions"},
		Subresources: []string{"status"},
		New:          func() runtime.Object { return &apiextensionsv1.CustomResourceDefinition{} },
		NewList:      func() runtime.Object { return &apiextensionsv1.CustomResourceDefinitionList{} },
		Strategy:     Strategy{},
	}
}
