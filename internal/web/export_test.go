package web

import "context"

// WallboardJSON builds the wallboard's snapshot as the stream sends it.
func (s *Server) WallboardJSON(ctx context.Context) ([]byte, error) { return s.wallboardJSON(ctx) }
