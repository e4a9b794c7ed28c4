package httpapi

// contactCenterRoutes declares the routes for contact-center events, queues, agent aliases and rollups.
func (s *Server) contactCenterRoutes() []route { return nil }
