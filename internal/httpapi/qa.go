package httpapi

// qaRoutes declares the routes for QA evaluation forms and evaluations.
func (s *Server) qaRoutes() []route { return nil }
