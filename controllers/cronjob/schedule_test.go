package cronjob

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNextTimeWithTimeZones(t *testing.T) {
	for _, tc := range []struct {
		schedule string
		tz       *string
		from     string
		want     string
	}{
		{"*/1 * * * *", nil, "2026-03-01T10:00:30Z", "2026-03-01T10:01:00Z"},
		{"@hourly", nil, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z"},
		{"@daily", nil, "2026-03-01T10:00:00Z", "2026-03-02T00:00:00Z"},
		{"@weekly", nil, "2026-03-04T10:00:00Z", "2026-03-08T00:00:00Z"},
		{"0 9 * * 1-5", nil, "2026-03-06T10:00:00Z", "2026-03-09T09:00:00Z"},
		// 09:00 in Tokyo is 00:00 UTC.
		{"0 9 * * *", ptr.To("Asia/Tokyo"), "2026-03-01T10:00:00Z", "2026-03-02T00:00:00Z"},
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", nil, "2026-03-01T10:00:00Z", "2026-03-02T00:00:00Z"},
		// New York leaves winter time on 2026-03-08: 02:30 does not exist that day.
		{"30 2 * * *", ptr.To("America/New_York"), "2026-03-07T08:00:00Z", "2026-03-09T06:30:00Z"},
		{"0 12 * * *", ptr.To("America/New_York"), "2026-03-08T00:00:00Z", "2026-03-08T16:00:00Z"},
		{"0 12 * * *", ptr.To("America/New_York"), "2026-03-01T00:00:00Z", "2026-03-01T17:00:00Z"},
	} {
		cj := &batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: tc.schedule, TimeZone: tc.tz}}
		sched, err := parseSchedule(cj)
		if err != nil {
			t.Fatalf("%q: %v", tc.schedule, err)
		}
		if got := sched.Next(mustTime(t, tc.from)).UTC(); !got.Equal(mustTime(t, tc.want)) {
			t.Errorf("%q in %v after %s: got %s, want %s", tc.schedule, ptr.Deref(tc.tz, "UTC"), tc.from, got.Format(time.RFC3339), tc.want)
		}
	}
	if _, err := parseSchedule(&batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: "* * *"}}); err == nil {
		t.Error("a three-field schedule parsed")
	}
	if _, err := location(&batchv1.CronJob{Spec: batchv1.CronJobSpec{TimeZone: ptr.To("Mars/Olympus")}}); err == nil {
		t.Error("an unknown time zone loaded")
	}
}

func TestDueTimes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		schedule string
		earliest string
		now      string
		last     string // "" for none due
		count    int
	}{
		{"nothing due yet", "*/5 * * * *", "2026-03-01T10:00:00Z", "2026-03-01T10:04:59Z", "", 0},
		{"exactly at the time", "*/5 * * * *", "2026-03-01T10:00:00Z", "2026-03-01T10:05:00Z", "2026-03-01T10:05:00Z", 1},
		{"earliest itself is not due again", "*/5 * * * *", "2026-03-01T10:05:00Z", "2026-03-01T10:05:30Z", "", 0},
		{"three missed", "*/5 * * * *", "2026-03-01T10:00:00Z", "2026-03-01T10:17:00Z", "2026-03-01T10:15:00Z", 3},
		{"too many, still the exact last", "* * * * *", "2026-03-01T00:00:00Z", "2026-03-02T10:17:30Z", "2026-03-02T10:17:00Z", tooManyMissed + 1},
		{"too many on an irregular schedule", "30 6-16/4 * * 1-5", "2025-01-01T00:00:00Z", "2026-03-08T12:00:00Z", "2026-03-06T14:30:00Z", tooManyMissed + 1},
	} {
		sched, err := parseSchedule(&batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: tc.schedule}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := dueTimes(sched, mustTime(t, tc.earliest), mustTime(t, tc.now))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		last := ""
		if !got.last.IsZero() {
			last = got.last.UTC().Format(time.RFC3339)
		}
		if last != tc.last || got.count != tc.count {
			t.Errorf("%s: got %q ×%d, want %q ×%d", tc.name, last, got.count, tc.last, tc.count)
		}
	}
}

func TestEarliestTime(t *testing.T) {
	now := mustTime(t, "2026-03-01T12:00:00Z")
	created := metav1.NewTime(mustTime(t, "2026-03-01T08:00:00Z"))
	last := metav1.NewTime(mustTime(t, "2026-03-01T11:00:00Z"))
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: created}}
	if got := earliestTime(cj, now); !got.Equal(created.Time) {
		t.Errorf("never scheduled: %s", got)
	}
	cj.Status.LastScheduleTime = &last
	if got := earliestTime(cj, now); !got.Equal(last.Time) {
		t.Errorf("scheduled before: %s", got)
	}
	cj.Spec.StartingDeadlineSeconds = ptr.To[int64](600)
	if got := earliestTime(cj, now); !got.Equal(now.Add(-10 * time.Minute)) {
		t.Errorf("with a starting deadline: %s", got)
	}
	if got := jobName(&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "hello"}}, mustTime(t, "2026-03-01T12:00:00Z")); got != "hello-29539440" {
		t.Errorf("job name %s", got)
	}
}
