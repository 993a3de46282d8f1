package flowschema

import (
	"context"
	"slices"
	"testing"
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func schema() *flowcontrolv1.FlowSchema {
	return &flowcontrolv1.FlowSchema{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-fs"},
		Spec: flowcontrolv1.FlowSchemaSpec{
			PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "global-default"},
			Rules: []flowcontrolv1.PolicyRulesWithSubjects{{
				Subjects:      []flowcontrolv1.Subject{{Kind: flowcontrolv1.SubjectKindUser, User: &flowcontrolv1.UserSubject{Name: "alice"}}},
				ResourceRules: []flowcontrolv1.ResourcePolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, Namespaces: []string{"*"}}},
			}},
		},
	}
}

func TestDefaultAndValidate(t *testing.T) {
	ctx := context.Background()
	fs := schema()
	Strategy{}.Default(fs)
	if fs.Spec.MatchingPrecedence != 1000 {
		t.Errorf("matchingPrecedence %d", fs.Spec.MatchingPrecedence)
	}
	if errs := (Strategy{}).Validate(ctx, fs); len(errs) != 0 {
		t.Fatalf("good schema: %v", errs)
	}
	fs.Spec.MatchingPrecedence = 10001
	fs.Spec.PriorityLevelConfiguration.Name = ""
	fs.Spec.DistinguisherMethod = &flowcontrolv1.FlowDistinguisherMethod{Type: "ByColour"}
	fs.Spec.Rules[0].Subjects[0].User.Name = ""
	fs.Spec.Rules[0].ResourceRules[0].Namespaces = nil
	fs.Spec.Rules = append(fs.Spec.Rules, flowcontrolv1.PolicyRulesWithSubjects{})
	got := registrytest.Paths(Strategy{}.Validate(ctx, fs))
	want := []string{
		"spec.matchingPrecedence",
		"spec.distinguisherMethod.type",
		"spec.priorityLevelConfiguration.name",
		"spec.rules[0].subjects[0].user.name",
		"spec.rules[0].resourceRules[0].namespaces",
		"spec.rules[1].subjects",
		"spec.rules[1]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	if all, _ := registrytest.ColumnNames(s.TableColumns()); !slices.Equal(all, []string{"Name", "PriorityLevel", "MatchingPrecedence", "DistinguisherMethod", "Age", "MissingPL"}) {
		t.Errorf("columns %v", all)
	}
	fs := schema()
	fs.Spec.MatchingPrecedence = 500
	fs.CreationTimestamp = metav1.NewTime(now.Add(-10 * time.Second))
	if row, err := s.TableRow(fs); err != nil || !slices.Equal(row, []any{"kite-fs", "global-default", int64(500), "<none>", "10s", "?"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	fs.Spec.DistinguisherMethod = &flowcontrolv1.FlowDistinguisherMethod{Type: flowcontrolv1.FlowDistinguisherMethodByUserType}
	fs.Status.Conditions = []flowcontrolv1.FlowSchemaCondition{{Type: flowcontrolv1.FlowSchemaConditionDangling, Status: flowcontrolv1.ConditionFalse}}
	if row, _ := s.TableRow(fs); row[3] != "ByUser" || row[5] != "False" {
		t.Errorf("row %#v", row)
	}
}

func TestStatusIsolation(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := schema()
	in.Status.Conditions = []flowcontrolv1.FlowSchemaCondition{{Type: "Dangling", Status: "True"}}
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fs := out.(*flowcontrolv1.FlowSchema)
	if len(fs.Status.Conditions) != 0 || fs.Generation != 1 || fs.Spec.MatchingPrecedence != 1000 {
		t.Fatalf("created %+v", fs)
	}
	fs.Status.Conditions = []flowcontrolv1.FlowSchemaCondition{{Type: "Dangling", Status: "False"}}
	fs.Spec.MatchingPrecedence = 7
	out, err = s.Update(ctx, "", fs.Name, fs, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	fs = out.(*flowcontrolv1.FlowSchema)
	if len(fs.Status.Conditions) != 1 || fs.Spec.MatchingPrecedence != 1000 || fs.Generation != 1 {
		t.Fatalf("status update %+v", fs)
	}
	fs.Status.Conditions = nil
	fs.Spec.MatchingPrecedence = 7
	out, err = s.Update(ctx, "", fs.Name, fs, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	fs = out.(*flowcontrolv1.FlowSchema)
	if len(fs.Status.Conditions) != 1 || fs.Spec.MatchingPrecedence != 7 || fs.Generation != 2 {
		t.Fatalf("spec update %+v", fs)
	}
}
