package pods

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Image pull back-off, as upstream's: 10s doubling to 5 minutes.
const (
	pullBackoffInitial = 10 * time.Second
	pullBackoffMax     = 5 * time.Minute
)

// waitingError is errWaiting with the time after which to try again.
type waitingError struct{ retry time.Duration }

func (e *waitingError) Error() string { return fmt.Sprintf("container waiting; retry in %s", e.retry) }
func (e *waitingError) Unwrap() error { return errWaiting }

// ensureImage returns the image ID to run container c with, pulling the image when its
// pull policy asks for it. A present image is used even under policy Always: nodes here
// are air-gapped and preload their images, and pulling would only fail (the pull is
// attempted when the image is missing, so a cluster with a registry still pulls).
func (m *Manager) ensureImage(ctx context.Context, pod *corev1.Pod, c *corev1.Container) (string, error) {
	key := containerKey(pod.UID, c.Name)
	spec := &runtimeapi.ImageSpec{Image: c.Image, UserSpecifiedImage: c.Image}
	st, err := m.cfg.Images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: spec})
	if err != nil {
		return "", err
	}
	if st.Image != nil {
		m.event(pod, corev1.EventTypeNormal, "Pulled", "Container image %q already present on machine", c.Image)
		return st.Image.Id, nil
	}
	if c.ImagePullPolicy == corev1.PullNever {
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
		m.setWaiting(key, waitReason{"ErrImageNeverPull", msg})
		m.event(pod, corev1.EventTypeWarning, "ErrImageNeverPull", "%s", msg)
		return "", &waitingError{retry: pullBackoffInitial}
	}
	pullKey := string(pod.UID) + "/pull/" + c.Name
	m.mu.Lock()
	e := m.backoff[pullKey]
	m.mu.Unlock()
	if e != nil {
		if left := e.until.Sub(m.cfg.Clock.Now()); left > 0 {
			msg := fmt.Sprintf("Back-off pulling image %q", c.Image)
			m.setWaiting(key, waitReason{"ImagePullBackOff", msg})
			m.event(pod, corev1.EventTypeNormal, "BackOff", "%s", msg)
			return "", &waitingError{retry: left}
		}
	}
	start := m.cfg.Clock.Now()
	var resp *runtimeapi.PullImageResponse
	if m.cfg.RegistryPulls {
		m.event(pod, corev1.EventTypeNormal, "Pulling", "Pulling image %q", c.Image)
		resp, err = m.cfg.Images.PullImage(ctx, &runtimeapi.PullImageRequest{Image: spec, SandboxConfig: nil})
	} else {
		err = fmt.Errorf("image %q is not present on the node and registry pulls are off: import it first (make images; kite server --images DIR)", c.Image)
	}
	if err != nil {
		m.mu.Lock()
		if e == nil {
			e = &backoffEntry{delay: pullBackoffInitial}
			m.backoff[pullKey] = e
		} else {
			e.delay = min(2*e.delay, pullBackoffMax)
		}
		e.until = m.cfg.Clock.Now().Add(e.delay)
		retry := e.delay
		m.mu.Unlock()
		m.setWaiting(key, waitReason{"ErrImagePull", err.Error()})
		m.event(pod, corev1.EventTypeWarning, "Failed", "Failed to pull image %q: %v", c.Image, err)
		return "", &waitingError{retry: retry}
	}
	m.mu.Lock()
	delete(m.backoff, pullKey)
	m.mu.Unlock()
	m.event(pod, corev1.EventTypeNormal, "Pulled", "Successfully pulled image %q in %s", c.Image, m.cfg.Clock.Since(start).Round(time.Millisecond))
	return resp.ImageRef, nil
}
