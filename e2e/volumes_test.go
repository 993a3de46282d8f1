package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Volumes, environment and pod files through the real node agent: a busybox pod checks
// what it was given from the inside and says what failed in its termination message.

// volumeCheckScript checks the pod's files and environment; the first failure is the
// termination message and exit code 1. On success the message is the pod's
// service-account token, for the test to review.
const volumeCheckScript = `
fail() { echo "$1" > /dev/termination-log; exit 1; }
test "$(cat /etc/cfg/key)" = value || fail "configMap: $(ls -la /etc/cfg)"
test "$(cat /etc/sec/pw)" = hunter2 || fail "secret: $(cat /etc/sec/pw)"
test "$(stat -c %a /etc/sec/..data/pw)" = 400 || fail "secret mode $(stat -c %a /etc/sec/..data/pw)"
test "$(cat /etc/proj/renamed)" = value || fail "projected configMap"
test "$(cat /etc/proj/labels)" = 'app="kite-volumes"' || fail "projected labels: $(cat /etc/proj/labels)"
test "$(cat /etc/proj/pw)" = hunter2 || fail "projected secret"
test "$(cat /etc/one-key)" = value || fail "subPath"
echo hi > /scratch/f && test "$(cat /scratch/f)" = hi || fail "emptyDir"
grep -q " /mem tmpfs " /proc/mounts || fail "memory emptyDir: $(grep /mem /proc/mounts)"
touch /etc/cfg/new 2>/dev/null && fail "configMap volume writable"
test "$FROM_CM" = value || fail "configMapKeyRef: $FROM_CM"
test "$CM_key" = value || fail "envFrom: $CM_key"
test -n "$KUBERNETES_SERVICE_HOST" || fail "no service link variables"
test "$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)" = default || fail "token namespace"
grep -q "BEGIN CERTIFICATE" /var/run/secrets/kubernetes.io/serviceaccount/ca.crt || fail "token ca.crt"
grep -q "^# Kubernetes-managed hosts file." /etc/hosts || fail "hosts: $(cat /etc/hosts)"
grep -q "[[:space:]]kite-volumes$" /etc/hosts || fail "hosts entry: $(cat /etc/hosts)"
grep -q "^192.0.2.10[[:space:]]kite-alias$" /etc/hosts || fail "host alias: $(cat /etc/hosts)"
echo from-pod > /host/written || fail "hostPath not writable"
cat /var/run/secrets/kubernetes.io/serviceaccount/token > /dev/termination-log
`

func volumePod(node, hostDir string) *corev1.Pod {
	limit := resource.MustParse("8Mi")
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-volumes", Namespace: "default", Labels: map[string]string{"app": "kite-volumes"}},
		Spec: corev1.PodSpec{
			NodeName: node, RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: ptr.To[int64](1),
			HostAliases: []corev1.HostAlias{{IP: "192.0.2.10", Hostnames: []string{"kite-alias"}}},
			Containers: []corev1.Container{{
				Name: "check", Image: "busybox", Command: []string{"sh", "-c", volumeCheckScript},
				Env: []corev1.EnvVar{{Name: "FROM_CM", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "kite-cfg"}, Key: "key"}}}},
				EnvFrom: []corev1.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &corev1.ConfigMapEnvSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "kite-cfg"}}}},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "cfg", MountPath: "/etc/cfg"},
					{Name: "cfg", MountPath: "/etc/one-key", SubPath: "key"},
					{Name: "sec", MountPath: "/etc/sec"},
					{Name: "proj", MountPath: "/etc/proj"},
					{Name: "scratch", MountPath: "/scratch"},
					{Name: "mem", MountPath: "/mem"},
					{Name: "host", MountPath: "/host"},
				},
			}},
			Volumes: []corev1.Volume{
				{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "kite-cfg"}}}},
				{Name: "sec", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "kite-sec", DefaultMode: ptr.To[int32](0o400)}}},
				{Name: "proj", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kite-cfg"},
						Items: []corev1.KeyToPath{{Key: "key", Path: "renamed"}}}},
					{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kite-sec"}}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
						{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}},
				}}}},
				{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &limit}}},
				{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
					Path: hostDir, Type: ptr.To(corev1.HostPathDirectoryOrCreate)}}},
			},
		},
	}
}

// secretWaitPod runs until its mounted secret file says "two".
func secretWaitPod(node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-secret-update", Namespace: "default"},
		Spec: corev1.PodSpec{
			NodeName: node, RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{
				Name: "wait", Image: "busybox",
				Command:      []string{"sh", "-c", `until [ "$(cat /s/v)" = two ]; do sleep 0.2; done; echo saw-two > /dev/termination-log`},
				VolumeMounts: []corev1.VolumeMount{{Name: "s", MountPath: "/s"}},
			}},
			Volumes: []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "kite-sec-update"}}}},
		},
	}
}

