package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
)

// Server-side apply and managedFields through stock kubectl and client-go.

// writeManifest writes a config map manifest with the given data lines and returns its
// path.
func writeManifest(t *testing.T, path, name string, data ...string) string {
	t.Helper()
	text := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n"
	for _, d := range data {
		text += "  " + d + "\n"
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestApplyServerSideKubectl(t *testing.T) {
	_, kc := apiServer(t)
	manifest := filepath.Join(t.TempDir(), "cm.yaml")
	for _, k := range []string{kubectlVersions(t)[0], newest(t)} {
		v := filepath.Base(k)
		writeManifest(t, manifest, "ssa", `x: "1"`, `y: "1"`)
		if out := kubectl(t, k, kc, "apply", "--server-side", "-f", manifest); out != "configmap/ssa serverside-applied\n" {
			t.Errorf("%s apply --server-side: %q", v, out)
		}
		// Changed, and y left out: kubectl no longer manages y, so it goes.
		writeManifest(t, manifest, "ssa", `x: "2"`)
		if out := kubectl(t, k, kc, "apply", "--server-side", "-f", manifest); out != "configmap/ssa serverside-applied\n" {
			t.Errorf("%s re-apply: %q", v, out)
		}
		if got := kubectl(t, k, kc, "get", "cm", "ssa", "-o", "jsonpath={.data}"); got != `{"x":"2"}` {
			t.Errorf("%s data after re-apply: %s", v, got)
		}

		// Another manager wanting another value for x conflicts, as upstream says it.
		writeManifest(t, manifest, "ssa", `x: "3"`)
		msg := kubectlErr(t, k, kc, "apply", "--server-side", "--field-manager=other", "-f", manifest)
		if !strings.Contains(msg, `Apply failed with 1 conflict: conflict with "kubectl": .data.x`) || !strings.Contains(msg, "--force-conflicts") {
			t.Errorf("%s conflicting apply: %q", v, msg)
		}
		if out := kubectl(t, k, kc, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", manifest); out != "configmap/ssa serverside-applied\n" {
			t.Errorf("%s apply --force-conflicts: %q", v, out)
		}
		if got := kubectl(t, k, kc, "get", "cm", "ssa", "-o", "jsonpath={.data.x}"); got != "3" {
			t.Errorf("%s x after the forced apply: %q", v, got)
		}

		// managedFields are hidden unless asked for.
		if out := kubectl(t, k, kc, "get", "cm", "ssa", "-o", "yaml"); strings.Contains(out, "managedFields") {
			t.Errorf("%s get -o yaml shows managedFields:\n%s", v, out)
		}
		out := kubectl(t, k, kc, "get", "cm", "ssa", "-o", "yaml", "--show-managed-fields")
		for _, want := range []string{"managedFields:", "manager: other", "operation: Apply", "fieldsType: FieldsV1", "f:x: {}"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s --show-managed-fields lacks %q:\n%s", v, want, out)
			}
		}
		kubectl(t, k, kc, "delete", "cm", "ssa")
	}
}

// kubectl 1.26+ moves the fields a client-side apply owned to its server-side
// manager, so that a later server-side apply can remove what the manifest drops.
func TestApplyMigratesFromClientSide(t *testing.T) {
	_, kc := apiServer(t)
	manifest := filepath.Join(t.TempDir(), "cm.yaml")
	for _, k := range []string{kubectlVersions(t)[0], newest(t)} {
		v := filepath.Base(k)
		writeManifest(t, manifest, "csa", `x: "1"`, `y: "1"`)
		if out := kubectl(t, k, kc, "apply", "-f", manifest); out != "configmap/csa created\n" {
			t.Fatalf("%s client-side apply: %q", v, out)
		}
		out := kubectl(t, k, kc, "get", "cm", "csa", "-o", "yaml", "--show-managed-fields")
		if !strings.Contains(out, "manager: kubectl-client-side-apply") || !strings.Contains(out, "kubectl.kubernetes.io/last-applied-configuration") {
			t.Fatalf("%s after client-side apply:\n%s", v, out)
		}

		writeManifest(t, manifest, "csa", `x: "2"`)
		if out := kubectl(t, k, kc, "apply", "--server-side", "-f", manifest); out != "configmap/csa serverside-applied\n" {
			t.Errorf("%s server-side apply after client-side: %q", v, out)
		}
		if got := kubectl(t, k, kc, "get", "cm", "csa", "-o", "jsonpath={.data}"); got != `{"x":"2"}` {
			t.Errorf("%s data after migrating: %s (y should be gone with the fields kubectl took over)", v, got)
		}
		out = kubectl(t, k, kc, "get", "cm", "csa", "-o", "yaml", "--show-managed-fields")
		if strings.Contains(out, "manager: kubectl-client-side-apply") || !strings.Contains(out, "manager: kubectl\n") {
			t.Errorf("%s managers after migrating:\n%s", v, out)
		}
		// The last-applied annotation follows the server-side apply, so a client-side
		// apply after it still sees what was applied last.
		if got := kubectl(t, k, kc, "get", "cm", "csa", "-o", `jsonpath={.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}`); !strings.Contains(got, `"x":"2"`) || strings.Contains(got, `"y"`) {
			t.Errorf("%s last-applied-configuration after migrating: %s", v, got)
		}
		kubectl(t, k, kc, "delete", "cm", "csa")
	}
}

func TestApplyClientGo(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	// A plain create is recorded under the program's name, client-go's default.
	created, err := c.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "plain"}, Data: map[string]string{"a": "1"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if mf := created.ManagedFields; len(mf) != 1 || mf[0].Manager != filepath.Base(os.Args[0]) || mf[0].Operation != metav1.ManagedFieldsOperationUpdate {
		t.Errorf("create's managedFields: %+v, want one Update by %s", mf, filepath.Base(os.Args[0]))
	}

	cms := c.CoreV1().ConfigMaps("default")
	cm, err := cms.Apply(ctx, corev1ac.ConfigMap("applied", "default").WithData(map[string]string{"k": "v"}), metav1.ApplyOptions{FieldManager: "e2e-a"})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["k"] != "v" || len(cm.ManagedFields) != 1 || cm.ManagedFields[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Errorf("applied config map: %+v", cm)
	}
	_, err = cms.Apply(ctx, corev1ac.ConfigMap("applied", "default").WithData(map[string]string{"k": "w"}), metav1.ApplyOptions{FieldManager: "e2e-b"})
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), `conflict with "e2e-a": .data.k`) {
		t.Errorf("conflicting apply: %v", err)
	}
	if cm, err = cms.Apply(ctx, corev1ac.ConfigMap("applied", "default").WithData(map[string]string{"k": "w"}), metav1.ApplyOptions{FieldManager: "e2e-b", Force: true}); err != nil || cm.Data["k"] != "w" {
		t.Errorf("forced apply: %v %+v", err, cm)
	}

	// Deployments: two managers own one container each, merged by name.
	deploys := c.AppsV1().Deployments("default")
	labels := map[string]string{"app": "web"}
	deployment := func(container, image string) *appsv1ac.DeploymentApplyConfiguration {
		return appsv1ac.Deployment("web", "default").WithSpec(appsv1ac.DeploymentSpec().
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(labels)).
			WithTemplate(corev1ac.PodTemplateSpec().WithLabels(labels).WithSpec(corev1ac.PodSpec().
				WithContainers(corev1ac.Container().WithName(container).WithImage(image)))))
	}
	if _, err := deploys.Apply(ctx, deployment("app", "app:1"), metav1.ApplyOptions{FieldManager: "team-app"}); err != nil {
		t.Fatal(err)
	}
	d, err := deploys.Apply(ctx, deployment("sidecar", "sidecar:1"), metav1.ApplyOptions{FieldManager: "team-sidecar"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ctr := range d.Spec.Template.Spec.Containers {
		names = append(names, ctr.Name+"="+ctr.Image)
	}
	if strings.Join(names, ",") != "app=app:1,sidecar=sidecar:1" {
		t.Errorf("containers after two managers applied: %v", names)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Generation != 2 {
		t.Errorf("deployment defaults and generation: replicas %v generation %d", d.Spec.Replicas, d.Generation)
	}
	_, err = deploys.Apply(ctx, deployment("app", "app:2"), metav1.ApplyOptions{FieldManager: "team-sidecar"})
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), `conflict with "team-app"`) {
		t.Errorf("taking another team's image: %v", err)
	}
	// A dry run changes nothing.
	if _, err := deploys.Apply(ctx, deployment("app", "app:3"), metav1.ApplyOptions{FieldManager: "team-app", DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if d, err = deploys.Get(ctx, "web", metav1.GetOptions{}); err != nil || d.Spec.Template.Spec.Containers[0].Image != "app:1" {
		t.Errorf("after a dry-run apply: %v %+v", err, d.Spec.Template.Spec.Containers)
	}
	if err := deploys.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// The cases of upstream's "ServerSideApply" specs: apply creates pods and services,
// two appliers of the same body share ownership of exactly the applied fields (list
// items keyed as the schema says), and an apply to status changes status only there.
func TestApplyUpstreamCases(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	for _, tc := range []struct{ resource, name, body, fields string }{
		{"pods", "test-pod",
			`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"test-pod"},"spec":{"containers":[{"name":"test-container","image":"test-image"}]}}`,
			`{"f:spec":{"f:containers":{"k:{\"name\":\"test-container\"}":{".":{},"f:image":{},"f:name":{}}}}}`},
		{"services", "test-svc",
			`{"apiVersion":"v1","kind":"Service","metadata":{"name":"test-svc"},"spec":{"ports":[{"port":8080,"protocol":"UDP"}]}}`,
			`{"f:spec":{"f:ports":{"k:{\"port\":8080,\"protocol\":\"UDP\"}":{".":{},"f:port":{},"f:protocol":{}}}}}`},
	} {
		for _, manager := range []string{"apply_test", "apply_test_2"} {
			obj, err := c.CoreV1().RESTClient().Patch("application/apply-patch+yaml").Namespace("default").Resource(tc.resource).Name(tc.name).
				Param("fieldManager", manager).Body([]byte(tc.body)).Do(ctx).Get()
			if err != nil {
				t.Fatalf("%s apply by %s: %v", tc.resource, manager, err)
			}
			acc, err := meta.Accessor(obj)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range acc.GetManagedFields() {
				if (e.Manager == "apply_test" || e.Manager == "apply_test_2") && e.FieldsV1.String() != tc.fields {
					t.Errorf("%s: %s owns %s, want %s", tc.resource, e.Manager, e.FieldsV1.String(), tc.fields)
				}
			}
		}
	}

	status := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"test-pod"},"status":{"conditions":[{"type":"MyStatus","status":"True"}]}}`)
	hasMyStatus := func() bool {
		pod, err := c.CoreV1().Pods("default").Get(ctx, "test-pod", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, cond := range pod.Status.Conditions {
			if cond.Type == "MyStatus" {
				return true
			}
		}
		return false
	}
	if err := c.CoreV1().RESTClient().Patch("application/apply-patch+yaml").Namespace("default").Resource("pods").Name("test-pod").
		Param("fieldManager", "apply_test").Body(status).Do(ctx).Error(); err != nil {
		t.Fatalf("status in a main-resource apply: %v", err)
	}
	if hasMyStatus() {
		t.Error("a main-resource apply changed status")
	}
	if err := c.CoreV1().RESTClient().Patch("application/apply-patch+yaml").Namespace("default").Resource("pods").Name("test-pod").SubResource("status").
		Param("fieldManager", "apply_test").Body(status).Do(ctx).Error(); err != nil {
		t.Fatalf("status apply: %v", err)
	}
	if !hasMyStatus() {
		t.Error("the status apply did not set the condition")
	}
}
