package benchfig

import "time"

// Alternate measures two ways of doing the same work, ref and subject,
// in blocks of n calls that alternate (which side goes first alternates
// too), for at least 10 blocks each and about total, and gives each
// side's rate from its fastest block: on a shared machine other processes
// only ever add time, so the fastest block is the least disturbed
// measurement. n is chosen so that a block of ref takes about
// total/1000. An error of either side ends the measurement. Rates are
// calls per second of wall time.
func Alternate(ref, subject func() error, total time.Duration) (refRate, rate float64, blocks, n int, err error) {
	n = blockSize(total/1000, ref)
	best := [2]time.Duration{1 << 62, 1 << 62}
	sides := [2]func() error{ref, subject}
	deadline := time.Now().Add(total)
	for ; blocks < 10 || time.Now().Before(deadline); blocks++ {
		for k := 0; k < 2; k++ {
			i := k
			if blocks%2 == 1 {
				i = 1 - k
			}
			d, err := timeBlock(n, sides[i])
			if err != nil {
				return 0, 0, blocks, n, err
			}
			best[i] = min(best[i], d)
		}
	}
	return float64(n) / best[0].Seconds(), float64(n) / best[1].Seconds(), blocks, n, nil
}

// blockSize finds how many calls of fn take about d (at least one).
func blockSize(d time.Duration, fn func() error) int {
	n := 1
	for n < 1<<20 {
		t, err := timeBlock(n, fn)
		if err != nil || t >= d {
			break
		}
		n *= 2
	}
	return n
}

// timeBlock times n calls of fn.
func timeBlock(n int, fn func() error) (time.Duration, error) {
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := fn(); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
