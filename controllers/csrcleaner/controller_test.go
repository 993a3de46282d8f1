package csrcleaner

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestSyncDeletesDueCSRsAndQueuesTheOthers(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0.Add(2 * time.Hour))
	objs := []*certificatesv1.CertificateSigningRequest{
		// Approved and issued 90 minutes ago: due 30 minutes ago.
		csrWith("issued-old", t0, certificate(t, t0.Add(365*24*time.Hour)), condition(certificatesv1.CertificateApproved, t0.Add(30*time.Minute))),
		// Its certificate expired a minute ago.
		csrWith("expired", t0.Add(time.Hour), certificate(t, t0.Add(119*time.Minute)), condition(certificatesv1.CertificateApproved, t0.Add(110*time.Minute))),
		// Denied 20 minutes ago: due in 40.
		csrWith("denied-recent", t0, nil, condition(certificatesv1.CertificateDenied, t0.Add(100*time.Minute))),
		// Pending for 2h: due in 22h.
		csrWith("pending", t0, nil),
	}
	client := fake.NewClientset()
	for _, o := range objs {
		if _, err := client.CertificatesV1().CertificateSigningRequests().Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, CSRs: f.Certificates().V1().CertificateSigningRequests(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	queued := map[string]time.Duration{}
	c.after = func(name string, d time.Duration) { mu.Lock(); queued[name] = d; mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); f.Shutdown() }()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())

	for _, o := range objs {
		if err := c.sync(ctx, o.Name); err != nil {
			t.Fatalf("sync %s: %v", o.Name, err)
		}
	}
	list, err := client.CertificatesV1().CertificateSigningRequests().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, csr := range list.Items {
		left = append(left, csr.Name)
	}
	slices.Sort(left)
	if !slices.Equal(left, []string{"denied-recent", "pending"}) {
		t.Errorf("CSRs left: %v, want denied-recent and pending", left)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]time.Duration{"denied-recent": 40 * time.Minute, "pending": 22 * time.Hour}
	if len(queued) != len(want) || queued["denied-recent"] != want["denied-recent"] || queued["pending"] != want["pending"] {
		t.Errorf("queued for later: %v, want %v", queued, want)
	}
}

// TestSyncWhenTheClockReachesTheDeadline: a CSR queued for later is deleted when its
// time comes, and a CSR that is gone is no error.
func TestSyncWhenTheClockReachesTheDeadline(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	csr := csrWith("denied", t0, nil, condition(certificatesv1.CertificateDenied, t0))
	client := fake.NewClientset(csr)
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, CSRs: f.Certificates().V1().CertificateSigningRequests(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.after = func(_ string, d time.Duration) { waits = append(waits, d) }
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); f.Shutdown() }()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())

	clk.SetTime(t0.Add(59 * time.Minute))
	if err := c.sync(ctx, "denied"); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || waits[0] != time.Minute {
		t.Fatalf("waits %v, want one of 1m", waits)
	}
	clk.SetTime(t0.Add(time.Hour))
	if err := c.sync(ctx, "denied"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CertificatesV1().CertificateSigningRequests().Get(ctx, "denied", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the CSR denied an hour ago is still there: %v", err)
	}
	if err := c.sync(ctx, "never-existed"); err != nil {
		t.Errorf("sync of a missing CSR: %v", err)
	}
}
