package customresourcedefinition

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition returns the definition's condition of type t, or nil.
func Condition(crd *apiextensionsv1.CustomResourceDefinition, t apiextensionsv1.CustomResourceDefinitionConditionType) *apiextensionsv1.CustomResourceDefinitionCondition {
	for i := range crd.Status.Conditions {
		if crd.Status.Conditions[i].Type == t {
			return &crd.Status.Conditions[i]
		}
	}
	return nil
}

// IsTrue reports whether the definition's condition of type t is True.
func IsTrue(crd *apiextensionsv1.CustomResourceDefinition, t apiextensionsv1.CustomResourceDefinitionConditionType) bool {
	c := Condition(crd, t)
	return c != nil && c.Status == apiextensionsv1.ConditionTrue
}

// SetCondition sets c, keeping the old transition time when the status is unchanged,
// as upstream's helper does; it reports whether anything changed.
func SetCondition(crd *apiextensionsv1.CustomResourceDefinition, c apiextensionsv1.CustomResourceDefinitionCondition) bool {
	old := Condition(crd, c.Type)
	if old == nil {
		c.LastTransitionTime = metav1.Now()
		crd.Status.Conditions = append(crd.Status.Conditions, c)
		return true
	}
	if old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message {
		return false
	}
	if old.Status != c.Status {
		old.LastTransitionTime = metav1.Now()
	}
	old.Status, old.Reason, old.Message = c.Status, c.Reason, c.Message
	return true
}
