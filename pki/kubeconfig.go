package pki

import (
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeconfigName names the cluster, user and context in the admin kubeconfig.
const KubeconfigName = "kite"

// WriteKubeconfig writes an admin kubeconfig for server (an https:// URL) to path, mode
// 0600, with the CA and the admin certificate and key embedded so the file works
// wherever it is copied. It replaces the file atomically; it is rewritten at every start
// because the port and the admin certificate may have changed.
func WriteKubeconfig(path, server string, b *Bundle) error {
	cfg := clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{
			KubeconfigName: {Server: server, CertificateAuthorityData: b.CAPEM},
		},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{
			KubeconfigName: {ClientCertificateData: b.AdminCertPEM, ClientKeyData: b.AdminKeyPEM},
		},
		Contexts: map[string]*clientcmdapi.Context{
			KubeconfigName: {Cluster: KubeconfigName, AuthInfo: KubeconfigName},
		},
		CurrentContext: KubeconfigName,
	}
	data, err := clientcmd.Write(cfg)
	if err != nil {
		return fmt.Errorf("pki: encoding kubeconfig: %w", err)
	}
	return writeFileAtomic(path, data, 0o600)
}
