package storagetest

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SeedEnv names the environment variable that fixes the seed of randomized tests, so
// that a failure can be replayed: KITE_STORAGE_SEED=1234 go test -run ... .
const SeedEnv = "KITE_STORAGE_SEED"

// Seed returns the seed a randomized test should use: the one in KITE_STORAGE_SEED
// when it is set, else a new one.
func Seed(t testing.TB) int64 {
	t.Helper()
	if seed, ok := envSeed(t); ok {
		return seed
	}
	return time.Now().UnixNano()
}

func envSeed(t testing.TB) (int64, bool) {
	t.Helper()
	v := os.Getenv(SeedEnv)
	if v == "" {
		return 0, false
	}
	seed, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q is not an integer: %v", SeedEnv, v, err)
	}
	return seed, true
}

// replayCommand says how to run the current test again with seed.
func replayCommand(t testing.TB, seed int64) string {
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return SeedEnv + "=" + strconv.FormatInt(seed, 10) + " go test -run '" + strings.Join(parts, "/") + "'"
}
