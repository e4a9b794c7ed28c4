package contactcenter

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"anchor/internal/queuelog"
	"anchor/internal/store"
)

// DefaultBatchLines is how many lines a transaction holds by default.
// Every commit also saves the stream's Builder state and the file's Reader
// state (hundreds of KB for a busy center: calls and lines of the recent
// past), so fewer, larger batches write much less; 30,000 lines of a
// queue_log keep a batch near 10 MB in memory.
const DefaultBatchLines = 30000

// ImportOptions tune a queue_log import.
type ImportOptions struct {
	// Stream names the source (default "asterisk"): one per Asterisk
	// server. Its files must be imported in the order they were written.
	Stream string
	// Follow keeps reading the last file as Asterisk appends to it, and
	// follows it when it is rotated, until the context is cancelled.
	Follow bool
	// Final closes what is still open at the end (calls, agent spans,
	// records waiting for a wrap-up pause) at the last event, marked
	// truncated: for a log that will not go on. Without it, they stay open
	// in the stream state and the stream's next import completes them.
	Final bool
	// BatchLines is how many lines go into one transaction (default
	// DefaultBatchLines): larger commits less often, smaller holds less
	// memory (two batches are in flight) and loses less work to a crash.
	BatchLines int
	// Tolerance is how far out of order lines may be (queuelog.Config).
	Tolerance time.Duration
	// Location is the zone of the times in a CSV export (nil: UTC).
	Location *time.Location
	// PersistentMembers mirrors queues.conf persistentmembers.
	PersistentMembers bool
	// Poll is how often Follow looks for new lines (default 250 ms).
	Poll time.Duration
	// Progress, when set, is called about once a second.
	Progress func(Progress)
}

// Progress is how far an import has got.
type Progress struct {
	File       string
	Lines      int64 // lines read in this run, all files
	Bytes      int64 // bytes read in this run
	TotalBytes int64 // size of the files when the run began
	Elapsed    time.Duration
}

// FileReport is what became of one file.
type FileReport struct {
	Path string `json:"path"`
	// Resumed is set when an earlier import had read part of the file:
	// this one went on from its checkpoint.
	Resumed    bool                 `json:"resumed"`
	Lines      int64                `json:"lines"`
	Events     int64                `json:"events"`
	Duplicates int64                `json:"duplicates"`
	Malformed  int64                `json:"malformed"`
	Errors     []queuelog.LineError `json:"-"`
}

// ImportReport sums up an import for the person who ran it.
type ImportReport struct {
	Stream string       `json:"stream"`
	Files  []FileReport `json:"files"`
	// Lines, Events, Duplicates and Malformed count this run only.
	Lines      int64 `json:"lines"`
	Events     int64 `json:"events"`
	Duplicates int64 `json:"duplicates"`
	Malformed  int64 `json:"malformed"`
	Records    int64 `json:"records"`
	Sessions   int64 `json:"sessions"`
	// NewQueues were created for queue names no queue had; UnmappedAgents
	// are agent names met that no user is mapped to.
	NewQueues      []string `json:"new_queues"`
	UnmappedAgents []string `json:"unmapped_agents"`
	// Still open at the end (carried to the next import of the stream).
	OpenCalls      int           `json:"open_calls"`
	PendingRecords int           `json:"pending_records"`
	OpenSpans      int           `json:"open_spans"`
	Elapsed        time.Duration `json:"elapsed"`
}

