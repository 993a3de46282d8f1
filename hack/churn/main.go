package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2) // the flag package has said why
	}
	// Interrupting ends the churn early; the samples so far are still judged.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "churn:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line into a Config, with the defaults the usage in
// doc.go shows.
func parseFlags(args []string, errOut io.Writer) (Config, error) {
	fs := flag.NewFlagSet("churn", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var cfg Config
	fs.StringVar(&cfg.Dir, "dir", "", "data directory (default: a new temporary kite-churn-* directory, removed at the end)")
	fs.IntVar(&cfg.Keys, "keys", 10_000, "number of keys rewritten round-robin")
	fs.IntVar(&cfg.ValueSize, "value", 1024, "size of each value in bytes")
	fs.IntVar(&cfg.Writers, "writers", 8, "concurrent writer goroutines")
	fs.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long to churn")
	fs.DurationVar(&cfg.History, "history", 10*time.Second, "the store's history retention")
	fs.DurationVar(&cfg.CompactInterval, "compact-interval", 0, "how often the store compacts history (0: the store's default)")
	fs.DurationVar(&cfg.Report, "report", 5*time.Second, "interval between size samples")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments: %v", fs.Args())
		fmt.Fprintln(errOut, err)
		fs.Usage()
		return Config{}, err
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(errOut, err)
		return Config{}, err
	}
	return cfg, nil
}
