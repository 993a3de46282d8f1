package volumes

import (
	"context"
	"fmt"
	"io/fs"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The payloads of the atomic-writer volumes: which files, with which content and mode,
// a ConfigMap, Secret, downward API or projected volume holds, as upstream computes
// them (items select and rename keys, a missing key is an error unless optional, each
// file's mode is its item's or the volume's defaultMode).

// defaultMode is upstream's mode for volume files when neither item nor volume says.
const defaultMode = 0o644

func modeOf(itemMode, volumeMode *int32) fs.FileMode {
	switch {
	case itemMode != nil:
		return fs.FileMode(*itemMode)
	case volumeMode != nil:
		return fs.FileMode(*volumeMode)
	}
	return defaultMode
}

// keyedPayload maps an object's keys to files: every key, or the listed items.
func keyedPayload(data map[string][]byte, items []corev1.KeyToPath, mode *int32, optional bool, missingKey func(string) error) (map[string]file, error) {
	out := map[string]file{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = file{Data: v, Mode: modeOf(nil, mode)}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, missingKey(it.Key)
		}
		out[it.Path] = file{Data: v, Mode: modeOf(it.Mode, mode)}
	}
	return out, nil
}

func configMapData(cm *corev1.ConfigMap) map[string][]byte {
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return data
}

func (m *Manager) configMap(ctx context.Context, ns, name string, optional bool, items []corev1.KeyToPath, mode *int32) (map[string]file, error) {
	cm, err := m.cfg.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional {
		return map[string]file{}, nil
	}
	if err != nil {
		return nil, err
	}
	return keyedPayload(configMapData(cm), items, mode, optional, func(k string) error {
		return fmt.Errorf("configmap references non-existent config key: %s", k)
	})
}

func (m *Manager) secret(ctx context.Context, ns, name string, optional bool, items []corev1.KeyToPath, mode *int32) (map[string]file, error) {
	s, err := m.cfg.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional {
		return map[string]file{}, nil
	}
	if err != nil {
		return nil, err
	}
	return keyedPayload(s.Data, items, mode, optional, func(k string) error {
		return fmt.Errorf("references non-existent secret key: %s", k)
	})
}

func (m *Manager) configMapPayload(ctx context.Context, pod *corev1.Pod, src *corev1.ConfigMapVolumeSource) (map[string]file, error) {
	return m.configMap(ctx, pod.Namespace, src.Name, src.Optional != nil && *src.Optional, src.Items, src.DefaultMode)
}

func (m *Manager) secretPayload(ctx context.Context, pod *corev1.Pod, src *corev1.SecretVolumeSource) (map[string]file, error) {
	return m.secret(ctx, pod.Namespace, src.SecretName, src.Optional != nil && *src.Optional, src.Items, src.DefaultMode)
}

// downwardPayload writes pod fields and container resources, one file per item.
func (m *Manager) downwardPayload(ctx context.Context, pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, mode *int32) (map[string]file, error) {
	out := map[string]file{}
	var alloc corev1.ResourceList
	for _, it := range items {
		var v string
		switch {
		case it.FieldRef != nil:
			val, ok := FieldValue(pod, it.FieldRef.FieldPath)
			if !ok {
				return nil, fmt.Errorf("unsupported fieldPath: %s", it.FieldRef.FieldPath)
			}
			v = val
		case it.ResourceFieldRef != nil:
			if alloc == nil {
				var err error
				if alloc, err = m.NodeAllocatable(ctx); err != nil {
					return nil, err
				}
			}
			val, err := ResourceValue(pod, it.ResourceFieldRef.ContainerName, it.ResourceFieldRef.Resource, it.ResourceFieldRef.Divisor, alloc)
			if err != nil {
				return nil, err
			}
			v = val
		}
		out[it.Path] = file{Data: []byte(v), Mode: modeOf(it.Mode, mode)}
	}
	return out, nil
}

// projectedPayload merges the projected sources into one payload.
func (m *Manager) projectedPayload(ctx context.Context, pod *corev1.Pod, volume string, src *corev1.ProjectedVolumeSource) (map[string]file, error) {
	out := map[string]file{}
	add := func(p map[string]file) {
		for k, v := range p {
			out[k] = v
		}
	}
	for i, s := range src.Sources {
		switch {
		case s.ConfigMap != nil:
			p, err := m.configMap(ctx, pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Optional != nil && *s.ConfigMap.Optional, s.ConfigMap.Items, src.DefaultMode)
			if err != nil {
				return nil, err
			}
			add(p)
		case s.Secret != nil:
			p, err := m.secret(ctx, pod.Namespace, s.Secret.Name, s.Secret.Optional != nil && *s.Secret.Optional, s.Secret.Items, src.DefaultMode)
			if err != nil {
				return nil, err
			}
			add(p)
		case s.DownwardAPI != nil:
			p, err := m.downwardPayload(ctx, pod, s.DownwardAPI.Items, src.DefaultMode)
			if err != nil {
				return nil, err
			}
			add(p)
		case s.ServiceAccountToken != nil:
			tok, err := m.token(ctx, pod, s.ServiceAccountToken)
			if err != nil {
				return nil, err
			}
			out[s.ServiceAccountToken.Path] = file{Data: []byte(tok), Mode: modeOf(nil, src.DefaultMode)}
		case s.ClusterTrustBundle != nil:
			anchors, err := m.trustBundle(ctx, s.ClusterTrustBundle)
			if err != nil {
				return nil, err
			}
			out[s.ClusterTrustBundle.Path] = file{Data: anchors, Mode: modeOf(nil, src.DefaultMode)}
		case s.PodCertificate != nil:
			key, chain, err := m.podCertificate(ctx, pod, volume, i, s.PodCertificate)
			if err != nil {
				return nil, err
			}
			podCertificatePayload(out, s.PodCertificate, key, chain, src.DefaultMode)
		}
	}
	return out, nil
}

// NodeAllocatable is the node's allocatable resources, which stand in for the limits a
// container does not set.
func (m *Manager) NodeAllocatable(ctx context.Context) (corev1.ResourceList, error) {
	if m.cfg.NodeName == "" {
		return corev1.ResourceList{}, nil
	}
	node, err := m.cfg.Client.CoreV1().Nodes().Get(ctx, m.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading node %s for its allocatable resources: %w", m.cfg.NodeName, err)
	}
	if node.Status.Allocatable != nil {
		return node.Status.Allocatable, nil
	}
	return node.Status.Capacity, nil
}
