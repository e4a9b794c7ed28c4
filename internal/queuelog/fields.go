package queuelog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event kinds written by Asterisk. The comment on each gives the data
// layout (the fields after the event name) as apps/app_queue.c and
// main/logger.c write them; Decode knows every layout listed.
const (
	// KindEnterQueue: url|callerid|position. Releases up to 1.4 write
	// url|callerid only. Agent is "NONE".
	KindEnterQueue = "ENTERQUEUE"
	// KindConnect: holdtime|bridgedchanneluniqueid|ringtime, both times in
	// seconds. 1.2 and early 1.4 write holdtime alone (with the peer
	// channel name as agent).
	KindConnect = "CONNECT"
	// KindCompleteAgent: holdtime|calltime|origposition, seconds. The agent
	// hung up.
	KindCompleteAgent = "COMPLETEAGENT"
	// KindCompleteCaller: holdtime|calltime|origposition, seconds. The
	// caller hung up.
	KindCompleteCaller = "COMPLETECALLER"
	// KindAbandon: position|origposition|waittime. The caller hung up while
	// waiting (also logged when the caller hangs up during the member's
	// announcement, just before CONNECT).
	KindAbandon = "ABANDON"
	// KindExitWithTimeout: position|origposition|waittime. The Queue()
	// timeout or the 'n' option's ring cycle ran out.
	KindExitWithTimeout = "EXITWITHTIMEOUT"
	// KindExitWithKey: key|position|origposition|waittime. Older releases
	// write key|position.
	KindExitWithKey = "EXITWITHKEY"
	// KindExitEmpty: position|origposition|waittime. leavewhenempty removed
	// the caller.
	KindExitEmpty = "EXITEMPTY"
	// KindWithdraw: position|origposition|waittime|withdrawinfo. The
	// QueueWithdrawCaller AMI action removed the caller (newer releases
	// only; absent from the 13-era app_queue.c these layouts were checked
	// against).
	KindWithdraw = "WITHDRAW"
	// KindRingNoAnswer: ringtime in milliseconds. A member was rung and did
	// not answer (also busy and congestion).
	KindRingNoAnswer = "RINGNOANSWER"
	// KindRingCanceled: ringtime in milliseconds, like RINGNOANSWER. A
	// member's ring was cancelled because the caller left (newer releases
	// only, like WITHDRAW).
	KindRingCanceled = "RINGCANCELED"
	// KindBlindTransfer: extension|context|holdtime|calltime|origposition
	// (Asterisk 12 and later).
	KindBlindTransfer = "BLINDTRANSFER"
	// KindAttendedTransfer (Asterisk 12 and later) has three layouts, by how
	// the transfer completed:
	//	BRIDGE|bridgeuniqueid|holdtime|calltime|origposition
	//	APP|application|holdtime|calltime|origposition
	//	LINK|channel1|channel2|holdtime|calltime|origposition
	KindAttendedTransfer = "ATTENDEDTRANSFER"
	// KindTransfer (1.4 to 11): extension|context|holdtime|calltime|origposition;
	// 1.4 writes extension|context|holdtime|calltime.
	KindTransfer = "TRANSFER"
	// KindAgentDump: empty. The member hung up during its announcement; the
	// caller stays in the queue and Asterisk tries the next member.
	KindAgentDump = "AGENTDUMP"
	// KindSysCompat: empty. The caller and member channels could not be made
	// compatible and the call was dropped.
	KindSysCompat = "SYSCOMPAT"
	// KindAddMember: empty, or "PAUSED" when the AMI QueueAdd added the
	// member paused. Agent is the interface (or member name with
	// log_membername_as_agent); callid is the channel's, "MANAGER" or
	// "REALTIME".
	KindAddMember = "ADDMEMBER"
	// KindRemoveMember: empty.
	KindRemoveMember = "REMOVEMEMBER"
	// KindPause: reason (1.8 and later; empty before). Callid is "NONE";
	// one line per queue.
	KindPause = "PAUSE"
	// KindUnpause: reason, like KindPause.
	KindUnpause = "UNPAUSE"
	// KindPauseAll: empty. Queue and callid are "NONE"; Asterisk writes it
	// once before the per-queue PAUSE lines when no queue was named.
	KindPauseAll = "PAUSEALL"
	// KindUnpauseAll: empty, like KindPauseAll.
	KindUnpauseAll = "UNPAUSEALL"
	// KindAgentLogin: channel. Queue is "NONE"; agent is "Agent/<id>"
	// (chan_agent before 12, app_agent_pool after).
	KindAgentLogin = "AGENTLOGIN"
	// KindAgentLogoff: channel|logintime, seconds logged in.
	KindAgentLogoff = "AGENTLOGOFF"
	// KindAgentCallbackLogin (chan_agent, up to 1.8): exten@context.
	KindAgentCallbackLogin = "AGENTCALLBACKLOGIN"
	// KindAgentCallbackLogoff (chan_agent, up to 1.8):
	// exten@context|logintime|reason.
	KindAgentCallbackLogoff = "AGENTCALLBACKLOGOFF"
	// KindQueueStart: empty, all identifiers "NONE"; main/logger.c writes it
	// when the queue log opens, i.e. when Asterisk (re)starts.
	KindQueueStart = "QUEUESTART"
	// KindConfigReload: empty, like KindQueueStart; written on reload.
	KindConfigReload = "CONFIGRELOAD"
	// KindPenalty: penalty. A member's penalty changed.
	KindPenalty = "PENALTY"
	// KindRingInUse: 0 or 1.
	KindRingInUse = "RINGINUSE"

	// Events that Asterisk itself never writes but dialplans commonly log
	// with the QueueLog() application, by convention with the same layout
	// as the Queue() result they stand for. They are kept like any other
	// event.

	// KindFull: the caller could not join: the queue was at maxlen.
	KindFull = "FULL"
	// KindJoinEmpty: the caller could not join: no members (joinempty).
	KindJoinEmpty = "JOINEMPTY"
	// KindJoinUnavail: the caller could not join: no available members.
	KindJoinUnavail = "JOINUNAVAIL"
	// KindClosed: the caller reached the queue out of hours.
	KindClosed = "CLOSED"
	// KindDID: did. The number the customer dialled, logged before
	// ENTERQUEUE.
	KindDID = "DID"
)

