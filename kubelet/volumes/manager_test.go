package volumes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// fakeMounter records tmpfs mounts instead of making them.
type fakeMounter struct {
	mu      sync.Mutex
	mounted map[string]string
	// reads counts the reads of the mount table (MountPointsUnder).
	reads int
}

func (f *fakeMounter) MountTmpfs(target, opts string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mounted[target] = opts
	return nil
}

func (f *fakeMounter) Unmount(target string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.mounted, target)
	return nil
}

func (f *fakeMounter) MountPointsUnder(dir string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	var out []string
	for p := range f.mounted {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeMounter) IsMountPoint(p string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.mounted[p]
	return ok, nil
}

type fixture struct {
	m      *Manager
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	mnt    *fakeMounter
	tokens int
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{client: fake.NewClientset(objs...), clock: clocktesting.NewFakeClock(time.Now()),
		mnt: &fakeMounter{mounted: map[string]string{}}}
	f.client.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "token" {
			return false, nil, nil
		}
		req := a.(k8stesting.CreateAction).GetObject().(*authenticationv1.TokenRequest)
		f.tokens++
		out := req.DeepCopy()
		out.Status.Token = "token-" + string(rune('0'+f.tokens)) + "-" + strings.Join(req.Spec.Audiences, ",") + "-" + req.Spec.BoundObjectRef.Name
		out.Status.ExpirationTimestamp = metav1.NewTime(f.clock.Now().Add(time.Duration(*req.Spec.ExpirationSeconds) * time.Second))
		return true, out, nil
	})
	m, err := New(Config{Client: f.client, NodeName: "node", Root: t.TempDir(), Mounter: f.mnt, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	return f
}

func testPod(vols ...corev1.Volume) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1", Labels: map[string]string{"app": "x"}},
		Spec: corev1.PodSpec{Volumes: vols, Containers: []corev1.Container{{Name: "c"}}}}
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

