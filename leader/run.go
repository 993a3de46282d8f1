package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Config says which Lease to hold and how.
type Config struct {
	// Lock is the Lease. Required.
	Lock resourcelock.Interface
	// Name names the Lease in logs and in client-go's election metrics. Required.
	Name string
	// LeaseDuration, RenewDeadline and RetryPeriod are client-go's election timings.
	// Required (the components default them to upstream's 15s, 10s and 2s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Run calls lead each time it takes the Lease, with a context that ends when the Lease
// is lost or ctx ends, until ctx ends. It returns once lead has returned and the Lease
// has been released; the error is only for a Config the elector refuses.
func Run(ctx context.Context, cfg Config, lead func(ctx context.Context)) error {
	if cfg.Lock == nil || cfg.Name == "" {
		return errors.New("leader: Lock and Name are required")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	for ctx.Err() == nil {
		leading := make(chan context.Context, 1)
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            cfg.Lock,
			LeaseDuration:   cfg.LeaseDuration,
			RenewDeadline:   cfg.RenewDeadline,
			RetryPeriod:     cfg.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            cfg.Name,
			Callbacks: leaderelection.LeaderCallbacks{
				// The elector starts this in a goroutine it does not wait for; handing
				// the context over lets Run own the work's lifetime.
				OnStartedLeading: func(lctx context.Context) { leading <- lctx },
				OnStoppedLeading: func() {},
			},
		})
		if err != nil {
			return fmt.Errorf("leader election: %w", err)
		}
		elected := make(chan struct{})
		go func() {
			defer close(elected)
			le.Run(ctx)
		}()
		select {
		case lctx := <-leading:
			logger.Info("took the lease", "lease", cfg.Name, "identity", cfg.Lock.Identity())
			lead(lctx)
		case <-elected:
		}
		<-elected
		if ctx.Err() == nil {
			logger.Warn("lost the lease; stopped, campaigning again", "lease", cfg.Name)
		}
	}
	return nil
}