// Fields is the named view of an event's data fields, decoded by Decode
// according to the event kind. A field the layout does not have, or that
// an older layout lacks, is left zero and its Has flag false, so callers
// can tell "0 seconds" from "not logged" and fall back to timestamps.
type Fields struct {
	// URL and CallerID come from ENTERQUEUE.
	URL, CallerID string
	// Position is the caller's position when the event happened
	// (ENTERQUEUE: where it joined; exits: where it left).
	Position    int
	HasPosition bool
	// OrigPosition is the position at which the caller joined, logged by
	// exits, completions and transfers.
	OrigPosition    int
	HasOrigPosition bool
	// Wait is the time the caller waited in the queue: holdtime on CONNECT,
	// COMPLETE* and transfers, waittime on ABANDON and EXIT*.
	Wait    time.Duration
	HasWait bool
	// Talk is the time connected to the member (calltime).
	Talk    time.Duration
	HasTalk bool
	// Ring is how long a member was rung: RINGNOANSWER and RINGCANCELED log
	// milliseconds, CONNECT logs whole seconds.
	Ring    time.Duration
	HasRing bool
	// BridgedCallID is the uniqueid of the member's channel (CONNECT).
	BridgedCallID string
	// Key is the digit(s) the caller pressed (EXITWITHKEY).
	Key string
	// Transfer describes BLINDTRANSFER, ATTENDEDTRANSFER and TRANSFER.
	Transfer Transfer
	// Reason is the pause reason (PAUSE, UNPAUSE), the withdraw info
	// (WITHDRAW) or the logoff reason (AGENTCALLBACKLOGOFF).
	Reason string
	// Channel is the agent's channel (AGENTLOGIN, AGENTLOGOFF) or
	// exten@context (AGENTCALLBACK*).
	Channel string
	// LoginTime is how long the agent had been logged in (AGENTLOGOFF,
	// AGENTCALLBACKLOGOFF).
	LoginTime    time.Duration
	HasLoginTime bool
	// Paused is true for an ADDMEMBER that added the member paused.
	Paused bool
	// Penalty is the new penalty (PENALTY) or ringinuse value (RINGINUSE).
	Penalty int
	// DID is the dialled number of a QueueLog() DID line.
	DID string
}

// Transfer is where an answered call was transferred to.
type Transfer struct {
	// Kind is "blind" (BLINDTRANSFER), "legacy" (TRANSFER) or, for
	// ATTENDEDTRANSFER, "bridge", "app" or "link".
	Kind string
	// Extension and Context are set for blind and legacy transfers.
	Extension, Context string
	// Bridge is the bridge uniqueid the call was merged into ("bridge").
	Bridge string
	// App is the application the caller was handed to ("app").
	App string
	// Channels are the two channels linked together ("link").
	Channels [2]string
}

