package e2e

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Container log rotation through the real binary: a container that writes quickly
// under a small --container-log-max-size has its log rotated, keeps at most
// --container-log-max-files files (older ones gzipped), and `kubectl logs` goes on
// showing its newest output.

// logWriter prints numbered lines of about 110 bytes, some 400 a second.
const logWriter = `trap 'exit 0' TERM
pad=$(printf %0100d 0)
i=0
while true; do
  i=$((i+1))
  echo "line $i $pad"
  if [ $((i % 20)) -eq 0 ]; then sleep 0.05; fi
done`

func TestContainerLogRotation(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kubeconfig := filepath.Join(dataDir, "kubeconfig")
	k := filepath.Join(kubectlDir(t), "kubectl.1.33")
	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images,
		"--container-log-max-size", "16Ki", "--container-log-max-files", "3", "--container-log-monitor-interval", "1s"))
	srv.waitReady(t)
	client := clientFor(t, kubeconfig)
	readyNode(t, client, srv)

	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-logrotate"},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](2),
			Containers: []corev1.Container{{
				Name: "main", Image: "busybox", ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{"sh", "-c", logWriter},
			}},
		},
	}
	created, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deletePodsAtCleanup(t, client, pod.Name)
	nodePoll(t, 60*time.Second, func() string {
		p, err := client.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil || p.Status.Phase != corev1.PodRunning {
			return fmt.Sprintf("pod not running: %v %v", err, p.Status)
		}
		return ""
	})

	// The container's log directory, as upstream lays it out under /var/log/pods.
	dir := filepath.Join(dataDir, "agent", "pods", "default_"+pod.Name+"_"+string(created.UID), "main")
	var files []string
	var gzText, plainText string
	nodePoll(t, 60*time.Second, func() string {
		// Four rotations with three files kept: the oldest ones must have gone.
		if n := strings.Count(srv.stderr.String(), "container log rotated"); n < 4 {
			return fmt.Sprintf("%d rotations so far; files %q", n, files)
		}
		files = logFiles(t, dir)
		if len(files) > 3 {
			t.Fatalf("with --container-log-max-files 3 the container has %q", files)
		}
		var plain, gz []string
		for _, f := range files {
			switch {
			case f == "0.log":
			case strings.HasSuffix(f, ".gz"):
				gz = append(gz, f)
			default:
				plain = append(plain, f)
			}
		}
		// A rotation in progress (the newest file being compressed, the log renamed
		// and not yet reopened) shows other sets for a moment; so may a file that
		// goes while it is read.
		if len(gz) != 1 || len(plain) != 1 {
			return fmt.Sprintf("files %q; want 0.log, one plain rotated file and one gzipped", files)
		}
		var err error
		if gzText, err = readGzip(filepath.Join(dir, gz[0])); err != nil {
			return err.Error()
		}
		b, err := os.ReadFile(filepath.Join(dir, plain[0]))
		if err != nil {
			return err.Error()
		}
		plainText = string(b)
		return ""
	})
	if first, last := lineRange(t, gzText); first < 1 || last < first {
		t.Errorf("the gzipped log holds lines %d to %d, want the writer's numbered lines", first, last)
	}
	_, rotatedLast := lineRange(t, plainText)

	// kubectl logs reads the current file: the newest lines, after what was rotated,
	// and none of the first ones.
	nodePoll(t, 30*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "logs", pod.Name)
		first, last := lineRange(t, out)
		if first <= 1 || last <= rotatedLast {
			return fmt.Sprintf("kubectl logs shows lines %d to %d; want only lines after %d (the newest rotated file's last)", first, last, rotatedLast)
		}
		return ""
	})
	out := nodeKubectl(k, kubeconfig, "logs", pod.Name, "--tail", "2")
	if lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "line ") || !strings.HasPrefix(lines[1], "line ") {
		t.Errorf("kubectl logs --tail 2 after rotations: %q", out)
	}
}

// logFiles lists the names of dir's files, leaving out a compression in progress.
func logFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".tmp") {
			out = append(out, e.Name())
		}
	}
	return out
}

func readGzip(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return string(b), nil
}

// lineRange returns the numbers of the first and last "line N …" in text (CRI log
// lines or kubectl's output), failing the test when the numbers in between are not
// consecutive: a rotation must lose no line of the file a reader sees. 0, 0 when
// there are none.
func lineRange(t *testing.T, text string) (first, last int) {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		_, rest, ok := strings.Cut(l, "line ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		if first == 0 {
			first = n
		} else if n != last+1 {
			t.Fatalf("line %d follows line %d", n, last)
		}
		last = n
	}
	return first, last
}
