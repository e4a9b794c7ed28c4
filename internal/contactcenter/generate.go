package contactcenter

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// DemoSpec describes a synthetic contact center for GenerateQueueLog.
type DemoSpec struct {
	// Start is the first day (its date, UTC); default 2026-01-05.
	Start time.Time
	// Days, Queues and Agents size the center (default 7, 2, 10).
	Days, Queues, Agents int
	// Seed makes the log reproducible: the same spec gives the same bytes.
	Seed uint64
	// CallsPerAgent is the weekday volume per agent (default 170).
	CallsPerAgent float64
}

// GenerateStats counts what a generated log holds.
type GenerateStats struct {
	Lines, Calls, Abandoned, Overflows int64
}

var demoQueueNames = []string{"sales", "support", "billing", "tech", "retention", "vip"}

// DemoQueueName is the Asterisk name GenerateQueueLog gives queue i.
func DemoQueueName(i int) string {
	if i < len(demoQueueNames) {
		return demoQueueNames[i]
	}
	return "queue" + strconv.Itoa(i+1)
}

// hourly is the arrival profile from 08:00 to 20:00: a morning peak, a
// lunch dip and a smaller afternoon peak, as inbound service lines show.
var hourly = [12]float64{0.6, 1.1, 1.3, 1.2, 0.8, 0.9, 1.1, 1.0, 0.9, 0.7, 0.5, 0.4}

// weekly scales a day's volume by weekday (Sunday first).
var weekly = [7]float64{0.4, 1.1, 1.0, 1.0, 1.0, 0.95, 0.6}

type genAgent struct {
	name        string
	queues      []int
	shift       [2]float64   // seconds of the day
	pauses      [][2]float64 // lunch and breaks, sorted
	free        float64
	lastWrapEnd float64
}

type genLine struct {
	t    float64
	seq  int
	text string
}