// Target is the transfer destination as one string: "exten@context" for
// blind and legacy transfers, the bridge id, the application name, or
// "channel1|channel2" for a link.
func (t Transfer) Target() string {
	switch t.Kind {
	case "blind", "legacy":
		if t.Context == "" {
			return t.Extension
		}
		return t.Extension + "@" + t.Context
	case "bridge":
		return t.Bridge
	case "app":
		return t.App
	case "link":
		return t.Channels[0] + "|" + t.Channels[1]
	}
	return ""
}

// ErrField reports a data field that the event's layout says is a number
// but is not.
var ErrField = errors.New("queuelog: malformed data field")

// Decode gives the event's data fields by name, following the layout of
// its kind (see the Kind constants) and tolerating the older, shorter
// layouts. Unknown kinds decode to zero Fields. A numeric field that does
// not parse is skipped and reported through an error wrapping ErrField;
// the other fields are still returned.
func (e Event) Decode() (Fields, error) {
	var f Fields
	err := e.decode(kindCode(e.Kind), &f)
	return f, err
}

// decode is Decode for an event of kind k, into f, which must be zero.
func (e *Event) decode(k eventKind, f *Fields) error {
	d := decoder{data: e.Data}
	switch k {
	case evEnterQueue:
		f.URL = d.str(0)
		f.CallerID = d.str(1)
		f.Position, f.HasPosition = d.int(2)
	case evConnect:
		f.Wait, f.HasWait = d.seconds(0)
		f.BridgedCallID = d.str(1)
		f.Ring, f.HasRing = d.seconds(2)
	case evCompleteAgent, evCompleteCaller:
		f.Wait, f.HasWait = d.seconds(0)
		f.Talk, f.HasTalk = d.seconds(1)
		f.OrigPosition, f.HasOrigPosition = d.int(2)
	case evAbandon, evExitWithTimeout, evExitEmpty:
		f.Position, f.HasPosition = d.int(0)
		f.OrigPosition, f.HasOrigPosition = d.int(1)
		f.Wait, f.HasWait = d.seconds(2)
	case evWithdraw:
		f.Position, f.HasPosition = d.int(0)
		f.OrigPosition, f.HasOrigPosition = d.int(1)
		f.Wait, f.HasWait = d.seconds(2)
		f.Reason = d.rest(3)
	case evExitWithKey:
		f.Key = d.str(0)
		f.Position, f.HasPosition = d.int(1)
		f.OrigPosition, f.HasOrigPosition = d.int(2)
		f.Wait, f.HasWait = d.seconds(3)
	case evRingNoAnswer, evRingCanceled:
		f.Ring, f.HasRing = d.millis(0)
	case evBlindTransfer, evTransfer:
		f.Transfer.Kind = "blind"
		if k == evTransfer {
			f.Transfer.Kind = "legacy"
		}
		f.Transfer.Extension = d.str(0)
		f.Transfer.Context = d.str(1)
		f.Wait, f.HasWait = d.seconds(2)
		f.Talk, f.HasTalk = d.seconds(3)
		f.OrigPosition, f.HasOrigPosition = d.int(4)
	case evAttendedTransfer:
		decodeAttended(&d, f)
	case evPause, evUnpause:
		f.Reason = d.rest(0)
	case evAddMember:
		f.Paused = strings.EqualFold(d.str(0), "PAUSED")
	case evAgentLogin, evAgentCallbackLogin:
		f.Channel = d.str(0)
	case evAgentLogoff:
		f.Channel = d.str(0)
		f.LoginTime, f.HasLoginTime = d.seconds(1)
	case evAgentCallbackLogoff:
		f.Channel = d.str(0)
		f.LoginTime, f.HasLoginTime = d.seconds(1)
		f.Reason = d.rest(2)
	case evPenalty, evRingInUse:
		f.Penalty, _ = d.int(0)
	case evDID:
		f.DID = d.str(0)
	}
	return d.err(e.Kind)
}

