package patch

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Config configures a Patcher for one resource.
type Config struct {
	// Codecs encode and decode the resource: the codecs of the scheme holding its
	// types, or a custom resource's own serializer. Required.
	Codecs runtime.NegotiatedSerializer
	// GroupVersion is the resource's group version. Required.
	GroupVersion schema.GroupVersion
	// New returns an empty object of the resource's type; it is also the schema of
	// strategic merge patches. Required.
	New func() runtime.Object
	// MaxCopyBytes bounds how much JSON patch "copy" operations may add to a document
	// (default 3 MiB, as upstream's JSONPatchMaxCopyBytes).
	MaxCopyBytes int64
}

// DefaultMaxCopyBytes is the default Config.MaxCopyBytes.
const DefaultMaxCopyBytes = 3 << 20

// Patcher applies patches to objects of one resource. It is safe for concurrent use.
type Patcher struct {
	gv      schema.GroupVersion
	newObj  func() runtime.Object
	maxCopy int64
	// The object as JSON in its version, and JSON back to an object, loosely or with
	// unknown and duplicate fields reported.
	encoder       runtime.Encoder
	decoder       runtime.Decoder
	strictDecoder runtime.Decoder
	smpSchema     strategicpatch.LookupPatchMeta

	// fields is the resource's field manager, made on first use (see Fields).
	fields lazyFields
}

// New validates cfg and returns a Patcher.
func New(cfg Config) (*Patcher, error) {
	if cfg.New == nil || cfg.GroupVersion.Version == "" {
		return nil, errors.New("patch: Config.New and GroupVersion are required")
	}
	info, ok := runtime.SerializerInfoForMediaType(cfg.Codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	if !ok || info.StrictSerializer == nil {
		return nil, errors.New("patch: Config.Codecs has no JSON serializer")
	}
	smpSchema, err := strategicpatch.NewPatchMetaFromStruct(cfg.New())
	if err != nil {
		return nil, fmt.Errorf("patch: the resource's type cannot be a strategic merge patch schema: %w", err)
	}
	if cfg.MaxCopyBytes <= 0 {
		cfg.MaxCopyBytes = DefaultMaxCopyBytes
	}
	return &Patcher{
		gv:            cfg.GroupVersion,
		newObj:        cfg.New,
		maxCopy:       cfg.MaxCopyBytes,
		encoder:       cfg.Codecs.EncoderForVersion(info.Serializer, cfg.GroupVersion),
		decoder:       cfg.Codecs.DecoderToVersion(info.Serializer, cfg.GroupVersion),
		strictDecoder: cfg.Codecs.DecoderToVersion(info.StrictSerializer, cfg.GroupVersion),
		smpSchema:     smpSchema,
	}, nil
}

// Types returns the patch types a PATCH request may have, in the order upstream lists
// them: the three Apply knows, then server-side apply's, which the resource's field
// manager applies (see Fields). CBOR apply patches are not served, as upstream by
// default.
func Types() []types.PatchType {
	return []types.PatchType{types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType, types.ApplyYAMLPatchType}
}

// Apply applies data, a patch of type pt, to current (which it does not modify) and
// returns the patched object. validation is the request's fieldValidation (Ignore,
// Warn or Strict; "" counts as Warn); with Warn, the unknown and duplicate fields found
// are returned as warnings for the client. Every error is a Status error.
func (p *Patcher) Apply(current runtime.Object, pt types.PatchType, data []byte, validation string) (runtime.Object, []string, error) {
	if validation == "" {
		validation = metav1.FieldValidationWarn
	}
	var (
		obj      runtime.Object
		problems []error
		err      error
	)
	switch pt {
	case types.JSONPatchType, types.MergePatchType:
		obj, problems, err = p.applyJSON(current, pt, data, validation)
	case types.StrategicMergePatchType:
		obj, problems, err = p.applyStrategic(current, data, validation)
	default:
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("unknown patch type %q", pt))
	}
	if err != nil {
		return nil, nil, err
	}
	if validation != metav1.FieldValidationWarn {
		return obj, nil, nil
	}
	return obj, warnings(problems), nil
}

// strict says whether unknown and duplicate fields are looked for.
func strict(validation string) bool { return validation != metav1.FieldValidationIgnore }

// invalidPatch is upstream's 422 for a patch whose result is not a valid object: the
// "patch" field, with the patched document as its value.
func invalidPatch(value string, err error) error {
	return apierrors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{field.Invalid(field.NewPath("patch"), value, err.Error())})
}

// warnings turns strict decoding problems into warning texts.
func warnings(problems []error) []string {
	out := make([]string, 0, len(problems))
	for _, p := range problems {
		out = append(out, p.Error())
	}
	return out
}
