package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// The kitten image (registry.k8s.io/e2e-test-images/kitten:1.8) as hack/images builds
// it, imported by a node and run as upstream's image runs: agnhost's test-webserver on
// port 80 serving the picture and the data.json that names it, byte for byte as
// upstream's sources have them. Needs what the node tests need (requireNodeHost).
func TestKittenImageServesItsPicture(t *testing.T) {
	requireNodeHost(t)
	images := t.TempDir()
	build := exec.Command("go", "run", "./hack/images", "-out", images, "kitten")
	build.Dir = ".." // the module root, where the conformance module is
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("hack/images kitten: %v\n%s", err, b)
	}
	want := upstreamKitten(t)

	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()
	const pod = "kite-kitten"
	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	deletePodsAtCleanup(t, client, pod)
	node := readyNode(t, client, srv)

	// No command or args: the image's own entrypoint and command must serve the page.
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: "default"},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{
				Name: "kitten", Image: "registry.k8s.io/e2e-test-images/kitten:1.8",
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1, ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Path: "/data.json", Port: intstr.FromInt32(80)}}},
			}},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var podIP string
	nodePoll(t, 90*time.Second, func() string {
		got, err := client.CoreV1().Pods("default").Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if podCondition(got, corev1.PodReady) != corev1.ConditionTrue || got.Status.PodIP == "" {
			return fmt.Sprintf("pod not ready: %s %+v", got.Status.Phase, got.Status.ContainerStatuses)
		}
		podIP = got.Status.PodIP
		return ""
	})

	hc := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) ([]byte, error) {
		resp, err := hc.Get("http://" + podIP + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return b, err
	}
	data, err := get("/data.json")
	if err != nil || !strings.Contains(string(data), `"kitten.jpg"`) {
		t.Errorf("data.json: %q, %v; want it to name kitten.jpg", data, err)
	}
	jpg, err := get("/kitten.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(jpg, want) {
		t.Errorf("kitten.jpg from the pod is %d bytes, not upstream's %d", len(jpg), len(want))
	}
}

// upstreamKitten is test/images/kitten/html/kitten.jpg of the k8s.io/kubernetes the
// conformance module pins, the file the image must carry.
func upstreamKitten(t *testing.T) []byte {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/kubernetes")
	cmd.Dir = "../conformance"
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("locating k8s.io/kubernetes: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "test/images/kitten/html/kitten.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
