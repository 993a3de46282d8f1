package discovery

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"kite/apiserver/registry"
)

// Config configures a Handler.
type Config struct {
	// Resources are every resource the server serves, in any order. Each must have a
	// version, plural and singular names and a kind, and name only subresources
	// upstream has ("status", "scale", ...).
	Resources []*registry.Resource
	// Address is the host:port /api tells clients to reach the server at. Default: the
	// Host the request was sent to.
	Address string
}

// Handler serves the discovery documents (see the package comment for its paths).
type Handler struct {
	address string
	infos   []runtime.SerializerInfo
	core    *group
	// docs are the encoded documents by path, all but /api, whose server address
	// depends on the request.
	docs map[string]encoded
	// aggregated are the aggregated documents of /api and /apis.
	aggregated map[string]*aggregatedDoc
	paths      []string
}

// aggregatedDoc is one aggregated document (apidiscovery.k8s.io/v2). Like
// kube-apiserver 1.37, Kite no longer serves v2beta1: kubectl 1.27 to 1.29, which ask
// only for that, get the legacy documents, as they do upstream.
type aggregatedDoc struct {
	etag string // quoted, as the header carries it
	v2   encoded
}

// New computes every document from cfg.Resources.
func New(cfg Config) (*Handler, error) {
	cat, err := newCatalog(cfg.Resources)
	if err != nil {
		return nil, err
	}
	infos, err := serializers()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		address:    cfg.Address,
		infos:      infos,
		core:       cat.core,
		docs:       map[string]encoded{},
		aggregated: map[string]*aggregatedDoc{},
		paths:      []string{"/api"},
	}
	add := func(path string, obj runtime.Object) error {
		e, err := encodeAll(infos, obj)
		if err != nil {
			return err
		}
		h.docs[path] = e
		h.paths = append(h.paths, path)
		return nil
	}

	var core []*group
	if cat.core != nil {
		core = []*group{cat.core}
		for _, gv := range cat.core.versions {
			if err := add("/api/"+gv.Version, apiResourceList(cat.core, gv)); err != nil {
				return nil, err
			}
		}
	}
	if err := add("/apis", apiGroupList(cat.legacy)); err != nil {
		return nil, err
	}
	for _, g := range cat.legacy {
		doc := apiGroup(g)
		doc.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
		if err := add("/apis/"+g.name, doc); err != nil {
			return nil, err
		}
		for _, gv := range g.versions {
			if err := add("/apis/"+gv.String(), apiResourceList(g, gv)); err != nil {
				return nil, err
			}
		}
	}
	if h.aggregated["/api"], err = newAggregatedDoc(infos, core); err != nil {
		return nil, err
	}
	if h.aggregated["/apis"], err = newAggregatedDoc(infos, cat.aggregated); err != nil {
		return nil, err
	}
	return h, nil
}

// Paths are the exact paths the Handler serves, to route to it.
func (h *Handler) Paths() []string {
	return append([]string(nil), h.paths...)
}

// ServeHTTP answers GET requests for the discovery documents: 404 for a path it does
// not serve, 405 for another method, 406 when the Accept header allows no form it has.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	doc, isDoc := h.docs[path]
	agg := h.aggregated[path]
	if !isDoc && path != "/api" {
		writeStatus(w, apierrors.NewGenericServerResponse(http.StatusNotFound, "", schema.GroupResource{}, "", "", 0, false))
		return
	}
	if r.Method != http.MethodGet {
		writeStatus(w, apierrors.NewGenericServerResponse(http.StatusMethodNotAllowed, strings.ToLower(r.Method), schema.GroupResource{}, "", "", 0, false))
		return
	}
	c, err := negotiate(r.Header.Get("Accept"), h.infos, agg != nil)
	if err != nil {
		writeStatus(w, err)
		return
	}
	pretty := c.pretty || prettyRequested(r)
	if c.aggregated != "" {
		h.serveAggregated(w, r, agg, c, pretty)
		return
	}
	if path == "/api" {
		address := h.address
		if address == "" {
			address = r.Host
		}
		body, err := encodeOne(c.info, pretty, apiVersions(h.core, address))
		if err != nil {
			writeStatus(w, apierrors.NewInternalError(err))
			return
		}
		write(w, c.info.MediaType, body)
		return
	}
	write(w, c.info.MediaType, doc.pick(c.info, pretty))
}

// serveAggregated answers with an aggregated document, or 304 when the client holds
// the current one. The ETag is the same for every encoding and version, which is safe
// because the answer varies by Accept and says so.
func (h *Handler) serveAggregated(w http.ResponseWriter, r *http.Request, doc *aggregatedDoc, c choice, pretty bool) {
	hdr := w.Header()
	hdr.Set("ETag", doc.etag)
	hdr.Set("Vary", "Accept")
	hdr.Set("Cache-Control", "public")
	if r.Header.Get("If-None-Match") == doc.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := doc.v2.pick(c.info, pretty)
	write(w, c.info.MediaType+";g="+aggregatedGroup+";v="+c.aggregated+";as="+aggregatedKind, body)
}

func write(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	// An error here means the client went away; there is nobody left to tell.
	_, _ = w.Write(body)
}

func newAggregatedDoc(infos []runtime.SerializerInfo, groups []*group) (*aggregatedDoc, error) {
	list, etag, err := aggregatedList(groups)
	if err != nil {
		return nil, err
	}
	doc := &aggregatedDoc{etag: strconv.Quote(etag)}
	if doc.v2, err = encodeAll(infos, list); err != nil {
		return nil, err
	}
	return doc, nil
}

// serializers are the encodings upstream serves discovery in: JSON (the first, the
// default), YAML and protobuf.
func serializers() ([]runtime.SerializerInfo, error) {
	scheme := runtime.NewScheme()
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	if err := apidiscoveryv2.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	return serializer.NewCodecFactory(scheme).SupportedMediaTypes(), nil
}

// writeStatus answers with err's Status, as JSON, the one form every client reads.
func writeStatus(w http.ResponseWriter, err error) {
	st := apierrors.NewInternalError(err).ErrStatus
	var s apierrors.APIStatus
	if errors.As(err, &s) {
		st = s.Status()
	}
	st.Kind, st.APIVersion = "Status", "v1"
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	// An error here means the client went away; there is nobody left to tell.
	_ = json.NewEncoder(w).Encode(st)
}
