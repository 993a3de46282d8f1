package rbac

import (
	"context"
	"fmt"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"kite/apiserver/registry"
)

// RoleBindingStrategy is the role binding rules. Its zero value is ready to use.
type RoleBindingStrategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: a binding has no status.
func (RoleBindingStrategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep: ValidateUpdate refuses a new roleRef.
func (RoleBindingStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default puts the role reference and user and group subjects in this API group.
func (RoleBindingStrategy) Default(obj runtime.Object) {
	b := obj.(*rbacv1.RoleBinding)
	defaultBinding(&b.RoleRef, b.Subjects)
}

// Validate checks the role reference (a Role or ClusterRole) and the subjects.
func (RoleBindingStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	b := obj.(*rbacv1.RoleBinding)
	return validateBinding(b.RoleRef, b.Subjects, []string{"Role", "ClusterRole"}, true)
}

// ValidateUpdate also keeps the role reference: a binding to another role is another
// binding (upstream refuses the change; delete and create instead).
func (s RoleBindingStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	errs := s.Validate(ctx, obj)
	return append(errs, apivalidation.ValidateImmutableField(obj.(*rbacv1.RoleBinding).RoleRef, old.(*rbacv1.RoleBinding).RoleRef, field.NewPath("roleRef"))...)
}

// TableColumns are upstream's `kubectl get rolebindings` columns.
func (RoleBindingStrategy) TableColumns() []metav1.TableColumnDefinition {
	return bindingColumns(rbacv1.RoleBinding{}.SwaggerDoc()["roleRef"], "roleBinding")
}

// TableRow returns the role as kind/name, the age, and the subjects by kind.
func (s RoleBindingStrategy) TableRow(obj runtime.Object) ([]any, error) {
	b, ok := obj.(*rbacv1.RoleBinding)
	if !ok {
		return nil, fmt.Errorf("rbac: cannot print a %T", obj)
	}
	return bindingRow(&b.ObjectMeta, b.RoleRef, b.Subjects, now(s.Clock)), nil
}

// ClusterRoleBindingStrategy is the cluster role binding rules. Its zero value is
// ready to use.
type ClusterRoleBindingStrategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear.
func (ClusterRoleBindingStrategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep.
func (ClusterRoleBindingStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default puts the role reference and user and group subjects in this API group.
func (ClusterRoleBindingStrategy) Default(obj runtime.Object) {
	b := obj.(*rbacv1.ClusterRoleBinding)
	defaultBinding(&b.RoleRef, b.Subjects)
}

// Validate checks the role reference (a ClusterRole only) and the subjects (service
// accounts with their namespace).
func (ClusterRoleBindingStrategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	b := obj.(*rbacv1.ClusterRoleBinding)
	return validateBinding(b.RoleRef, b.Subjects, []string{"ClusterRole"}, false)
}

// ValidateUpdate also keeps the role reference.
func (s ClusterRoleBindingStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	errs := s.Validate(ctx, obj)
	return append(errs, apivalidation.ValidateImmutableField(obj.(*rbacv1.ClusterRoleBinding).RoleRef, old.(*rbacv1.ClusterRoleBinding).RoleRef, field.NewPath("roleRef"))...)
}

// TableColumns are upstream's `kubectl get clusterrolebindings` columns.
func (ClusterRoleBindingStrategy) TableColumns() []metav1.TableColumnDefinition {
	return bindingColumns(rbacv1.ClusterRoleBinding{}.SwaggerDoc()["roleRef"], "clusterRoleBinding")
}

// TableRow returns the role as kind/name, the age, and the subjects by kind.
func (s ClusterRoleBindingStrategy) TableRow(obj runtime.Object) ([]any, error) {
	b, ok := obj.(*rbacv1.ClusterRoleBinding)
	if !ok {
		return nil, fmt.Errorf("rbac: cannot print a %T", obj)
	}
	return bindingRow(&b.ObjectMeta, b.RoleRef, b.Subjects, now(s.Clock)), nil
}

// bindingColumns: NAME, ROLE, AGE, and with -o wide the subjects by kind.
func bindingColumns(roleDoc, what string) []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Role", Type: "string", Description: roleDoc},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "Users", Type: "string", Priority: 1, Description: "Users in the " + what},
		{Name: "Groups", Type: "string", Priority: 1, Description: "Groups in the " + what},
		{Name: "ServiceAccounts", Type: "string", Priority: 1, Description: "ServiceAccounts in the " + what},
	}
}

func bindingRow(meta *metav1.ObjectMeta, ref rbacv1.RoleRef, subjects []rbacv1.Subject, now time.Time) []any {
	row := []any{meta.Name, ref.Kind + "/" + ref.Name, registry.Age(meta.CreationTimestamp.Time, now)}
	return append(row, subjectCells(subjects)...)
}

func now(c clock.PassiveClock) time.Time {
	if c == nil {
		return time.Now()
	}
	return c.Now()
}
