package servicecidr

import (
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Name and range of the ServiceCIDR the API server creates at first start; Kite's
// Service ClusterIPs come from 10.43.0.0/16.
const (
	DefaultName = "kubernetes"
	DefaultCIDR = "10.43.0.0/16"
)

// DefaultServiceCIDR returns the bootstrap ServiceCIDR with the Ready condition that
// upstream's default-ServiceCIDR controller sets once the range is serving. Its status
// must be written through the status subresource: a create clears it.
func DefaultServiceCIDR() *networkingv1.ServiceCIDR {
	return &networkingv1.ServiceCIDR{
		ObjectMeta: metav1.ObjectMeta{Name: DefaultName},
		Spec:       networkingv1.ServiceCIDRSpec{CIDRs: []string{DefaultCIDR}},
		Status: networkingv1.ServiceCIDRStatus{Conditions: []metav1.Condition{{
			Type:               networkingv1.ServiceCIDRConditionReady,
			Status:             metav1.ConditionTrue,
			Message:            "Kubernetes default Service CIDR is ready",
			LastTransitionTime: metav1.NewTime(time.Now().Truncate(time.Second)),
		}}},
	}
}
