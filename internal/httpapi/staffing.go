package httpapi

// staffingRoutes declares the routes for staffing plans.
func (s *Server) staffingRoutes() []route { return nil }
