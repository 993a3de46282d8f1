package admission

import (
	"fmt"
	"strings"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// objectTypes lets mutation expressions build objects as upstream's do:
// `Object{spec: Object.spec{replicas: 3}}` (an apply configuration) and
// `JSONPatch{op: "add", path: "/x", value: 1}`. Any type named Object or Object.<path>
// is a struct whose every field is dynamic; building one makes a map. Everything else
// is the default registry's.
type objectTypes struct {
	types.Provider
	types.Adapter
}

func isObjectType(name string) bool {
	name = strings.TrimPrefix(name, ".")
	return name == "Object" || strings.HasPrefix(name, "Object.") || name == "JSONPatch"
}

func (p objectTypes) FindStructType(name string) (*types.Type, bool) {
	if isObjectType(name) {
		return types.NewTypeTypeWithParam(types.NewObjectType(strings.TrimPrefix(name, "."))), true
	}
	return p.Provider.FindStructType(name)
}

func (p objectTypes) FindStructFieldNames(name string) ([]string, bool) {
	if isObjectType(name) {
		return nil, true
	}
	return p.Provider.FindStructFieldNames(name)
}

func (p objectTypes) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if isObjectType(name) {
		return &types.FieldType{Type: types.DynType}, true
	}
	return p.Provider.FindStructFieldType(name, field)
}

func (p objectTypes) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if !isObjectType(name) {
		return p.Provider.NewValue(name, fields)
	}
	m := make(map[string]any, len(fields))
	for k, v := range fields {
		native, err := toNative(v)
		if err != nil {
			return types.NewErr("%s.%s: %v", name, k, err)
		}
		m[k] = native
	}
	return p.Adapter.NativeToValue(m)
}

// toNative turns a CEL value into the JSON-like Go value it stands for: maps with
// string keys, lists, strings, int64, float64, bool and nil.
func toNative(v ref.Val) (any, error) {
	switch v.Type() {
	case types.NullType:
		return nil, nil
	case types.BoolType, types.StringType, types.IntType, types.DoubleType:
		return v.Value(), nil
	case types.UintType:
		return int64(v.Value().(uint64)), nil
	}
	if m, ok := v.(traits.Mapper); ok {
		out := map[string]any{}
		it := m.Iterator()
		for it.HasNext() == types.True {
			k := it.Next()
			key, ok := k.Value().(string)
			if !ok {
				return nil, fmt.Errorf("map key %v is not a string", k)
			}
			val, err := toNative(m.Get(k))
			if err != nil {
				return nil, err
			}
			out[key] = val
		}
		return out, nil
	}
	if l, ok := v.(traits.Lister); ok {
		var out []any
		it := l.Iterator()
		for it.HasNext() == types.True {
			val, err := toNative(it.Next())
			if err != nil {
				return nil, err
			}
			out = append(out, val)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	switch x := v.Value().(type) {
	case map[string]any, []any, string, int64, float64, bool:
		return x, nil
	}
	return nil, fmt.Errorf("cannot use a %s here", v.Type().TypeName())
}
