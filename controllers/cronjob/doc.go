// Package cronjob is the CronJob controller: it creates a CronJob's Jobs on its
// schedule, as upstream's pkg/controller/cronjob (the "v2" controller) does, as a
// client of the API only.
//
// A sync of one CronJob:
//  1. reconciles status.active with the Jobs it controls: finished ones leave it
//     (SawCompletedJob) and set lastSuccessfulTime when they completed; ones that
//     no longer exist leave it (MissingJob); unfinished ones it does not list are
//     reported (UnexpectedJob);
//  2. unless suspended or being deleted, finds the most recent scheduled time that
//     has not been run since lastScheduleTime (or creation), in spec.timeZone (or a
//     CRON_TZ/TZ prefix, or UTC); skips it when it is older than
//     startingDeadlineSeconds (MissSchedule), when a Job for it exists, or when an
//     earlier Job is still active under concurrencyPolicy Forbid (JobAlreadyActive);
//     under Replace it deletes the active Jobs first;
//  3. creates the Job <cronjob>-<scheduled time in minutes since the epoch> from the
//     template, annotated with batch.kubernetes.io/cronjob-scheduled-timestamp, and
//     records it in status.active and lastScheduleTime;
//  4. deletes finished Jobs beyond successfulJobsHistoryLimit and
//     failedJobsHistoryLimit, oldest first, and requeues itself for the next
//     scheduled time.
//
// Events are upstream's, from the component cronjob-controller.
//
// Invariants: informer handlers only enqueue; a scheduled time yields at most one Job
// because its name is derived from the time; the clock is injectable, and the
// schedule arithmetic is pure (schedule.go).
//
// Called by the controller manager (package controllers) while it holds the Lease.
package cronjob
