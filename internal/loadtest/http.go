package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"anchor/internal/httpapi"
	"anchor/internal/store"
)

// Server is an Anchor API on a loopback port.
type Server struct {
	URL    string
	srv    *http.Server
	client *http.Client
}

// Start serves the API over db on 127.0.0.1 with logging off, as a real
// listener: the measurement includes the network stack and JSON.
func Start(db *store.DB) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	api := httpapi.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s := &Server{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: api.Handler()},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}}
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Do sends one request and checks its status.
func (s *Server) Do(ctx context.Context, token, method, path string, body []byte, want int) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d: %s", method, path, res.StatusCode, b)
	}
	return nil
}

// CreateCaseBody is a case with its first contact, as an agent's client
// sends it when a call comes in.
func CreateCaseBody(customerID string) []byte {
	return fmt.Appendf(nil, `{"customer_id":%q,"subject":"Parcel not delivered","channel":"phone","category":"delivery","priority":"normal","first_contact":{"channel":"phone","direction":"inbound"}}`, customerID)
}
