package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A joined node renews its certificates while it runs; the CSRs of expired
// certificates are cleaned up.

// certRotationDuration is the servers' --cluster-signing-duration here: short enough
// to see a node through two certificates in a test, long enough that a renewal at
// 70-90 % of it (the last 6 s at worst) is not late on a busy CI machine.
const certRotationDuration = 60 * time.Second

// storedCert reads the certificate at path; nil while it is not there.
func storedCert(path string) *x509.Certificate {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil
	}
	return c
}

func TestJoinedNodeRenewsItsClientCertificate(t *testing.T) {
	_, kubeconfig, url, token := joinServer(t, "--cluster-signing-duration", certRotationDuration.String())
	client := clientFor(t, kubeconfig)
	ctx := context.Background()
	tokenFile := filepath.Join(t.TempDir(), "kite-node-token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	agent := stopAgentAtCleanup(t, startKite(t, 0, "agent", "--server", url, "--token-file", tokenFile,
		"--data-dir", dataDir, "--node-name", "kite-rot", "--simulated-nodes", "1"))
	certPath := filepath.Join(dataDir, "pki", "kubelet.crt")

	var first *x509.Certificate
	eventually(t, 60*time.Second, func() string {
		if first = storedCert(certPath); first == nil {
			return "no client certificate in " + certPath + "; agent:\n" + agent.stderr.String()
		}
		return ""
	})
	if life := first.NotAfter.Sub(first.NotBefore); life > certRotationDuration+6*time.Minute {
		t.Fatalf("the first certificate lives %s, longer than --cluster-signing-duration allows", life)
	}

	// Renewed, and stored, before the first one expires.
	var renewed *x509.Certificate
	eventually(t, time.Until(first.NotAfter), func() string {
		renewed = storedCert(certPath)
		if renewed == nil || renewed.SerialNumber.Cmp(first.SerialNumber) == 0 {
			return "the client certificate (serial " + first.SerialNumber.String() + ", expiring " +
				first.NotAfter.Format(time.RFC3339) + ") was not renewed; agent:\n" + agent.stderr.String()
		}
		return ""
	})
	if !renewed.NotAfter.After(first.NotAfter) {
		t.Errorf("renewed certificate expires %s, not after the first's %s", renewed.NotAfter, first.NotAfter)
	}
	if renewed.Subject.CommonName != "system:node:kite-rot" {
		t.Errorf("renewed certificate is for %q", renewed.Subject.CommonName)
	}

	// The node's Lease is renewed after the first certificate expired: its requests
	// present the new one. (A renewal time past that expiry was written by a request
	// the server authenticated then.)
	expired := first.NotAfter.Add(time.Second)
	eventually(t, time.Until(expired)+30*time.Second, func() string {
		lease, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "kite-rot-sim-0", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if lease.Spec.RenewTime == nil || !lease.Spec.RenewTime.After(expired) {
			return "lease renewed last at " + lease.Spec.RenewTime.String() + ", not after the first certificate expired at " +
				first.NotAfter.Format(time.RFC3339) + "; agent:\n" + agent.stderr.String()
		}
		return ""
	})

	// The renewal was asked by the node itself and approved; the bootstrap CSR, whose
	// certificate has expired, is cleaned up.
	eventually(t, 30*time.Second, func() string {
		csrs, err := client.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
		if err != nil {
			return err.Error()
		}
		renewal, bootstrap := false, false
		var seen []string
		for _, csr := range csrs.Items {
			seen = append(seen, csr.Name+" by "+csr.Spec.Username)
			approved := false
			for _, c := range csr.Status.Conditions {
				approved = approved || (c.Type == certificatesv1.CertificateApproved && c.Status == corev1.ConditionTrue)
			}
			switch {
			case csr.Spec.Username == "system:node:kite-rot" && approved && len(csr.Status.Certificate) > 0:
				renewal = true
			case strings.HasPrefix(csr.Spec.Username, "system:bootstrap:"):
				bootstrap = true
			}
		}
		if !renewal || bootstrap {
			return "want an approved, issued renewal CSR by system:node:kite-rot and no bootstrap CSR; CSRs: " + strings.Join(seen, ", ")
		}
		return ""
	})
	if !strings.Contains(agent.stderr.String(), "certificate renewed") {
		t.Errorf("the agent does not log its renewal:\n%s", agent.stderr.String())
	}
	select {
	case <-agent.done:
		t.Fatalf("the agent exited; stderr:\n%s", agent.stderr.String())
	default:
	}
}

