package customresource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"kite/apiserver/registry"
	"kite/apiserver/registry/customresourcedefinition"
	"kite/apiserver/webhookclient"
	"kite/storage"
)

// Config configures a Manager.
type Config struct {
	// Definitions is the Store of customresourcedefinitions. Required.
	Definitions *registry.Store
	// Storage is where custom resources live. Required.
	Storage storage.Interface
	// Scheme is the registry's scheme (the Stores need one). Required.
	Scheme *runtime.Scheme
	// NamespaceCheck guards creates in missing or terminating namespaces, as for the
	// built-in resources. Optional.
	NamespaceCheck func(ctx context.Context, namespace string, gr schema.GroupResource, name string) error
	// Webhooks are the admission webhooks, as for the built-in resources. Optional.
	Webhooks registry.Webhooks
	// ResolveWebhook finds the endpoint of a conversion webhook's Service
	// (webhookclient.ServiceResolver). Optional: without it only conversion webhooks
	// given by URL can be called.
	ResolveWebhook webhookclient.ResolveFunc
	// Publish receives the full set of served versions each time it changes. An error
	// means the set was not published (the previous one is still served): the
	// manager tries again later. Required.
	Publish func(served []*Served) error
	// Logger records failures. Default: slog.Default().
	Logger *slog.Logger
	// Retry is how soon a definition that could not be finished (instances still
	// being deleted, a failed write) is looked at again. Default: one second.
	Retry time.Duration
}

// Manager keeps the definitions' status and the served custom resources current.
type Manager struct {
	cfg   Config
	store storeConfig
	// served are the versions published last, by definition UID and version; built
	// remembers what each was built from, to rebuild only what changed.
	served map[string]*builtVersion
}

// builtVersion is a served version and the definition state it was built from.
type builtVersion struct {
	served *Served
	spec   apiextensionsv1.CustomResourceDefinitionSpec
	names  apiextensionsv1.CustomResourceDefinitionNames
}

