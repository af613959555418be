package agent

// BudgetInUse returns the bytes of the memory budget in use, for the
// tests that check an upload's memory is given back.
func BudgetInUse(s *Server) int64 { return s.budget.inUse() }

// MaxUploads is the number of documents a connection may have open.
const MaxUploads = maxUploads
