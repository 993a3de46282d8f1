package node

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fakeImages is an image service that only lists.
type fakeImages struct {
	runtimeapi.ImageServiceClient
	images []*runtimeapi.Image
	err    error
}

func (f *fakeImages) ListImages(context.Context, *runtimeapi.ListImagesRequest, ...grpc.CallOption) (*runtimeapi.ListImagesResponse, error) {
	return &runtimeapi.ListImagesResponse{Images: f.images}, f.err
}

func TestStatusImagesAsUpstreamReportsThem(t *testing.T) {
	imgs := []*runtimeapi.Image{
		{Id: "sha256:small", Size: 100, RepoTags: []string{"kite.local/pause:1", "registry.k8s.io/pause:3.10.2"}},
		{Id: "sha256:big", Size: 5000, RepoTags: []string{"docker.io/library/nginx:latest"}, RepoDigests: []string{"docker.io/library/nginx@sha256:abc"}},
		{Id: "sha256:nameless", Size: 9999},
		{Id: "sha256:many", Size: 300, RepoTags: []string{"a:1", "a:2", "a:3", "a:4", "a:5", "a:6"}},
	}
	got := statusImages(imgs)
	want := []corev1.ContainerImage{
		{Names: []string{"docker.io/library/nginx@sha256:abc", "docker.io/library/nginx:latest"}, SizeBytes: 5000},
		{Names: []string{"a:1", "a:2", "a:3", "a:4", "a:5"}, SizeBytes: 300},
		{Names: []string{"kite.local/pause:1", "registry.k8s.io/pause:3.10.2"}, SizeBytes: 100},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("status images\n got %v\nwant %v", got, want)
	}

	var lots []*runtimeapi.Image
	for i := range 60 {
		lots = append(lots, &runtimeapi.Image{Id: fmt.Sprint(i), Size: uint64(i), RepoTags: []string{fmt.Sprintf("img:%d", i)}})
	}
	got = statusImages(lots)
	if len(got) != maxStatusImages || got[0].Names[0] != "img:59" || got[49].Names[0] != "img:10" {
		t.Errorf("60 images: %d reported, first %v, last %v; want the 50 largest", len(got), got[0].Names, got[len(got)-1].Names)
	}
}

func TestPostStatusReportsTheRuntimesImages(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	rt := &fakeImages{images: []*runtimeapi.Image{{Id: "sha256:p", Size: 288, RepoTags: []string{"kite.local/pause:1"}}}}
	cfg := testConfig(client)
	cfg.Images = CRIImages(rt)
	if _, err := Register(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := postStatus(ctx, cfg, true); err != nil {
		t.Fatal(err)
	}
	n, err := client.CoreV1().Nodes().Get(ctx, cfg.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Status.Images) != 1 || n.Status.Images[0].Names[0] != "kite.local/pause:1" || n.Status.Images[0].SizeBytes != 288 {
		t.Fatalf("status.images = %v", n.Status.Images)
	}

	// A new image is a change worth posting; a runtime that fails to list keeps the
	// last list.
	rt.images = append(rt.images, &runtimeapi.Image{Id: "sha256:n", Size: 5 << 20, RepoTags: []string{"docker.io/library/nginx:latest"}})
	if wrote, err := postStatus(ctx, cfg, false); err != nil || !wrote {
		t.Fatalf("after a new image: wrote %v, %v; want a post", wrote, err)
	}
	rt.err = errors.New("runtime down")
	if wrote, err := postStatus(ctx, cfg, false); err != nil || wrote {
		t.Errorf("with the runtime failing: wrote %v, %v; want the last list kept, no post", wrote, err)
	}
	n, _ = client.CoreV1().Nodes().Get(ctx, cfg.Name, metav1.GetOptions{})
	if len(n.Status.Images) != 2 || n.Status.Images[0].Names[0] != "docker.io/library/nginx:latest" {
		t.Errorf("status.images = %v, want nginx then pause", n.Status.Images)
	}
}