// New validates cfg and returns a Manager; Run starts it.
func New(cfg Config) (*Manager, error) {
	if cfg.Definitions == nil || cfg.Storage == nil || cfg.Scheme == nil || cfg.Publish == nil {
		return nil, errors.New("customresource: Config.Definitions, Storage, Scheme and Publish are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Retry <= 0 {
		cfg.Retry = time.Second
	}
	return &Manager{
		cfg:    cfg,
		store:  storeConfig{storage: cfg.Storage, scheme: cfg.Scheme, namespaceCheck: cfg.NamespaceCheck, webhooks: cfg.Webhooks, resolve: cfg.ResolveWebhook},
		served: map[string]*builtVersion{},
	}, nil
}

// Run reconciles every definition at start and after every change to one, until ctx
// ends. Each pass reads all definitions afresh, so a missed or merged event costs
// nothing.
func (m *Manager) Run(ctx context.Context) {
	defer func() {
		for _, b := range m.served {
			b.served.storage.release()
		}
	}()
	for ctx.Err() == nil {
		w, err := m.cfg.Definitions.Watch(ctx, "", metav1.ListOptions{})
		if err != nil {
			m.cfg.Logger.Error("watching customresourcedefinitions failed", "err", err)
			if !sleep(ctx, m.cfg.Retry) {
				return
			}
			continue
		}
		m.follow(ctx, w)
		w.Stop()
	}
}

// follow reconciles after each batch of events of w, and every Retry while a pass
// left work undone, until w ends.
func (m *Manager) follow(ctx context.Context, w watch.Interface) {
	pending := m.Reconcile(ctx)
	retry := time.NewTimer(m.cfg.Retry)
	defer retry.Stop()
	for {
		var tick <-chan time.Time
		if pending {
			retry.Reset(m.cfg.Retry)
			tick = retry.C
		}
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Type == watch.Error {
				return
			}
		drain:
			for {
				select {
				case ev, ok := <-w.ResultChan():
					if !ok || ev.Type == watch.Error {
						return
					}
				default:
					break drain
				}
			}
		case <-tick:
		}
		pending = m.Reconcile(ctx)
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Reconcile makes one pass over all definitions: names and conditions, the served
// set, and the deletion of deleted definitions' instances. It reports whether work is
// left for a later pass.
func (m *Manager) Reconcile(ctx context.Context) (pending bool) {
	listed, err := m.cfg.Definitions.List(ctx, "", metav1.ListOptions{})
	if err != nil {
		m.cfg.Logger.Error("listing customresourcedefinitions failed", "err", err)
		return true
	}
	crds := listed.(*apiextensionsv1.CustomResourceDefinitionList).Items
	// The first definition to claim a name keeps it, as upstream's naming controller.
	slices.SortStableFunc(crds, func(a, b apiextensionsv1.CustomResourceDefinition) int {
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	claims := newNameClaims(crds)
	for i := range crds {
		crd := &crds[i]
		if err := m.updateStatus(ctx, crd, claims); err != nil {
			m.cfg.Logger.Error("updating a customresourcedefinition's status failed", "crd", crd.Name, "err", err)
			pending = true
		}
	}
	next := map[string]*builtVersion{}
	for i := range crds {
		crd := &crds[i]
		if crd.DeletionTimestamp != nil || !customresourcedefinition.IsTrue(crd, apiextensionsv1.NamesAccepted) {
			continue
		}
		for j := range crd.Spec.Versions {
			v := &crd.Spec.Versions[j]
			if !v.Served {
				continue
			}
			key := string(crd.UID) + "/" + v.Name
			if old := m.served[key]; old != nil && equality.Semantic.DeepEqual(old.spec, crd.Spec) && equality.Semantic.DeepEqual(old.names, crd.Status.AcceptedNames) {
				next[key] = old
				continue
			}
			s, err := buildVersion(m.store, crd.DeepCopy(), v)
			if err != nil {
				m.cfg.Logger.Error("serving a custom resource failed", "crd", crd.Name, "version", v.Name, "err", err)
				continue
			}
			next[key] = &builtVersion{served: s, spec: *crd.Spec.DeepCopy(), names: *crd.Status.AcceptedNames.DeepCopy()}
		}
	}
	if changed(m.served, next) {
		all := make([]*Served, 0, len(next))
		for _, b := range next {
			all = append(all, b.served)
		}
		slices.SortFunc(all, func(a, b *Served) int {
			return strings.Compare(a.CRD.Name+"/"+a.Version, b.CRD.Name+"/"+b.Version)
		})
		if err := m.cfg.Publish(all); err != nil {
			m.cfg.Logger.Error("publishing the custom resources failed", "err", err)
			for k, b := range next {
				if m.served[k] != b {
					b.served.storage.release()
				}
			}
			return true
		}
		for k, b := range m.served {
			if next[k] != b {
				b.served.storage.release()
			}
		}
		m.served = next
	}
	// Established only once served, so a client waiting for it can use the resource.
	for i := range crds {
		crd := &crds[i]
		if crd.DeletionTimestamp != nil || customresourcedefinition.IsTrue(crd, apiextensionsv1.Established) || !m.serves(crd) {
			continue
		}
		_, err := m.writeStatus(ctx, crd, func(cur *apiextensionsv1.CustomResourceDefinition) {
			customresourcedefinition.SetCondition(cur, apiextensionsv1.CustomResourceDefinitionCondition{
				Type: apiextensionsv1.Established, Status: apiextensionsv1.ConditionTrue, Reason: "InitialNamesAccepted", Message: "the initial names have been accepted",
			})
		})
		if err != nil {
			m.cfg.Logger.Error("establishing a customresourcedefinition failed", "crd", crd.Name, "err", err)
			pending = true
		}
	}
	for i := range crds {
		crd := &crds[i]
		if crd.DeletionTimestamp == nil {
			continue
		}
		done, err := m.cleanup(ctx, crd)
		if err != nil {
			m.cfg.Logger.Error("deleting a customresourcedefinition's objects failed", "crd", crd.Name, "err", err)
		}
		if !done || err != nil {
			pending = true
		}
	}
	return pending
}

// serves reports whether every served version of crd is published.
func (m *Manager) serves(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, v := range crd.Spec.Versions {
		if v.Served && m.served[string(crd.UID)+"/"+v.Name] == nil {
			return false
		}
	}
	return true
}

func changed(old, next map[string]*builtVersion) bool {
	if len(old) != len(next) {
		return true
	}
	for k, b := range next {
		if old[k] != b {
			return true
		}
	}
	return false
}

// updateStatus sets the definition's accepted names and its NamesAccepted and
// Established conditions, as upstream's naming and establishing controllers do, and
// writes them when they changed.
func (m *Manager) updateStatus(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition, claims *nameClaims) error {
	want := crd.DeepCopy()
	if conflict := claims.claim(crd); conflict != "" {
		customresourcedefinition.SetCondition(want, apiextensionsv1.CustomResourceDefinitionCondition{
			Type: apiextensionsv1.NamesAccepted, Status: apiextensionsv1.ConditionFalse, Reason: "NameConflict", Message: conflict,
		})
	} else {
		want.Status.AcceptedNames = crd.Spec.Names
		customresourcedefinition.SetCondition(want, apiextensionsv1.CustomResourceDefinitionCondition{
			Type: apiextensionsv1.NamesAccepted, Status: apiextensionsv1.ConditionTrue, Reason: "NoConflicts", Message: "no conflicts found",
		})
	}
	if equality.Semantic.DeepEqual(want.Status, crd.Status) {
		return nil
	}
	out, err := m.writeStatus(ctx, crd, func(cur *apiextensionsv1.CustomResourceDefinition) {
		cur.Status.AcceptedNames = want.Status.AcceptedNames
		cur.Status.Conditions = want.Status.Conditions
	})
	if err == nil {
		*crd = *out
	}
	return err
}

// writeStatus applies change to the stored definition through /status, if it is
// still the same definition (same UID).
func (m *Manager) writeStatus(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition, change func(*apiextensionsv1.CustomResourceDefinition)) (*apiextensionsv1.CustomResourceDefinition, error) {
	out, err := m.cfg.Definitions.UpdateWith(ctx, "", crd.Name, func(cur runtime.Object) (runtime.Object, error) {
		c := cur.(*apiextensionsv1.CustomResourceDefinition)
		if c.UID != crd.UID {
			return nil, apierrors.NewConflict(schema.GroupResource{Group: apiextensionsv1.GroupName, Resource: "customresourcedefinitions"}, crd.Name, errors.New("the definition was replaced"))
		}
		change(c)
		return c, nil
	}, metav1.UpdateOptions{}, "status")
	if err != nil {
		if apierrors.IsNotFound(err) {
			return crd, nil
		}
		return nil, err
	}
	d, ok := out.(*apiextensionsv1.CustomResourceDefinition)
	if !ok {
		return crd, nil
	}
	return d, nil
}

// cleanup deletes the instances of a deleted definition, then records that they are
// gone, which lets the definition leave storage. It reports whether it is done.
func (m *Manager) cleanup(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition) (bool, error) {
	if c := customresourcedefinition.Condition(crd, apiextensionsv1.Terminating); c != nil && c.Reason == customresourcedefinition.ReasonDeletionCompleted {
		return len(crd.Finalizers) == 0, nil
	}
	if crd.Status.AcceptedNames.Plural == "" {
		return m.finishCleanup(ctx, crd)
	}
	var v *apiextensionsv1.CustomResourceDefinitionVersion
	for i := range crd.Spec.Versions {
		if crd.Spec.Versions[i].Storage {
			v = &crd.Spec.Versions[i]
		}
	}
	if v == nil {
		return m.finishCleanup(ctx, crd)
	}
	left, err := m.deleteInstances(ctx, crd, v)
	if err != nil && crd.Spec.Conversion != nil && crd.Spec.Conversion.Strategy == apiextensionsv1.WebhookConverter {
		// A conversion webhook is often deleted before its definition; deleting needs
		// no object's content, so the objects go without conversion rather than keep
		// the definition forever (upstream's would hang).
		none := crd.DeepCopy()
		none.Spec.Conversion = nil
		left, err = m.deleteInstances(ctx, none, v)
	}
	if err != nil {
		return false, err
	}
	if n := meta.LenList(left); n > 0 {
		// Objects with finalizers stay until those are done; look again later.
		_, err := m.writeStatus(ctx, crd, func(cur *apiextensionsv1.CustomResourceDefinition) {
			customresourcedefinition.SetCondition(cur, apiextensionsv1.CustomResourceDefinitionCondition{
				Type: apiextensionsv1.Terminating, Status: apiextensionsv1.ConditionTrue, Reason: "InstanceDeletionInProgress",
				Message: fmt.Sprintf("CustomResource deletion is in progress: %d objects remain", n),
			})
		})
		return false, err
	}
	return m.finishCleanup(ctx, crd)
}

// deleteInstances deletes the objects of crd through its storage version v and
// returns those left (held by finalizers).
func (m *Manager) deleteInstances(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition, v *apiextensionsv1.CustomResourceDefinitionVersion) (runtime.Object, error) {
	s, err := buildVersion(m.store, crd, v)
	if err != nil {
		return nil, err
	}
	defer s.storage.release()
	return s.Store.DeleteCollection(ctx, "", metav1.ListOptions{}, metav1.DeleteOptions{})
}

func (m *Manager) finishCleanup(ctx context.Context, crd *apiextensionsv1.CustomResourceDefinition) (bool, error) {
	_, err := m.writeStatus(ctx, crd, func(cur *apiextensionsv1.CustomResourceDefinition) {
		customresourcedefinition.SetCondition(cur, apiextensionsv1.CustomResourceDefinitionCondition{
			Type: apiextensionsv1.Terminating, Status: apiextensionsv1.ConditionFalse, Reason: customresourcedefinition.ReasonDeletionCompleted,
			Message: "removed all instances",
		})
	})
	return err == nil, err
}
