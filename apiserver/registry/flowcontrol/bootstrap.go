package flowcontrol

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Bootstrap returns upstream's mandatory objects, fresh on every call: the exempt and
// catch-all priority levels first, then the flow schemas that refer to them.
func Bootstrap() []runtime.Object {
	return []runtime.Object{
		&flowcontrolv1.PriorityLevelConfiguration{
			ObjectMeta: meta(flowcontrolv1.PriorityLevelConfigurationNameExempt),
			Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
				Type:   flowcontrolv1.PriorityLevelEnablementExempt,
				Exempt: &flowcontrolv1.ExemptPriorityLevelConfiguration{NominalConcurrencyShares: int32p(0), LendablePercent: int32p(0)},
			},
		},
		&flowcontrolv1.PriorityLevelConfiguration{
			ObjectMeta: meta(flowcontrolv1.PriorityLevelConfigurationNameCatchAll),
			Spec: flowcontrolv1.PriorityLevelConfigurationSpec{
				Type: flowcontrolv1.PriorityLevelEnablementLimited,
				Limited: &flowcontrolv1.LimitedPriorityLevelConfiguration{
					NominalConcurrencyShares: int32p(5),
					LendablePercent:          int32p(0),
					LimitResponse:            flowcontrolv1.LimitResponse{Type: flowcontrolv1.LimitResponseTypeReject},
				},
			},
		},
		// system:masters is exempt from everything.
		flowSchema(flowcontrolv1.FlowSchemaNameExempt, flowcontrolv1.PriorityLevelConfigurationNameExempt, 1, nil, "system:masters"),
		// Everyone else lands in catch-all, flows told apart by user.
		flowSchema(flowcontrolv1.FlowSchemaNameCatchAll, flowcontrolv1.PriorityLevelConfigurationNameCatchAll, 10000,
			&flowcontrolv1.FlowDistinguisherMethod{Type: flowcontrolv1.FlowDistinguisherMethodByUserType},
			"system:unauthenticated", "system:authenticated"),
	}
}

// flowSchema matches every request of the named groups.
func flowSchema(name, level string, precedence int32, method *flowcontrolv1.FlowDistinguisherMethod, groups ...string) *flowcontrolv1.FlowSchema {
	subjects := make([]flowcontrolv1.Subject, 0, len(groups))
	for _, g := range groups {
		subjects = append(subjects, flowcontrolv1.Subject{Kind: flowcontrolv1.SubjectKindGroup, Group: &flowcontrolv1.GroupSubject{Name: g}})
	}
	return &flowcontrolv1.FlowSchema{
		ObjectMeta: meta(name),
		Spec: flowcontrolv1.FlowSchemaSpec{
			PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: level},
			MatchingPrecedence:         precedence,
			DistinguisherMethod:        method,
			Rules: []flowcontrolv1.PolicyRulesWithSubjects{{
				Subjects: subjects,
				ResourceRules: []flowcontrolv1.ResourcePolicyRule{{
					Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"},
					ClusterScope: true, Namespaces: []string{"*"},
				}},
				NonResourceRules: []flowcontrolv1.NonResourcePolicyRule{{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}},
			}},
		},
	}
}

// meta names an object and marks it, as upstream does, as one the server owns and may
// rewrite.
func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Annotations: map[string]string{flowcontrolv1.AutoUpdateAnnotationKey: "true"}}
}

func int32p(v int32) *int32 { return &v }
