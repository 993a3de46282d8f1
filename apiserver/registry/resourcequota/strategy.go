package resourcequota

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
	"kite/apiserver/registry/quantity"
)

// Strategy is the resource quota rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

var scopes = []corev1.ResourceQuotaScope{
	corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating,
	corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort,
	corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeCrossNamespacePodAffinity,
	corev1.ResourceQuotaScopeVolumeAttributesClass,
}

// PrepareForCreate clears status: usage is the quota controller's to report.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*corev1.ResourceQuota).Status = corev1.ResourceQuotaStatus{}
}

// PrepareForUpdate keeps status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.ResourceQuota).Status = old.(*corev1.ResourceQuota).Status
}

// PrepareForStatusUpdate keeps the spec.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.ResourceQuota).Spec = old.(*corev1.ResourceQuota).Spec
}

// Default does nothing: upstream has no defaults for quotas.
func (Strategy) Default(runtime.Object) {}

// Validate checks hard limits (valid, non-negative quantities) and scopes.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	q := obj.(*corev1.ResourceQuota)
	var errs field.ErrorList
	hard := field.NewPath("spec", "hard")
	for k, v := range q.Spec.Hard {
		errs = append(errs, quantity.Value(k, v, hard.Key(string(k)))...)
	}
	for _, s := range q.Spec.Scopes {
		if !slices.Contains(scopes, s) {
			errs = append(errs, field.Invalid(field.NewPath("spec", "scopes"), q.Spec.Scopes, "unsupported scope"))
		}
	}
	if sel := q.Spec.ScopeSelector; sel != nil {
		for i, r := range sel.MatchExpressions {
			if !slices.Contains(scopes, r.ScopeName) {
				errs = append(errs, field.Invalid(field.NewPath("spec", "scopeSelector", "matchExpressions").Index(i).Child("scopeName"), r.ScopeName, "unsupported scope"))
			}
		}
	}
	return errs
}

// ValidateUpdate checks the new spec; nothing is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// ValidateStatusUpdate checks the reported hard and used quantities.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	q := obj.(*corev1.ResourceQuota)
	var errs field.ErrorList
	for k, v := range q.Status.Hard {
		errs = append(errs, quantity.Value(k, v, field.NewPath("status", "hard").Key(string(k)))...)
	}
	for k, v := range q.Status.Used {
		errs = append(errs, quantity.Value(k, v, field.NewPath("status", "used").Key(string(k)))...)
	}
	return errs
}

// TableColumns are upstream's `kubectl get quota` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Request", Type: "string", Description: "Request represents a minimum amount of cpu/memory that a container may consume."},
		{Name: "Limit", Type: "string", Description: "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow lists "resource: used/hard" per resource in status.hard, sorted; those
// named limits.* go to LIMIT, the rest to REQUEST.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	q, ok := obj.(*corev1.ResourceQuota)
	if !ok {
		return nil, fmt.Errorf("resourcequota: cannot print a %T", obj)
	}
	names := make([]string, 0, len(q.Status.Hard))
	for r := range q.Status.Hard {
		names = append(names, string(r))
	}
	slices.Sort(names)
	var req, lim []string
	for _, n := range names {
		used, hard := q.Status.Used[corev1.ResourceName(n)], q.Status.Hard[corev1.ResourceName(n)]
		cell := fmt.Sprintf("%s: %s/%s", n, used.String(), hard.String())
		if prefix, _, found := strings.Cut(n, "."); found && prefix == "limits" {
			lim = append(lim, cell)
		} else {
			req = append(req, cell)
		}
	}
	now := time.Now()
	if s.Clock != nil {
		now = s.Clock.Now()
	}
	return []any{q.Name, strings.Join(req, ", "), strings.Join(lim, ", "), registry.Age(q.CreationTimestamp.Time, now)}, nil
}