// decodeAttended reads the three ATTENDEDTRANSFER layouts. The numbers are
// always the last three fields, so they are read from the end: that also
// copes with a bridge id or application name that contains a '|'. A line
// whose first field is none of BRIDGE, APP or LINK is read like a legacy
// TRANSFER (extension|context|...) rather than rejected.
func decodeAttended(d *decoder, f *Fields) {
	n := len(d.data)
	tail := 0
	if n >= 3 {
		if _, ok := parseInt(d.data[n-1]); ok {
			tail = 3
		}
	}
	head := n - tail
	if tail == 3 {
		f.Wait, f.HasWait = d.seconds(n - 3)
		f.Talk, f.HasTalk = d.seconds(n - 2)
		f.OrigPosition, f.HasOrigPosition = d.int(n - 1)
	}
	join := func(from int) string {
		if from >= head {
			return ""
		}
		return strings.Join(d.data[from:head], "|")
	}
	switch strings.ToUpper(d.str(0)) {
	case "BRIDGE":
		f.Transfer.Kind = "bridge"
		f.Transfer.Bridge = join(1)
	case "APP":
		f.Transfer.Kind = "app"
		f.Transfer.App = join(1)
	case "LINK":
		f.Transfer.Kind = "link"
		if head > 1 {
			f.Transfer.Channels[0] = d.data[1]
		}
		f.Transfer.Channels[1] = join(2)
	default:
		f.Transfer.Kind = "legacy"
		f.Transfer.Extension = d.str(0)
		if head > 1 {
			f.Transfer.Context = d.data[1]
		}
	}
}

// decoder reads positional data fields, remembering the first bad number.
type decoder struct {
	data []string
	bad  int
	msg  string
}

func (d *decoder) str(i int) string {
	if i < len(d.data) {
		return d.data[i]
	}
	return ""
}

// rest joins the fields from i on: free text such as a pause reason may
// itself contain the separator.
func (d *decoder) rest(i int) string {
	if i >= len(d.data) {
		return ""
	}
	if i == len(d.data)-1 {
		return d.data[i]
	}
	return strings.Join(d.data[i:], "|")
}

func (d *decoder) int(i int) (int, bool) {
	s := trimSpace(d.str(i))
	if s == "" {
		return 0, false
	}
	n, ok := parseInt(s)
	if !ok {
		d.fail(i)
		return 0, false
	}
	return int(n), true
}

