package cronjob

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
)

// tooManyMissed is where the controller stops listing missed times and warns, as
// upstream: a wrong clock could otherwise make it walk decades of minutes.
const tooManyMissed = 100

// parseSchedule parses the schedule in the CronJob's time zone. A CRON_TZ= or TZ=
// prefix in the schedule itself wins (upstream tolerates it with a warning).
func parseSchedule(cj *batchv1.CronJob) (cron.Schedule, error) {
	spec := cj.Spec.Schedule
	if cj.Spec.TimeZone != nil && !strings.Contains(spec, "TZ") {
		spec = "TZ=" + *cj.Spec.TimeZone + " " + spec
	}
	return cron.ParseStandard(spec)
}

// missed describes the scheduled times between the last run and now.
type missed struct {
	// last is the most recent scheduled time not after now; zero when none is due.
	last time.Time
	// count is how many times were due, at most tooManyMissed+1.
	count int
}

// dueTimes finds the scheduled times after earliest and not after now.
func dueTimes(sched cron.Schedule, earliest, now time.Time) (missed, error) {
	t := sched.Next(earliest)
	if t.IsZero() || t.After(now) {
		return missed{}, nil
	}
	var m missed
	for ; !t.After(now); t = sched.Next(t) {
		if t.IsZero() {
			break
		}
		m.last = t
		m.count++
		if m.count > tooManyMissed {
			// Too many to walk: step back from now by the schedule's period,
			// doubling it until a due time lies in between (irregular schedules,
			// such as weekdays only, have longer gaps), and walk from there.
			period := sched.Next(t).Sub(t)
			if period < time.Second {
				return missed{}, errors.New("time difference between two schedules is less than 1 second")
			}
			for back := period; ; back *= 2 {
				from := now.Add(-back)
				if !from.After(t) {
					from = t
				}
				n := sched.Next(from)
				if !n.IsZero() && !n.After(now) || from.Equal(t) {
					for ; !n.IsZero() && !n.After(now); n = sched.Next(n) {
						m.last = n
					}
					return m, nil
				}
			}
		}
	}
	return m, nil
}

// earliestTime is where the search for due times starts: the last scheduled run,
// else the CronJob's creation, moved up to the starting deadline if there is one.
func earliestTime(cj *batchv1.CronJob, now time.Time) time.Time {
	earliest := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if deadline := now.Add(-time.Duration(*d) * time.Second); deadline.After(earliest) {
			earliest = deadline
		}
	}
	return earliest
}

// jobName is the deterministic name of the Job for a scheduled time, so a time can
// never yield two Jobs.
func jobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// location is the CronJob's time zone, UTC by default.
func location(cj *batchv1.CronJob) (*time.Location, error) {
	if cj.Spec.TimeZone == nil {
		return time.UTC, nil
	}
	return time.LoadLocation(*cj.Spec.TimeZone)
}
