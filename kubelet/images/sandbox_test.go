package images_test

import (
	"testing"

	"kite/images/pause"
	"kite/kubelet"
)

// The image kite imports by itself must be the one containerd is told to use as the
// sandbox, or a node without tarballs has no sandbox image after all.
func TestBuiltinPauseIsTheSandboxImage(t *testing.T) {
	if kubelet.SandboxImage != pause.Name {
		t.Errorf("containerd's sandbox image is %s, the built-in pause is %s", kubelet.SandboxImage, pause.Name)
	}
}
