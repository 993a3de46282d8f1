package volumes

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// A clusterTrustBundle projection writes trust anchors from ClusterTrustBundles into
// one file: the bundle it names, or every bundle of a signer that its label selector
// selects (no selector selects none, an empty one all). The certificates of all
// selected bundles are written once each, in a stable order. Nothing found fails the
// volume, so the pod does not start, unless the projection is optional: then the file
// is empty.

func (m *Manager) trustBundle(ctx context.Context, p *corev1.ClusterTrustBundleProjection) ([]byte, error) {
	optional := p.Optional != nil && *p.Optional
	var bundles []certificatesv1.ClusterTrustBundle
	switch {
	case p.Name != nil:
		b, err := m.cfg.Client.CertificatesV1().ClusterTrustBundles().Get(ctx, *p.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) && optional {
			return []byte{}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("while getting ClusterTrustBundle %s: %w", *p.Name, err)
		}
		bundles = append(bundles, *b)
	case p.SignerName != nil:
		if p.LabelSelector != nil {
			sel, err := metav1.LabelSelectorAsSelector(p.LabelSelector)
			if err != nil {
				return nil, fmt.Errorf("invalid label selector of the clusterTrustBundle projection: %w", err)
			}
			all, err := m.cfg.Client.CertificatesV1().ClusterTrustBundles().List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, fmt.Errorf("while listing ClusterTrustBundles: %w", err)
			}
			for _, b := range all.Items {
				if b.Spec.SignerName == *p.SignerName && sel.Matches(labels.Set(b.Labels)) {
					bundles = append(bundles, b)
				}
			}
		}
		if len(bundles) == 0 {
			if optional {
				return []byte{}, nil
			}
			return nil, fmt.Errorf("combination of signerName=%s and labelSelector matched zero ClusterTrustBundles", *p.SignerName)
		}
	default:
		return nil, fmt.Errorf("clusterTrustBundle projection names neither a bundle nor a signer")
	}
	return mergeTrustAnchors(bundles)
}

// mergeTrustAnchors writes each distinct certificate of the bundles once, bundles in
// name order and certificates in the order each bundle lists them.
func mergeTrustAnchors(bundles []certificatesv1.ClusterTrustBundle) ([]byte, error) {
	slices.SortFunc(bundles, func(a, b certificatesv1.ClusterTrustBundle) int { return strings.Compare(a.Name, b.Name) })
	var out bytes.Buffer
	seen := map[string]bool{}
	for _, b := range bundles {
		rest := []byte(b.Spec.TrustBundle)
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			if block.Type != "CERTIFICATE" || seen[string(block.Bytes)] {
				continue
			}
			seen[string(block.Bytes)] = true
			if err := pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}); err != nil {
				return nil, err
			}
		}
	}
	return out.Bytes(), nil
}
