package csidriver

import (
	"fmt"
	"strings"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get csidrivers` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	doc := storagev1.CSIDriverSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "AttachRequired", Type: "boolean", Description: doc["attachRequired"]},
		{Name: "PodInfoOnMount", Type: "boolean", Description: doc["podInfoOnMount"]},
		{Name: "StorageCapacity", Type: "boolean", Description: doc["storageCapacity"]},
		{Name: "TokenRequests", Type: "string", Description: doc["tokenRequests"]},
		{Name: "RequiresRepublish", Type: "boolean", Description: doc["requiresRepublish"]},
		{Name: "Modes", Type: "string", Description: doc["volumeLifecycleModes"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow prints unset booleans as their defaults, token requests as their audiences
// ("<unset>" when there are none) and modes comma-separated ("<none>").
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	d, ok := obj.(*storagev1.CSIDriver)
	if !ok {
		return nil, fmt.Errorf("csidriver: cannot print a %T", obj)
	}
	spec := d.Spec
	modes := make([]string, 0, len(spec.VolumeLifecycleModes))
	for _, m := range spec.VolumeLifecycleModes {
		modes = append(modes, string(m))
	}
	modeCell := strings.Join(modes, ",")
	if modeCell == "" {
		modeCell = "<none>"
	}
	tokens := "<unset>"
	if spec.TokenRequests != nil {
		audiences := make([]string, 0, len(spec.TokenRequests))
		for _, t := range spec.TokenRequests {
			audiences = append(audiences, t.Audience)
		}
		tokens = strings.Join(audiences, ",")
	}
	return []any{
		d.Name,
		boolOr(spec.AttachRequired, true),
		boolOr(spec.PodInfoOnMount, false),
		boolOr(spec.StorageCapacity, false),
		tokens,
		boolOr(spec.RequiresRepublish, false),
		modeCell,
		registry.Age(d.CreationTimestamp.Time, s.now()),
	}, nil
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}