// ImportQueueLog imports Asterisk queue_log files (pipe form or database
// CSV export, detected per file) into one stream, in order. See the
// package documentation for what makes it idempotent and crash-safe.
func (s *Service) ImportQueueLog(ctx context.Context, paths []string, opt ImportOptions) (ImportReport, error) {
	if opt.Stream == "" {
		opt.Stream = "asterisk"
	}
	if opt.BatchLines <= 0 {
		opt.BatchLines = DefaultBatchLines
	}
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	conn, unlock, err := s.lockStream(ctx, opt.Stream)
	if err != nil {
		return ImportReport{}, err
	}
	defer unlock()
	// Before the stream is created: a database with none keys its events
	// by the newer scheme.
	scheme, err := s.eventKeyScheme(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	im, err := s.newImporter(ctx, opt.Stream, kindQueueLog)
	if err != nil {
		return ImportReport{}, err
	}
	im.conn, im.scheme = conn, scheme
	if s.DB.Dialect == store.SQLite {
		// A multi-row INSERT that may fail half-way keeps a statement
		// journal; in a temporary file that is a write system call per page.
		if _, err := s.DB.Write.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
			return ImportReport{}, fmt.Errorf("unable to set temp_store: %w", err)
		}
	}
	im.opt = opt
	saved, err := decodeStreamState(im.st.state)
	if err != nil {
		return ImportReport{}, err
	}
	im.opts = streamOptions{ToleranceMS: opt.Tolerance.Milliseconds(), Persistent: opt.PersistentMembers}
	im.builder, err = queuelog.RestoreBuilder(im.res.builderConfig(opt.Tolerance, opt.PersistentMembers), saved.Builder)
	if err != nil {
		return ImportReport{}, err
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			im.totalBytes += fi.Size()
		}
	}
	im.start(ctx)
	runErr := func() error {
		for i, p := range paths {
			follow := opt.Follow && i == len(paths)-1
			if err := im.file(ctx, p, follow); err != nil {
				return err
			}
			// A later file may repeat lines of this one: let its batches
			// commit so that the duplicate check sees them.
			if err := im.drain(); err != nil {
				return err
			}
		}
		if opt.Final {
			if im.builderOpen() {
				// The flush is stored as an event of its own, so that a
				// rebuild replaying the stream flushes at the same point.
				at := im.builder.Now()
				seq := im.seq
				im.seq++
				im.cur.events.add(eventID(im.st.id, seq), store.Millis(at),
					hashKey(fmt.Sprintf("%032x", sha256.Sum256([]byte(fmt.Sprintf("flush|%d|%d", im.st.id, seq))))), flushLine(at))
				im.builder.Flush(at)
				im.take()
				if err := im.cut(nil); err != nil {
					return err
				}
			}
		}
		return nil
	}()
	werr := im.stop()
	im.report.Elapsed = time.Since(im.began)
	im.report.NewQueues = append([]string{}, im.res.createdQueues...)
	im.report.UnmappedAgents = im.res.unmappedList()
	im.report.OpenCalls, im.report.PendingRecords, im.report.OpenSpans = im.builder.OpenCounts()
	if runErr != nil {
		return im.report, runErr
	}
	return im.report, werr
}

// importer is one run over one stream: the producer (reading, duplicate
// check, Builder, resolution) runs in the caller's goroutine and hands
// finished batches to a writer goroutine, so parsing and SQLite's single
// writer work at the same time.
type importer struct {
	s       *Service
	opt     ImportOptions
	st      stream
	res     *resolver
	builder *queuelog.Builder
	opts    streamOptions
	maxSeen int64 // newest event time stored when the run began, or read since
	keys    *keyCache
	scheme  keyScheme         // how the database keys queue_log events
	dup     map[eventKey]bool // markRepeats' scratch, kept to be reused
	repeats []bool            // and its result
	conn    *sql.Conn         // PostgreSQL: the connection holding the stream's lock
	seq     int64
	version int
	cur     *batch
	report  ImportReport

	ch      chan *batch
	free    chan *batch // committed batches, to be filled again
	wg      sync.WaitGroup
	mu      sync.Mutex
	werr    error
	writing sync.WaitGroup

	began      time.Time
	totalBytes int64
	bytesDone  int64
	liveLines  int
	lastTick   time.Time
}

func (s *Service) newImporter(ctx context.Context, name, kind string) (*importer, error) {
	st, err := s.openStream(ctx, name, kind)
	if err != nil {
		return nil, err
	}
	res, err := s.loadResolver(ctx)
	if err != nil {
		return nil, err
	}
	im := &importer{s: s, st: st, res: res, seq: st.nextSeq, version: st.version, began: time.Now()}
	im.report.Stream = st.name
	if im.maxSeen, err = s.newestEvent(ctx); err != nil {
		return nil, err
	}
	im.keys = newKeyCache(s)
	im.dup = map[eventKey]bool{}
	im.cur = &batch{rollups: rollupSet{}}
	return im, nil
}

