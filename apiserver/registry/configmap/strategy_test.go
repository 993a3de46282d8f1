package configmap

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

func cm(data map[string]string, binary map[string][]byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"}, Data: data, BinaryData: binary}
}

// messages renders errors as kubectl shows them.
func messages(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func wantMessages(t *testing.T, what string, errs field.ErrorList, want ...string) {
	t.Helper()
	if got := messages(errs); !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

const badKey = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

func TestValidateKeys(t *testing.T) {
	ctx := context.Background()
	wantMessages(t, "good keys", Strategy{}.Validate(ctx, cm(map[string]string{"app.conf": "x", "KEY_1": "y", "-k": ""}, map[string][]byte{"logo.png": {1}})))
	wantMessages(t, "bad keys", Strategy{}.Validate(ctx, cm(map[string]string{"a b": "x", "dup": "1"}, map[string][]byte{"dup": {1}, "x/y": {2}})),
		`data[a b]: Invalid value: "a b": `+badKey,
		`data[dup]: Invalid value: "dup": duplicate of key present in binaryData`,
		`binaryData[x/y]: Invalid value: "x/y": `+badKey,
	)
	wantMessages(t, "dot keys", Strategy{}.Validate(ctx, cm(map[string]string{".": "", "..": "", "..x": ""}, nil)),
		`data[.]: Invalid value: ".": must not be '.'`,
		`data[..]: Invalid value: "..": must not be '..'`,
		`data[..x]: Invalid value: "..x": must not start with '..'`,
	)
}

func TestValidateSize(t *testing.T) {
	ctx := context.Background()
	half := strings.Repeat("x", corev1.MaxSecretSize/2)
	wantMessages(t, "exactly 1 MiB", Strategy{}.Validate(ctx, cm(map[string]string{"a": half}, map[string][]byte{"b": []byte(half)})))
	// Data and binaryData count together.
	wantMessages(t, "1 MiB and a byte", Strategy{}.Validate(ctx, cm(map[string]string{"a": half + "x"}, map[string][]byte{"b": []byte(half)})),
		"[]: Too long: may not be more than 1048576 bytes") // upstream names the whole object "[]"
}

func TestImmutable(t *testing.T) {
	ctx := context.Background()
	old := cm(map[string]string{"k": "v"}, nil)
	old.Immutable = ptr.To(true)

	// Labels may change; nil and empty binaryData are the same.
	same := old.DeepCopy()
	same.Labels = map[string]string{"a": "b"}
	same.BinaryData = map[string][]byte{}
	wantMessages(t, "metadata change", Strategy{}.ValidateUpdate(ctx, same, old))

	changed := old.DeepCopy()
	changed.Data["k"] = "w"
	changed.BinaryData = map[string][]byte{"b": {1}}
	changed.Immutable = ptr.To(false)
	wantMessages(t, "data change", Strategy{}.ValidateUpdate(ctx, changed, old),
		"immutable: Forbidden: field is immutable when `immutable` is set",
		"data: Forbidden: field is immutable when `immutable` is set",
		"binaryData: Forbidden: field is immutable when `immutable` is set",
	)

	// A mutable config map may change and become immutable.
	mutable := cm(map[string]string{"k": "v"}, nil)
	now := cm(map[string]string{"k": "w"}, nil)
	now.Immutable = ptr.To(true)
	wantMessages(t, "mutable", Strategy{}.ValidateUpdate(ctx, now, mutable))

	// The new object is validated too.
	wantMessages(t, "bad key on update", Strategy{}.ValidateUpdate(ctx, cm(map[string]string{"a b": ""}, nil), mutable),
		`data[a b]: Invalid value: "a b": `+badKey)
}

func TestTable(t *testing.T) {
	var names []string
	for _, c := range (Strategy{}).TableColumns() {
		names = append(names, c.Name)
		if c.Priority != 0 || c.Type != "string" || c.Description == "" {
			t.Errorf("column %+v", c)
		}
	}
	if !slices.Equal(names, []string{"Name", "Data", "Age"}) {
		t.Errorf("columns %v", names)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	c := cm(map[string]string{"a": "", "b": ""}, map[string][]byte{"c": nil})
	c.CreationTimestamp = metav1.NewTime(now.Add(-90 * time.Second))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(c)
	if err != nil || !slices.Equal(row, []any{"settings", int64(3), "90s"}) {
		t.Errorf("row %#v, %v", row, err)
	}
}
