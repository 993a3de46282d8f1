package fieldmanager

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"kite/apiserver/openapi"
	"kite/apiserver/registry"
)

// Config configures a Manager.
type Config struct {
	// Scheme knows the resource's types: it converts between the typed and the
	// unstructured forms and creates empty objects. Required.
	Scheme *runtime.Scheme
	// Resource is the resource whose objects are managed; its Strategy's Default runs
	// on the result of an apply, and its status subresource decides the reset fields.
	// Required.
	Resource *registry.Resource
	// Logger records managed fields that could not be computed (a bug: the write goes
	// on with the live object's). Default: slog.Default().
	Logger *slog.Logger
	// TypeConverter, when set, is the schema of the resource's objects, which are then
	// unstructured (custom resources, built from their definition's schema): Scheme is
	// not used for them.
	TypeConverter managedfields.TypeConverter
}

// Manager tracks the managed fields of one resource's objects and applies their apply
// patches. The schemas and a field manager per subresource are built on first use.
type Manager struct {
	cfg Config
	gvk schema.GroupVersionKind

	convOnce sync.Once
	conv     managedfields.TypeConverter
	convErr  error

	mu sync.Mutex
	// bySub are the field managers by subresource ("" for the main resource).
	bySub map[string]*managedfields.FieldManager
	// plans are the create shortcuts by subresource (create.go), built on first use.
	plans map[string]createPlan
}

// New validates cfg and returns a Manager. It does no expensive work.
func New(cfg Config) (*Manager, error) {
	if cfg.Scheme == nil || cfg.Resource == nil || cfg.Resource.New == nil || cfg.Resource.Strategy == nil {
		return nil, errors.New("fieldmanager: Config.Scheme and a complete Config.Resource are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	gvk := cfg.Resource.GroupVersionKind()
	if cfg.TypeConverter == nil && !cfg.Scheme.Recognizes(gvk) {
		return nil, fmt.Errorf("fieldmanager: the scheme does not know %s", gvk)
	}
	return &Manager{cfg: cfg, gvk: gvk, bySub: map[string]*managedfields.FieldManager{}}, nil
}

// Name is the field manager of a write: the request's fieldManager, or else what
// upstream derives from the User-Agent, the part before the first "/" without
// unprintable characters, cut to the longest name allowed ("kubectl" for
// "kubectl/v1.33.1 (linux/amd64) kubernetes/abc", a client-go program's binary name).
func Name(fieldManager, userAgent string) string {
	if fieldManager != "" {
		return fieldManager
	}
	prefix, _, _ := strings.Cut(userAgent, "/")
	var b strings.Builder
	for _, r := range prefix {
		if !unicode.IsPrint(r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > validation.FieldManagerMaxLength {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Update returns obj, the new version of live written through subresource by manager,
// with its managed fields updated: manager now owns, as an Update, the fields it
// changed. live is the stored object, or an empty one for a create. obj may be changed
// and is what is returned; live is not changed. It never fails: when the managed
// fields cannot be computed, obj keeps live's.
func (m *Manager) Update(live, obj runtime.Object, manager, subresource string) runtime.Object {
	fm, err := m.fieldManager(subresource)
	if err != nil {
		m.cfg.Logger.Error("fieldmanager: cannot track managed fields", "resource", m.cfg.Resource.GroupResource(), "err", err)
		keepLive(live, obj)
		return obj
	}
	return fm.UpdateNoErrors(live, obj, manager)
}

// keepLive gives obj the managed fields of live.
func keepLive(live, obj runtime.Object) {
	liveAcc, err := meta.Accessor(live)
	if err != nil {
		return
	}
	if acc, err := meta.Accessor(obj); err == nil {
		acc.SetManagedFields(liveAcc.GetManagedFields())
	}
}

// fieldManager returns the field manager of subresource, building it on first use.
func (m *Manager) fieldManager(subresource string) (*managedfields.FieldManager, error) {
	m.convOnce.Do(func() {
		if m.cfg.TypeConverter != nil {
			m.conv = m.cfg.TypeConverter
			return
		}
		models, err := openapi.Models(m.cfg.Resource.New(), m.gvk)
		if err != nil {
			m.convErr = err
			return
		}
		m.conv, m.convErr = newBuiltinConverter(models, m.gvk)
	})
	if m.convErr != nil {
		return nil, m.convErr
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if fm, ok := m.bySub[subresource]; ok {
		return fm, nil
	}
	gv := m.gvk.GroupVersion()
	var (
		fm  *managedfields.FieldManager
		err error
	)
	if m.cfg.TypeConverter != nil {
		fm, err = managedfields.NewDefaultCRDFieldManager(m.conv, unstructuredConverter{kind: m.gvk.Kind}, defaulter{m.cfg.Resource.Strategy}, unstructuredCreator{},
			m.gvk, gv, subresource, m.resetFields(subresource))
	} else {
		fm, err = managedfields.NewDefaultFieldManager(m.conv, m.cfg.Scheme, defaulter{m.cfg.Resource.Strategy}, m.cfg.Scheme,
			m.gvk, gv, subresource, m.resetFields(subresource))
	}
	if err != nil {
		return nil, err
	}
	m.bySub[subresource] = fm
	return fm, nil
}

// resetFields are the fields a write through subresource may not change, which
// therefore nobody owns through it, as upstream's strategies declare them for the
// resources with a status subresource: the main resource resets status, status resets
// spec, and a namespace's finalize resets status.
func (m *Manager) resetFields(subresource string) map[fieldpath.APIVersion]fieldpath.Filter {
	if !slices.Contains(m.cfg.Resource.Subresources, "status") {
		return nil
	}
	var reset *fieldpath.Set
	switch subresource {
	case "", "finalize":
		reset = fieldpath.NewSet(fieldpath.MakePathOrDie("status"))
	case "status":
		reset = fieldpath.NewSet(fieldpath.MakePathOrDie("spec"))
	default:
		return nil
	}
	return map[fieldpath.APIVersion]fieldpath.Filter{
		fieldpath.APIVersion(m.gvk.GroupVersion().String()): fieldpath.NewExcludeSetFilter(reset),
	}
}

// defaulter is the resource's defaulting as a runtime.ObjectDefaulter: an apply's
// result is defaulted before it is validated, as upstream defaults it.
type defaulter struct{ s registry.Strategy }

func (d defaulter) Default(obj runtime.Object) { d.s.Default(obj) }
