package secret

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

func secret(typ corev1.SecretType, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "default"}, Type: typ}
	if data != nil {
		s.Data = map[string][]byte{}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
	}
	return s
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

func TestDefaultTypeIsOpaque(t *testing.T) {
	s := secret("", nil)
	Strategy{}.Default(s)
	if s.Type != corev1.SecretTypeOpaque {
		t.Errorf("type %q", s.Type)
	}
	s = secret(corev1.SecretTypeTLS, nil)
	Strategy{}.Default(s)
	if s.Type != corev1.SecretTypeTLS {
		t.Errorf("Default changed a set type to %q", s.Type)
	}
}

func TestStringDataIsMergedIntoData(t *testing.T) {
	s := secret("", map[string]string{"user": "old", "keep": "k"})
	s.StringData = map[string]string{"user": "admin", "password": "hunter2"}
	Strategy{}.PrepareForCreate(context.Background(), s)
	want := map[string]string{"user": "admin", "password": "hunter2", "keep": "k"}
	if s.StringData != nil || len(s.Data) != len(want) {
		t.Fatalf("after create: data %v, stringData %v", s.Data, s.StringData)
	}
	for k, v := range want {
		if string(s.Data[k]) != v {
			t.Errorf("data[%s] = %q, want %q", k, s.Data[k], v)
		}
	}

	// On update too; a secret with only stringData gets data.
	old := secret(corev1.SecretTypeBasicAuth, nil)
	upd := secret("", nil)
	upd.StringData = map[string]string{"username": "u"}
	Strategy{}.PrepareForUpdate(context.Background(), upd, old)
	if string(upd.Data["username"]) != "u" || upd.StringData != nil {
		t.Errorf("after update: data %v, stringData %v", upd.Data, upd.StringData)
	}
	// An update without a type keeps the old one rather than defaulting to Opaque.
	if upd.Type != corev1.SecretTypeBasicAuth {
		t.Errorf("type after update %q", upd.Type)
	}
}

func TestValidateKeysAndSize(t *testing.T) {
	ctx := context.Background()
	wantMessages(t, "bad key", Strategy{}.Validate(ctx, secret(corev1.SecretTypeOpaque, map[string]string{"a b": "", "ok": ""})),
		`data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`)
	big := strings.Repeat("x", corev1.MaxSecretSize/2)
	wantMessages(t, "1 MiB", Strategy{}.Validate(ctx, secret(corev1.SecretTypeOpaque, map[string]string{"a": big, "b": big})))
	wantMessages(t, "too big", Strategy{}.Validate(ctx, secret(corev1.SecretTypeOpaque, map[string]string{"a": big, "b": big + "x"})),
		"data: Too long: may not be more than 1048576 bytes")
}

func TestValidateTypes(t *testing.T) {
	ctx := context.Background()
	token := secret(corev1.SecretTypeServiceAccountToken, nil)
	for _, tc := range []struct {
		what   string
		secret *corev1.Secret
		want   []string
	}{
		{"opaque", secret(corev1.SecretTypeOpaque, nil), nil},
		{"unknown type", secret("example.com/custom", nil), nil},
		{"token without account", token, []string{"metadata.annotations[kubernetes.io/service-account.name]: Required value"}},
		{"dockerconfigjson", secret(corev1.SecretTypeDockerConfigJson, map[string]string{".dockerconfigjson": `{"auths":{}}`}), nil},
		{"dockerconfigjson missing", secret(corev1.SecretTypeDockerConfigJson, nil), []string{"data[.dockerconfigjson]: Required value"}},
		{"dockerconfigjson not JSON", secret(corev1.SecretTypeDockerConfigJson, map[string]string{".dockerconfigjson": "auths"}),
			[]string{`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'a' looking for beginning of value`}},
		{"dockercfg missing", secret(corev1.SecretTypeDockercfg, nil), []string{"data[.dockercfg]: Required value"}},
		{"basic-auth password only", secret(corev1.SecretTypeBasicAuth, map[string]string{"password": ""}), nil},
		{"basic-auth empty", secret(corev1.SecretTypeBasicAuth, nil), []string{"data[username]: Required value", "data[password]: Required value"}},
		{"ssh-auth", secret(corev1.SecretTypeSSHAuth, map[string]string{"ssh-privatekey": "k"}), nil},
		{"ssh-auth empty key", secret(corev1.SecretTypeSSHAuth, map[string]string{"ssh-privatekey": ""}), []string{"data[ssh-privatekey]: Required value"}},
		{"tls", secret(corev1.SecretTypeTLS, map[string]string{"tls.crt": "", "tls.key": ""}), nil},
		{"tls without key", secret(corev1.SecretTypeTLS, map[string]string{"tls.crt": "c"}), []string{"data[tls.key]: Required value"}},
		{"tls empty", secret(corev1.SecretTypeTLS, nil), []string{"data[tls.crt]: Required value", "data[tls.key]: Required value"}},
	} {
		wantMessages(t, tc.what, Strategy{}.Validate(ctx, tc.secret), tc.want...)
	}
	token.Annotations = map[string]string{corev1.ServiceAccountNameKey: "default"}
	wantMessages(t, "token", Strategy{}.Validate(ctx, token))
}

func TestValidateUpdate(t *testing.T) {
	ctx := context.Background()
	old := secret(corev1.SecretTypeOpaque, map[string]string{"k": "v"})
	wantMessages(t, "type change", Strategy{}.ValidateUpdate(ctx, secret(corev1.SecretTypeTLS, map[string]string{"tls.crt": "", "tls.key": ""}), old),
		`type: Invalid value: "kubernetes.io/tls": field is immutable`)

	old.Immutable = ptr.To(true)
	same := old.DeepCopy()
	same.Labels = map[string]string{"a": "b"}
	wantMessages(t, "immutable, metadata change", Strategy{}.ValidateUpdate(ctx, same, old))
	changed := secret(corev1.SecretTypeOpaque, map[string]string{"k": "w"})
	wantMessages(t, "immutable, data change", Strategy{}.ValidateUpdate(ctx, changed, old),
		"immutable: Forbidden: field is immutable when `immutable` is set",
		"data: Forbidden: field is immutable when `immutable` is set")
}

func TestFields(t *testing.T) {
	got := Strategy{}.Fields(secret(corev1.SecretTypeTLS, nil))
	if len(got) != 3 || got["metadata.name"] != "creds" || got["metadata.namespace"] != "default" || got["type"] != "kubernetes.io/tls" {
		t.Errorf("Fields = %v", got)
	}
}

func TestTable(t *testing.T) {
	var names []string
	for _, c := range (Strategy{}).TableColumns() {
		names = append(names, c.Name)
		if c.Priority != 0 || c.Type != "string" || c.Description == "" {
			t.Errorf("column %+v", c)
		}
	}
	if !slices.Equal(names, []string{"Name", "Type", "Data", "Age"}) {
		t.Errorf("columns %v", names)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := secret(corev1.SecretTypeOpaque, map[string]string{"a": "", "b": ""})
	s.CreationTimestamp = metav1.NewTime(now.Add(-49 * time.Hour))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(s)
	if err != nil || !slices.Equal(row, []any{"creds", "Opaque", int64(2), "2d1h"}) {
		t.Errorf("row %#v, %v", row, err)
	}
}
