package resourcequota

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestTableAndValidate(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))}}
	q.Status.Hard = corev1.ResourceList{"pods": resource.MustParse("10"), "limits.cpu": resource.MustParse("4"), "requests.cpu": resource.MustParse("2")}
	q.Status.Used = corev1.ResourceList{"pods": resource.MustParse("3")}
	row, _ := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(q)
	if row[1] != "pods: 3/10, requests.cpu: 0/2" || row[2] != "limits.cpu: 0/4" || row[3] != "60m" {
		t.Errorf("row %q", row)
	}
	q.Spec.Hard = corev1.ResourceList{"pods": resource.MustParse("-1")}
	q.Spec.Scopes = []corev1.ResourceQuotaScope{"Forever"}
	errs := Strategy{}.Validate(context.Background(), q)
	if len(errs) != 2 || errs[0].Error() != `spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0` || errs[1].Detail != "unsupported scope" {
		t.Errorf("errs %v", errs)
	}
}
