package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/auth/satoken"
	"kite/pki"
)

// Service-account tokens, bearer authentication and the review APIs, through stock
// kubectl and client-go against the real binary.

// tokenServer is a server on its own data dir, with what a token client needs.
type tokenServer struct {
	proc       *kiteProc
	dir        string
	kubeconfig string // the admin's
	url        string
}

func startTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	dir := t.TempDir()
	// No controllers: the test makes the default ServiceAccount itself, so nothing
	// races it.
	p := startServer(t, dir, "--disable-controllers")
	p.waitReady(t)
	return &tokenServer{proc: p, dir: dir, kubeconfig: filepath.Join(dir, "kubeconfig"),
		url: "https://127.0.0.1:" + strconv.Itoa(p.port)}
}

// tokenConfig is a client config that authenticates with token alone.
func (s *tokenServer) tokenConfig(token string) *rest.Config {
	return &rest.Config{Host: s.url, BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: filepath.Join(s.dir, "pki", "ca.crt")}}
}

// tokenKubeconfig writes a kubeconfig whose only credential is token.
func (s *tokenServer) tokenKubeconfig(t *testing.T, token string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["kite"] = &clientcmdapi.Cluster{Server: s.url, CertificateAuthority: filepath.Join(s.dir, "pki", "ca.crt")}
	cfg.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["sa"] = &clientcmdapi.Context{Cluster: "kite", AuthInfo: "sa"}
	cfg.CurrentContext = "sa"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// listNamespaces lists namespaces as token's user and returns the error.
func (s *tokenServer) listNamespaces(t *testing.T, token string) error {
	t.Helper()
	c, err := kubernetes.NewForConfig(s.tokenConfig(token))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	return err
}

// forge signs a token with the server's own key (read from its data dir) as of at, for
// tokens the API will not hand out: expired ones.
func (s *tokenServer) forge(t *testing.T, sa *corev1.ServiceAccount, at time.Time) string {
	t.Helper()
	key, made, err := pki.EnsureServiceAccountKey(filepath.Join(s.dir, "pki"))
	if err != nil || made {
		t.Fatalf("reading the server's key: made %v, %v", made, err)
	}
	iss, err := satoken.New(satoken.Config{Key: key, Objects: noObjects{}, Clock: clocktesting.NewFakePassiveClock(at)})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Issue(satoken.Request{ServiceAccount: sa, ExpirationSeconds: 600})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// noObjects finds nothing: forge only issues.
type noObjects struct{ satoken.Objects }

func isUnauthorized(err error) bool { return apierrors.IsUnauthorized(err) }

func TestIdentityServiceAccountTokens(t *testing.T) {
	s := startTokenServer(t)
	k := newest(t)
	admin := clientFor(t, s.kubeconfig)
	ctx := context.Background()
	sa, err := admin.CoreV1().ServiceAccounts("default").Create(ctx,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	token := strings.TrimSpace(kubectl(t, k, s.kubeconfig, "create", "token", "default", "-n", "default"))
	if strings.Count(token, ".") != 2 {
		t.Fatalf("kubectl create token printed %q, want a JWT", token)
	}

	// The token is a credential: kubectl and client-go with nothing else get through.
	tokenKC := s.tokenKubeconfig(t, token)
	if out := kubectl(t, k, tokenKC, "get", "namespaces", "-o", "name"); !strings.Contains(out, "namespace/default") {
		t.Errorf("kubectl --token get namespaces: %q", out)
	}
	if err := s.listNamespaces(t, token); err != nil {
		t.Errorf("client-go with the token: %v", err)
	}

	// Garbage, a token whose signature is broken, and an expired token signed with the
	// server's own key: 401 each.
	parts := strings.Split(token, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	expired := s.forge(t, sa, time.Now().Add(-time.Hour))
	for name, bad := range map[string]string{"garbage": "kite-not-a-token", "bad signature": tampered, "expired": expired} {
		if err := s.listNamespaces(t, bad); !isUnauthorized(err) {
			t.Errorf("%s token: %v, want 401 Unauthorized", name, err)
		}
	}
	if msg := kubectlErr(t, k, s.tokenKubeconfig(t, "kite-not-a-token"), "get", "namespaces"); !strings.Contains(msg, "error: You must be logged in to the server") {
		t.Errorf("kubectl with a garbage token: %q", msg)
	}
	// A fresh token forged the same way works: it was the expiry that failed.
	if err := s.listNamespaces(t, s.forge(t, sa, time.Now())); err != nil {
		t.Errorf("a current token signed with the server's key: %v", err)
	}

	// whoami, as upstream prints it, for the token and for the admin certificate.
	who := fields(kubectl(t, k, tokenKC, "auth", "whoami"))
	want := [][]string{
		{"ATTRIBUTE", "VALUE"},
		{"Username", "system:serviceaccount:default:default"},
		{"UID", string(sa.UID)},
		{"Groups", "[system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated]"},
	}
	if len(who) != 5 || !slices.EqualFunc(who[:4], want, slices.Equal) ||
		who[4][0] != "Extra:" || who[4][1] != "authentication.kubernetes.io/credential-id" || !strings.HasPrefix(who[4][2], "[JTI=") {
		t.Errorf("whoami with the token:\n%v", who)
	}
	adminWho := fields(kubectl(t, k, s.kubeconfig, "auth", "whoami"))
	if !slices.EqualFunc(adminWho, [][]string{{"ATTRIBUTE", "VALUE"}, {"Username", "kite-admin"},
		{"Groups", "[system:masters", "system:authenticated]"}}, slices.Equal) {
		t.Errorf("whoami as admin:\n%v", adminWho)
	}
	for _, kc := range []string{s.kubeconfig, tokenKC} {
		if out := kubectl(t, k, kc, "auth", "can-i", "create", "pods"); out != "yes\n" {
			t.Errorf("auth can-i create pods: %q", out)
		}
	}

	// The issuer's discovery documents, to the token's holder; not to anonymous.
	tc := s.tokenConfig(token)
	holder := &http.Client{Transport: mustTransport(t, tc)}
	code, body := get(t, holder, s.url+"/.well-known/openid-configuration")
	if code != http.StatusOK || !strings.Contains(body, `"issuer":"https://kubernetes.default.svc.cluster.local"`) ||
		!strings.Contains(body, `"jwks_uri":"`+s.url+`/openid/v1/jwks"`) {
		t.Errorf("openid-configuration: %d %s", code, body)
	}
	if code, body := get(t, holder, s.url+"/openid/v1/jwks"); code != http.StatusOK || !strings.Contains(body, `"alg":"RS256"`) {
		t.Errorf("jwks: %d %s", code, body)
	}
	anon := &http.Client{Transport: mustTransport(t, &rest.Config{Host: s.url, TLSClientConfig: tc.TLSClientConfig})}
	if code, _ := get(t, anon, s.url+"/openid/v1/jwks"); code != http.StatusUnauthorized {
		t.Errorf("anonymous jwks: %d, want 401", code)
	}

	// The key is kept in the data dir: after a restart the same token still works.
	s.proc.signal(t, syscall.SIGTERM)
	if code := s.proc.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("kite exited %d", code)
	}
	again := startServer(t, s.dir, "--disable-controllers")
	again.waitReady(t)
	s.url = "https://127.0.0.1:" + strconv.Itoa(again.port)
	admin = clientFor(t, s.kubeconfig)
	if err := s.listNamespaces(t, token); err != nil {
		t.Errorf("the token after a restart: %v", err)
	}

	// Deleting the account ends its tokens.
	if err := admin.CoreV1().ServiceAccounts("default").Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.listNamespaces(t, token); !isUnauthorized(err) {
		t.Errorf("token of a deleted account: %v, want 401", err)
	}
}

func TestIdentityTokenRequestAndReview(t *testing.T) {
	s := startTokenServer(t)
	admin := clientFor(t, s.kubeconfig)
	ctx := context.Background()
	if _, err := admin.CoreV1().ServiceAccounts("default").Create(ctx,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "builder"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod, err := admin.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-web"},
		Spec: corev1.PodSpec{ServiceAccountName: "builder", AutomountServiceAccountToken: new(false),
			Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sas := admin.CoreV1().ServiceAccounts("default")

	// Too short a lifetime: 422 with upstream's field error.
	_, err = sas.CreateToken(ctx, "builder", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(599))}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes") {
		t.Errorf("599s token: %v", err)
	}
	// A uid that is not the pod's: 409.
	_, err = sas.CreateToken(ctx, "builder", &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "kite-web", UID: "other"}}}, metav1.CreateOptions{})
	if !apierrors.IsConflict(err) {
		t.Errorf("token bound to a wrong uid: %v, want 409", err)
	}
	// Another account than the pod's: 400.
	if _, err := sas.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = sas.CreateToken(ctx, "other", &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "kite-web"}}}, metav1.CreateOptions{})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("token for another account's pod: %v, want 400", err)
	}

	before := time.Now()
	tr, err := sas.CreateToken(ctx, "builder", &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "kite-web", UID: pod.UID}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := *tr.Spec.ExpirationSeconds; got != 3600 {
		t.Errorf("default expirationSeconds %d, want 3600", got)
	}
	if !slices.Equal(tr.Spec.Audiences, []string{"https://kubernetes.default.svc.cluster.local"}) {
		t.Errorf("default audiences %v", tr.Spec.Audiences)
	}
	if exp := tr.Status.ExpirationTimestamp.Time; exp.Before(before.Add(time.Hour-2*time.Second)) || exp.After(time.Now().Add(time.Hour+time.Second)) {
		t.Errorf("expirationTimestamp %v, want an hour from now", exp)
	}

	// TokenReview of the issued token, as a webhook would ask.
	reviews := admin.AuthenticationV1().TokenReviews()
	rev, err := reviews.Create(ctx, &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: tr.Status.Token}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u := rev.Status.User
	if !rev.Status.Authenticated || u.Username != "system:serviceaccount:default:builder" ||
		!slices.Equal(u.Groups, []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}) ||
		!slices.Equal(u.Extra["authentication.kubernetes.io/pod-name"], []string{"kite-web"}) ||
		!slices.Equal(u.Extra["authentication.kubernetes.io/pod-uid"], []string{string(pod.UID)}) ||
		!slices.Equal(rev.Status.Audiences, []string{"https://kubernetes.default.svc.cluster.local"}) {
		t.Errorf("review of an issued token: %+v", rev.Status)
	}
	// For an audience the token is not for: not authenticated, and why.
	rev, err = reviews.Create(ctx, &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: tr.Status.Token, Audiences: []string{"vault"}}}, metav1.CreateOptions{})
	if err != nil || rev.Status.Authenticated || !strings.Contains(rev.Status.Error, "is invalid for the target audiences") {
		t.Errorf("review for another audience: %+v, %v", rev.Status, err)
	}
	if _, err := reviews.Create(ctx, &authenticationv1.TokenReview{}, metav1.CreateOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("review without a token: %v, want 400", err)
	}

	// The pod-bound token works until the pod goes.
	if err := s.listNamespaces(t, tr.Status.Token); err != nil {
		t.Fatalf("pod-bound token: %v", err)
	}
	if err := admin.CoreV1().Pods("default").Delete(ctx, "kite-web", metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() string {
		if _, err := admin.CoreV1().Pods("default").Get(ctx, "kite-web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return "pod still there: " + errString(err)
		}
		return ""
	})
	if err := s.listNamespaces(t, tr.Status.Token); !isUnauthorized(err) {
		t.Errorf("token of a deleted pod: %v, want 401", err)
	}
}

