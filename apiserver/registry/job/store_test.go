package job

import (
	"context"
	"slices"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func ptrQuantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))

	// A generateName job gets labels with its final name.
	in := pi()
	in.Name, in.GenerateName = "", "pi-"
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	j := out.(*batchv1.Job)
	if j.Generation != 1 || j.Spec.Template.Labels["job-name"] != j.Name || j.Spec.Template.Labels["batch.kubernetes.io/controller-uid"] != string(j.UID) ||
		j.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] != string(j.UID) {
		t.Fatalf("created %s: generation %d, labels %v, selector %v", j.Name, j.Generation, j.Spec.Template.Labels, j.Spec.Selector)
	}

	// The template is fixed while the job runs.
	ch := j.DeepCopy()
	ch.Spec.Template.Spec.Containers[0].Image = "perl:5.36"
	_, err = s.Update(ctx, "default", j.Name, ch, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.template"}) {
		t.Errorf("causes %v", got)
	}

	// Status through /status; status.successful selects.
	st := j.DeepCopy()
	st.Status.Succeeded = 1
	if _, err := s.Update(ctx, "default", j.Name, st, metav1.UpdateOptions{}, "status"); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, "default", metav1.ListOptions{FieldSelector: "status.successful=1"})
	if err != nil || len(list.(*batchv1.JobList).Items) != 1 {
		t.Fatalf("list by status.successful: %v, %v", list, err)
	}

	// A job whose pods would restart for ever is refused.
	bad := pi()
	bad.Spec.Template.Spec.RestartPolicy = ""
	_, err = s.Create(ctx, "default", bad, metav1.CreateOptions{})
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.template.spec.restartPolicy"}) {
		t.Errorf("causes %v", got)
	}
}
