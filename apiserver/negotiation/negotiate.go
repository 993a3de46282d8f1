package negotiation

import (
	"mime"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Output is the negotiated format of a response.
type Output struct {
	// Info is the chosen serializer. Negotiate makes its Serializer the pretty one
	// when Pretty is set and there is one.
	Info runtime.SerializerInfo
	// Convert is the object the client asked to get instead of the resource (as=, g=,
	// v=), e.g. meta.k8s.io/v1 Table; nil when it asked for the resource itself.
	Convert *schema.GroupVersionKind
	// Pretty is true when the clause asked for indented output (pretty=1).
	Pretty bool
}

// Allow says whether an endpoint serves a conversion in a media type. convert is nil
// when the client asks for no conversion.
type Allow func(info runtime.SerializerInfo, convert *schema.GroupVersionKind) bool

// NoConversion serves the plain resource in every media type and no conversion: what
// errors and endpoints without tables use.
func NoConversion(_ runtime.SerializerInfo, convert *schema.GroupVersionKind) bool {
	return convert == nil
}

// Negotiate picks the response format for an Accept header among infos (a codec
// factory's SupportedMediaTypes). It fails with a 406 Status error listing infos' media
// types when no clause is acceptable.
func Negotiate(accept string, infos []runtime.SerializerInfo, allow Allow) (Output, error) {
	if out, ok := negotiate(accept, infos, allow); ok {
		if out.Pretty && out.Info.PrettySerializer != nil {
			out.Info.Serializer = out.Info.PrettySerializer
		}
		return out, nil
	}
	types, _ := MediaTypes(infos)
	return Output{}, NewNotAcceptable(types)
}

// NegotiateStream is Negotiate for a watch: the chosen serializer must also be able to
// stream, and its output is never indented (a JSON watch is one event per line). It
// fails with a 406 Status error listing the streaming media types.
func NegotiateStream(accept string, infos []runtime.SerializerInfo, allow Allow) (Output, error) {
	if out, ok := negotiate(accept, infos, allow); ok && out.Info.StreamSerializer != nil {
		return out, nil
	}
	_, streams := MediaTypes(infos)
	return Output{}, NewNotAcceptable(streams)
}

func negotiate(accept string, infos []runtime.SerializerInfo, allow Allow) (Output, bool) {
	if len(infos) == 0 {
		return Output{}, false
	}
	if accept == "" {
		return Output{Info: infos[0]}, allow(infos[0], nil)
	}
	for _, c := range parseAccept(accept) {
		for _, info := range infos {
			if !c.matches(info.MediaTypeType, info.MediaTypeSubType) {
				continue
			}
			if out, ok := accepts(c, info, allow); ok {
				return out, true
			}
		}
	}
	return Output{}, false
}

// accepts reads a clause's parameters for one serializer, or says the clause cannot be
// served by it.
func accepts(c clause, info runtime.SerializerInfo, allow Allow) (Output, bool) {
	out := Output{Info: info}
	for k, v := range c.params {
		switch k {
		case "as", "g", "v":
			if out.Convert == nil {
				out.Convert = &schema.GroupVersionKind{}
			}
			switch k {
			case "as":
				out.Convert.Kind = v
			case "g":
				out.Convert.Group = v
			case "v":
				out.Convert.Version = v
			}
		case "stream":
			// Only watch streams exist, and only where the serializer can frame them.
			if v != "" && (v != "watch" || info.StreamSerializer == nil) {
				return Output{}, false
			}
		case "sv":
			// The server version of the generic output; meta.k8s.io has only v1.
			if v != "" && v != "v1" {
				return Output{}, false
			}
		case "pretty":
			out.Pretty = v == "1"
		}
		// Other parameters (charset, ...) do not change the answer.
	}
	if !allow(info, out.Convert) {
		return Output{}, false
	}
	return out, true
}

// Input returns the serializer for a request body of the given Content-Type; an empty
// one means the first of infos (JSON), as upstream. It fails with a 415 Status error
// listing infos' media types.
func Input(contentType string, infos []runtime.SerializerInfo) (runtime.SerializerInfo, error) {
	if contentType == "" && len(infos) > 0 {
		return infos[0], nil
	}
	if mediaType, _, err := mime.ParseMediaType(contentType); err == nil {
		if info, ok := runtime.SerializerInfoForMediaType(infos, mediaType); ok {
			return info, nil
		}
	}
	types, _ := MediaTypes(infos)
	return runtime.SerializerInfo{}, NewUnsupportedMediaType(types)
}

// MediaTypes lists the media types of infos, and those of them that stream (with
// upstream's ";stream=watch" parameter), for error messages.
func MediaTypes(infos []runtime.SerializerInfo) (types, streams []string) {
	for _, info := range infos {
		types = append(types, info.MediaType)
		if info.StreamSerializer != nil {
			streams = append(streams, info.MediaType+";stream=watch")
		}
	}
	return types, streams
}
