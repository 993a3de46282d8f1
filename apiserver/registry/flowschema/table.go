package flowschema

import (
	"fmt"
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get flowschemas` columns. MatchingPrecedence is
// declared a string column holding a number, as upstream does.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	spec := flowcontrolv1.FlowSchemaSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "PriorityLevel", Type: "string", Description: flowcontrolv1.PriorityLevelConfigurationReference{}.SwaggerDoc()["name"]},
		{Name: "MatchingPrecedence", Type: "string", Description: spec["matchingPrecedence"]},
		{Name: "DistinguisherMethod", Type: "string", Description: spec["distinguisherMethod"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "MissingPL", Type: "string", Description: "references a broken or non-existent PriorityLevelConfiguration"},
	}
}

// TableRow returns one flow schema's cells; MissingPL is the Dangling condition's
// status, "?" before anything has set it.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	fs, ok := obj.(*flowcontrolv1.FlowSchema)
	if !ok {
		return nil, fmt.Errorf("flowschema: cannot print a %T", obj)
	}
	method := "<none>"
	if fs.Spec.DistinguisherMethod != nil {
		method = string(fs.Spec.DistinguisherMethod.Type)
	}
	missing := "?"
	for _, c := range fs.Status.Conditions {
		if c.Type == flowcontrolv1.FlowSchemaConditionDangling {
			missing = string(c.Status)
			break
		}
	}
	return []any{fs.Name, fs.Spec.PriorityLevelConfiguration.Name, int64(fs.Spec.MatchingPrecedence), method, registry.Age(fs.CreationTimestamp.Time, s.now()), missing}, nil
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
