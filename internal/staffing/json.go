package staffing

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// JSON carries durations as seconds (fields named *_seconds): nanosecond
// integers, time.Duration's default encoding, invite exactly the unit
// mix-ups this package exists to prevent.

func secondsPtr(d time.Duration) *float64 {
	s := d.Seconds()
	return &s
}

// fromSeconds converts a JSON number of seconds to a Duration, refusing
// values no Duration can hold.
func fromSeconds(field string, s float64) (time.Duration, error) {
	if math.IsNaN(s) || math.IsInf(s, 0) || math.Abs(s) > math.MaxInt64/float64(time.Second) {
		return 0, fmt.Errorf("%s: %v seconds is out of range", field, s)
	}
	return time.Duration(math.Round(s * float64(time.Second))), nil
}

type queueJSON struct {
	Calls           float64 `json:"calls"`
	IntervalSeconds float64 `json:"interval_seconds"`
	AHTSeconds      float64 `json:"aht_seconds"`
	PatienceSeconds float64 `json:"patience_seconds,omitempty"`
}

// MarshalJSON writes durations as seconds.
func (q Queue) MarshalJSON() ([]byte, error) {
	return json.Marshal(queueJSON{q.Calls, q.Interval.Seconds(), q.AHT.Seconds(), q.Patience.Seconds()})
}

// UnmarshalJSON reads durations as seconds.
func (q *Queue) UnmarshalJSON(b []byte) error {
	var v queueJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	var out Queue
	var err error
	out.Calls = v.Calls
	if out.Interval, err = fromSeconds("interval_seconds", v.IntervalSeconds); err != nil {
		return err
	}
	if out.AHT, err = fromSeconds("aht_seconds", v.AHTSeconds); err != nil {
		return err
	}
	if out.Patience, err = fromSeconds("patience_seconds", v.PatienceSeconds); err != nil {
		return err
	}
	*q = out
	return nil
}

type targetJSON struct {
	Level         float64 `json:"level"`
	WithinSeconds float64 `json:"within_seconds"`
	MaxAbandon    float64 `json:"max_abandon,omitempty"`
}

// MarshalJSON writes the answer time as seconds.
func (t Target) MarshalJSON() ([]byte, error) {
	return json.Marshal(targetJSON{t.Level, t.Within.Seconds(), t.MaxAbandon})
}

// UnmarshalJSON reads the answer time as seconds.
func (t *Target) UnmarshalJSON(b []byte) error {
	var v targetJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	within, err := fromSeconds("within_seconds", v.WithinSeconds)
	if err != nil {
		return err
	}
	*t = Target{Level: v.Level, Within: within, MaxAbandon: v.MaxAbandon}
	return nil
}

type intervalJSON struct {
	Start      time.Time `json:"start"`
	Calls      float64   `json:"calls"`
	AHTSeconds float64   `json:"aht_seconds"`
}

// MarshalJSON writes the AHT as seconds.
func (i Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(intervalJSON{i.Start, i.Calls, i.AHT.Seconds()})
}

// UnmarshalJSON reads the AHT as seconds.
func (i *Interval) UnmarshalJSON(b []byte) error {
	var v intervalJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	aht, err := fromSeconds("aht_seconds", v.AHTSeconds)
	if err != nil {
		return err
	}
	*i = Interval{Start: v.Start, Calls: v.Calls, AHT: aht}
	return nil
}

type forecastJSON struct {
	LengthSeconds   float64    `json:"length_seconds"`
	PatienceSeconds float64    `json:"patience_seconds,omitempty"`
	Intervals       []Interval `json:"intervals"`
}

// MarshalJSON writes durations as seconds.
func (f Forecast) MarshalJSON() ([]byte, error) {
	return json.Marshal(forecastJSON{f.Length.Seconds(), f.Patience.Seconds(), f.Intervals})
}

// UnmarshalJSON reads durations as seconds.
func (f *Forecast) UnmarshalJSON(b []byte) error {
	var v forecastJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	var out Forecast
	var err error
	if out.Length, err = fromSeconds("length_seconds", v.LengthSeconds); err != nil {
		return err
	}
	if out.Patience, err = fromSeconds("patience_seconds", v.PatienceSeconds); err != nil {
		return err
	}
	out.Intervals = v.Intervals
	*f = out
	return nil
}

// MarshalJSON writes the interval length as seconds.
func (p Plan) MarshalJSON() ([]byte, error) {
	type plain Plan
	return json.Marshal(struct {
		plain
		LengthSeconds float64 `json:"length_seconds"`
	}{plain(p), p.Length.Seconds()})
}

type breakJSON struct {
	OffsetSeconds float64 `json:"offset_seconds"`
	LengthSeconds float64 `json:"length_seconds"`
	Unpaid        bool    `json:"unpaid,omitempty"`
}

// MarshalJSON writes durations as seconds.
func (b Break) MarshalJSON() ([]byte, error) {
	return json.Marshal(breakJSON{b.Offset.Seconds(), b.Length.Seconds(), b.Unpaid})
}

// UnmarshalJSON reads durations as seconds.
func (b *Break) UnmarshalJSON(data []byte) error {
	var v breakJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	var out Break
	var err error
	if out.Offset, err = fromSeconds("offset_seconds", v.OffsetSeconds); err != nil {
		return err
	}
	if out.Length, err = fromSeconds("length_seconds", v.LengthSeconds); err != nil {
		return err
	}
	out.Unpaid = v.Unpaid
	*b = out
	return nil
}

type shiftTemplateJSON struct {
	Name          string  `json:"name"`
	StartSeconds  float64 `json:"start_seconds"`
	LengthSeconds float64 `json:"length_seconds"`
	Breaks        []Break `json:"breaks,omitempty"`
	HourlyCost    float64 `json:"hourly_cost,omitempty"`
}

// MarshalJSON writes durations as seconds.
func (s ShiftTemplate) MarshalJSON() ([]byte, error) {
	return json.Marshal(shiftTemplateJSON{s.Name, s.Start.Seconds(), s.Length.Seconds(), s.Breaks, s.HourlyCost})
}

// UnmarshalJSON reads durations as seconds.
func (s *ShiftTemplate) UnmarshalJSON(b []byte) error {
	var v shiftTemplateJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	out := ShiftTemplate{Name: v.Name, Breaks: v.Breaks, HourlyCost: v.HourlyCost}
	var err error
	if out.Start, err = fromSeconds("start_seconds", v.StartSeconds); err != nil {
		return err
	}
	if out.Length, err = fromSeconds("length_seconds", v.LengthSeconds); err != nil {
		return err
	}
	*s = out
	return nil
}
