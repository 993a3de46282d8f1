package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1beta1 "k8s.io/apimachinery/pkg/apis/meta/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"kite/apiserver/patch"
	"kite/apiserver/registry"
	"kite/apiserver/warning"
)

// RESTConfig configures the REST handler.
type RESTConfig struct {
	// Scheme knows the stores' types (registry.NewScheme). Required.
	Scheme *runtime.Scheme
	// Stores are the resources served, at most one per group, version and resource.
	Stores []*registry.Store
	// Actions are subresources served by their own code (scale, binding, log, ...);
	// their parents must be among Stores.
	Actions []*registry.Action
	// Virtuals are resources that are not stored (reviews, componentstatuses).
	Virtuals []*registry.Virtual
	// Logger records failures the client cannot act on. Default: slog.Default().
	Logger *slog.Logger
	// MaxRequestBodyBytes bounds request bodies; larger ones get 413. Default: 3 MiB,
	// as upstream.
	MaxRequestBodyBytes int64
	// MinWatchTimeout is the shortest life of a watch without timeoutSeconds: it ends
	// after a random time between this and twice this, as upstream's
	// --min-request-timeout, so clients reconnect at spread-out times. timeoutSeconds
	// is capped at twice this. Default: 30 minutes.
	MinWatchTimeout time.Duration
	// Custom, when set, are resources served besides Stores that come and go while the
	// server runs (custom resources).
	Custom *CustomResources
}

// DefaultMaxRequestBodyBytes is the default RESTConfig.MaxRequestBodyBytes.
const DefaultMaxRequestBodyBytes = 3 << 20

// DefaultMinWatchTimeout is the default RESTConfig.MinWatchTimeout.
const DefaultMinWatchTimeout = 30 * time.Minute

// restHandler serves the resources of its stores under /api/v1 and /apis/{group}/{version}.
type restHandler struct {
	logger   *slog.Logger
	maxBody  int64
	minWatch time.Duration
	scheme   *runtime.Scheme
	// codecs encode and decode the resources' types.
	codecs serializer.CodecFactory
	// meta encodes and decodes what every group version shares: Status, the options
	// types, Table and PartialObjectMetadata; params decodes options from queries.
	meta   serializer.CodecFactory
	params runtime.ParameterCodec
	groups map[schema.GroupVersion]map[string]*restResource
	custom *CustomResources
}

// restResource is one served resource and what its requests need.
type restResource struct {
	store *registry.Store
	// virtual serves a resource that is not stored; store is then nil.
	virtual *registry.Virtual
	// actions serve the subresources that have their own code, by name.
	actions map[string]*restAction
	res     *registry.Resource
	gvk     schema.GroupVersionKind
	patcher *patch.Patcher
	// table prints the resource's own columns; nil prints upstream's default table.
	table registry.TableStrategy
	// codecs, when set, encode and decode the resource instead of the scheme's codecs
	// (custom resources).
	codecs runtime.NegotiatedSerializer
	// typeConverter is a custom resource's schema for its field manager.
	typeConverter managedfields.TypeConverter
}

