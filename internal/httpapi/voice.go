package httpapi

// voiceRoutes declares the routes for surveys, feedback items and the customer's voice.
func (s *Server) voiceRoutes() []route { return nil }
