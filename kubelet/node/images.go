package node

import (
	"cmp"
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Upstream kubelet's limits on the Node's image list: its default
// --node-status-max-images, and the names it reports per image.
const (
	maxStatusImages  = 50
	maxNamesPerImage = 5
)

// CRIImages returns a Config.Images that asks the runtime's image service for its
// images. The service is a CRI client's (kubelet/cri dials it); this package only calls.
func CRIImages(images runtimeapi.ImageServiceClient) func(ctx context.Context) ([]corev1.ContainerImage, error) {
	return func(ctx context.Context) ([]corev1.ContainerImage, error) {
		resp, err := images.ListImages(ctx, &runtimeapi.ListImagesRequest{})
		if err != nil {
			return nil, err
		}
		return statusImages(resp.Images), nil
	}
}

// statusImages is the Node's status.images for the runtime's images, as upstream's
// kubelet reports them: the largest first, at most maxStatusImages, each named by its
// digests then its tags, at most maxNamesPerImage names. Images with neither are left
// out, as they name nothing a pod could ask for.
func statusImages(imgs []*runtimeapi.Image) []corev1.ContainerImage {
	sorted := slices.Clone(imgs)
	slices.SortStableFunc(sorted, func(a, b *runtimeapi.Image) int {
		if c := cmp.Compare(b.GetSize(), a.GetSize()); c != 0 {
			return c
		}
		return cmp.Compare(a.GetId(), b.GetId())
	})
	var out []corev1.ContainerImage
	for _, img := range sorted {
		if len(out) == maxStatusImages {
			break
		}
		names := append(slices.Clone(img.GetRepoDigests()), img.GetRepoTags()...)
		if len(names) == 0 {
			continue
		}
		if len(names) > maxNamesPerImage {
			names = names[:maxNamesPerImage]
		}
		out = append(out, corev1.ContainerImage{Names: names, SizeBytes: int64(img.GetSize())})
	}
	return out
}
