package clustertrustbundle

import (
	"context"
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
)

// Strategy is the cluster trust bundle rules. Its zero value is ready to use.
type Strategy struct{}

// PrepareForCreate has nothing to clear: a bundle has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep from the old object.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing: upstream has no defaults for bundles.
func (Strategy) Default(runtime.Object) {}

// Fields returns the fields a bundle list can select on, as upstream accepts them.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	b := obj.(*certificatesv1.ClusterTrustBundle)
	return fields.Set{"metadata.name": b.Name, "spec.signerName": b.Spec.SignerName}
}

// TableColumns are upstream's `kubectl get clustertrustbundles` columns (no Age).
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "SignerName", Type: "string", Description: certificatesv1.ClusterTrustBundleSpec{}.SwaggerDoc()["signerName"]},
	}
}

// TableRow returns a bundle's name and signer ("<none>" without one).
func (Strategy) TableRow(obj runtime.Object) ([]any, error) {
	b, ok := obj.(*certificatesv1.ClusterTrustBundle)
	if !ok {
		return nil, fmt.Errorf("clustertrustbundle: cannot print a %T", obj)
	}
	signerName := "<none>"
	if b.Spec.SignerName != "" {
		signerName = b.Spec.SignerName
	}
	return []any{b.Name, signerName}, nil
}
