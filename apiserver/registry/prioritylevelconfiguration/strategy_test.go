package prioritylevelconfiguration

import (
	"context"
	"slices"
	"testing"
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func queued() *flowcontrolv1.PriorityLevelConfiguration {
	return &flowcontrolv1.PriorityLevelConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-pl"},
		Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
			Type: flowcontrolv1.PriorityLevelEnablementLimited,
			Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{
				LimitResponse: flowcontrolv1.LimitResponse{Type: flowcontrolv1.LimitResponseTypeQueue, Queuing: &flowcontrolv1.QueuingConfiguration{}},
			},
		},
	}
}

func TestDefaults(t *testing.T) {
	pl := queued()
	Strategy{}.Default(pl)
	l := pl.Spec.Limited
	q := l.LimitResponse.Queuing
	if *l.NominalConcurrencyShares != 30 || *l.LendablePercent != 0 || q.Queues != 64 || q.HandSize != 8 || q.QueueLengthLimit != 50 {
		t.Errorf("defaults not applied: %+v %+v", l, q)
	}
	ex := &flowcontrolv1.PriorityLevelConfiguration{Spec: flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Exempt", Exempt: &flowcontrolv1.ExemptPriorityLevelConfiguration{}}}
	Strategy{}.Default(ex)
	if *ex.Spec.Exempt.NominalConcurrencyShares != 0 || *ex.Spec.Exempt.LendablePercent != 0 {
		t.Errorf("exempt defaults: %+v", ex.Spec.Exempt)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	pl := queued()
	Strategy{}.Default(pl)
	if errs := (Strategy{}).Validate(ctx, pl); len(errs) != 0 {
		t.Fatalf("good level: %v", errs)
	}
	pl.Spec.Limited.LendablePercent = ptr.To[int32](101)
	pl.Spec.Limited.LimitResponse.Queuing.HandSize = 65
	pl.Spec.Limited.LimitResponse.Queuing.QueueLengthLimit = -1
	got := registrytest.Messages(Strategy{}.Validate(ctx, pl))
	want := []string{
		"spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
		"spec.limited.limitResponse.queuing.queueLengthLimit: Invalid value: -1: must be positive",
		"spec.limited.limitResponse.queuing.handSize: Invalid value: 65: should not be greater than queues (64)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, tc := range []struct {
		spec flowcontrolv1.PriorityLevelConfigurationSpec
		want []string
	}{
		{flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Limited"}, []string{"spec.limited"}},
		{flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Fast"}, []string{"spec.type"}},
		{flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Exempt"}, []string{"spec.type"}}, // only "exempt" may be Exempt
		{flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Limited", Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{LimitResponse: flowcontrolv1.LimitResponse{Type: "Queue"}}}, []string{"spec.limited.limitResponse.queuing"}},
	} {
		pl := &flowcontrolv1.PriorityLevelConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "kite-pl"}, Spec: tc.spec}
		if got := registrytest.Paths(Strategy{}.Validate(ctx, pl)); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %q want %q", tc.spec, got, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	if all, _ := registrytest.ColumnNames(s.TableColumns()); !slices.Equal(all, []string{"Name", "Type", "NominalConcurrencyShares", "Queues", "HandSize", "QueueLengthLimit", "Age"}) {
		t.Errorf("columns %v", all)
	}
	pl := queued()
	Strategy{}.Default(pl)
	pl.CreationTimestamp = metav1.NewTime(now.Add(-time.Hour * 25))
	if row, err := s.TableRow(pl); err != nil || !slices.Equal(row, []any{"kite-pl", "Limited", int64(30), int64(64), int64(8), int64(50), "25h"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	ex := &flowcontrolv1.PriorityLevelConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "exempt"}, Spec: flowcontrolv1.PriorityLevelConfigurationSpec{Type: "Exempt"}}
	if row, _ := s.TableRow(ex); !slices.Equal(row, []any{"exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "<unknown>"}) {
		t.Errorf("exempt row %#v", row)
	}
}

func TestStatusIsolation(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "", queued(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pl := out.(*flowcontrolv1.PriorityLevelConfiguration)
	pl.Status.Conditions = []flowcontrolv1.PriorityLevelConfigurationCondition{{Type: "Ready", Status: "True"}}
	pl.Spec.Limited.NominalConcurrencyShares = ptr.To[int32](1)
	out, err = s.Update(ctx, "", pl.Name, pl, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	pl = out.(*flowcontrolv1.PriorityLevelConfiguration)
	if len(pl.Status.Conditions) != 1 || *pl.Spec.Limited.NominalConcurrencyShares != 30 || pl.Generation != 1 {
		t.Fatalf("status update %+v", pl)
	}
	pl.Status.Conditions = nil
	pl.Spec.Limited.NominalConcurrencyShares = ptr.To[int32](1)
	out, err = s.Update(ctx, "", pl.Name, pl, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	pl = out.(*flowcontrolv1.PriorityLevelConfiguration)
	if len(pl.Status.Conditions) != 1 || *pl.Spec.Limited.NominalConcurrencyShares != 1 || pl.Generation != 2 {
		t.Fatalf("spec update %+v", pl)
	}
}
