package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/utils/clock"

	"kite/storage"
)

// StoreConfig configures a Store.
type StoreConfig struct {
	// Resource is the resource the Store keeps. Required.
	Resource *Resource
	// Storage is where objects live. Required.
	Storage storage.Interface
	// Scheme knows the resource's types (NewScheme). Required.
	Scheme *runtime.Scheme
	// Clock stamps creation and deletion times (default: the real clock).
	Clock clock.PassiveClock
	// NamespaceCheck, when set, is called before a namespaced object is created. It
	// fails with a Status error when the namespace does not exist (404) or is being
	// deleted (403), as upstream's NamespaceLifecycle admission does.
	NamespaceCheck func(ctx context.Context, namespace string, gr schema.GroupResource, name string) error
	// Admit, when set, is the admission step of a create: it may change the object
	// (defaults other objects decide, such as a RuntimeClass's overhead) and refuses it
	// with a Status error (403 Forbidden, as upstream's admission plugins). It runs after
	// the resource's own defaults and before validation, and before the mutating
	// webhooks (upstream runs its built-in mutating plugins and MutatingAdmissionPolicy
	// first).
	Admit func(ctx context.Context, obj runtime.Object) error
	// AdmitValidate, when set, is the validating admission of a create
	// (ValidatingAdmissionPolicy): it judges the object as every mutating step and
	// webhook left it, after it passed validation and before the validating webhooks,
	// and refuses it with a Status error.
	AdmitValidate func(ctx context.Context, obj runtime.Object) error
	// AdmitQuota, when set, charges a create to its namespace's quotas or refuses it
	// (upstream's ResourceQuota). It runs after every other admission step, validating
	// webhooks included, immediately before the write: what it charges is the object
	// as stored, and nothing refused later is charged.
	AdmitQuota func(ctx context.Context, obj runtime.Object) error
	// AdmitUpdate, when set, is the mutating admission step of an update of the object
	// itself (not of a subresource): it may change obj, and refuses it with a Status
	// error. It runs after the resource's own defaults and before the mutating webhooks
	// and validation.
	AdmitUpdate func(ctx context.Context, obj, old runtime.Object) error
	// Webhooks, when set, are the admission webhooks, called on every create,
	// update (of the object and its subresources) and delete (see Webhooks).
	Webhooks Webhooks
	// WriteHook, when set, goes with every write of an object (see WriteHook): Services
	// claim their cluster IPs and node ports through it.
	WriteHook WriteHook
	// Codec, when set, is the storage encoding instead of protobuf through Scheme:
	// custom resources, which have no Go types, are stored as JSON.
	Codec runtime.Codec
	// KeyRoot, when set, is where the objects live instead of /registry/<resource>/:
	// custom resources live under /registry/<group>/<resource>/, as upstream's. It ends
	// with a slash.
	KeyRoot string
}

// Store keeps the objects of one resource in storage with upstream's semantics. Every
// error it returns is an apierrors Status error.
type Store struct {
	cfg   StoreConfig
	res   *Resource
	codec runtime.Codec // the storage encoding: protobuf
	// encoder is codec's encoder when the Store made it: it encodes into a buffer it is
	// given (object.go). Nil with a Codec from the config.
	encoder runtime.Encoder
	clock   clock.PassiveClock
	// watchCache serves lists and watches from memory (cache.go); made at first use.
	watchCache     *cache
	watchCacheOnce sync.Once
	// bookmarkEvery is how often a watch gets a bookmark (0: bookmarkInterval).
	bookmarkEvery time.Duration
}

// NewStore validates cfg and returns a Store.
func NewStore(cfg StoreConfig) (*Store, error) {
	if cfg.Resource == nil || cfg.Storage == nil || cfg.Scheme == nil {
		return nil, errors.New("registry: StoreConfig.Resource, Storage and Scheme are required")
	}
	r := cfg.Resource
	if r.Resource == "" || r.Kind == "" || r.Version == "" || r.New == nil || r.NewList == nil || r.Strategy == nil {
		return nil, fmt.Errorf("registry: resource %q is incomplete", r.Resource)
	}
	if r.ValidateName == nil {
		r.ValidateName = apivalidation.NameIsDNSSubdomain
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if err := r.validStorageForm(); err != nil {
		return nil, err
	}
	gv := r.storageGroupVersion()
	codec := cfg.Codec
	var encoder runtime.Encoder
	if codec == nil {
		pb := protobuf.NewSerializer(cfg.Scheme, cfg.Scheme)
		encoder = serializer.NewCodecFactory(cfg.Scheme).EncoderForVersion(pb, gv)
		codec = runtime.NewCodec(encoder, pb)
	}
	return &Store{
		cfg:     cfg,
		res:     r,
		codec:   codec,
		encoder: encoder,
		clock:   cfg.Clock,
	}, nil
}

// Resource returns the resource the Store keeps.
func (s *Store) Resource() *Resource { return s.res }