func (im *importer) start(ctx context.Context) {
	// One batch may wait for the writer while it commits another and the
	// producer fills a third: the producer's pace varies with the log
	// (calls, agent spans), and with nothing queued the writer idled
	// whenever the producer was slower for a batch. A batch is about 8 MB.
	im.ch = make(chan *batch, 1)
	im.free = make(chan *batch, 2)
	im.wg.Add(1)
	go func() {
		defer im.wg.Done()
		for b := range im.ch {
			if im.err() == nil {
				if err := im.s.commit(ctx, im.conn, b); err != nil {
					im.mu.Lock()
					im.werr = err
					im.mu.Unlock()
				}
			}
			select {
			case im.free <- b:
			default:
			}
			im.writing.Done()
		}
	}()
}

func (im *importer) err() error {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.werr
}

// drain waits for every batch handed over so far to be committed.
func (im *importer) drain() error {
	im.writing.Wait()
	return im.err()
}

func (im *importer) stop() error {
	close(im.ch)
	im.wg.Wait()
	return im.err()
}

// take moves what the Builder completed into the current batch.
func (im *importer) take() {
	cs, ss := im.builder.TakeReused() // converted before the next Add
	b := im.cur
	for _, c := range cs {
		r := im.res.fromQueueLog(im.st.id, c)
		b.rollups.addRecord(&r, im.res.rules)
		b.records = append(b.records, r)
	}
	for _, sp := range ss {
		a := im.res.fromQueueLogSession(im.st.id, sp)
		b.rollups.addSession(&a, im.res.rules, 0, 0)
		b.sessions = append(b.sessions, a)
	}
	im.report.Records += int64(len(cs))
	im.report.Sessions += int64(len(ss))
}

// cut closes the current batch with its checkpoint and hands it to the
// writer.
func (im *importer) cut(f *fileCheckpoint) error {
	if err := im.err(); err != nil {
		return err
	}
	b := im.cur
	b.file = f
	if b.empty() && f == nil {
		return nil
	}
	state := ""
	if im.builder != nil {
		raw, err := im.builder.MarshalState()
		if err != nil {
			return err
		}
		if state, err = encodeStreamState(im.opts, raw); err != nil {
			return err
		}
	}
	b.streamID, b.version, b.nextSeq, b.state = im.st.id, im.version, im.seq, state
	b.order() // here rather than in the writer, the busier
	im.res.take(b)
	im.version++
	im.writing.Add(1)
	im.ch <- b
	select {
	case f := <-im.free:
		// A committed batch's slices, maps and buffers, already grown to
		// a batch's size: allocating and clearing new ones for every batch
		// was 0.7 s of a year's import, and as much again collecting them.
		f.reset()
		im.cur = f
	default:
		im.cur = b.next()
	}
	return nil
}

// fileHead identifies a file by its first line (at most 4 KiB of it):
// rotation gives a new first line, a rename does not.
func fileHead(f *os.File) (string, bool, error) {
	buf := make([]byte, 4096)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	buf = buf[:n]
	complete := false
	if i := strings.IndexByte(string(buf), '\n'); i >= 0 {
		buf, complete = buf[:i+1], true
	} else if n == len(buf) {
		complete = true
	}
	if len(buf) == 0 {
		return "", false, nil
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16]), complete, nil
}

// fileRun is the import of one file in one run.
type fileRun struct {
	path   string
	head   string
	f      *os.File
	r      *queuelog.Reader
	rep    FileReport
	base   FileReport // counts from earlier runs
	errIdx int
	lines  int   // reader line count at the last cut
	loaded int64 // offset of the checkpoint the run began from
}