// NewREST returns the handler of every resource path of the given stores, under
// /api/v1/... (the core group) and /apis/{group}/{version}/...: list, watch, create and
// deletecollection on collections, get, update, patch and delete on objects, the status
// and finalize subresources, the subresources of cfg.Actions and the resources of
// cfg.Virtuals (not stored). Paths it does not serve get a 404 Status; the discovery documents
// (/api, /api/v1, /apis, /apis/{group}/{version}) are not its business.
func NewREST(cfg RESTConfig) (http.Handler, error) {
	if cfg.Scheme == nil {
		return nil, errors.New("handlers: RESTConfig.Scheme is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxRequestBodyBytes <= 0 {
		cfg.MaxRequestBodyBytes = DefaultMaxRequestBodyBytes
	}
	if cfg.MinWatchTimeout <= 0 {
		cfg.MinWatchTimeout = DefaultMinWatchTimeout
	}
	h := &restHandler{
		logger:   cfg.Logger,
		maxBody:  cfg.MaxRequestBodyBytes,
		minWatch: cfg.MinWatchTimeout,
		scheme:   cfg.Scheme,
		// Lists are encoded item by item, without building the whole answer first, as
		// upstream does since 1.33.
		codecs: serializer.NewCodecFactory(cfg.Scheme,
			serializer.WithStreamingCollectionEncodingToJSON(), serializer.WithStreamingCollectionEncodingToProtobuf()),
		groups: map[schema.GroupVersion]map[string]*restResource{},
		custom: cfg.Custom,
	}
	if cfg.Custom != nil {
		cfg.Custom.h = h
	}
	gvs := []schema.GroupVersion{{Version: "v1"}}
	for _, s := range cfg.Stores {
		if s == nil {
			return nil, errors.New("handlers: RESTConfig.Stores holds a nil store")
		}
		r := s.Resource()
		gvk := r.GroupVersionKind()
		gv := gvk.GroupVersion()
		if h.groups[gv] == nil {
			h.groups[gv] = map[string]*restResource{}
		}
		if h.groups[gv][r.Resource] != nil {
			return nil, fmt.Errorf("handlers: two stores for %s", r.GroupVersionResource())
		}
		if !cfg.Scheme.Recognizes(gvk) {
			return nil, fmt.Errorf("handlers: the scheme does not know %s", gvk)
		}
		p, err := patch.New(patch.Config{Codecs: h.codecs, GroupVersion: gv, New: r.New})
		if err != nil {
			return nil, fmt.Errorf("handlers: %s: %w", r.GroupVersionResource(), err)
		}
		rr := &restResource{store: s, res: r, gvk: gvk, patcher: p}
		if ts, ok := r.Strategy.(registry.TableStrategy); ok {
			rr.table = ts
		}
		h.groups[gv][r.Resource] = rr
		if !slices.Contains(gvs, gv) {
			gvs = append(gvs, gv)
		}
	}
	if err := h.addActions(cfg.Actions); err != nil {
		return nil, err
	}
	if err := h.addVirtuals(cfg.Virtuals); err != nil {
		return nil, err
	}
	for _, v := range cfg.Virtuals {
		if gv := v.Resource.GroupVersionKind().GroupVersion(); !slices.Contains(gvs, gv) {
			gvs = append(gvs, gv)
		}
	}
	metaScheme, err := newMetaScheme(gvs)
	if err != nil {
		return nil, err
	}
	h.meta = serializer.NewCodecFactory(metaScheme)
	h.params = runtime.NewParameterCodec(metaScheme)
	return h, nil
}

// newMetaScheme holds the types every group version shares. The options types are
// registered in meta.k8s.io/v1 and in each served group version, because clients send
// DeleteOptions with either.
func newMetaScheme(gvs []schema.GroupVersion) (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, metav1.SchemeGroupVersion)
	for _, gv := range gvs {
		metav1.AddToGroupVersion(s, gv)
	}
	if err := metav1.AddMetaToScheme(s); err != nil {
		return nil, err
	}
	if err := metav1beta1.AddMetaToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (h *restHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := h.route(r)
	if err != nil {
		h.writeError(w, r, nil, err)
		return
	}
	// Admission (webhooks, policies) warns the client through the context.
	r = r.WithContext(warning.WithRecorder(r.Context(), req.warnings))
	switch {
	case req.virtual != nil:
		h.serveVirtual(w, r, req)
	case req.actions[req.subresource] != nil:
		h.serveAction(w, r, req, req.actions[req.subresource])
	case req.watchPath:
		h.serveLegacyWatch(w, r, req)
	case req.subresource != "":
		h.serveSubresource(w, r, req)
	case req.name != "":
		switch r.Method {
		case http.MethodGet:
			h.serveGet(w, r, req)
		case http.MethodPut:
			h.serveUpdate(w, r, req)
		case http.MethodPatch:
			h.servePatch(w, r, req)
		case http.MethodDelete:
			h.serveDelete(w, r, req)
		default:
			h.writeError(w, r, req, methodNotAllowed())
		}
	default:
		// A namespaced resource outside a namespace can only be listed and watched.
		inNamespace := !req.res.Namespaced || req.namespace != ""
		switch {
		case r.Method == http.MethodGet:
			h.serveList(w, r, req)
		case r.Method == http.MethodPost && inNamespace:
			h.serveCreate(w, r, req)
		case r.Method == http.MethodDelete && inNamespace && supports(req.res, "deletecollection"):
			h.serveDeleteCollection(w, r, req)
		default:
			h.writeError(w, r, req, methodNotAllowed())
		}
	}
}

// serveSubresource serves the subresources whose body is the object itself: status
// (get, update, patch) and finalize (update). The others (scale, binding, eviction,
// log, ...) are registry Actions, served by serveAction.
func (h *restHandler) serveSubresource(w http.ResponseWriter, r *http.Request, req *restRequest) {
	switch {
	case req.subresource == "status" && r.Method == http.MethodGet:
		h.serveGet(w, r, req)
	case req.subresource == "status" && r.Method == http.MethodPatch:
		h.servePatch(w, r, req)
	case (req.subresource == "status" || req.subresource == "finalize") && r.Method == http.MethodPut:
		h.serveUpdate(w, r, req)
	default:
		h.writeError(w, r, req, methodNotAllowed())
	}
}

// supports reports whether the resource serves verb (see registry.VerbsStrategy).
func supports(res *registry.Resource, verb string) bool {
	vs, ok := res.Strategy.(registry.VerbsStrategy)
	return !ok || slices.Contains(vs.Verbs(), verb)
}
