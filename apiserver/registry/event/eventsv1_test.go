package event

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"kite/apiserver/registry"
	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

// scheduled is an event as an events.k8s.io/v1 client (the scheduler) writes it.
func scheduled() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "web-1.17a3b2c4d5e6f709", Namespace: "shop"},
		EventTime:           metav1.NewMicroTime(time.Date(2026, 5, 1, 11, 0, 0, 0, time.UTC)),
		ReportingController: "default-scheduler",
		ReportingInstance:   "default-scheduler-node-1",
		Action:              "Binding",
		Reason:              "Scheduled",
		Regarding:           corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "web-1", UID: "u1", APIVersion: "v1"},
		Note:                "Successfully assigned shop/web-1 to node-1",
		Type:                corev1.EventTypeNormal,
	}
}

func TestConversionKeepsEverything(t *testing.T) {
	ev := scheduled()
	ev.Related = &corev1.ObjectReference{Kind: "Node", Name: "node-1"}
	ev.Series = &eventsv1.EventSeries{Count: 3, LastObservedTime: metav1.NewMicroTime(time.Date(2026, 5, 1, 11, 5, 0, 0, time.UTC))}
	ev.DeprecatedSource = corev1.EventSource{Component: "c", Host: "h"}
	ev.DeprecatedCount = 4
	ev.DeprecatedFirstTimestamp = metav1.NewTime(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	ev.DeprecatedLastTimestamp = metav1.NewTime(time.Date(2026, 5, 1, 10, 30, 0, 0, time.UTC))
	core := ToCore(ev)
	if core.InvolvedObject.Name != "web-1" || core.Message != ev.Note || core.Source.Host != "h" || core.Count != 4 || core.Series.Count != 3 {
		t.Errorf("core form %+v", core)
	}
	if back := ToEvents(core); !apiequality.Semantic.DeepEqual(back, ev) {
		t.Errorf("events.k8s.io → core → events.k8s.io:\n got %+v\nwant %+v", back, ev)
	}
	o := oldForm()
	if back := ToCore(ToEvents(o)); !apiequality.Semantic.DeepEqual(back, o) {
		t.Errorf("core → events.k8s.io → core:\n got %+v\nwant %+v", back, o)
	}
}

func TestEventsValidation(t *testing.T) {
	ctx := context.Background()
	s := EventsStrategy{}
	wantMessages(t, "scheduled", s.Validate(ctx, scheduled()))

	// The old form, written through events.k8s.io/v1, is refused.
	o := oldForm()
	o.FirstTimestamp = metav1.NewTime(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	o.LastTimestamp = o.FirstTimestamp
	e := ToEvents(o)
	wantMessages(t, "old form", s.Validate(ctx, e),
		"eventTime: Required value",
		`firstTimestamp: Invalid value: "": needs to be unset`,
		`lastTimestamp: Invalid value: "": needs to be unset`,
		`count: Invalid value: "": needs to be unset`,
		`source: Invalid value: "": needs to be unset`,
	)
	// The reporter is named by its events.k8s.io field.
	e = scheduled()
	e.ReportingController, e.Type = "", "Info"
	e.Series = &eventsv1.EventSeries{Count: 1}
	got := registrytest.Paths(s.Validate(ctx, e))
	want := []string{"reportingController", "reportingController", "reportingController", "series.count", "series.lastObservedTime", "type"}
	if !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}

	// Once written, only the series may change.
	old := scheduled()
	upd := scheduled()
	upd.Series = &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(time.Date(2026, 5, 1, 11, 1, 0, 0, time.UTC))}
	wantMessages(t, "series update", s.ValidateUpdate(ctx, upd, old))
	upd.Note = "changed"
	upd.Regarding.Name = "web-2"
	if got := registrytest.Paths(s.ValidateUpdate(ctx, upd, old)); !slices.Equal(got, []string{"involvedObject", "message"}) {
		t.Errorf("update paths %v", got)
	}
}

func TestEventsFields(t *testing.T) {
	f := EventsStrategy{}.Fields(scheduled())
	want := map[string]string{"regarding.kind": "Pod", "regarding.name": "web-1", "reportingController": "default-scheduler", "type": "Normal", "metadata.namespace": "shop"}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("Fields[%s] = %q, want %q", k, f[k], v)
		}
	}
	if _, ok := f["involvedObject.name"]; ok || len(f) != 12 {
		t.Errorf("fields %v", f)
	}
}

// TestBothGroupsShareEvents: an event written through either group is read, listed and
// watched through the other, under one resourceVersion.
func TestBothGroupsShareEvents(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	core := registrytest.NewStore(t, Resource(), st)
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	events, err := registry.NewStore(registry.StoreConfig{Resource: EventsResource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	w, err := events.Watch(ctx, "shop", metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	created, err := core.Create(ctx, "shop", oldForm(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-w.ResultChan():
		e, ok := ev.Object.(*eventsv1.Event)
		if ev.Type != watch.Added || !ok || e.Note != oldForm().Message || e.DeprecatedCount != 3 || e.ResourceVersion != created.(*corev1.Event).ResourceVersion {
			t.Errorf("events.k8s.io watch: %s %+v", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the events.k8s.io watch saw no core/v1 create")
	}

	if _, err := events.Create(ctx, "shop", scheduled(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := core.Get(ctx, "shop", scheduled().Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e := got.(*corev1.Event); e.InvolvedObject.Name != "web-1" || e.Message != scheduled().Note || e.ReportingController != "default-scheduler" {
		t.Errorf("read through core/v1: %+v", e)
	}
	// Field selectors in each group's names.
	l, err := events.List(ctx, "shop", metav1.ListOptions{FieldSelector: "reportingController=default-scheduler"})
	if err != nil {
		t.Fatal(err)
	}
	if items := l.(*eventsv1.EventList).Items; len(items) != 1 || items[0].Reason != "Scheduled" {
		t.Errorf("selected %+v", items)
	}
	if _, err := events.List(ctx, "shop", metav1.ListOptions{FieldSelector: "involvedObject.name=web-1"}); err == nil {
		t.Error("events.k8s.io accepted a core/v1 field name")
	}
	// Names: events.k8s.io/v1 asks for DNS subdomains.
	bad := scheduled()
	bad.Name = "Web_Pod"
	_, err = events.Create(ctx, "shop", bad, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"metadata.name"}) {
		t.Errorf("causes %v", got)
	}
}
