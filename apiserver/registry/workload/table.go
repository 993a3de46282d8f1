package workload

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ContainerCells returns the CONTAINERS and IMAGES cells of a wide table: the template's
// container names and images, each comma-separated in container order.
func ContainerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	im := make([]string, len(containers))
	for i, c := range containers {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// Column descriptions shared by the wide columns of every workload table, as upstream
// words them.
const (
	ContainersDescription = "Names of each container in the template."
	ImagesDescription     = "Images referenced by each container in the template."
)
