package contactcenter

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
)

// idEncoding is store.NewID's alphabet, so derived ids look and sort like
// every other Anchor id.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// timedID returns an id like store.NewID's (48 bits of milliseconds, then
// 80 bits) whose last 80 bits are a hash of parts instead of random. The
// same data always gives the same id, which is what lets a resumed import
// write exactly the rows a clean one writes; and ids still sort by time, so
// a time range of records is a range of ids and inserts append.
func timedID(ms int64, parts ...string) string {
	// The hashed input is each part's length (4 bytes, big-endian) then
	// the part, assembled in one buffer and hashed in one call: an import
	// makes an id per contact record and per agent session.
	var stack [256]byte
	in := stack[:0]
	for _, p := range parts {
		in = binary.BigEndian.AppendUint32(in, uint32(len(p)))
		in = append(in, p...)
	}
	sum := sha256.Sum256(in)
	var b [16]byte
	if ms < 0 {
		ms = 0
	}
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16)
	copy(b[6:], sum[:10])
	return idEncoding.EncodeToString(b[:])
}

// idBound is the smallest id of time ms: ids of times in [from, to) are
// exactly those in [idBound(from), idBound(to)). A time past the 48 bits
// an id holds (an unbounded range's end) bounds every id: shifted, it
// would wrap to zero and bound none.
func idBound(ms int64) string {
	var b [16]byte
	if ms < 0 {
		ms = 0
	}
	if ms >= 1<<48 {
		binary.BigEndian.PutUint64(b[:8], ^uint64(0))
		return idEncoding.EncodeToString(b[:])
	}
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16)
	return idEncoding.EncodeToString(b[:])
}

// eventID numbers the raw events: the stream id in the high bits and the
// sequence in the stream below, so one stream's events are one id range in
// the order its Builder saw them.
func eventID(stream, seq int64) int64 { return stream<<40 | seq }

const seqBits = 40
