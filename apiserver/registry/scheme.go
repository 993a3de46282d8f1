package registry

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

// NewScheme returns a scheme holding every built-in Kubernetes type in its served
// versions, and the meta types (Status, WatchEvent, options, Table) every group version
// uses. Kite serves versioned types directly: there are no internal versions.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	// CustomResourceDefinitions are served by the API server itself, as upstream's
	// apiextensions-apiserver is part of kube-apiserver.
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		return nil, err
	}
	// So are APIServices, which upstream's aggregator (part of kube-apiserver) serves.
	if err := apiregistrationv1.AddToScheme(s); err != nil {
		return nil, err
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return s, nil
}
