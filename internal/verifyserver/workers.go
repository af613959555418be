package verifyserver

import "time"

// workerIdle is how long a worker waits for a verification before it
// exits.
const workerIdle = time.Minute

// run runs job on an idle worker, or on a new one when none is idle.
//
// Verifications run on workers that outlive a request rather than on a
// goroutine of their own: a validation's calls go deep, and a new
// goroutine would grow its stack again, copying it, for every request.
// Requests hold a slot while their job runs, so about MaxInFlight workers
// exist under full load; a worker idle for workerIdle exits.
func (s *Server) run(job func()) {
	select {
	case s.jobs <- job:
	default:
		go s.worker(job)
	}
}

func (s *Server) worker(job func()) {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		job()
		idle.Reset(workerIdle)
		select {
		case job = <-s.jobs:
		case <-idle.C:
			return
		}
	}
}
