package kubelet

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/cri"
)

// imageID returns the ID of the image the runtime has under ref, or "".
func imageID(ctx context.Context, rt *cri.Client, ref string) (string, error) {
	st, err := rt.Images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
	if err != nil {
		return "", err
	}
	if st.Image == nil {
		return "", nil
	}
	return st.Image.Id, nil
}
