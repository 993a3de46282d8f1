package secret

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get secrets` columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	doc := corev1.Secret{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Type", Type: "string", Description: doc["type"]},
		{Name: "Data", Type: "string", Description: doc["data"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
	}
}

// TableRow returns the cells of one secret: name, type, number of keys and age.
func (st Strategy) TableRow(obj runtime.Object) ([]any, error) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return nil, fmt.Errorf("secret: cannot print a %T", obj)
	}
	return []any{s.Name, string(s.Type), int64(len(s.Data)), registry.Age(s.CreationTimestamp.Time, st.now())}, nil
}

func (st Strategy) now() time.Time {
	if st.Clock == nil {
		return time.Now()
	}
	return st.Clock.Now()
}
