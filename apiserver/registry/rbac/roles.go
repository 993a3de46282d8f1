package rbac

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// RoleStrategy is the role rules. Roles print upstream's default table (name and
// creation time). Its zero value is ready to use.
type RoleStrategy struct{}

// PrepareForCreate has nothing to clear: a role has no status.
func (RoleStrategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep.
func (RoleStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing: upstream has no defaults for roles.
func (RoleStrategy) Default(runtime.Object) {}

// Validate checks the rules.
func (RoleStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateRules(obj.(*rbacv1.Role).Rules, true)
}

// ValidateUpdate checks the new rules; nothing of a role is immutable.
func (s RoleStrategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// ClusterRoleStrategy is the cluster role rules. Its zero value is ready to use.
type ClusterRoleStrategy struct{}

// PrepareForCreate has nothing to clear.
func (ClusterRoleStrategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep.
func (ClusterRoleStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default does nothing: upstream has no defaults for cluster roles.
func (ClusterRoleStrategy) Default(runtime.Object) {}

// Validate checks the rules and the aggregation rule.
func (ClusterRoleStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	r := obj.(*rbacv1.ClusterRole)
	return append(validateRules(r.Rules, false), validateAggregation(r.AggregationRule, false)...)
}

// ValidateUpdate checks the new role, tolerating selector label values the old one
// already had.
func (ClusterRoleStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	r, o := obj.(*rbacv1.ClusterRole), old.(*rbacv1.ClusterRole)
	tolerate := o.AggregationRule != nil && len(validateAggregation(o.AggregationRule, false)) > 0
	return append(validateRules(r.Rules, false), validateAggregation(r.AggregationRule, tolerate)...)
}
