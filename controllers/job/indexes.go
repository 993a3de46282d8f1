package job

import (
	"slices"
	"strconv"
	"strings"
)

// indexSet is a sorted set of completion indexes, kept as the API writes it in
// status.completedIndexes and status.failedIndexes: "1,3-5,7".
type indexSet []int

// parseIndexes reads "1,3-5,7", ignoring malformed parts and indexes at or above
// limit (a spec change may have shrunk completions).
func parseIndexes(s string, limit int) indexSet {
	var out indexSet
	if s == "" {
		return out
	}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				continue
			}
		}
		for i := a; i <= b && i < limit; i++ {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// has reports whether i is in the set.
func (s indexSet) has(i int) bool {
	_, ok := slices.BinarySearch(s, i)
	return ok
}

// with returns the set with the indexes added.
func (s indexSet) with(ix ...int) indexSet {
	out := append(slices.Clone(s), ix...)
	slices.Sort(out)
	return slices.Compact(out)
}

// String writes the set with ranges of consecutive indexes: "0-2,5".
func (s indexSet) String() string {
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(s[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(s[j]))
		}
		i = j + 1
	}
	return b.String()
}
