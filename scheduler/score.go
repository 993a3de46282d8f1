package scheduler

// normalizeScores maps scores onto 0..MaxNodeScore in proportion to the highest, as
// upstream's DefaultNormalizeScore does; reverse makes the lowest raw score the best.
// All zero stays zero (or becomes MaxNodeScore with reverse).
func normalizeScores(scores []int64, reverse bool) {
	var top int64
	for _, s := range scores {
		top = max(top, s)
	}
	for i, s := range scores {
		switch {
		case top == 0 && reverse:
			scores[i] = MaxNodeScore
		case top == 0:
			scores[i] = 0
		default:
			scores[i] = MaxNodeScore * s / top
			if reverse {
				scores[i] = MaxNodeScore - scores[i]
			}
		}
	}
}

// normalizeMinMax maps the lowest score to 0 and the highest to MaxNodeScore; when all
// are equal they all become 0.
func normalizeMinMax(scores []int64) {
	if len(scores) == 0 {
		return
	}
	lo, hi := scores[0], scores[0]
	for _, s := range scores {
		lo, hi = min(lo, s), max(hi, s)
	}
	for i, s := range scores {
		if hi == lo {
			scores[i] = 0
			continue
		}
		scores[i] = MaxNodeScore * (s - lo) / (hi - lo)
	}
}
