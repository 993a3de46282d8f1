package registrytest

import (
	"context"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
)

// BindingStrategy is what CheckPolicyBinding calls of an admission policy binding's
// strategy.
type BindingStrategy interface {
	Validate(ctx context.Context, obj runtime.Object) field.ErrorList
	TableColumns() []metav1.TableColumnDefinition
	TableRow(obj runtime.Object) ([]any, error)
}

// BindingFields points into one binding's spec at the fields every admission policy
// binding kind has.
type BindingFields struct {
	PolicyName     *string
	ParamRef       **admissionv1.ParamRef
	MatchResources **admissionv1.MatchResources
}

// PolicyBinding is an admission policy binding kind (validating or mutating) under
// test.
type PolicyBinding struct {
	// New returns a valid binding called kite-binding of the policy kite-policy.
	New func() runtime.Object
	// Fields points into obj's spec.
	Fields func(obj runtime.Object) BindingFields
	// Strategy returns the kind's strategy measuring ages against c.
	Strategy func(c clock.PassiveClock) BindingStrategy
	// Store serves the kind (see NewStore).
	Store *registry.Store
}

// CheckPolicyBinding checks what the binding kinds share, with upstream's field paths
// and columns: validation of policyName, paramRef and matchResources, the defaults of
// matchResources and the generation through the store, and the table.
func CheckPolicyBinding(t *testing.T, k PolicyBinding) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := k.Strategy(clocktesting.NewFakePassiveClock(now))

	t.Run("validate", func(t *testing.T) {
		if errs := s.Validate(ctx, k.New()); len(errs) != 0 {
			t.Fatalf("good binding: %v", errs)
		}
		b := k.New()
		f := k.Fields(b)
		*f.PolicyName = ""
		*f.ParamRef = &admissionv1.ParamRef{Name: "p", Selector: &metav1.LabelSelector{}, ParameterNotFoundAction: ptr.To(admissionv1.ParameterNotFoundActionType("Maybe"))}
		*f.MatchResources = &admissionv1.MatchResources{MatchPolicy: ptr.To(admissionv1.MatchPolicyType("Fuzzy"))}
		got := Paths(s.Validate(ctx, b))
		want := []string{"spec.policyName", "spec.paramRef.name", "spec.paramRef.parameterNotFoundAction", "spec.matchResources.matchPolicy"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})

	t.Run("defaults through the store", func(t *testing.T) {
		in := k.New()
		*k.Fields(in).MatchResources = &admissionv1.MatchResources{}
		out, err := k.Store.Create(ctx, "", in, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f := k.Fields(out)
		m := *f.MatchResources
		if *m.MatchPolicy != admissionv1.Equivalent || m.NamespaceSelector == nil || m.ObjectSelector == nil || generation(out) != 1 {
			t.Fatalf("created %+v", out)
		}
		*f.PolicyName = "other"
		out, err = k.Store.Update(ctx, "", "kite-binding", out, metav1.UpdateOptions{}, "")
		if err != nil || generation(out) != 2 {
			t.Fatalf("update: %v %v", out, err)
		}
	})

	t.Run("table", func(t *testing.T) {
		if all, _ := ColumnNames(s.TableColumns()); !slices.Equal(all, []string{"Name", "PolicyName", "ParamRef", "Age"}) {
			t.Errorf("columns %v", all)
		}
		for _, tc := range []struct {
			ref  *admissionv1.ParamRef
			want string
		}{
			{nil, "<unset>"},
			{&admissionv1.ParamRef{Name: "limits", Namespace: "default"}, "default/limits"},
			{&admissionv1.ParamRef{Name: "limits"}, "*/limits"},
		} {
			b := k.New()
			*k.Fields(b).ParamRef = tc.ref
			b.(metav1.Object).SetCreationTimestamp(metav1.NewTime(now.Add(-time.Minute)))
			row, err := s.TableRow(b)
			if err != nil || !slices.Equal(row, []any{"kite-binding", "kite-policy", tc.want, "60s"}) {
				t.Errorf("row %#v, %v", row, err)
			}
		}
	})
}

func generation(obj runtime.Object) int64 {
	if o, ok := obj.(metav1.Object); ok {
		return o.GetGeneration()
	}
	return -1
}
