// Package cronjob holds the rules of batch/v1 cronjobs: what the generic Store needs to
// serve them as upstream does.
//
// Invariants kept by the Strategy:
//   - the schedule is a standard five-field cron expression (or a macro such as
//     @hourly), parsed as upstream parses it (robfig/cron), with any time zone given in
//     spec.timeZone rather than as TZ= in the schedule;
//   - the job template has no selector (each job generates its own) and is a valid job
//     spec otherwise;
//   - status changes only through the status subresource, and spec never through it;
//   - metadata.generation goes up by one on every change of spec.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package cronjob
