// Package job holds the rules of batch/v1 jobs: what the generic Store needs to serve
// them as upstream does.
//
// Invariants kept by the Strategy:
//   - unless spec.manualSelector is true, the selector is generated at create:
//     batch.kubernetes.io/controller-uid=<uid>, with the template labelled
//     batch.kubernetes.io/controller-uid, batch.kubernetes.io/job-name, controller-uid
//     and job-name, so a job's pods are its own and no other job's;
//   - status changes only through the status subresource, and spec never through it;
//   - metadata.generation goes up by one on every change of spec;
//   - the selector, completion mode, pod failure and success policies, managedBy and
//     (for non-indexed jobs) completions never change; the pod template changes only
//     while the job is suspended and has not started (its scheduling directives and
//     container resources), as upstream 1.37.
//
// Lists can select on status.successful besides the name and namespace, as upstream.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery;
// cronjob reuses ValidateTemplateSpec for its job template.
package job
