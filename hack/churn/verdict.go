package main

import "fmt"

// levelTolerance is how far above its minimum the size may go in the judged window and
// still count as levelled: the store's size saw-tooths as tables are written and
// compacted, so a flat line is not what "levelled" means.
const levelTolerance = 1.5

// minSamples is the fewest samples that can be judged: the window is then two samples.
const minSamples = 6

// verdict judges whether the size levelled off: over the last third of the samples
// (the first two thirds include filling the history window), the largest size must stay
// within levelTolerance times the smallest.
type verdict struct {
	// judged is false when there were too few samples.
	judged   bool
	levelled bool
	window   int
	min, max int64
}

func judge(sizes []int64) verdict {
	if len(sizes) < minSamples {
		return verdict{}
	}
	window := sizes[len(sizes)-(len(sizes)+2)/3:]
	v := verdict{judged: true, window: len(window), min: window[0], max: window[0]}
	for _, s := range window {
		v.min = min(v.min, s)
		v.max = max(v.max, s)
	}
	v.levelled = float64(v.max) <= levelTolerance*float64(v.min)
	return v
}

func (v verdict) String() string {
	if !v.judged {
		return fmt.Sprintf("not judged: fewer than %d samples (make -duration longer or -report shorter)", minSamples)
	}
	ratio := float64(v.max) / float64(max(v.min, 1))
	what := "LEVELLED"
	if !v.levelled {
		what = "KEPT GROWING"
	}
	return fmt.Sprintf("%s: over the last %d samples the size stayed between %s and %s (%.2f× its minimum; levelled means at most %.1f×)",
		what, v.window, mib(v.min), mib(v.max), ratio, levelTolerance)
}
