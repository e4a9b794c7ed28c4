package contactcenter

import (
	"context"

	"anchor/internal/queuelog"
	"anchor/internal/store"
)

// Reading and parsing a queue_log line, and hashing its idempotency key,
// is about a third of an import's producer; the Builder and the batch are
// the rest, and the writer commits on the other core. So a file's lines
// are read a chunk ahead of the Builder in a goroutine of their own: on
// two cores the three stages share the work, where reading in line with
// the Builder left the writer's core idle a third of the time.

// readChunk is a run of events read ahead, with what the Reader said
// after its last line.
type readChunk struct {
	events []queuelog.Event
	keys   []eventKey // the events' idempotency keys
	offset int64      // the Reader's offset after the chunk
	lines  int        // and its line count
	// mark is the Reader's state after the chunk when the chunk ends a
	// batch (BatchLines since the last) or the input; nil otherwise.
	mark *readerMark
	// eof: the chunk ends what the input has now (err says why if it is
	// not the end of the file).
	eof bool
	err error
}

// readerMark is a Reader's position and memory, and the malformed lines
// it met, at the end of a batch.
type readerMark struct {
	state queuelog.ReaderState
	errs  []queuelog.LineError
}

// chunkEvents is how many events a chunk holds.
const chunkEvents = 512

// readAhead reads r until it has nothing more to give, keying its events
// by scheme, in chunks sent on the returned channel, which is closed after
// the chunk with eof. A batch ends once batchLines lines have been read
// since lines (the Reader's count at the last batch's end). It stops early
// when stop is closed.
func readAhead(ctx context.Context, r *queuelog.Reader, scheme keyScheme, lines, batchLines int, stop <-chan struct{}) <-chan readChunk {
	const ahead = 4
	out := make(chan readChunk, ahead)
	go func() {
		defer close(out)
		// Chunks' slices are recycled in turn: at most ahead + 2 chunks
		// are alive (in the channel, being built from, being filled), and
		// the Builder keeps events by value, never a pointer into a chunk.
		var ring [ahead + 2]readChunk
		for n := 0; ; n++ {
			c := &ring[n%len(ring)]
			c.events, c.keys = c.events[:0], c.keys[:0]
			c.mark, c.eof, c.err = nil, false, nil
			for len(c.events) < chunkEvents {
				e, ok := r.Next()
				if !ok {
					c.eof, c.err = true, r.Err()
					break
				}
				c.events = append(c.events, e)
				c.keys = append(c.keys, eventKey{store.Millis(e.Time), scheme.hash(&e)})
			}
			c.offset, c.lines = r.Offset(), r.Lines()
			if c.eof || c.lines-lines >= batchLines {
				c.mark = &readerMark{state: r.State(), errs: append([]queuelog.LineError(nil), r.Errors()...)}
				lines = c.lines
			}
			select {
			case out <- *c:
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
			if c.eof {
				return
			}
		}
	}()
	return out
}
