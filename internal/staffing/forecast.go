package staffing

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// LineError is a forecast line that was skipped, and why.
type LineError struct {
	Line int    `json:"line"`
	Err  string `json:"error"`
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Err) }

// forecastTimeLayouts are the accepted interval-start formats: RFC 3339
// with its offset, or a wall-clock time read in the caller's location.
var forecastTimeLayouts = []string{time.RFC3339, "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05"}

// ReadForecast reads a forecast CSV of interval start, calls and AHT. A
// header line is optional; '#' starts a comment. Starts are RFC 3339 or
// "2006-01-02 15:04" in loc (UTC if nil). AHT is seconds ("180") or a Go
// duration ("3m"); a bare number under 10 is refused as a probable minutes
// value. Lines that cannot be read are skipped and returned as LineErrors,
// so one typo does not lose a day's forecast; the intervals read are
// returned sorted by start. The error is for I/O failures only.
func ReadForecast(r io.Reader, loc *time.Location) ([]Interval, []LineError, error) {
	if loc == nil {
		loc = time.UTC
	}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.LazyQuotes = true
	var out []Interval
	var bad []LineError
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			bad = append(bad, LineError{Line: pe.Line, Err: pe.Err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("unable to read forecast: %w", err)
		}
		line, _ := cr.FieldPos(0)
		isFirst := first
		first = false
		if isFirst && looksLikeHeader(rec) {
			continue
		}
		iv, err := parseForecastRecord(rec, loc)
		if err != nil {
			bad = append(bad, LineError{Line: line, Err: err.Error()})
			continue
		}
		out = append(out, iv)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, bad, nil
}

// looksLikeHeader treats a first line whose calls column is not a number
// as a header.
func looksLikeHeader(rec []string) bool {
	if len(rec) < 2 {
		return false
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
	return err != nil
}

func parseForecastRecord(rec []string, loc *time.Location) (Interval, error) {
	if len(rec) != 3 {
		return Interval{}, fmt.Errorf("want 3 fields (start, calls, aht), got %d", len(rec))
	}
	start, err := parseStart(strings.TrimSpace(rec[0]), loc)
	if err != nil {
		return Interval{}, err
	}
	calls, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
	if err != nil || math.IsNaN(calls) || math.IsInf(calls, 0) {
		return Interval{}, fmt.Errorf("calls %q is not a number", rec[1])
	}
	if calls < 0 {
		return Interval{}, fmt.Errorf("calls %v is negative", calls)
	}
	aht, err := ParseAHT(rec[2])
	if err != nil {
		return Interval{}, err
	}
	return Interval{Start: start, Calls: calls, AHT: aht}, nil
}

func parseStart(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range forecastTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("start %q is neither RFC 3339 nor \"2006-01-02 15:04\"", s)
}

// ParseAHT reads an average handle time as seconds ("180", "180.5") or a
// Go duration ("3m", "2m30s"). A bare number under 10 is refused: no voice
// queue handles calls in a few seconds, but 3 minutes written as "3" is a
// common slip.
func ParseAHT(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs > 0 && secs < 10 {
			return 0, fmt.Errorf("AHT %q: %v seconds is implausibly short; write %vm if minutes were meant, or %vs to confirm", s, secs, secs, secs)
		}
		if d, err = fromSeconds("AHT", secs); err != nil {
			return 0, err
		}
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("AHT %q is neither seconds nor a duration such as 3m", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("AHT %q must be positive", s)
	}
	if d < time.Second {
		return 0, fmt.Errorf("AHT %q is under a second; did you mean seconds?", s)
	}
	return d, nil
}

// InferLength guesses a forecast's interval length as the smallest gap
// between consecutive starts. It returns 0 when there is a single
// interval.
func InferLength(ivs []Interval) time.Duration {
	var best time.Duration
	for i := 1; i < len(ivs); i++ {
		if gap := ivs[i].Start.Sub(ivs[i-1].Start); gap > 0 && (best == 0 || gap < best) {
			best = gap
		}
	}
	return best
}
