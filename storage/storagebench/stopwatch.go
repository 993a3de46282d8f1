package storagebench

// stopwatch is the part of *testing.B a load uses to keep its setup and teardown out of
// the measurement. The unit tests, which measure nothing, pass noStopwatch.
type stopwatch interface {
	ResetTimer()
	StopTimer()
}

type noStopwatch struct{}

func (noStopwatch) ResetTimer() {}
func (noStopwatch) StopTimer()  {}