func TestIdentityAccessReviews(t *testing.T) {
	s := startTokenServer(t)
	admin := clientFor(t, s.kubeconfig)
	ctx := context.Background()
	authz := admin.AuthorizationV1()

	sar, err := authz.SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: "alice", ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "delete", Resource: "nodes"}}}, metav1.CreateOptions{})
	if err != nil || !sar.Status.Allowed || sar.Status.Reason == "" {
		t.Errorf("subjectaccessreview: %+v, %v", sar, err)
	}
	_, err = authz.SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: "alice"}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "exactly one of nonResourceAttributes or resourceAttributes must be specified") {
		t.Errorf("SAR without attributes: %v, want 422", err)
	}
	_, err = authz.SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/healthz", Verb: "get"}}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "at least one of user or group must be specified") {
		t.Errorf("SAR without a subject: %v, want 422", err)
	}

	lsar, err := authz.LocalSubjectAccessReviews("default").Create(ctx, &authorizationv1.LocalSubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		Groups: []string{"devs"}, ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: "default", Verb: "get", Resource: "pods"}}}, metav1.CreateOptions{})
	if err != nil || !lsar.Status.Allowed || lsar.Namespace != "default" {
		t.Errorf("localsubjectaccessreview: %+v, %v", lsar, err)
	}
	_, err = authz.LocalSubjectAccessReviews("default").Create(ctx, &authorizationv1.LocalSubjectAccessReview{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system"},
		Spec:       authorizationv1.SubjectAccessReviewSpec{User: "a", ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: "kube-system"}}}, metav1.CreateOptions{})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("local review for another namespace: %v, want 400", err)
	}
	_, err = authz.LocalSubjectAccessReviews("default").Create(ctx, &authorizationv1.LocalSubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: "a", ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: "kube-system"}}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "must match metadata.namespace") {
		t.Errorf("local review asking about another namespace: %v, want 422", err)
	}

	rules, err := authz.SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{
		Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: "default"}}, metav1.CreateOptions{})
	if err != nil || len(rules.Status.ResourceRules) != 1 || !slices.Equal(rules.Status.ResourceRules[0].Verbs, []string{"*"}) ||
		len(rules.Status.NonResourceRules) != 1 || rules.Status.Incomplete {
		t.Errorf("selfsubjectrulesreview: %+v, %v", rules, err)
	}
	_, err = authz.SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{}, metav1.CreateOptions{})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("rules review without a namespace: %v, want 400", err)
	}
	// kubectl reads the rules as upstream prints them.
	out := fields(kubectl(t, newest(t), s.kubeconfig, "auth", "can-i", "--list"))
	if len(out) < 3 || !slices.Equal(out[1], []string{"*.*", "[]", "[]", "[*]"}) {
		t.Errorf("auth can-i --list:\n%v", out)
	}

	ssr, err := admin.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil || ssr.Status.UserInfo.Username != "kite-admin" {
		t.Errorf("selfsubjectreview: %+v, %v", ssr, err)
	}

	// kubectl --as: the request runs as the impersonated user.
	k := newest(t)
	who := fields(kubectl(t, k, s.kubeconfig, "auth", "whoami", "--as", "alice", "--as-group", "devs"))
	if !slices.EqualFunc(who, [][]string{{"ATTRIBUTE", "VALUE"}, {"Username", "alice"}, {"Groups", "[devs", "system:authenticated]"}}, slices.Equal) {
		t.Errorf("whoami --as alice:\n%v", who)
	}
	who = fields(kubectl(t, k, s.kubeconfig, "auth", "whoami", "--as", "system:serviceaccount:default:builder"))
	if !slices.EqualFunc(who, [][]string{{"ATTRIBUTE", "VALUE"}, {"Username", "system:serviceaccount:default:builder"},
		{"Groups", "[system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated]"}}, slices.Equal) {
		t.Errorf("whoami --as a service account:\n%v", who)
	}
}

func mustTransport(t *testing.T, cfg *rest.Config) http.RoundTripper {
	t.Helper()
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}
