package event

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
)

// oldForm is an event as kubelet and kubectl have long written them.
func oldForm() *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web-1.17a3b2c4d5e6f708", Namespace: "shop"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "web-1", UID: "u1", APIVersion: "v1", FieldPath: "spec.containers{web}"},
		Reason:         "Pulled",
		Message:        "Successfully pulled image \"nginx\"\n",
		Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		Type:           corev1.EventTypeNormal,
		Count:          3,
	}
}

// newForm is an event as events.k8s.io clients write them, seen through core/v1.
func newForm() *corev1.Event {
	return &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "web-1.17a3b2c4d5e6f709", Namespace: "shop"},
		InvolvedObject:      corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "web-1"},
		Reason:              "Scheduled",
		Message:             "Successfully assigned shop/web-1 to node-1",
		Type:                corev1.EventTypeNormal,
		EventTime:           metav1.NewMicroTime(time.Date(2026, 5, 1, 11, 0, 0, 0, time.UTC)),
		ReportingController: "default-scheduler",
		ReportingInstance:   "default-scheduler-node-1",
		Action:              "Binding",
	}
}

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

func TestValidateNamespaces(t *testing.T) {
	ctx := context.Background()
	wantMessages(t, "old form", Strategy{}.Validate(ctx, oldForm()))
	wantMessages(t, "new form", Strategy{}.Validate(ctx, newForm()))

	e := oldForm()
	e.Namespace = "other"
	wantMessages(t, "old form elsewhere", Strategy{}.Validate(ctx, e),
		`involvedObject.namespace: Invalid value: "shop": does not match event.namespace`)
	// About a cluster-scoped object: in default (or, old clients, in no namespace).
	e.InvolvedObject = corev1.ObjectReference{Kind: "Node", Name: "node-1"}
	for ns, ok := range map[string]bool{"default": true, "": true, "kube-system": false, "shop": false} {
		e.Namespace = ns
		if errs := (Strategy{}).Validate(ctx, e); (len(errs) == 0) != ok {
			t.Errorf("old-form node event in %q: %v", ns, errs)
		}
	}
	n := newForm()
	n.InvolvedObject = corev1.ObjectReference{Kind: "Node", Name: "node-1"}
	for ns, ok := range map[string]bool{"default": true, "kube-system": true, "": false, "shop": false} {
		n.Namespace = ns
		if errs := (Strategy{}).Validate(ctx, n); (len(errs) == 0) != ok {
			t.Errorf("new-form node event in %q: %v", ns, errs)
		}
	}
}

func TestValidateNewFormNamesItsReporter(t *testing.T) {
	ctx := context.Background()
	e := newForm()
	e.ReportingController, e.ReportingInstance, e.Action, e.Reason = "", "", "", ""
	wantMessages(t, "nothing named", Strategy{}.Validate(ctx, e),
		"reportingComponent: Required value",
		`reportingComponent: Invalid value: "": name part must be non-empty`,
		`reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
		"reportingInstance: Required value",
		"action: Required value",
		"reason: Required value",
	)
	e = newForm()
	e.ReportingInstance = strings.Repeat("i", 129)
	e.Action = strings.Repeat("a", 129)
	e.Reason = strings.Repeat("r", 129)
	e.Message = strings.Repeat("m", 1025)
	wantMessages(t, "too long", Strategy{}.Validate(ctx, e),
		`reportingInstance: Invalid value: "": can have at most 128 characters`,
		`action: Invalid value: "": can have at most 128 characters`,
		`reason: Invalid value: "": can have at most 128 characters`,
		`message: Invalid value: "": can have at most 1024 characters`,
	)
	// The old form may leave all of it out.
	o := oldForm()
	o.Reason, o.Message = "", strings.Repeat("m", 2000)
	wantMessages(t, "old form", Strategy{}.ValidateUpdate(ctx, o, oldForm()))
}

func TestFields(t *testing.T) {
	got := Strategy{}.Fields(oldForm())
	want := map[string]string{
		"metadata.name": "web-1.17a3b2c4d5e6f708", "metadata.namespace": "shop",
		"involvedObject.kind": "Pod", "involvedObject.namespace": "shop", "involvedObject.name": "web-1",
		"involvedObject.uid": "u1", "involvedObject.apiVersion": "v1", "involvedObject.resourceVersion": "",
		"involvedObject.fieldPath": "spec.containers{web}", "reason": "Pulled", "reportingComponent": "",
		"source": "kubelet", "type": "Normal",
	}
	if len(got) != len(want) {
		t.Errorf("Fields = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Fields[%s] = %q, want %q", k, got[k], v)
		}
	}
	// The new form's reporter is its source.
	if got := (Strategy{}).Fields(newForm()); got["source"] != "default-scheduler" || got["reportingComponent"] != "default-scheduler" {
		t.Errorf("new form: source %q, reportingComponent %q", got["source"], got["reportingComponent"])
	}
}

func TestTable(t *testing.T) {
	var names, wide []string
	for _, c := range (Strategy{}).TableColumns() {
		if c.Priority == 0 {
			names = append(names, c.Name)
		} else {
			wide = append(wide, c.Name)
		}
	}
	if !slices.Equal(names, []string{"Last Seen", "Type", "Reason", "Object", "Message"}) ||
		!slices.Equal(wide, []string{"Subobject", "Source", "First Seen", "Count", "Name"}) {
		t.Errorf("columns %v, wide %v", names, wide)
	}

	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	o := oldForm()
	o.FirstTimestamp = metav1.NewTime(now.Add(-10 * time.Minute))
	o.LastTimestamp = metav1.NewTime(now.Add(-2 * time.Minute))
	row, err := s.TableRow(o)
	want := []any{"2m", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "kubelet, node-1",
		`Successfully pulled image "nginx"`, "10m", int64(3), "web-1.17a3b2c4d5e6f708"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("old-form row\n got %#v\nwant %#v (%v)", row, want, err)
	}

	// The new form: times from eventTime, count 1, reporter as source.
	row, _ = s.TableRow(newForm())
	want = []any{"60m", "Normal", "Scheduled", "pod/web-1", "", "default-scheduler, default-scheduler-node-1",
		"Successfully assigned shop/web-1 to node-1", "60m", int64(1), "web-1.17a3b2c4d5e6f709"}
	if !slices.Equal(row, want) {
		t.Errorf("new-form row\n got %#v\nwant %#v", row, want)
	}
	// A series gives the last time and the count.
	n := newForm()
	n.Series = &corev1.EventSeries{Count: 7, LastObservedTime: metav1.NewMicroTime(now.Add(-5 * time.Second))}
	if row, _ := s.TableRow(n); row[0] != "5s" || row[8] != int64(7) {
		t.Errorf("series row %#v", row)
	}
	// Without times at all, and about a kind with no name.
	bare := &corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Cluster"}}
	if row, _ := s.TableRow(bare); row[0] != "<unknown>" || row[3] != "cluster" || row[7] != "<unknown>" {
		t.Errorf("bare row %#v", row)
	}
}