func TestNodeVolumesEnvAndPodFiles(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	// Runs before the server stops: the agent tears the pods down, so no tmpfs of theirs
	// outlives the test even when it failed halfway.
	deletePodsAtCleanup(t, client, "kite-volumes", "kite-secret-update", "kite-config-error", "kite-log-message")

	node := readyNode(t, client, srv)

	_, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kite-cfg"},
		Data: map[string]string{"key": "value"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"kite-sec": "hunter2", "kite-sec-update": "one"} {
		key := "pw"
		if name == "kite-sec-update" {
			key = "v"
		}
		if _, err := client.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name},
			StringData: map[string]string{key: data}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// One pod checks its volumes, environment, token and hosts file from the inside.
	hostDir := filepath.Join(dataDir, "kite-hostpath", "made")
	if _, err := client.CoreV1().Pods("default").Create(ctx, volumePod(node, hostDir), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var done *corev1.Pod
	nodePoll(t, 90*time.Second, func() string {
		p, err := client.CoreV1().Pods("default").Get(ctx, "kite-volumes", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if p.Status.Phase == corev1.PodSucceeded {
			done = p
			return ""
		}
		msg := ""
		if len(p.Status.ContainerStatuses) == 1 {
			msg = p.Status.ContainerStatuses[0].State.String()
		}
		if p.Status.Phase == corev1.PodFailed {
			t.Fatalf("the checking pod failed: %s", msg)
		}
		return "pod phase " + string(p.Status.Phase) + ": " + msg
	})
	if b, err := os.ReadFile(filepath.Join(hostDir, "written")); err != nil || string(b) != "from-pod\n" {
		t.Errorf("the hostPath DirectoryOrCreate volume on the host holds %q, %v", b, err)
	}
	tok := strings.TrimSpace(done.Status.ContainerStatuses[0].State.Terminated.Message)
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("the mounted token is no JWT: %q", tok)
	}
	review, err := client.AuthenticationV1().TokenReviews().Create(ctx, &authenticationv1.TokenReview{
		Spec: authenticationv1.TokenReviewSpec{Token: tok}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !review.Status.Authenticated || review.Status.User.Username != "system:serviceaccount:default:default" {
		t.Errorf("the pod's token reviews as %+v", review.Status)
	}

	// A Secret update reaches the file a running container has mounted.
	if _, err := client.CoreV1().Pods("default").Create(ctx, secretWaitPod(node), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, client, "kite-secret-update", corev1.PodRunning, 60*time.Second)
	s, err := client.CoreV1().Secrets("default").Get(ctx, "kite-sec-update", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data["v"] = []byte("two")
	if _, err := client.CoreV1().Secrets("default").Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	updated := time.Now()
	waitPhase(t, client, "kite-secret-update", corev1.PodSucceeded, 60*time.Second)
	t.Logf("the secret update reached the container in %s", time.Since(updated).Round(100*time.Millisecond))

	// A reference to a missing key keeps the container in CreateContainerConfigError;
	// a failed container's log tail is its message under FallbackToLogsOnError.
	bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kite-config-error", Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: node, RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: ptr.To[int64](1),
		Containers: []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"true"},
			Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "kite-cfg"}, Key: "absent"}}}}}},
	}}
	logged := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kite-log-message", Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: node, RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: ptr.To[int64](1),
		Containers: []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"sh", "-c", "echo first; echo last words; exit 3"},
			TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError}},
	}}
	for _, p := range []*corev1.Pod{bad, logged} {
		if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nodePoll(t, 60*time.Second, func() string {
		p, err := client.CoreV1().Pods("default").Get(ctx, "kite-config-error", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) != 1 {
			return "no status yet"
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		if w == nil || w.Reason != "CreateContainerConfigError" || w.Message != "couldn't find key absent in ConfigMap default/kite-cfg" {
			return "config error pod: " + p.Status.ContainerStatuses[0].State.String()
		}
		return ""
	})
	waitPhaseFailed := func() string {
		p, err := client.CoreV1().Pods("default").Get(ctx, "kite-log-message", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Terminated == nil {
			return "log message pod not terminated"
		}
		if m := p.Status.ContainerStatuses[0].State.Terminated.Message; m != "first\nlast words\n" {
			return "termination message from the log: " + strconv.Quote(m)
		}
		return ""
	}
	nodePoll(t, 60*time.Second, waitPhaseFailed)

	// Deleting the pods removes their volumes, the tmpfs included.
	for _, name := range []string{"kite-volumes", "kite-secret-update", "kite-config-error", "kite-log-message"} {
		if err := client.CoreV1().Pods("default").Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nodePoll(t, 60*time.Second, func() string {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil || len(pods.Items) > 0 {
			return "pods not gone yet"
		}
		if b, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(b), dataDir) {
			return "mounts left under the data directory"
		}
		dirs, _ := filepath.Glob(filepath.Join(dataDir, "agent", "pods", "*", "volumes"))
		if len(dirs) > 0 {
			return "volume directories left: " + strings.Join(dirs, " ")
		}
		return ""
	})
}

// waitPhase polls the pod in default until it reaches phase, failing early when it ends
// in another one.
func waitPhase(t *testing.T, client kubernetes.Interface, name string, phase corev1.PodPhase, within time.Duration) {
	t.Helper()
	nodePoll(t, within, func() string {
		p, err := client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if p.Status.Phase == phase {
			return ""
		}
		if p.Status.Phase == corev1.PodFailed || (p.Status.Phase == corev1.PodSucceeded && phase != corev1.PodSucceeded) {
			t.Fatalf("pod %s ended %s: %v", name, p.Status.Phase, p.Status.ContainerStatuses)
		}
		return "pod " + name + " is " + string(p.Status.Phase)
	})
}