func TestConfigMapSecretItemsModesOptional(t *testing.T) {
	f := newFixture(t,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns"}, Data: map[string]string{"a": "A", "b": "B"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}, Data: map[string][]byte{"pw": []byte("hunter2")}},
	)
	pod := testPod(
		corev1.Volume{Name: "all", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, DefaultMode: ptr.To[int32](0o600)}}},
		corev1.Volume{Name: "items", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"},
			Items:                []corev1.KeyToPath{{Key: "b", Path: "dir/renamed", Mode: ptr.To[int32](0o400)}}}}},
		corev1.Volume{Name: "sec", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}},
		corev1.Volume{Name: "opt", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "missing", Optional: ptr.To(true)}}},
	)
	mounts, err := f.m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	all := mounts["all"].HostPath
	if !mounts["all"].ReadOnly || !strings.HasSuffix(all, filepath.Join("uid-1", "volumes", "kubernetes.io~configmap", "all")) {
		t.Errorf("configMap volume at %+v", mounts["all"])
	}
	if read(t, filepath.Join(all, "a")) != "A" || read(t, filepath.Join(all, "b")) != "B" || mode(t, filepath.Join(all, "a")).Perm() != 0o600 {
		t.Errorf("configMap files wrong (mode %v)", mode(t, filepath.Join(all, "a")))
	}
	items := mounts["items"].HostPath
	if read(t, filepath.Join(items, "dir", "renamed")) != "B" || mode(t, filepath.Join(items, "dir", "renamed")).Perm() != 0o400 {
		t.Error("item not renamed with its mode")
	}
	if _, err := os.Stat(filepath.Join(items, "a")); !os.IsNotExist(err) {
		t.Error("a key not listed in items was written")
	}
	if got := read(t, filepath.Join(mounts["sec"].HostPath, "pw")); got != "hunter2" || mode(t, filepath.Join(mounts["sec"].HostPath, "pw")).Perm() != 0o644 {
		t.Errorf("secret file %q", got)
	}
	entries, _ := os.ReadDir(mounts["opt"].HostPath)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") {
			t.Errorf("an optional missing secret shows a file %s", e.Name())
		}
	}

	// An update reaches the mounted files on the next Setup.
	s, _ := f.client.CoreV1().Secrets("ns").Get(context.Background(), "s", metav1.GetOptions{})
	s.Data["pw"] = []byte("changed")
	f.client.CoreV1().Secrets("ns").Update(context.Background(), s, metav1.UpdateOptions{})
	if _, err := f.m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(mounts["sec"].HostPath, "pw")); got != "changed" {
		t.Errorf("after the update the secret file holds %q", got)
	}

	// Required objects and keys that are missing fail with upstream's words.
	bad := testPod(
		corev1.Volume{Name: "gone", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}}}},
		corev1.Volume{Name: "nokey", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s",
			Items: []corev1.KeyToPath{{Key: "x", Path: "x"}}}}},
	)
	_, err = f.m.Setup(context.Background(), bad)
	for _, want := range []string{`MountVolume.SetUp failed for volume "gone" : configmaps "nope" not found`,
		`MountVolume.SetUp failed for volume "nokey" : references non-existent secret key: x`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

func TestProjectedTokenDownwardAndRefresh(t *testing.T) {
	f := newFixture(t,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Namespace: "ns"}, Data: map[string]string{"ca.crt": "PEM"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node"}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")}}},
	)
	pod := testPod(corev1.Volume{Name: "kube-api-access-abcde", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: ptr.To[int32](0o644),
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr.To[int64](3600), Path: "token", Audience: "aud"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}},
				{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
				{Path: "mem", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "c", Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}},
			}}},
		},
	}}})
	mounts, err := f.m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	dir := mounts["kube-api-access-abcde"].HostPath
	for name, want := range map[string]string{"token": "token-1-aud-p", "ca.crt": "PEM", "namespace": "ns", "labels": `app="x"`, "mem": "2048"} {
		if got := read(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// The token is reused until 80% of its lifetime passed, then renewed.
	f.clock.Step(47 * time.Minute)
	f.m.Setup(context.Background(), pod)
	if f.tokens != 1 {
		t.Errorf("%d token requests before 80%% of the lifetime", f.tokens)
	}
	f.clock.Step(2 * time.Minute)
	f.m.Setup(context.Background(), pod)
	if f.tokens != 2 || read(t, filepath.Join(dir, "token")) != "token-2-aud-p" {
		t.Errorf("%d token requests after 80%% of the lifetime; file %q", f.tokens, read(t, filepath.Join(dir, "token")))
	}
}

func TestEmptyDirMemoryFsGroupAndTeardown(t *testing.T) {
	f := newFixture(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns"}, Data: map[string]string{"k": "v"}})
	limit := resource.MustParse("16Mi")
	pod := testPod(
		corev1.Volume{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &limit}}},
		corev1.Volume{Name: "disk", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, DefaultMode: ptr.To[int32](0o600)}}},
	)
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr.To[int64](1234)}
	mounts, err := f.m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	mem := mounts["mem"].HostPath
	if opts, ok := f.mnt.mounted[mem]; !ok || opts != "size=16777216" {
		t.Errorf("tmpfs at %s: %q %v", mem, opts, ok)
	}
	disk := mounts["disk"].HostPath
	if m := mode(t, disk); m.Perm() != 0o777 || m&os.ModeSetgid == 0 {
		t.Errorf("emptyDir mode %v, want 0777 with setgid", m)
	}
	cmFile := filepath.Join(mounts["cm"].HostPath, "k")
	if m := mode(t, cmFile).Perm(); m != 0o640 {
		t.Errorf("fsGroup configMap file mode %v, want 0640", m)
	}
	if os.Geteuid() == 0 {
		for _, p := range []string{disk, cmFile} {
			fi, _ := os.Stat(p)
			if gid := fi.Sys().(*syscall.Stat_t).Gid; gid != 1234 {
				t.Errorf("%s group %d, want the fsGroup 1234", p, gid)
			}
		}
	}
	// A second Setup with nothing changed rewrites nothing.
	before, _ := os.Readlink(filepath.Join(mounts["cm"].HostPath, "..data"))
	f.m.Setup(context.Background(), pod)
	if after, _ := os.Readlink(filepath.Join(mounts["cm"].HostPath, "..data")); after != before {
		t.Errorf("an unchanged configMap was rewritten (%s -> %s)", before, after)
	}

	if err := f.m.Teardown(pod.UID); err != nil {
		t.Fatal(err)
	}
	if len(f.mnt.mounted) != 0 {
		t.Errorf("still mounted after teardown: %v", f.mnt.mounted)
	}
	if _, err := os.Stat(f.m.PodDir(pod.UID)); !os.IsNotExist(err) {
		t.Errorf("pod directory left: %v", err)
	}
}

