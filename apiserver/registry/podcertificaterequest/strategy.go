package podcertificaterequest

import (
	"context"
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Strategy is the pod certificate request rules. Its zero value is ready to use.
type Strategy struct{}

// PrepareForCreate clears the status: only the signer sets it.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*certificatesv1.PodCertificateRequest).Status = certificatesv1.PodCertificateRequestStatus{}
}

// PrepareForUpdate keeps the status, which has its own subresource.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*certificatesv1.PodCertificateRequest).Status = old.(*certificatesv1.PodCertificateRequest).Status
}

// Default does nothing: upstream has no defaults for these requests.
func (Strategy) Default(runtime.Object) {}

// PrepareForStatusUpdate keeps the spec and, as upstream, the labels, annotations and
// the rest of metadata a status writer has no business changing.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	req, oldReq := obj.(*certificatesv1.PodCertificateRequest), old.(*certificatesv1.PodCertificateRequest)
	req.Spec = oldReq.Spec
	metav1.ResetObjectMetaForStatus(&req.ObjectMeta, &oldReq.ObjectMeta)
}

// Fields returns the fields a list can select on, as upstream accepts them.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	req := obj.(*certificatesv1.PodCertificateRequest)
	return fields.Set{
		"metadata.name":      req.Name,
		"metadata.namespace": req.Namespace,
		"spec.signerName":    req.Spec.SignerName,
		"spec.podName":       req.Spec.PodName,
		"spec.nodeName":      string(req.Spec.NodeName),
	}
}

// TableColumns are upstream's `kubectl get podcertificaterequests` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	spec := certificatesv1.PodCertificateRequestSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "PodName", Type: "string", Description: spec["podName"]},
		{Name: "ServiceAccountName", Type: "string", Description: spec["serviceAccountName"]},
		{Name: "NodeName", Type: "string", Description: spec["nodeName"]},
		{Name: "SignerName", Type: "string", Description: spec["signerName"]},
		{Name: "State", Type: "string", Description: "Is the request Pending, Issued, Denied, or Failed?"},
		{Name: "UnverifiedUserAnnotations", Type: "string", Description: spec["unverifiedUserAnnotations"]},
	}
}

// TableRow returns one request's cells. Upstream fills the last cell only for -o wide
// although its column has priority 0; a row here always has one cell per column.
func (Strategy) TableRow(obj runtime.Object) ([]any, error) {
	req, ok := obj.(*certificatesv1.PodCertificateRequest)
	if !ok {
		return nil, fmt.Errorf("podcertificaterequest: cannot print a %T", obj)
	}
	return []any{req.Name, req.Spec.PodName, req.Spec.ServiceAccountName, string(req.Spec.NodeName), req.Spec.SignerName,
		state(req), labels.FormatLabels(req.Spec.UnverifiedUserAnnotations)}, nil
}

// state is Pending until a terminal condition says otherwise.
func state(req *certificatesv1.PodCertificateRequest) string {
	out := "Pending"
	for _, c := range req.Status.Conditions {
		switch c.Type {
		case certificatesv1.PodCertificateRequestConditionTypeIssued, certificatesv1.PodCertificateRequestConditionTypeDenied, certificatesv1.PodCertificateRequestConditionTypeFailed:
			out = c.Type
		}
	}
	return out
}
