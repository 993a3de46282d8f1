package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// RoleResource describes roles as upstream serves them: namespaced, no short name.
func RoleResource() *registry.Resource {
	return resource("roles", "Role", true, RoleStrategy{},
		func() runtime.Object { return &rbacv1.Role{} }, func() runtime.Object { return &rbacv1.RoleList{} })
}

// RoleBindingResource describes rolebindings: namespaced.
func RoleBindingResource() *registry.Resource {
	return resource("rolebindings", "RoleBinding", true, RoleBindingStrategy{},
		func() runtime.Object { return &rbacv1.RoleBinding{} }, func() runtime.Object { return &rbacv1.RoleBindingList{} })
}

// ClusterRoleResource describes clusterroles: cluster-scoped.
func ClusterRoleResource() *registry.Resource {
	return resource("clusterroles", "ClusterRole", false, ClusterRoleStrategy{},
		func() runtime.Object { return &rbacv1.ClusterRole{} }, func() runtime.Object { return &rbacv1.ClusterRoleList{} })
}

// ClusterRoleBindingResource describes clusterrolebindings: cluster-scoped.
func ClusterRoleBindingResource() *registry.Resource {
	return resource("clusterrolebindings", "ClusterRoleBinding", false, ClusterRoleBindingStrategy{},
		func() runtime.Object { return &rbacv1.ClusterRoleBinding{} }, func() runtime.Object { return &rbacv1.ClusterRoleBindingList{} })
}

func resource(plural, kind string, namespaced bool, s registry.Strategy, newObj, newList func() runtime.Object) *registry.Resource {
	return &registry.Resource{
		Group:        rbacv1.GroupName,
		Version:      "v1",
		Resource:     plural,
		Kind:         kind,
		SingularName: plural[:len(plural)-1],
		Namespaced:   namespaced,
		ValidateName: validateName,
		New:          newObj,
		NewList:      newList,
		Strategy:     s,
	}
}

// validateName accepts any name usable as one segment of a URL path, as upstream
// names RBAC objects ("system:masters" is one).
func validateName(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}
