package agent

// statePortal reports whether the configuration lists origin in
// statePortalOrigins: origins, besides the state services portal's own,
// on which the browser extension serves the portal's plug-in interfaces.
// hello reports it to every session, approved or not; it grants nothing
// by itself (the origin still pairs and every signature is confirmed).
func (s *Server) statePortal(origin string) bool {
	for _, o := range s.cfg.StatePortalOrigins {
		if canon, err := ParseOrigin(o); err == nil && canon == origin {
			return true
		}
	}
	return false
}