// GenerateQueueLog writes a synthetic Asterisk queue_log: agents on early
// and late shifts who join their queues, take a lunch and two breaks (with
// PAUSEALL and per-queue PAUSE lines as Asterisk writes them) and sometimes
// a wrap-up pause after a call; calls arriving as a Poisson process with a
// daily and weekly profile, served first come first served by the first
// free member, with exponential patience (abandons), a queue timeout that
// overflows to the next queue, exits by key, missed rings, transfers. It is
// for demos, tests and benchmarks: realistic enough that every metric has
// something to show, and the same bytes for the same spec.
func GenerateQueueLog(w io.Writer, spec DemoSpec) (GenerateStats, error) {
	if spec.Days <= 0 {
		spec.Days = 7
	}
	if spec.Queues <= 0 {
		spec.Queues = 2
	}
	if spec.Agents <= 0 {
		spec.Agents = 10
	}
	if spec.CallsPerAgent <= 0 {
		spec.CallsPerAgent = 170
	}
	if spec.Start.IsZero() {
		spec.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	if spec.Days > 3660 || spec.Queues > 100 || spec.Agents > 10000 {
		return GenerateStats{}, errors.New("demo: at most 3660 days, 100 queues and 10000 agents")
	}
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 256*1024)
	var st GenerateStats
	agents := make([]*genAgent, spec.Agents)
	for i := range agents {
		a := &genAgent{name: fmt.Sprintf("agent%03d", i+1)}
		a.queues = []int{i % spec.Queues}
		if spec.Queues > 1 && i%3 != 0 {
			a.queues = append(a.queues, (i+1)%spec.Queues)
		}
		agents[i] = a
	}
	members := make([][]*genAgent, spec.Queues)
	for _, a := range agents {
		for _, q := range a.queues {
			members[q] = append(members[q], a)
		}
	}
	day0 := time.Date(spec.Start.Year(), spec.Start.Month(), spec.Start.Day(), 0, 0, 0, 0, time.UTC).Unix()
	callN := 0
	var buf []byte
	for d := range spec.Days {
		dayStart := day0 + int64(d)*86400
		var lines []genLine
		emit := func(t float64, callid, queue, agent, event, data string) {
			buf = buf[:0]
			buf = strconv.AppendInt(buf, dayStart+int64(t), 10)
			buf = append(buf, '|')
			buf = append(buf, callid...)
			buf = append(buf, '|')
			buf = append(buf, queue...)
			buf = append(buf, '|')
			buf = append(buf, agent...)
			buf = append(buf, '|')
			buf = append(buf, event...)
			buf = append(buf, '|')
			buf = append(buf, data...)
			buf = append(buf, '\n')
			lines = append(lines, genLine{t: math.Floor(t), seq: len(lines), text: string(buf)})
		}
		// Shifts and pauses.
		for i, a := range agents {
			start := 8*3600.0 + rng.Float64()*300
			if i%2 == 1 {
				start = 11.5*3600 + rng.Float64()*300
			}
			a.shift = [2]float64{start, start + 8.5*3600}
			a.free, a.lastWrapEnd = start, 0
			lunch := start + 4*3600 + rng.Float64()*1800
			a.pauses = [][2]float64{{start + 2*3600, start + 2*3600 + 900}, {lunch, lunch + 1800}, {start + 6.5*3600, start + 6.5*3600 + 900}}
			for _, q := range a.queues {
				emit(start, "MANAGER", DemoQueueName(q), a.name, "ADDMEMBER", "")
				emit(a.shift[1], "MANAGER", DemoQueueName(q), a.name, "REMOVEMEMBER", "")
			}
			for k, p := range a.pauses {
				reason := "break"
				if k == 1 {
					reason = "lunch"
					emit(p[0], "NONE", "NONE", a.name, "PAUSEALL", "")
					emit(p[1], "NONE", "NONE", a.name, "UNPAUSEALL", "")
				}
				for _, q := range a.queues {
					emit(p[0], "NONE", DemoQueueName(q), a.name, "PAUSE", reason)
					emit(p[1], "NONE", DemoQueueName(q), a.name, "UNPAUSE", reason)
				}
			}
		}
		// Arrivals: a Poisson process per queue, thinned to the profile.
		type arrival struct {
			t float64
			q int
		}
		var arrivals []arrival
		weekday := time.Unix(dayStart, 0).UTC().Weekday()
		perQueue := spec.CallsPerAgent * float64(spec.Agents) * weekly[weekday] / float64(spec.Queues)
		peak := slices.Max(hourly[:])
		var sum float64
		for _, h := range hourly {
			sum += h
		}
		for q := range spec.Queues {
			rate := perQueue / (sum * 3600) * peak // per second at the peak
			for t := 8 * 3600.0; ; {
				t += rng.ExpFloat64() / rate
				if t >= 20*3600 {
					break
				}
				if rng.Float64() < hourly[int(t/3600)-8]/peak {
					arrivals = append(arrivals, arrival{t, q})
				}
			}
		}
		slices.SortFunc(arrivals, func(x, y arrival) int {
			if x.t < y.t {
				return -1
			}
			if x.t > y.t {
				return 1
			}
			return x.q - y.q
		})
		for _, ar := range arrivals {
			callN++
			st.Calls++
			id := strconv.FormatInt(dayStart+int64(ar.t), 10) + "." + strconv.Itoa(callN)
			patience := 20 + rng.ExpFloat64()*100
			caller := "5550" + strconv.Itoa(1000+rng.IntN(9000))
			q, t, waited := ar.q, ar.t, 0.0
			for hop := 0; ; hop++ {
				qn := DemoQueueName(q)
				emit(t, id, qn, "NONE", "ENTERQUEUE", "|"+caller+"|1")
				var best *genAgent
				bestAt := math.Inf(1)
				for _, a := range members[q] {
					if x := a.earliest(t); x < bestAt {
						best, bestAt = a, x
					}
				}
				wait := bestAt - t
				left := patience - waited
				if rng.Float64() < 0.02 && wait > 15 {
					emit(t+15, id, qn, "NONE", "EXITWITHKEY", "0|1|1|15")
					break
				}
				if hop == 0 && spec.Queues > 1 && wait > 120 && left > 120 {
					emit(t+120, id, qn, "NONE", "EXITWITHTIMEOUT", "1|1|120")
					st.Overflows++
					waited += 121
					t += 121
					q = (q + 1) % spec.Queues
					continue
				}
				if wait > left || best == nil {
					w := math.Floor(left)
					emit(t+w, id, qn, "NONE", "ABANDON", "1|1|"+strconv.Itoa(int(w)))
					st.Abandoned++
					break
				}
				ws := int(math.Floor(wait))
				if rng.Float64() < 0.1 && len(members[q]) > 1 {
					other := members[q][rng.IntN(len(members[q]))]
					if other != best {
						emit(t+math.Min(wait, 15), id, qn, other.name, "RINGNOANSWER", "15000")
					}
				}
				talk := math.Floor(20 + rng.ExpFloat64()*110)
				start := t + float64(ws)
				emit(start, id, qn, best.name, "CONNECT", strconv.Itoa(ws)+"|"+id+"b|"+strconv.Itoa(1+rng.IntN(8)))
				end := start + talk
				switch r := rng.Float64(); {
				case r < 0.05:
					emit(end, id, qn, best.name, "BLINDTRANSFER", "2000|from-internal|"+strconv.Itoa(ws)+"|"+strconv.Itoa(int(talk))+"|1")
				case r < 0.40:
					emit(end, id, qn, best.name, "COMPLETEAGENT", strconv.Itoa(ws)+"|"+strconv.Itoa(int(talk))+"|1")
				default:
					emit(end, id, qn, best.name, "COMPLETECALLER", strconv.Itoa(ws)+"|"+strconv.Itoa(int(talk))+"|1")
				}
				best.free = end
				if rng.Float64() < 0.3 {
					wrap := math.Floor(10 + rng.Float64()*50)
					emit(end+1, "NONE", qn, best.name, "PAUSE", "Wrapup")
					emit(end+1+wrap, "NONE", qn, best.name, "UNPAUSE", "Wrapup")
					best.free = end + 1 + wrap
				}
				break
			}
		}
		slices.SortStableFunc(lines, func(x, y genLine) int {
			if x.t < y.t {
				return -1
			}
			if x.t > y.t {
				return 1
			}
			return x.seq - y.seq
		})
		for _, l := range lines {
			if _, err := bw.WriteString(l.text); err != nil {
				return st, err
			}
		}
		st.Lines += int64(len(lines))
	}
	return st, bw.Flush()
}

// earliest is when the agent can next take a call arriving at t: on shift,
// not paused, not busy. +Inf when not before the shift ends.
func (a *genAgent) earliest(t float64) float64 {
	x := math.Max(math.Max(t, a.free), a.shift[0])
	for _, p := range a.pauses {
		if x >= p[0] && x < p[1] {
			x = p[1]
		}
	}
	if x >= a.shift[1]-120 {
		return math.Inf(1)
	}
	return x
}
