package queuelog

import (
	"math/bits"
	"slices"
	"time"
)

// seenSet is the Reader's memory of recent events: per fingerprint, how
// many earlier events had it and when it was last seen. It does what a
// map[uint64]struct{count int; at time.Time} would, with one probe per
// event instead of a look-up and an assignment, in a flat table without
// pointers for the garbage collector to scan: nearly every line of a log
// is new, so this is paid on every line.
//
// It is a hash table with open addressing and linear probing, at most
// three quarters full. Fingerprints are hashes already; multiplying by a
// constant and keeping the top bits spreads them evenly over the table
// (Fibonacci hashing).
type seenSet struct {
	slots []seenSlot // len is a power of two, or zero
	shift uint       // 64 - log2(len(slots))
	n     int
	keep  []seenSlot // scratch for prune
}

// seenSlot is one entry; used == 0 marks an empty slot. The time is kept
// as Unix seconds and nanoseconds: Reader times are all UTC.
type seenSlot struct {
	fp    uint64
	sec   int64
	nsec  int32
	used  uint32 // 1 in a filled slot
	count int
}

func (s *seenSet) len() int { return s.n }

// add records an event with fingerprint fp at time t and returns how many
// earlier events had that fingerprint.
func (s *seenSet) add(fp uint64, t time.Time) int {
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	sec, nsec := t.Unix(), int32(t.Nanosecond())
	mask := uint64(len(s.slots) - 1)
	for i := s.home(fp); ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.used == 0 {
			*sl = seenSlot{fp: fp, sec: sec, nsec: nsec, used: 1}
			s.n++
			return 0
		}
		if sl.fp == fp {
			sl.count++
			sl.sec, sl.nsec = sec, nsec
			return sl.count
		}
	}
}

// set stores an entry as it was saved, replacing one with the same
// fingerprint.
func (s *seenSet) set(fp uint64, count int, t time.Time) {
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	s.put(seenSlot{fp: fp, sec: t.Unix(), nsec: int32(t.Nanosecond()), used: 1, count: count})
}

// put stores e, replacing an entry with the same fingerprint; the table
// has room.
func (s *seenSet) put(e seenSlot) {
	mask := uint64(len(s.slots) - 1)
	for i := s.home(e.fp); ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.used == 0 {
			*sl = e
			s.n++
			return
		}
		if sl.fp == e.fp {
			*sl = e
			return
		}
	}
}

func (s *seenSet) home(fp uint64) uint64 { return (fp * 0x9e3779b97f4a7c15) >> s.shift }

// grow doubles the table (or makes its first one).
func (s *seenSet) grow() {
	old := s.slots
	size := max(64, 2*len(old))
	s.slots = make([]seenSlot, size)
	s.shift = uint(64 - bits.Len(uint(size-1)))
	s.n = 0
	for _, e := range old {
		if e.used != 0 {
			s.put(e)
		}
	}
}

// prune forgets the entries last seen before cutoff. The table keeps its
// size: it will fill up again as far before the next prune.
func (s *seenSet) prune(cutoff time.Time) {
	csec, cnsec := cutoff.Unix(), int32(cutoff.Nanosecond())
	s.keep = s.keep[:0]
	for _, e := range s.slots {
		if e.used != 0 && (e.sec > csec || e.sec == csec && e.nsec >= cnsec) {
			s.keep = append(s.keep, e)
		}
	}
	clear(s.slots)
	s.n = 0
	for _, e := range s.keep {
		s.put(e)
	}
}

// seenEntry is an entry of a seenSet, for saving it.
type seenEntry struct {
	fp    uint64
	count int
	at    time.Time
}

// entries lists the set by fingerprint. The fingerprints alone are
// sorted, as numbers, which is several times faster than sorting the
// entries with a comparison function; each is then looked up again.
func (s *seenSet) entries() []seenEntry {
	fps := make([]uint64, 0, s.n)
	for _, e := range s.slots {
		if e.used != 0 {
			fps = append(fps, e.fp)
		}
	}
	slices.Sort(fps)
	out := make([]seenEntry, len(fps))
	for i, fp := range fps {
		e := s.lookup(fp)
		out[i] = seenEntry{fp: fp, count: e.count, at: time.Unix(e.sec, int64(e.nsec)).UTC()}
	}
	return out
}

// lookup returns the entry for fp, which is in the set.
func (s *seenSet) lookup(fp uint64) *seenSlot {
	mask := uint64(len(s.slots) - 1)
	for i := s.home(fp); ; i = (i + 1) & mask {
		if sl := &s.slots[i]; sl.fp == fp && sl.used != 0 {
			return sl
		}
	}
}
