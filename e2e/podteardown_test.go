package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Deleting a namespace of pods on the real node agent (issue 6: a hundred pods took
// minutes to go on a busy machine). Its pods wait out their grace period side by side,
// not a few at a time behind each other, and the agent stops each sandbox once: every
// StopPodSandbox runs the CNI DEL chain again (containerd logs each one), so a second
// stop added a CNI DEL, with its iptables runs, to every pod's deletion.
func TestNamespaceDeletionTearsPodsDownInParallel(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	const ns = "kite-teardown"
	// Runs before the server stops, whatever failed: the agent takes the pods away.
	t.Cleanup(func() {
		client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
		nodePoll(t, 120*time.Second, func() string {
			if _, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Sprintf("namespace %s still there (%v)", ns, err)
			}
			return ""
		})
	})
	node := readyNode(t, client, srv)
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// More pods than the agent has workers (8). busybox's sleep as PID 1 ignores
	// SIGTERM, so each pod takes its whole grace period to stop.
	const pods, grace = 12, 4
	for i := range pods {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%02d", i)},
			Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: ptr.To[int64](grace),
				Containers: []corev1.Container{{Name: "main", Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent,
					Command: []string{"sleep", "3600"}}}}}
		if _, err := client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nodePoll(t, 120*time.Second, func() string {
		list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err.Error()
		}
		running := 0
		for _, p := range list.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		if running != pods {
			return fmt.Sprintf("%d of %d pods running", running, pods)
		}
		return ""
	})

	start := time.Now()
	kubectl(t, newest(t), kubeconfig, "delete", "namespace", ns, "--wait=false")
	nodePoll(t, 120*time.Second, func() string {
		if _, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Sprintf("namespace %s still there (%v)", ns, err)
		}
		return ""
	})
	took := time.Since(start)
	t.Logf("namespace of %d pods with a %ds grace period gone after %s", pods, grace, took.Round(time.Millisecond))

	// The agent logs each pod's deletion with how long its sync took ("total"): the
	// syncs must all have been under way at once, each starting before any ended.
	var latestStart, earliestEnd time.Time
	seen := map[string]bool{}
	for _, line := range strings.Split(srv.stderr.String(), "\n") {
		if !strings.Contains(line, `msg="pod deleted"`) || !strings.Contains(line, " pod="+ns+"/") {
			continue
		}
		name, at, total, err := deletedLine(line)
		if err != nil {
			t.Fatalf("%v in %q", err, line)
		}
		if seen[name] || total == 0 {
			continue // a later sync that found the pod gone already
		}
		seen[name] = true
		if total < grace*time.Second {
			t.Errorf("pod %s's deletion took %s, less than its %ds grace period: busybox's sleep was expected to wait it out", name, total, grace)
		}
		if begun := at.Add(-total); latestStart.IsZero() || begun.After(latestStart) {
			latestStart = begun
		}
		if earliestEnd.IsZero() || at.Before(earliestEnd) {
			earliestEnd = at
		}
	}
	if len(seen) != pods {
		t.Fatalf("the agent logged the deletion of %d pods, want %d:\n%s", len(seen), pods, srv.stderr.String())
	}
	if !latestStart.Before(earliestEnd) {
		t.Errorf("a pod's deletion began at %s, after another's ended at %s: the pods were torn down a few at a time",
			latestStart.Format(time.StampMilli), earliestEnd.Format(time.StampMilli))
	}

	// containerd logs each network teardown (a CNI DEL). The agent stops a sandbox once,
	// and containerd 1.6's RemovePodSandbox runs its own stop, so two per sandbox; the
	// agent used to stop it again before the removal, three.
	data, err := os.ReadFile(filepath.Join(dataDir, "containerd", "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	teardowns := map[string]int{}
	for _, m := range regexp.MustCompile(`TearDown network for sandbox \\?"([0-9a-f]+)\\?" successfully`).FindAllStringSubmatch(string(data), -1) {
		teardowns[m[1]]++
	}
	if len(teardowns) < pods {
		t.Fatalf("containerd logged the network teardown of %d sandboxes, want at least %d", len(teardowns), pods)
	}
	for id, n := range teardowns {
		if n > 2 {
			t.Errorf("sandbox %s: its network was torn down %d times, want at most twice", id[:12], n)
		}
	}
}

// deletedLine reads the pod's name, the line's time and the sync's total from the
// agent's "pod deleted" line.
func deletedLine(line string) (name string, at time.Time, total time.Duration, err error) {
	for _, f := range strings.Fields(line) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "time":
			at, err = time.Parse(time.RFC3339Nano, v)
		case "pod":
			_, name, _ = strings.Cut(v, "/")
		case "total":
			total, err = time.ParseDuration(v)
		}
		if err != nil {
			return "", time.Time{}, 0, err
		}
	}
	if name == "" || at.IsZero() {
		return "", time.Time{}, 0, fmt.Errorf("no pod or time")
	}
	return name, at, total, nil
}