func (d *decoder) seconds(i int) (time.Duration, bool) {
	n, ok := d.int(i)
	if !ok {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

func (d *decoder) millis(i int) (time.Duration, bool) {
	n, ok := d.int(i)
	if !ok {
		return 0, false
	}
	return time.Duration(n) * time.Millisecond, true
}

func (d *decoder) fail(i int) {
	if d.msg == "" {
		d.bad = i
		d.msg = d.data[i]
	}
}

func (d *decoder) err(kind string) error {
	if d.msg == "" {
		return nil
	}
	return fmt.Errorf("%w: %s data%d %q is not a number", ErrField, kind, d.bad+1, d.msg)
}

// parseInt accepts the decimal integers Asterisk prints with %d, %ld and
// %jd, bounded so that a duration built from it cannot overflow.
func parseInt(s string) (int64, bool) {
	n, ok := parseDigits(s)
	if !ok {
		var err error
		if n, err = strconv.ParseInt(s, 10, 64); err != nil {
			return 0, false
		}
	}
	if n > maxCount || n < -maxCount {
		return 0, false
	}
	return n, true
}

// parseDigits reads s if it is 1 to 15 decimal digits, as nearly every
// number in a log is: too few to overflow, so strconv is not needed.
func parseDigits(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 15 {
		return 0, false
	}
	n := int64(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// maxCount bounds numbers read from data fields: ten years in milliseconds
// is far above any real wait or ring time and far below overflow.
const maxCount = 10 * 365 * 24 * 3600 * 1000

// kindOf normalises an event name for comparison. Asterisk writes upper
// case; QueueLog() lines are whatever the dialplan wrote.
func kindOf(k string) string {
	return strings.ToUpper(strings.TrimSpace(k))
}

// eventKind is a Kind as a number, so that the Builder and Decode
// dispatch on it with a jump rather than by comparing names, and
// normalise a name (kindOf) once per event rather than at each step.
type eventKind uint8

// The kinds the package knows; evOther is any other name.
const (
	evOther eventKind = iota
	evEnterQueue
	evConnect
	evCompleteAgent
	evCompleteCaller
	evAbandon
	evExitWithTimeout
	evExitWithKey
	evExitEmpty
	evWithdraw
	evRingNoAnswer
	evRingCanceled
	evBlindTransfer
	evAttendedTransfer
	evTransfer
	evAgentDump
	evSysCompat
	evAddMember
	evRemoveMember
	evPause
	evUnpause
	evPauseAll
	evUnpauseAll
	evAgentLogin
	evAgentLogoff
	evAgentCallbackLogin
	evAgentCallbackLogoff
	evQueueStart
	evConfigReload
	evPenalty
	evRingInUse
	evFull
	evJoinEmpty
	evJoinUnavail
	evClosed
	evDID
)

// kindNames are the names of the known kinds, by number.
var kindNames = [...]string{
	evEnterQueue:          KindEnterQueue,
	evConnect:             KindConnect,
	evCompleteAgent:       KindCompleteAgent,
	evCompleteCaller:      KindCompleteCaller,
	evAbandon:             KindAbandon,
	evExitWithTimeout:     KindExitWithTimeout,
	evExitWithKey:         KindExitWithKey,
	evExitEmpty:           KindExitEmpty,
	evWithdraw:            KindWithdraw,
	evRingNoAnswer:        KindRingNoAnswer,
	evRingCanceled:        KindRingCanceled,
	evBlindTransfer:       KindBlindTransfer,
	evAttendedTransfer:    KindAttendedTransfer,
	evTransfer:            KindTransfer,
	evAgentDump:           KindAgentDump,
	evSysCompat:           KindSysCompat,
	evAddMember:           KindAddMember,
	evRemoveMember:        KindRemoveMember,
	evPause:               KindPause,
	evUnpause:             KindUnpause,
	evPauseAll:            KindPauseAll,
	evUnpauseAll:          KindUnpauseAll,
	evAgentLogin:          KindAgentLogin,
	evAgentLogoff:         KindAgentLogoff,
	evAgentCallbackLogin:  KindAgentCallbackLogin,
	evAgentCallbackLogoff: KindAgentCallbackLogoff,
	evQueueStart:          KindQueueStart,
	evConfigReload:        KindConfigReload,
	evPenalty:             KindPenalty,
	evRingInUse:           KindRingInUse,
	evFull:                KindFull,
	evJoinEmpty:           KindJoinEmpty,
	evJoinUnavail:         KindJoinUnavail,
	evClosed:              KindClosed,
	evDID:                 KindDID,
}

// String is the kind's name as kindOf gives it, "" for evOther.
func (k eventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return ""
}

// kindCode numbers an event name, which is compared as kindOf gives it.
// Asterisk writes the names exactly, so they are first looked up as they
// are.
func kindCode(name string) eventKind {
	if k := exactKind(name); k != evOther {
		return k
	}
	return exactKind(kindOf(name))
}

func exactKind(name string) eventKind {
	switch name {
	case KindEnterQueue:
		return evEnterQueue
	case KindConnect:
		return evConnect
	case KindCompleteAgent:
		return evCompleteAgent
	case KindCompleteCaller:
		return evCompleteCaller
	case KindAbandon:
		return evAbandon
	case KindExitWithTimeout:
		return evExitWithTimeout
	case KindExitWithKey:
		return evExitWithKey
	case KindExitEmpty:
		return evExitEmpty
	case KindWithdraw:
		return evWithdraw
	case KindRingNoAnswer:
		return evRingNoAnswer
	case KindRingCanceled:
		return evRingCanceled
	case KindBlindTransfer:
		return evBlindTransfer
	case KindAttendedTransfer:
		return evAttendedTransfer
	case KindTransfer:
		return evTransfer
	case KindAgentDump:
		return evAgentDump
	case KindSysCompat:
		return evSysCompat
	case KindAddMember:
		return evAddMember
	case KindRemoveMember:
		return evRemoveMember
	case KindPause:
		return evPause
	case KindUnpause:
		return evUnpause
	case KindPauseAll:
		return evPauseAll
	case KindUnpauseAll:
		return evUnpauseAll
	case KindAgentLogin:
		return evAgentLogin
	case KindAgentLogoff:
		return evAgentLogoff
	case KindAgentCallbackLogin:
		return evAgentCallbackLogin
	case KindAgentCallbackLogoff:
		return evAgentCallbackLogoff
	case KindQueueStart:
		return evQueueStart
	case KindConfigReload:
		return evConfigReload
	case KindPenalty:
		return evPenalty
	case KindRingInUse:
		return evRingInUse
	case KindFull:
		return evFull
	case KindJoinEmpty:
		return evJoinEmpty
	case KindJoinUnavail:
		return evJoinUnavail
	case KindClosed:
		return evClosed
	case KindDID:
		return evDID
	}
	return evOther
}
