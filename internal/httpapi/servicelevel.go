package httpapi

// serviceLevelRoutes declares the routes for service matrix, calendars, SLA clocks and escalations.
func (s *Server) serviceLevelRoutes() []route { return nil }
