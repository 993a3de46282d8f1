package handlers

import (
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1beta1 "k8s.io/apimachinery/pkg/apis/meta/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// initialEventsEndAnnotation marks the bookmark that ends a watch's initial events; in a
// table it is always shown as metadata, so the client can see it.
const initialEventsEndAnnotation = "k8s.io/initial-events-end"

// transform converts what a verb returned into what the client asked for: a Table, a
// PartialObjectMetadata or a PartialObjectMetadataList. Status objects pass unchanged.
func (h *restHandler) transform(req *restRequest, out output, obj runtime.Object) (runtime.Object, error) {
	c := out.Convert
	if c == nil || isStatus(obj) {
		return obj, nil
	}
	gv := c.GroupVersion()
	switch c.Kind {
	case "PartialObjectMetadata":
		if meta.IsListType(obj) {
			return nil, notAcceptable(fmt.Sprintf("you requested PartialObjectMetadata, but the requested object is a list (%T)", obj))
		}
		return partialMetadata(obj, gv)
	case "PartialObjectMetadataList":
		if !meta.IsListType(obj) {
			return nil, notAcceptable(fmt.Sprintf("you requested PartialObjectMetadataList, but the requested object is not a list (%T)", obj))
		}
		return partialMetadataList(obj, gv)
	case "Table":
		return req.asTable(obj, out.table, gv)
	}
	return nil, notAcceptable(fmt.Sprintf("no %s exists in group version %s", c.Kind, gv))
}

// notAcceptable is a 406 about a conversion the server cannot make for this object.
func notAcceptable(msg string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusNotAcceptable, Reason: metav1.StatusReasonNotAcceptable, Message: msg,
	}}
}

func partialMetadata(obj runtime.Object, gv schema.GroupVersion) (*metav1.PartialObjectMetadata, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	p := meta.AsPartialObjectMetadata(acc)
	p.SetGroupVersionKind(gv.WithKind("PartialObjectMetadata"))
	return p, nil
}

func partialMetadataList(obj runtime.Object, gv schema.GroupVersion) (runtime.Object, error) {
	lm, err := meta.ListAccessor(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	var items []metav1.PartialObjectMetadata
	err = meta.EachListItem(obj, func(item runtime.Object) error {
		p, err := partialMetadata(item, gv)
		if err == nil {
			items = append(items, *p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []metav1.PartialObjectMetadata{}
	}
	listMeta := metav1.ListMeta{ResourceVersion: lm.GetResourceVersion(), Continue: lm.GetContinue(), RemainingItemCount: lm.GetRemainingItemCount()}
	if gv == metav1beta1.SchemeGroupVersion {
		return &metav1beta1.PartialObjectMetadataList{ListMeta: listMeta, Items: items}, nil
	}
	return &metav1.PartialObjectMetadataList{ListMeta: listMeta, Items: items}, nil
}

// asTable prints obj, one object or a list, as a Table: the resource's own columns when
// its strategy has them, else upstream's default (Name, Created At). Each row carries
// the object as the client asked (?includeObject=): its metadata by default, the whole
// object, or nothing.
func (rr *restResource) asTable(obj runtime.Object, opts *metav1.TableOptions, gv schema.GroupVersion) (*metav1.Table, error) {
	if opts == nil {
		opts = &metav1.TableOptions{}
	}
	table := &metav1.Table{}
	if !opts.NoHeaders {
		table.ColumnDefinitions = rr.columns()
	}
	add := func(item runtime.Object) error {
		row, err := rr.row(item, opts, gv)
		if err == nil {
			table.Rows = append(table.Rows, row)
		}
		return err
	}
	if meta.IsListType(obj) {
		if rr.table != nil {
			// Upstream's printers answer an empty list with "rows": [].
			table.Rows = make([]metav1.TableRow, 0, meta.LenList(obj))
		}
		if err := meta.EachListItem(obj, add); err != nil {
			return nil, err
		}
		lm, err := meta.ListAccessor(obj)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		table.ResourceVersion = lm.GetResourceVersion()
		table.Continue = lm.GetContinue()
		table.RemainingItemCount = lm.GetRemainingItemCount()
		return table, nil
	}
	if err := add(obj); err != nil {
		return nil, err
	}
	if acc, err := meta.Accessor(obj); err == nil {
		table.ResourceVersion = acc.GetResourceVersion()
	}
	return table, nil
}

func (rr *restResource) columns() []metav1.TableColumnDefinition {
	if rr.table != nil {
		return rr.table.TableColumns()
	}
	doc := metav1.ObjectMeta{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: doc["name"]},
		{Name: "Created At", Type: "date", Description: doc["creationTimestamp"]},
	}
}

func (rr *restResource) row(obj runtime.Object, opts *metav1.TableOptions, gv schema.GroupVersion) (metav1.TableRow, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return metav1.TableRow{}, apierrors.NewInternalError(err)
	}
	var row metav1.TableRow
	if rr.table != nil {
		if row.Cells, err = rr.table.TableRow(obj); err != nil {
			return metav1.TableRow{}, apierrors.NewInternalError(fmt.Errorf("printing %s %q: %w", rr.res.Resource, acc.GetName(), err))
		}
	} else {
		row.Cells = []any{acc.GetName(), acc.GetCreationTimestamp().UTC().Format(time.RFC3339)}
	}
	_, initialEnd := acc.GetAnnotations()[initialEventsEndAnnotation]
	switch {
	case opts.IncludeObject == metav1.IncludeObject:
		// The object is embedded as it is, so it must carry its kind.
		full := obj.DeepCopyObject()
		full.GetObjectKind().SetGroupVersionKind(rr.gvk)
		row.Object.Object = full
	case opts.IncludeObject == metav1.IncludeNone && !initialEnd:
	default:
		p := meta.AsPartialObjectMetadata(acc)
		p.SetGroupVersionKind(gv.WithKind("PartialObjectMetadata"))
		row.Object.Object = p
	}
	return row, nil
}
