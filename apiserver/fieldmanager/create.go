package fieldmanager

import (
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// strippedFields are the fields upstream's field manager never records as owned (its
// stripMeta step): identity and server-set metadata.
func strippedFields() *fieldpath.Set {
	return fieldpath.NewSet(
		fieldpath.MakePathOrDie("apiVersion"),
		fieldpath.MakePathOrDie("kind"),
		fieldpath.MakePathOrDie("metadata"),
		fieldpath.MakePathOrDie("metadata", "name"),
		fieldpath.MakePathOrDie("metadata", "namespace"),
		fieldpath.MakePathOrDie("metadata", "creationTimestamp"),
		fieldpath.MakePathOrDie("metadata", "selfLink"),
		fieldpath.MakePathOrDie("metadata", "uid"),
		fieldpath.MakePathOrDie("metadata", "clusterName"),
		fieldpath.MakePathOrDie("metadata", "generation"),
		fieldpath.MakePathOrDie("metadata", "managedFields"),
		fieldpath.MakePathOrDie("metadata", "resourceVersion"),
	)
}

// createPlan is what a create through one subresource needs, computed once.
type createPlan struct {
	// reset filters out the fields a write through the subresource may not set.
	reset fieldpath.Filter
	// strip is strippedFields(), kept so that a create builds no set of its own.
	strip *fieldpath.Set
	// empty is a new object of the resource, the "before" of every create: only read
	// (through reflection), never changed, so one serves all creates at once.
	empty runtime.Object
}

// Create returns obj, a new object created through subresource by manager, with the
// managed fields upstream's field manager records for a create: manager owns, as an
// Update, every field obj adds to an empty object. It computes what
// Update(New(), obj, ...) does, the same comparison of the empty object with obj,
// without the steps that cannot change the result of a create: no conversion copies
// the objects (obj is already of the resource's version), no other manager's fields
// are decoded or reconciled, and the entry is written directly rather than through
// upstream's JSON manager identifier. When obj carries managed fields of its own, or
// is not the resource's built-in type, it takes the general path.
func (m *Manager) Create(obj runtime.Object, manager, subresource string) runtime.Object {
	general := func() runtime.Object { return m.Update(m.cfg.Resource.New(), obj, manager, subresource) }
	acc, err := meta.Accessor(obj)
	if err != nil || len(acc.GetManagedFields()) != 0 || m.cfg.TypeConverter != nil {
		return general()
	}
	plan, conv, ok := m.createPlan(subresource)
	if !ok || reflect.TypeOf(obj) != reflect.TypeOf(plan.empty) {
		return general()
	}
	live, err := conv.reflected(plan.empty)
	if err != nil {
		return general()
	}
	tv, err := conv.reflected(obj)
	if err != nil {
		return general()
	}
	cmp, err := live.Compare(tv)
	if err != nil {
		return general()
	}
	set := cmp.Modified.Union(cmp.Added)
	if plan.reset != nil {
		set = plan.reset.Filter(set)
	}
	set = set.Difference(plan.strip)
	if set.Empty() {
		// Upstream drops a manager that owns nothing, and with it the whole list.
		acc.SetManagedFields(nil)
		return obj
	}
	fields, err := set.ToJSON()
	if err != nil {
		return general()
	}
	if manager == "" {
		manager = "unknown"
	}
	acc.SetManagedFields([]metav1.ManagedFieldsEntry{{
		Manager:     manager,
		Operation:   metav1.ManagedFieldsOperationUpdate,
		APIVersion:  m.gvk.GroupVersion().String(),
		Time:        &metav1.Time{Time: time.Now().UTC()},
		FieldsType:  "FieldsV1",
		FieldsV1:    &metav1.FieldsV1{Raw: fields},
		Subresource: subresource,
	}})
	return obj
}

// createPlan returns the create plan of subresource, computing it on first use, and
// the resource's converter; ok is false when the resource's schema is unavailable.
func (m *Manager) createPlan(subresource string) (createPlan, builtinConverter, bool) {
	if _, err := m.fieldManager(subresource); err != nil {
		return createPlan{}, builtinConverter{}, false
	}
	conv, ok := m.conv.(builtinConverter)
	if !ok {
		return createPlan{}, builtinConverter{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.plans[subresource]; ok {
		return p, conv, true
	}
	p := createPlan{strip: strippedFields(), empty: m.cfg.Resource.New()}
	if f := m.resetFields(subresource); f != nil {
		p.reset = f[fieldpath.APIVersion(m.gvk.GroupVersion().String())]
	}
	if m.plans == nil {
		m.plans = map[string]createPlan{}
	}
	m.plans[subresource] = p
	return p, conv, true
}

// reflected is obj, a typed object of the converter's kind, as a typed value read
// through reflection, which is how the field manager reads typed objects (duplicates
// in lists allowed, as upstream reads a write's body).
func (c builtinConverter) reflected(obj runtime.Object) (*typed.TypedValue, error) {
	v, err := value.NewValueReflect(obj)
	if err != nil {
		return nil, err
	}
	return typed.AsTypedUnvalidated(v, c.kind.Schema, c.kind.TypeRef), nil
}