func TestClaimResolvesToHostPath(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t,
		&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pv"},
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}},
		&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "pending", Namespace: "ns"}, Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}},
		&corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv"}, Spec: corev1.PersistentVolumeSpec{
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir}}}},
	)
	mounts, err := f.m.Setup(context.Background(), testPod(corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "c", ReadOnly: true}}}))
	if err != nil || mounts["v"].HostPath != dir || !mounts["v"].ReadOnly {
		t.Errorf("claim mounted %+v, %v", mounts["v"], err)
	}
	_, err = f.m.Setup(context.Background(), testPod(corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "pending"}}}))
	if err == nil || !strings.Contains(err.Error(), "non-bound phase") {
		t.Errorf("an unbound claim: %v", err)
	}
}

func TestTeardownUnmountsNestedMountsFirst(t *testing.T) {
	f := newFixture(t)
	pod := testPod(corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	mounts, err := f.m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	// A privileged container propagated a mount into its emptyDir.
	inner := filepath.Join(mounts["scratch"].HostPath, "inner")
	os.MkdirAll(inner, 0o755)
	f.mnt.mounted[inner] = ""
	if err := f.m.Teardown(pod.UID); err != nil {
		t.Fatal(err)
	}
	if len(f.mnt.mounted) != 0 {
		t.Errorf("left mounted: %v", f.mnt.mounted)
	}
}

func TestUnescapeOctal(t *testing.T) {
	if got := unescapeOctal(`/a\040b/c\134d`); got != `/a b/c\d` {
		t.Errorf("unescaped %q", got)
	}
}

// stuckMounter never manages to unmount.
type stuckMounter struct{ *fakeMounter }

func (stuckMounter) Unmount(string) error { return nil }

func TestTeardownKeepsADirectoryThatStaysMounted(t *testing.T) {
	f := newFixture(t)
	m, err := New(Config{Client: f.client, Root: t.TempDir(), Mounter: stuckMounter{f.mnt}})
	if err != nil {
		t.Fatal(err)
	}
	pod := testPod(corev1.Volume{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}})
	if _, err := m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if err := m.Teardown(pod.UID); err == nil || !strings.Contains(err.Error(), "still mounted") {
		t.Errorf("teardown of a stuck mount: %v", err)
	}
	if _, err := os.Stat(m.PodDir(pod.UID)); err != nil {
		t.Errorf("the pod directory was removed under a mount: %v", err)
	}
}

// The mount table of a node with a hundred pods is long; a teardown reads it only when
// the pod has a directory, and reads it again only to check what it unmounted. Teardown
// is called again for a pod already torn down (its later syncs) and must stay cheap.
func TestTeardownReadsTheMountTableOnlyWhenItMust(t *testing.T) {
	f := newFixture(t)
	plain := testPod(corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	if _, err := f.m.Setup(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	reads := func(uid types.UID) int {
		t.Helper()
		before := f.mnt.reads
		if err := f.m.Teardown(uid); err != nil {
			t.Fatal(err)
		}
		return f.mnt.reads - before
	}
	if n := reads(plain.UID); n != 1 {
		t.Errorf("teardown of a pod with nothing mounted read the mount table %d times, want 1", n)
	}
	if _, err := os.Stat(f.m.PodDir(plain.UID)); !os.IsNotExist(err) {
		t.Errorf("the pod directory is still there: %v", err)
	}
	if n := reads(plain.UID); n != 0 {
		t.Errorf("a second teardown read the mount table %d times, want 0", n)
	}

	mem := testPod(corev1.Volume{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}})
	mem.UID = "mem-pod"
	if _, err := f.m.Setup(context.Background(), mem); err != nil {
		t.Fatal(err)
	}
	if len(f.mnt.mounted) != 1 {
		t.Fatalf("mounted: %v, want the memory emptyDir", f.mnt.mounted)
	}
	if n := reads(mem.UID); n != 2 {
		t.Errorf("teardown of a pod with a tmpfs read the mount table %d times, want 2 (list, then check)", n)
	}
	if len(f.mnt.mounted) != 0 {
		t.Errorf("left mounted: %v", f.mnt.mounted)
	}
}
