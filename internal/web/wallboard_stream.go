package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"anchor/internal/users"
)

// wallboardHub builds the wallboard's snapshot once per tick and hands
// the same bytes to every open board: ten wall screens cost what one
// does. It runs only while someone watches, and a slow board never holds
// up the others (it skips to the newest snapshot).
type wallboardHub struct {
	s *Server
	// building is held while a snapshot is built, so that boards and page
	// views arriving together wait for one build and share it.
	building sync.Mutex
	mu       sync.Mutex
	subs     map[chan []byte]struct{}
	last     []byte
	lastSnap wallboardSnapshot
	lastAt   time.Time
	// running is set while the ticking goroutine lives; closed when Close
	// was called (the server is shutting down).
	running, closed bool
	done            chan struct{}
}

func newWallboardHub(s *Server) *wallboardHub {
	return &wallboardHub{s: s, subs: map[chan []byte]struct{}{}, done: make(chan struct{})}
}

// subscribe registers a board. It returns the channel snapshots arrive
// on, the newest snapshot if one is recent, and the function to leave.
func (h *wallboardHub) subscribe() (<-chan []byte, []byte, func(), bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, func() {}, false
	}
	ch := make(chan []byte, 1)
	h.subs[ch] = struct{}{}
	if !h.running {
		h.running = true
		go h.run()
	}
	var last []byte
	if time.Since(h.lastAt) < 2*h.s.WallboardEvery {
		last = h.last
	}
	return ch, last, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}, true
}

// run ticks while anyone is subscribed.
func (h *wallboardHub) run() {
	t := time.NewTicker(h.s.WallboardEvery)
	defer t.Stop()
	for {
		h.tick()
		select {
		case <-t.C:
		case <-h.done:
		}
		h.mu.Lock()
		if len(h.subs) == 0 || h.closed {
			h.running = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
	}
}

func (h *wallboardHub) tick() {
	ctx, cancel := context.WithTimeout(context.Background(), h.s.WallboardEvery)
	defer cancel()
	_, b, err := h.refresh(ctx, 0)
	if err != nil {
		h.s.Logger.Warn("web: wallboard snapshot", "error", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- b:
		default:
			// The board has not taken the previous one: replace it.
			select {
			case <-ch:
			default:
			}
			ch <- b
		}
	}
}

// refresh returns a snapshot no older than maxAge, building it if the
// newest is older (maxAge 0: always build).
func (h *wallboardHub) refresh(ctx context.Context, maxAge time.Duration) (wallboardSnapshot, []byte, error) {
	h.building.Lock()
	defer h.building.Unlock()
	h.mu.Lock()
	if maxAge > 0 && h.last != nil && time.Since(h.lastAt) < maxAge {
		snap, b := h.lastSnap, h.last
		h.mu.Unlock()
		return snap, b, nil
	}
	h.mu.Unlock()
	snap, err := h.s.buildWallboard(ctx)
	if err != nil {
		return snap, nil, err
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return snap, nil, err
	}
	h.mu.Lock()
	h.last, h.lastSnap, h.lastAt = b, snap, time.Now()
	h.mu.Unlock()
	return snap, b, nil
}

// Close ends every open wallboard stream, for a server shutting down
// (http.Server.RegisterOnShutdown): an event stream never goes idle, so
// Shutdown would otherwise wait for its whole timeout.
func (s *Server) Close() {
	h := s.wallboard
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

func (s *Server) wallboardJSON(ctx context.Context) ([]byte, error) {
	snap, err := s.buildWallboard(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(snap)
}

// streamWallboard is the wallboard's server-sent event stream: a
// "snapshot" event with the JSON snapshot each tick, and a comment now and
// then so that proxies keep the connection. The browser's EventSource
// reconnects by itself when it drops.
func (s *Server) streamWallboard(w http.ResponseWriter, r *http.Request, u users.User) error {
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for pages, not for a stream
	// that stays open: each write gets its own deadline instead.
	rc.SetReadDeadline(time.Time{}) //nolint:errcheck // not every writer has deadlines
	ch, last, leave, ok := s.wallboard.subscribe()
	defer leave()
	if !ok {
		return nil
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(format string, args ...any) bool {
		rc.SetWriteDeadline(time.Now().Add(30 * time.Second)) //nolint:errcheck // as above
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 5000\n\n") {
		return nil
	}
	if last != nil && !send("event: snapshot\ndata: %s\n\n", last) {
		return nil
	}
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.wallboard.done:
			return nil
		case b := <-ch:
			if !send("event: snapshot\ndata: %s\n\n", b) {
				return nil
			}
		case <-ping.C:
			// A user signed out elsewhere or deactivated stops seeing it.
			if cur, ok := s.currentUser(r); !ok || !slices.Contains(supervisors, cur.Role) {
				send("event: end\ndata: {}\n\n")
				return nil
			}
			if !send(": ping\n\n") {
				return nil
			}
		}
	}
}
