package customresource

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metatable "k8s.io/apimachinery/pkg/api/meta/table"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/jsonpath"
)

// table prints a version's additionalPrinterColumns, as upstream's table convertor:
// Name first, then each column's JSONPath value typed by the column's type.
type table struct {
	columns []metav1.TableColumnDefinition
	paths   []*jsonpath.JSONPath
}

// ageColumn is what a version without printer columns shows besides the name.
func ageColumn() apiextensionsv1.CustomResourceColumnDefinition {
	return apiextensionsv1.CustomResourceColumnDefinition{
		Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp",
		Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"],
	}
}

func newTable(cols []apiextensionsv1.CustomResourceColumnDefinition) (*table, error) {
	if len(cols) == 0 {
		cols = []apiextensionsv1.CustomResourceColumnDefinition{ageColumn()}
	}
	t := &table{columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	}}
	for _, c := range cols {
		p := jsonpath.New(c.Name)
		if err := p.Parse("{" + c.JSONPath + "}"); err != nil {
			return nil, fmt.Errorf("unrecognized column definition %q", c.JSONPath)
		}
		p.AllowMissingKeys(true)
		desc := c.Description
		if desc == "" {
			desc = "Custom resource definition column (in JSONPath format): " + c.JSONPath
		}
		t.paths = append(t.paths, p)
		t.columns = append(t.columns, metav1.TableColumnDefinition{Name: c.Name, Type: c.Type, Format: c.Format, Description: desc, Priority: c.Priority})
	}
	return t, nil
}

func (t *table) row(obj map[string]any) ([]any, error) {
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	cells := []any{name}
	var buf bytes.Buffer
	for i, p := range t.paths {
		typ := t.columns[i+1].Type
		results, err := p.FindResults(obj)
		if err != nil || len(results) == 0 || len(results[0]) == 0 {
			cells = append(cells, nil)
			continue
		}
		v := results[0][0].Interface()
		if typ == "string" {
			buf.Reset()
			if err := p.PrintResults(&buf, []reflect.Value{reflect.ValueOf(v)}); err != nil {
				cells = append(cells, nil)
				continue
			}
			cells = append(cells, buf.String())
			continue
		}
		cells = append(cells, cell(typ, v))
	}
	return cells, nil
}

// cell types a JSON value as the column's type says; nil when it is not one.
func cell(typ string, v any) any {
	switch typ {
	case "integer":
		switch n := v.(type) {
		case int64:
			return n
		case float64:
			return int64(n)
		case json.Number:
			if i, err := n.Int64(); err == nil {
				return i
			}
		}
	case "number":
		switch n := v.(type) {
		case int64:
			return float64(n)
		case float64:
			return n
		case json.Number:
			if f, err := n.Float64(); err == nil {
				return f
			}
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			return b
		}
	case "date":
		if s, ok := v.(string); ok {
			var ts metav1.Time
			if err := ts.UnmarshalQueryParameter(s); err != nil {
				return "<invalid>"
			}
			return metatable.ConvertToHumanReadableDateType(ts)
		}
	}
	return nil
}

// selectableField is one of a version's selectableFields: a simple path such as
// .spec.color, selected by its text without the leading dot.
type selectableField struct {
	path  string
	steps []string
}

func newSelectableField(jsonPath string) selectableField {
	p := strings.TrimPrefix(jsonPath, ".")
	return selectableField{path: p, steps: strings.Split(p, ".")}
}

// value is the field's value as a selector compares it: strings as they are, numbers
// and booleans in their usual text, "" when absent.
func (f selectableField) value(obj map[string]any) string {
	var cur any = obj
	for _, s := range f.steps {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[s]
	}
	switch v := cur.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}