func (im *importer) openFile(ctx context.Context, path string, follow bool) (*fileRun, error) {
	for {
		f, err := os.Open(path)
		if err != nil {
			if follow && errors.Is(err, os.ErrNotExist) {
				if werr := sleep(ctx, im.opt.Poll); werr != nil {
					return nil, nil
				}
				continue
			}
			return nil, fmt.Errorf("unable to open %s: %w", path, err)
		}
		head, complete, err := fileHead(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("unable to read %s: %w", path, err)
		}
		if head == "" || (follow && !complete) {
			f.Close()
			if !follow {
				return &fileRun{path: path, rep: FileReport{Path: path}}, nil
			}
			if err := sleep(ctx, im.opt.Poll); err != nil {
				return nil, nil
			}
			continue
		}
		fr := &fileRun{path: path, head: head, f: f, rep: FileReport{Path: path}}
		var offset, lines int64
		var state string
		err = im.s.DB.Read.QueryRowContext(ctx, `SELECT offset_bytes, lines, events, duplicates, malformed, reader_state FROM cc_import_files WHERE stream_id = $1 AND head = $2`,
			im.st.id, head).Scan(&offset, &lines, &fr.base.Events, &fr.base.Duplicates, &fr.base.Malformed, &state)
		switch {
		case err == nil:
			var rs queuelog.ReaderState
			if err := json.Unmarshal([]byte(state), &rs); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: bad checkpoint: %w", path, err)
			}
			if _, err := f.Seek(offset, io.SeekStart); err != nil {
				f.Close()
				return nil, err
			}
			if fr.r, err = queuelog.ResumeReader(f, rs); err != nil {
				f.Close()
				return nil, err
			}
			fr.rep.Resumed = offset > 0
			fr.lines, fr.loaded = int(lines), offset
		case isNoRows(err):
			fr.r = queuelog.NewReader(f)
		default:
			f.Close()
			return nil, fmt.Errorf("unable to read checkpoint: %w", err)
		}
		fr.r.Follow = follow
		fr.r.Location = im.opt.Location
		return fr, nil
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// checkpoint is the file's position at m, for the current batch.
func (im *importer) checkpoint(fr *fileRun, m *readerMark) *fileCheckpoint {
	st := m.state
	raw, _ := json.Marshal(st)
	for _, e := range m.errs[min(fr.errIdx, len(m.errs)):] {
		im.cur.errors = append(im.cur.errors, lineError{line: int64(e.Line), message: e.Err.Error()})
		fr.rep.Errors = append(fr.rep.Errors, e)
	}
	fr.errIdx = len(m.errs)
	newLines := st.Lines - fr.lines
	fr.lines = st.Lines
	fr.rep.Lines += int64(newLines)
	im.report.Lines += int64(newLines)
	fr.rep.Malformed = int64(st.Malformed) - fr.base.Malformed
	return &fileCheckpoint{head: fr.head, path: fr.path, offset: st.Offset, lines: int64(st.Lines),
		events: fr.base.Events + fr.rep.Events, duplicates: fr.base.Duplicates + fr.rep.Duplicates, malformed: int64(st.Malformed),
		readerState: string(raw)}
}

// file imports one file (following it when asked).
func (im *importer) file(ctx context.Context, path string, follow bool) error {
	fr, err := im.openFile(ctx, path, follow)
	if err != nil || fr == nil {
		return err
	}
	defer func() {
		if fr.f != nil {
			fr.f.Close()
		}
		im.report.Files = append(im.report.Files, fr.rep)
		im.report.Malformed += fr.rep.Malformed
	}()
	if fr.r == nil {
		return nil // an empty file
	}
	for {
		// Read to the end of what the file has now, a chunk ahead.
		offset := fr.r.Offset()
		stop := make(chan struct{})
		chunks := readAhead(ctx, fr.r, im.scheme, fr.lines, im.opt.BatchLines, stop)
		quit := func(err error) error {
			close(stop)
			for range chunks {
			}
			return err
		}
		var last readChunk
		for c := range chunks {
			if err := im.process(ctx, fr, c.events, c.keys); err != nil {
				return quit(err)
			}
			im.bytesDone += c.offset - offset
			offset = c.offset
			im.tick(fr.path)
			im.liveLines = c.lines - fr.lines
			last = c
			if c.mark == nil || (c.eof && c.offset == fr.loaded && im.cur.empty() && len(c.mark.errs) <= fr.errIdx) {
				// (An import of a file already read to its end writes nothing.)
				continue
			}
			if err := im.cut(im.checkpoint(fr, c.mark)); err != nil {
				return quit(err)
			}
			fr.loaded = c.offset
			im.liveLines = 0
		}
		if !last.eof {
			// Stopped: what was cut is committed, the rest is read again
			// next time.
			if follow {
				return nil
			}
			return ctx.Err()
		}
		if last.err != nil {
			return fmt.Errorf("unable to read %s: %w", path, last.err)
		}
		if !follow {
			return nil
		}
		if err := sleep(ctx, im.opt.Poll); err != nil {
			return nil // stopped: everything read is committed
		}
		if rotated(fr) {
			fr.f.Close()
			fr.f = nil
			im.report.Files = append(im.report.Files, fr.rep)
			im.report.Malformed += fr.rep.Malformed
			if err := im.drain(); err != nil {
				return err
			}
			next, err := im.openFile(ctx, path, true)
			if err != nil || next == nil {
				fr = &fileRun{rep: FileReport{Path: path}}
				return err
			}
			fr = next
		}
	}
}

// rotated reports whether the path now names another file, or the file
// was truncated below what has been read (copytruncate).
func rotated(fr *fileRun) bool {
	now, err := os.Stat(fr.path)
	if err != nil {
		return false // moved away and not yet recreated: keep reading the old one
	}
	cur, err := fr.f.Stat()
	if err != nil {
		return true
	}
	return !os.SameFile(now, cur) || now.Size() < fr.r.Offset()
}

func (im *importer) tick(path string) {
	if im.opt.Progress == nil || time.Since(im.lastTick) < time.Second {
		return
	}
	im.lastTick = time.Now()
	im.opt.Progress(Progress{File: path, Lines: im.report.Lines + int64(im.liveLines), Bytes: im.bytesDone, TotalBytes: im.totalBytes, Elapsed: time.Since(im.began)})
}

// process checks a chunk of events for ones already stored, and feeds the
// new ones to the Builder and the batch.
func (im *importer) process(ctx context.Context, fr *fileRun, chunk []queuelog.Event, keys []eventKey) error {
	if len(chunk) == 0 {
		return nil
	}
	var cand []eventKey
	for i := range chunk {
		// An event newer than every stored one cannot be stored: only the
		// rest need a look-up. Appending to a log, that is almost none.
		if keys[i].at <= im.maxSeen {
			cand = append(cand, keys[i])
		}
	}
	var found map[eventKey]bool
	if len(cand) > 0 {
		var err error
		if found, err = im.keys.stored(ctx, cand); err != nil {
			return err
		}
	}
	repeats := markRepeats(keys, im.repeats[:0], im.dup)
	im.repeats = repeats
	b := im.cur
	for i := range chunk {
		e := chunk[i]
		k := keys[i]
		repeat := repeats[i]
		if repeat || found[k] {
			fr.rep.Duplicates++
			im.report.Duplicates++
			continue
		}
		seq := im.seq
		im.seq++
		if seq >= 1<<seqBits {
			return errors.New("stream is full: start a new stream name")
		}
		body := e.Raw
		if fr.r.Format == queuelog.FormatCSV {
			body = pipeLine(e)
		}
		b.events.add(eventID(im.st.id, seq), k.at, k.hkey, body)
		if k.at > im.maxSeen {
			im.maxSeen = k.at
		}
		fr.rep.Events++
		im.report.Events++
		e.Line = int(seq)
		im.builder.Add(e)
		im.take()
	}
	return nil
}

// markRepeats appends to dst, for each of keys, whether an earlier one is
// the same: a key met earlier in a chunk makes a duplicate as much as a
// stored one. Keys of equal time are next to each other in a chunk in
// time order, the usual case, so only the run of the same time is looked
// through; out of order, scratch (cleared first) remembers them.
func markRepeats(keys []eventKey, dst []bool, scratch map[eventKey]bool) []bool {
	inOrder := true
	for i := 1; i < len(keys); i++ {
		if keys[i].at < keys[i-1].at {
			inOrder = false
			break
		}
	}
	if !inOrder {
		clear(scratch)
		for _, k := range keys {
			dst = append(dst, scratch[k])
			scratch[k] = true
		}
		return dst
	}
	run := 0 // where the run of keys[i].at began
	for i, k := range keys {
		if k.at != keys[run].at {
			run = i
		}
		repeat := false
		for j := run; j < i && !repeat; j++ {
			repeat = keys[j].hkey == k.hkey
		}
		dst = append(dst, repeat)
	}
	return dst
}

// hashKey is the 64-bit form of an idempotency key: its first 16 hex
// digits. Stored next to the event's time, a false match needs two events
// in the same millisecond whose keys agree on 64 bits.
func hashKey(key string) int64 {
	b, err := hex.DecodeString(key[:16])
	if err != nil {
		sum := sha256.Sum256([]byte(key))
		b = sum[:8]
	}
	return int64(binary.BigEndian.Uint64(b))
}

// pipeLine writes an event in queue_log's file form, which is how raw
// events are stored whatever form they came in.
func pipeLine(e queuelog.Event) string {
	var sb strings.Builder
	sb.WriteString(strconv.FormatInt(e.Time.Unix(), 10))
	if ns := e.Time.Nanosecond(); ns != 0 {
		sb.WriteByte('.')
		sb.WriteString(strings.TrimRight(fmt.Sprintf("%09d", ns), "0"))
	}
	for _, f := range []string{e.CallID, e.Queue, e.Agent, e.Kind} {
		sb.WriteByte('|')
		sb.WriteString(f)
	}
	for _, d := range e.Data {
		sb.WriteByte('|')
		sb.WriteString(d)
	}
	return sb.String()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// streamOptions are the import options that change what the Builder
// emits; they are saved with the stream so that a rebuild replays it alike.
type streamOptions struct {
	ToleranceMS int64 `json:"tolerance_ms,omitempty"`
	Persistent  bool  `json:"persistent_members,omitempty"`
}

// streamState is what cc_streams.state holds for a queue_log stream.
type streamState struct {
	streamOptions
	Builder json.RawMessage `json:"builder,omitempty"`
}

// encodeStreamState is json.Marshal(streamState{opts, builder}) without
// json.Marshal's check and compaction of the builder's JSON, which it made
// itself: a busy center's builder state is about 1 MB, saved with every
// batch (a year: 1.2 s of CPU spent re-reading it).
func encodeStreamState(opts streamOptions, builder []byte) (string, error) {
	head, err := json.Marshal(opts)
	if err != nil {
		return "", err
	}
	if len(builder) == 0 {
		return string(head), nil
	}
	var sb strings.Builder
	sb.Grow(len(head) + len(builder) + 16)
	sb.Write(head[:len(head)-1]) // without its '}'
	if len(head) > 2 {
		sb.WriteByte(',')
	}
	sb.WriteString(`"builder":`)
	sb.Write(builder)
	sb.WriteByte('}')
	return sb.String(), nil
}

func decodeStreamState(s string) (streamState, error) {
	var st streamState
	if s == "" {
		return st, nil
	}
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		return st, fmt.Errorf("unable to read the stream state: %w", err)
	}
	return st, nil
}

// kindFlush marks, among a stream's raw events, where an import with
// Final closed everything still open.
const kindFlush = "ANCHOR_FLUSH"

func flushLine(at time.Time) string {
	return pipeLine(queuelog.Event{Time: at, CallID: "NONE", Queue: "NONE", Agent: "NONE", Kind: kindFlush})
}

// builderOpen reports whether the Builder holds anything a flush would
// close or emit.
func (im *importer) builderOpen() bool {
	calls, pending, spans := im.builder.OpenCounts()
	return calls+pending+spans > 0
}
