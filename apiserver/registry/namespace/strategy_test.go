package namespace

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clocktesting "k8s.io/utils/clock/testing"
)

func ns(name string, finalizers ...corev1.FinalizerName) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NamespaceSpec{Finalizers: finalizers}}
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

func TestCreateMakesAnActiveNamespaceWithTheKubernetesFinalizer(t *testing.T) {
	ctx := context.Background()
	n := ns("team-a", "example.com/cleanup")
	n.Status.Phase = corev1.NamespaceTerminating
	n.Labels = map[string]string{corev1.LabelMetadataName: "other", "team": "a"}
	Strategy{}.PrepareForCreate(ctx, n)
	if n.Status.Phase != corev1.NamespaceActive {
		t.Errorf("phase %q, want Active", n.Status.Phase)
	}
	if want := []corev1.FinalizerName{"example.com/cleanup", "kubernetes"}; !slices.Equal(n.Spec.Finalizers, want) {
		t.Errorf("finalizers %v, want %v", n.Spec.Finalizers, want)
	}
	if n.Labels[corev1.LabelMetadataName] != "team-a" || n.Labels["team"] != "a" {
		t.Errorf("labels %v", n.Labels)
	}

	// The finalizer is not added twice.
	n = ns("team-b", "kubernetes")
	Strategy{}.PrepareForCreate(ctx, n)
	if want := []corev1.FinalizerName{"kubernetes"}; !slices.Equal(n.Spec.Finalizers, want) {
		t.Errorf("finalizers %v, want %v", n.Spec.Finalizers, want)
	}

	// A namespace named by generateName is labelled once it has its name.
	n = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tmp-"}}
	Strategy{}.PrepareForCreate(ctx, n)
	if len(n.Labels) != 0 {
		t.Errorf("unnamed namespace labelled %v", n.Labels)
	}
	n.Name = "tmp-x7k2q"
	Strategy{}.Canonicalize(n)
	if n.Labels[corev1.LabelMetadataName] != "tmp-x7k2q" {
		t.Errorf("after naming, labels %v", n.Labels)
	}
}

func TestUpdateKeepsFinalizersStatusAndTheNameLabel(t *testing.T) {
	old := ns("team-a", "kubernetes")
	old.Status.Phase = corev1.NamespaceTerminating
	old.Labels = map[string]string{corev1.LabelMetadataName: "team-a"}

	n := ns("team-a", "example.com/other")
	n.Status.Phase = corev1.NamespaceActive
	n.Labels = map[string]string{"team": "a"} // the name label removed
	Strategy{}.PrepareForUpdate(context.Background(), n, old)
	if !slices.Equal(n.Spec.Finalizers, old.Spec.Finalizers) || n.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("update changed finalizers or status: %v %q", n.Spec.Finalizers, n.Status.Phase)
	}
	if n.Labels[corev1.LabelMetadataName] != "team-a" || n.Labels["team"] != "a" {
		t.Errorf("labels %v", n.Labels)
	}
}

func TestStatusAndFinalizeChangeOnlyTheirPart(t *testing.T) {
	ctx := context.Background()
	old := ns("team-a", "kubernetes")
	old.Status.Phase = corev1.NamespaceActive

	n := ns("team-a") // finalizers dropped
	n.Status.Phase = corev1.NamespaceTerminating
	Strategy{}.PrepareForStatusUpdate(ctx, n, old)
	if !slices.Equal(n.Spec.Finalizers, old.Spec.Finalizers) || n.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("status update: finalizers %v, phase %q", n.Spec.Finalizers, n.Status.Phase)
	}

	n = ns("team-a") // finalizers dropped, as the namespace controller does
	n.Status.Phase = corev1.NamespaceTerminating
	Strategy{}.PrepareForFinalizeUpdate(ctx, n, old)
	if len(n.Spec.Finalizers) != 0 || n.Status.Phase != corev1.NamespaceActive {
		t.Errorf("finalize: finalizers %v, phase %q", n.Spec.Finalizers, n.Status.Phase)
	}
}

func TestDefaults(t *testing.T) {
	n := ns("team-a")
	Strategy{}.Default(n)
	if n.Status.Phase != corev1.NamespaceActive || n.Labels[corev1.LabelMetadataName] != "team-a" {
		t.Errorf("defaulted: phase %q, labels %v", n.Status.Phase, n.Labels)
	}
	n.Status.Phase = corev1.NamespaceTerminating
	Strategy{}.Default(n)
	if n.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("Default changed a set phase to %q", n.Status.Phase)
	}
}

func TestValidateFinalizers(t *testing.T) {
	ctx := context.Background()
	good := ns("a", "kubernetes", "orphan", "foregroundDeletion", "example.com/cleanup")
	wantMessages(t, "standard and qualified finalizers", Strategy{}.Validate(ctx, good))
	wantMessages(t, "update", Strategy{}.ValidateUpdate(ctx, good, good))

	bad := ns("a", "kubernetes", "cleanup", "example.com/a/b")
	wantMessages(t, "create", Strategy{}.Validate(ctx, bad),
		`spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified`,
		`spec.finalizers: Invalid value: "example.com/a/b": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
	)
	// Through finalize, upstream names the finalizer's index.
	wantMessages(t, "finalize", Strategy{}.ValidateFinalizeUpdate(ctx, ns("a", "cleanup"), good),
		`spec.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified`,
	)
}

func TestValidateStatusTiesPhaseToDeletion(t *testing.T) {
	ctx := context.Background()
	live := ns("a")
	live.Status.Phase = corev1.NamespaceActive
	wantMessages(t, "active", Strategy{}.ValidateStatusUpdate(ctx, live, live))
	live.Status.Phase = corev1.NamespaceTerminating
	wantMessages(t, "terminating without deletion", Strategy{}.ValidateStatusUpdate(ctx, live, live),
		"status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty")

	deleting := ns("a")
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	deleting.Status.Phase = corev1.NamespaceTerminating
	wantMessages(t, "terminating", Strategy{}.ValidateStatusUpdate(ctx, deleting, deleting))
	deleting.Status.Phase = corev1.NamespaceActive
	wantMessages(t, "active while deleted", Strategy{}.ValidateStatusUpdate(ctx, deleting, deleting),
		"status.Phase: Invalid value: \"Active\": may only be 'Terminating' if `deletionTimestamp` is not empty")
}

func TestFields(t *testing.T) {
	n := ns("team-a")
	n.Status.Phase = corev1.NamespaceTerminating
	got := Strategy{}.Fields(n)
	if len(got) != 2 || got["metadata.name"] != "team-a" || got["status.phase"] != "Terminating" {
		t.Errorf("Fields = %v", got)
	}
}

func TestVerbsLackDeleteCollection(t *testing.T) {
	if v := (Strategy{}).Verbs(); slices.Contains(v, "deletecollection") || len(v) != 7 {
		t.Errorf("Verbs = %v", v)
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
	if !slices.Equal(names, []string{"Name", "Status", "Age"}) {
		t.Errorf("columns %v", names)
	}

	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	n := ns("team-a")
	n.Status.Phase = corev1.NamespaceActive
	n.CreationTimestamp = metav1.NewTime(now.Add(-26 * time.Hour))
	row, err := s.TableRow(n)
	if err != nil || !slices.Equal(row, []any{"team-a", "Active", "26h"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	n.CreationTimestamp = metav1.Time{}
	if row, _ := s.TableRow(n); row[2] != "<unknown>" {
		t.Errorf("age of an unstamped namespace: %v", row[2])
	}
	if _, err := s.TableRow(&corev1.ConfigMap{}); err == nil {
		t.Error("printed a config map as a namespace")
	}
}
