package httpapi

// metricsRoutes declares the routes for the metric catalogue, metric
// values, settings, and the weekly scorecard.
func (s *Server) metricsRoutes() []route { return nil }
