package discovery

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
)

// encoded is one document in every encoding, keyed by media type; indented JSON is
// kept under the JSON media type plus prettySuffix.
type encoded map[string][]byte

const prettySuffix = ";pretty"

// encodeAll encodes obj with every serializer (and the pretty JSON one).
func encodeAll(infos []runtime.SerializerInfo, obj runtime.Object) (encoded, error) {
	e := encoded{}
	for _, info := range infos {
		for _, pretty := range []bool{false, true} {
			if pretty && info.PrettySerializer == nil {
				continue
			}
			body, err := encodeOne(info, pretty, obj)
			if err != nil {
				return nil, err
			}
			key := info.MediaType
			if pretty {
				key += prettySuffix
			}
			e[key] = body
		}
	}
	return e, nil
}

// pick returns the encoding info writes, indented when asked and info can.
func (e encoded) pick(info runtime.SerializerInfo, pretty bool) []byte {
	if pretty {
		if body, ok := e[info.MediaType+prettySuffix]; ok {
			return body
		}
	}
	return e[info.MediaType]
}

func encodeOne(info runtime.SerializerInfo, pretty bool, obj runtime.Object) ([]byte, error) {
	s := info.Serializer
	if pretty && info.PrettySerializer != nil {
		s = info.PrettySerializer
	}
	var buf bytes.Buffer
	if err := s.Encode(obj, &buf); err != nil {
		return nil, fmt.Errorf("discovery: encoding %T as %s: %w", obj, info.MediaType, err)
	}
	return buf.Bytes(), nil
}
