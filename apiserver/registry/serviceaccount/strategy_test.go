package serviceaccount

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

func account() *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "builder", Namespace: "ci"},
		Secrets: []corev1.ObjectReference{
			{Name: "builder-token", Namespace: "elsewhere", Kind: "Secret", UID: "1234", ResourceVersion: "7"},
		},
	}
}

func TestSecretReferencesKeepOnlyTheName(t *testing.T) {
	want := []corev1.ObjectReference{{Name: "builder-token"}}
	sa := account()
	Strategy{}.PrepareForCreate(context.Background(), sa)
	if !slices.Equal(sa.Secrets, want) {
		t.Errorf("after create: %+v", sa.Secrets)
	}
	sa = account()
	Strategy{}.PrepareForUpdate(context.Background(), sa, account())
	if !slices.Equal(sa.Secrets, want) {
		t.Errorf("after update: %+v", sa.Secrets)
	}
}

func TestTable(t *testing.T) {
	var names []string
	for _, c := range (Strategy{}).TableColumns() {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"Name", "Age"}) {
		t.Errorf("columns %v", names)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	sa := account()
	sa.CreationTimestamp = metav1.NewTime(now.Add(-400 * 24 * time.Hour))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(sa)
	if err != nil || !slices.Equal(row, []any{"builder", "400d"}) {
		t.Errorf("row %#v, %v", row, err)
	}
}

func TestThroughTheStore(t *testing.T) {
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	s, err := registry.NewStore(registry.StoreConfig{Resource: Resource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Create(context.Background(), "ci", account(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*corev1.ServiceAccount).Secrets; !slices.Equal(got, []corev1.ObjectReference{{Name: "builder-token"}}) {
		t.Errorf("stored secrets %+v", got)
	}
	bad := account()
	bad.Name = "Builder"
	if _, err := s.Create(context.Background(), "ci", bad, metav1.CreateOptions{}); err == nil {
		t.Error("created a service account named Builder")
	}
}
