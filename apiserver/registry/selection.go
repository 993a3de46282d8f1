package registry

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// selection is a parsed label and field selector.
type selection struct {
	labels labels.Selector
	fields fields.Selector
}

func (s *Store) parseSelection(opts metav1.ListOptions) (selection, error) {
	sel := selection{labels: labels.Everything(), fields: fields.Everything()}
	var err error
	if opts.LabelSelector != "" {
		if sel.labels, err = labels.Parse(opts.LabelSelector); err != nil {
			// The parser's own words, as upstream answers: they already begin with
			// "unable to parse requirement" where that is what failed.
			return sel, apierrors.NewBadRequest(err.Error())
		}
	}
	if opts.FieldSelector != "" {
		if sel.fields, err = fields.ParseSelector(opts.FieldSelector); err != nil {
			return sel, apierrors.NewBadRequest(err.Error())
		}
		// Only the fields the resource supports may be selected on, as upstream.
		known := s.fieldSet(s.res.New())
		for _, r := range sel.fields.Requirements() {
			if _, ok := known[r.Field]; !ok {
				return sel, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", r.Field))
			}
		}
	}
	return sel, nil
}

func (sel selection) everything() bool { return sel.labels.Empty() && sel.fields.Empty() }

func (s *Store) matches(sel selection, obj runtime.Object) bool {
	if sel.everything() {
		return true
	}
	acc, err := accessor(obj)
	if err != nil {
		return false
	}
	return sel.labels.Matches(labels.Set(acc.GetLabels())) && sel.fields.Matches(s.fieldSet(obj))
}

// fieldSet returns the selectable fields of obj: the resource's own, or the two every
// resource has.
func (s *Store) fieldSet(obj runtime.Object) fields.Set {
	if fs, ok := s.res.Strategy.(FieldsStrategy); ok {
		return fs.Fields(obj)
	}
	acc, err := accessor(obj)
	if err != nil {
		return fields.Set{}
	}
	set := fields.Set{"metadata.name": acc.GetName()}
	if s.res.Namespaced {
		set["metadata.namespace"] = acc.GetNamespace()
	}
	return set
}