// csrRequest is a PEM certificate request for cn, made with a fresh key.
func csrRequest(t *testing.T, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func TestOldCSRsAreCleanedUp(t *testing.T) {
	_, kubeconfig := apiServer(t)
	client := clientFor(t, kubeconfig)
	k := newest(t)
	ctx := context.Background()
	csrs := client.CertificatesV1().CertificateSigningRequests()
	for _, name := range []string{"kite-denied-long-ago", "kite-denied-now", "kite-pending"} {
		_, err := csrs.Create(ctx, &certificatesv1.CertificateSigningRequest{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: certificatesv1.CertificateSigningRequestSpec{Request: csrRequest(t, name),
				SignerName: "example.com/kite-test", Usages: []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Denied two hours ago (a client may set the condition's time) and just now.
	for name, at := range map[string]time.Time{"kite-denied-long-ago": time.Now().Add(-2 * time.Hour), "kite-denied-now": time.Now()} {
		csr, err := csrs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateDenied, Status: corev1.ConditionTrue, Reason: "KiteTest", Message: "denied by the test",
			LastUpdateTime: metav1.NewTime(at)})
		if _, err := csrs.UpdateApproval(ctx, name, csr, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 30*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "csr", "-o", `jsonpath={range .items[*]}{.metadata.name}{" "}{end}`)
		if out != "kite-denied-now kite-pending " {
			return "CSRs: " + out + "; want the one denied two hours ago gone, the others kept"
		}
		return ""
	})
}

// TestJoinedRealNodeRenewsItsServingCertificate: a real joined node renews its serving
// certificate too; the API server, which verifies it when it streams a pod's logs,
// still reaches the agent after the first one expired, and the node's client
// certificate is renewed as well (its pod stays Running, its Lease renewed).
// Needs the machine-wide agent lock: flock /tmp/kite-agent.lock go test -run ….
func TestJoinedRealNodeRenewsItsServingCertificate(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	_, kubeconfig, url, _ := joinServer(t, "--remote-node-agents", "--cluster-signing-duration", certRotationDuration.String())
	k := newest(t)
	client := clientFor(t, kubeconfig)
	ctx := context.Background()
	dataDir := t.TempDir()
	cleanAgentHostAfter(t, dataDir)
	tokenFile := filepath.Join(filepath.Dir(kubeconfig), "server", "node-token")
	agent := stopAgentAtCleanup(t, startKite(t, 0, "agent", "--server", url, "--token-file", tokenFile,
		"--data-dir", dataDir, "--node-name", "kite-joined", "--node-ip", "127.0.0.1",
		"--kubelet-port", strconv.Itoa(freePort(t)), "--images", images))
	deletePodsAtCleanup(t, client, "kite-joined-busybox")
	if node := readyNode(t, client, agent); node != "kite-joined" {
		t.Fatalf("node %q registered, want kite-joined", node)
	}
	servingPath := filepath.Join(dataDir, "pki", "kubelet-server.crt")
	first := storedCert(servingPath)
	if first == nil {
		t.Fatalf("no serving certificate in %s", servingPath)
	}
	firstClient := storedCert(filepath.Join(dataDir, "pki", "kubelet.crt"))

	manifest := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(manifest, []byte(joinedBusyboxPod), 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kubeconfig, "apply", "-f", manifest)
	nodePoll(t, 90*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "get", "pod", "kite-joined-busybox", "-o",
			`jsonpath={.spec.nodeName} {.status.phase} {.status.containerStatuses[0].ready}`)
		if out != "kite-joined Running true" {
			return "pod: " + out + "\nagent:\n" + agent.stderr.String()
		}
		return ""
	})

	eventually(t, time.Until(first.NotAfter), func() string {
		if c := storedCert(servingPath); c == nil || c.SerialNumber.Cmp(first.SerialNumber) == 0 {
			return "the serving certificate was not renewed; agent:\n" + agent.stderr.String()
		}
		return ""
	})
	// Past the first serving and client certificates' expiry, logs still stream and
	// the Lease is still renewed.
	expired := first.NotAfter
	if firstClient != nil && firstClient.NotAfter.After(expired) {
		expired = firstClient.NotAfter
	}
	expired = expired.Add(time.Second)
	eventually(t, time.Until(expired)+30*time.Second, func() string {
		lease, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "kite-joined", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if lease.Spec.RenewTime == nil || !lease.Spec.RenewTime.After(expired) {
			return "lease renewed last at " + lease.Spec.RenewTime.String() + "; agent:\n" + agent.stderr.String()
		}
		return ""
	})
	nodePoll(t, 30*time.Second, func() string {
		out := nodeKubectl(k, kubeconfig, "logs", "kite-joined-busybox")
		if !strings.Contains(out, "hello from the joined node") {
			return "kubectl logs after the first serving certificate expired: " + out + "\nagent:\n" + agent.stderr.String()
		}
		return ""
	})
}
