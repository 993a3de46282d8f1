package volumes

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A podCertificate projection holds a private key made on this node and the
// certificate chain a signer issued for it. As upstream's kubelet does, the agent makes
// the key, asks for the certificate with a PodCertificateRequest (owned by the pod, so
// it goes with it) carrying a stub PKCS#10 request signed by the key as proof of
// possession, and writes the files once the request is issued; until then the volume
// fails and the pod worker tries again. After the chain's beginRefreshAt a new key is
// requested, and the old credential is served until the new one is issued.

// certKey names one podCertificate source of one pod's volume.
type certKey struct {
	uid    types.UID
	volume string
	index  int
}

// podCert is what the agent holds for one source: the credential issued last, and the
// request of a new one under way.
type podCert struct {
	keyPEM, chainPEM []byte
	refreshAt        time.Time

	pendingKey []byte
	pendingReq string
}

// defaultCertExpiration is the lifetime asked for when the projection names none
// (upstream's default, 24 hours).
const defaultCertExpiration = int32(24 * 60 * 60)

// podCertificate returns the key and chain (PEM) for the source, requesting them when
// needed.
func (m *Manager) podCertificate(ctx context.Context, pod *corev1.Pod, volume string, index int, p *corev1.PodCertificateProjection) (keyPEM, chainPEM []byte, err error) {
	k := certKey{uid: pod.UID, volume: volume, index: index}
	m.mu.Lock()
	c, ok := m.certs[k]
	if !ok {
		c = &podCert{}
		m.certs[k] = c
	}
	cur := *c
	m.mu.Unlock()

	now := m.cfg.Clock.Now()
	issued := cur.chainPEM != nil
	if issued && now.Before(cur.refreshAt) {
		return cur.keyPEM, cur.chainPEM, nil
	}
	if cur.pendingReq == "" {
		keyPEM, name, err := m.requestPodCertificate(ctx, pod, p)
		if err != nil {
			if issued {
				return cur.keyPEM, cur.chainPEM, nil
			}
			return nil, nil, err
		}
		cur.pendingKey, cur.pendingReq = keyPEM, name
	}
	req, err := m.cfg.Client.CertificatesV1().PodCertificateRequests(pod.Namespace).Get(ctx, cur.pendingReq, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		cur.pendingKey, cur.pendingReq = nil, "" // gone (deleted by someone): ask again
	}
	if err == nil {
		switch state, msg := requestState(req); state {
		case certificatesv1.PodCertificateRequestConditionTypeIssued:
			cur.keyPEM, cur.chainPEM = cur.pendingKey, []byte(req.Status.CertificateChain)
			cur.refreshAt = now.Add(time.Hour)
			if req.Status.BeginRefreshAt != nil {
				cur.refreshAt = req.Status.BeginRefreshAt.Time
			}
			cur.pendingKey, cur.pendingReq = nil, ""
			issued = true
		case certificatesv1.PodCertificateRequestConditionTypeDenied, certificatesv1.PodCertificateRequestConditionTypeFailed:
			cur.pendingKey, cur.pendingReq = nil, ""
			err = fmt.Errorf("PodCertificateRequest %s/%s was %s: %s", req.Namespace, req.Name, state, msg)
		default:
			err = fmt.Errorf("PodCertificateRequest %s/%s is not issued yet", req.Namespace, req.Name)
		}
	}
	m.mu.Lock()
	if live, ok := m.certs[k]; ok { // the pod may have been torn down meanwhile
		*live = cur
	}
	m.mu.Unlock()
	if issued {
		return cur.keyPEM, cur.chainPEM, nil
	}
	return nil, nil, err
}

// requestState is the request's final condition type, if any, and its message.
func requestState(req *certificatesv1.PodCertificateRequest) (string, string) {
	for _, c := range req.Status.Conditions {
		if c.Status != metav1.ConditionTrue {
			continue
		}
		switch c.Type {
		case certificatesv1.PodCertificateRequestConditionTypeIssued:
			if req.Status.CertificateChain != "" {
				return c.Type, c.Message
			}
		case certificatesv1.PodCertificateRequestConditionTypeDenied, certificatesv1.PodCertificateRequestConditionTypeFailed:
			return c.Type, c.Message
		}
	}
	return "", ""
}

// requestPodCertificate makes a key and creates the PodCertificateRequest for it,
// returning the key (PKCS#8 PEM) and the request's name.
func (m *Manager) requestPodCertificate(ctx context.Context, pod *corev1.Pod, p *corev1.PodCertificateProjection) ([]byte, string, error) {
	key, err := newCertKey(p.KeyType)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	stub, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		return nil, "", fmt.Errorf("while signing the proof of possession: %w", err)
	}
	saName := pod.Spec.ServiceAccountName
	if saName == "" {
		saName = "default"
	}
	sa, err := m.cfg.Client.CoreV1().ServiceAccounts(pod.Namespace).Get(ctx, saName, metav1.GetOptions{})
	if err != nil {
		return nil, "", fmt.Errorf("while getting the pod's service account: %w", err)
	}
	node, err := m.cfg.Client.CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{})
	if err != nil {
		return nil, "", fmt.Errorf("while getting the pod's node: %w", err)
	}
	maxExp := defaultCertExpiration
	if p.MaxExpirationSeconds != nil {
		maxExp = *p.MaxExpirationSeconds
	}
	req := &certificatesv1.PodCertificateRequest{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    "req-",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID}},
		},
		Spec: certificatesv1.PodCertificateRequestSpec{
			SignerName:                p.SignerName,
			PodName:                   pod.Name,
			PodUID:                    pod.UID,
			ServiceAccountName:        saName,
			ServiceAccountUID:         sa.UID,
			NodeName:                  types.NodeName(node.Name),
			NodeUID:                   node.UID,
			MaxExpirationSeconds:      &maxExp,
			StubPKCS10Request:         stub,
			UnverifiedUserAnnotations: p.UserAnnotations,
		},
	}
	created, err := m.cfg.Client.CertificatesV1().PodCertificateRequests(pod.Namespace).Create(ctx, req, metav1.CreateOptions{})
	if err != nil {
		return nil, "", fmt.Errorf("while creating the PodCertificateRequest: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), created.Name, nil
}

// newCertKey makes a private key of one of the projection's key types.
func newCertKey(keyType string) (crypto.Signer, error) {
	switch keyType {
	case "RSA3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	case "RSA4096":
		return rsa.GenerateKey(rand.Reader, 4096)
	case "ECDSAP256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ECDSAP384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ECDSAP521":
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "ED25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("unknown key type %q", keyType)
}

// podCertificatePayload adds the source's files: the key and chain in one credential
// bundle file (key first), and/or in files of their own.
func podCertificatePayload(out map[string]file, p *corev1.PodCertificateProjection, keyPEM, chainPEM []byte, mode *int32) {
	m := modeOf(nil, mode)
	if p.CredentialBundlePath != "" {
		bundle := append(append([]byte{}, keyPEM...), chainPEM...)
		out[p.CredentialBundlePath] = file{Data: bundle, Mode: m}
	}
	if p.KeyPath != "" {
		out[p.KeyPath] = file{Data: keyPEM, Mode: m}
	}
	if p.CertificateChainPath != "" {
		out[p.CertificateChainPath] = file{Data: chainPEM, Mode: m}
	}
}
