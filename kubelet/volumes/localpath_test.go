package volumes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
)

// deletedVolume is a local-path volume of claim on node as the provisioner leaves it
// once it deleted it: Released, policy Delete, being deleted, with the finalizer.
func deletedVolume(dir, claim, node string) *corev1.PersistentVolume {
	uid := types.UID("uid-" + claim)
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pvc-" + string(uid), DeletionTimestamp: ptr.To(metav1.Now()),
			Annotations: map[string]string{annProvisionedBy: localPathProvisioner, localPathNode: node},
			Finalizers:  []string{"example.com/other", LocalPathFinalizer}},
		Spec: corev1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			ClaimRef:                      &corev1.ObjectReference{Namespace: "default", Name: claim, UID: uid},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: filepath.Join(dir, localPathDirName(uid, "default", claim))}},
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeReleased},
	}
}

func mkdirWithFile(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func finalizersOf(t *testing.T, client *fake.Clientset, name string) []string {
	t.Helper()
	pv, err := client.CoreV1().PersistentVolumes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pv.Finalizers
}

// TestLocalPathFinish syncs one volume at a time, each case on its own.
func TestLocalPathFinish(t *testing.T) {
	root := t.TempDir()
	storage := filepath.Join(root, "storage")
	outside := filepath.Join(root, "precious")
	cases := []struct {
		name       string
		edit       func(*corev1.PersistentVolume)
		storageDir string
		dirGone    bool
		finalized  bool // our finalizer removed
	}{
		{"released and deleted: directory and finalizer go", nil, storage, true, true},
		{"another node's volume is not ours", func(pv *corev1.PersistentVolume) { pv.Annotations[localPathNode] = "other" }, storage, false, false},
		{"not being deleted", func(pv *corev1.PersistentVolume) { pv.DeletionTimestamp = nil }, storage, false, false},
		{"another provisioner's", func(pv *corev1.PersistentVolume) { pv.Annotations[annProvisionedBy] = "example.com/nfs" }, storage, false, false},
		{"deleted while bound keeps the data", func(pv *corev1.PersistentVolume) { pv.Status.Phase = corev1.VolumeBound }, storage, false, true},
		{"policy Retain keeps the data", func(pv *corev1.PersistentVolume) {
			pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
		}, storage, false, true},
		{"a path outside the storage dir is left, and the finalizer too", func(pv *corev1.PersistentVolume) {
			pv.Spec.HostPath.Path = filepath.Join(outside, filepath.Base(pv.Spec.HostPath.Path))
		}, storage, false, false},
		{"a path of another claim is left", func(pv *corev1.PersistentVolume) {
			pv.Spec.ClaimRef.Name = "someone-else"
		}, storage, false, false},
		{"a node without directories only drops the finalizer", nil, "", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pv := deletedVolume(storage, "data", "n1")
			if tc.edit != nil {
				tc.edit(pv)
			}
			dir := pv.Spec.HostPath.Path
			mkdirWithFile(t, dir)
			t.Cleanup(func() { _ = os.RemoveAll(dir) })
			client := fake.NewClientset(pv)
			events := record.NewFakeRecorder(10)
			l, err := NewLocalPath(LocalPathConfig{Client: client, Nodes: []string{"n1"}, StorageDir: tc.storageDir, Recorder: events})
			if err != nil {
				t.Fatal(err)
			}
			idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
			if err := idx.Add(pv); err != nil {
				t.Fatal(err)
			}
			if err := l.sync(context.Background(), corelisters.NewPersistentVolumeLister(idx), pv.Name); err != nil {
				t.Fatal(err)
			}
			if gone := !exists(dir); gone != tc.dirGone {
				t.Errorf("directory gone %v, want %v", gone, tc.dirGone)
			}
			f := finalizersOf(t, client, pv.Name)
			if finalized := !slices.Contains(f, LocalPathFinalizer); finalized != tc.finalized {
				t.Errorf("finalizers %q: ours removed %v, want %v", f, finalized, tc.finalized)
			}
			if !slices.Contains(f, "example.com/other") {
				t.Errorf("finalizers %q: another's was removed", f)
			}
		})
	}
}

func TestLocalPathRefusalIsReported(t *testing.T) {
	storage := filepath.Join(t.TempDir(), "storage")
	pv := deletedVolume(storage, "data", "n1")
	pv.Spec.HostPath.Path = "/etc"
	client := fake.NewClientset(pv)
	events := record.NewFakeRecorder(10)
	l, err := NewLocalPath(LocalPathConfig{Client: client, Nodes: []string{"n1"}, StorageDir: storage, Recorder: events})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.finish(context.Background(), pv); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events.Events:
		if !strings.Contains(e, "VolumeFailedDelete") || !strings.Contains(e, `path "/etc"`) {
			t.Errorf("event %q", e)
		}
	default:
		t.Error("no event")
	}
}

func TestNewLocalPathChecks(t *testing.T) {
	client := fake.NewClientset()
	for _, cfg := range []LocalPathConfig{
		{Nodes: []string{"n"}},
		{Client: client},
		{Client: client, Nodes: []string{"n"}, StorageDir: "relative"},
		{Client: client, Nodes: []string{"n"}, StorageDir: "/a/../b"},
	} {
		if _, err := NewLocalPath(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestLocalPathRun: running, the agent announces its storage directory on its Node and
// finishes a deleted volume of its node, and only of its node.
func TestLocalPathRun(t *testing.T) {
	storage := filepath.Join(t.TempDir(), "storage")
	mine, theirs := deletedVolume(storage, "mine", "n1"), deletedVolume(storage, "theirs", "n2")
	mkdirWithFile(t, mine.Spec.HostPath.Path)
	client := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, mine, theirs)
	l, err := NewLocalPath(LocalPathConfig{Client: client, Nodes: []string{"n1"}, StorageDir: storage})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	poll(t, func() string {
		n, err := client.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if got := n.Annotations[LocalPathStorageDirAnnotation]; got != storage {
			return fmt.Sprintf("node annotation %q", got)
		}
		return ""
	})
	poll(t, func() string {
		if exists(mine.Spec.HostPath.Path) {
			return "directory still there"
		}
		if f := finalizersOf(t, client, mine.Name); slices.Contains(f, LocalPathFinalizer) {
			return fmt.Sprintf("finalizers %q", f)
		}
		return ""
	})
	if f := finalizersOf(t, client, theirs.Name); !slices.Contains(f, LocalPathFinalizer) {
		t.Errorf("another node's volume lost its finalizer: %q", f)
	}
}

func poll(t *testing.T, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMakeLocalPathDir checks that a local-path volume's missing directory is made
// writable by every user (a pod running as non-root must be able to write to its
// claim), that an existing one keeps its mode, and that other hostPath volumes are
// left to their type.
func TestMakeLocalPathDir(t *testing.T) {
	dir := t.TempDir()
	pv := deletedVolume(dir, "data", "n1")
	if err := makeLocalPathDir(pv); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(pv.Spec.HostPath.Path)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o777 {
		t.Fatalf("local-path directory: %v, %v; want a directory with mode 0777", fi, err)
	}
	if err := os.Chmod(pv.Spec.HostPath.Path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := makeLocalPathDir(pv); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(pv.Spec.HostPath.Path); fi.Mode().Perm() != 0o700 {
		t.Errorf("an existing directory's mode changed to %v", fi.Mode().Perm())
	}
	other := deletedVolume(dir, "other", "n1")
	delete(other.Annotations, annProvisionedBy)
	if err := makeLocalPathDir(other); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other.Spec.HostPath.Path); err == nil {
		t.Error("a hostPath volume not of the provisioner was made")
	}
}
