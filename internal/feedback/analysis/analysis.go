// Package analysis reads what customers write: the sentiment of a comment
// and the key phrases a set of comments keeps coming back to. It is pure
// computation (text in, numbers out), so it is tested by table and the
// lexicon behind it can be swapped without touching the stores.
package analysis

import (
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/jonreiter/govader"
)

// Sentiment is a comment's tone. Compound runs from -1 (most negative) to
// +1 (most positive); Negative, Neutral and Positive are the shares of the
// text that carry each tone.
type Sentiment struct {
	Compound float64 `json:"compound"`
	Negative float64 `json:"negative"`
	Neutral  float64 `json:"neutral"`
	Positive float64 `json:"positive"`
	// Label is VADER's conventional reading of Compound: negative at or
	// below -0.05, positive at or above +0.05, neutral between.
	Label string `json:"label"`
}

// Analyzer scores the sentiment of a text. It is an interface so that a
// service in another language or a different lexicon can replace VADER
// without the stores noticing.
type Analyzer interface {
	Sentiment(text string) Sentiment
}

// Label thresholds from the VADER paper (Hutto & Gilbert, 2014).
const (
	PositiveAt = 0.05
	NegativeAt = -0.05
)

// LabelOf names the tone of a compound score.
func LabelOf(compound float64) string {
	switch {
	case compound >= PositiveAt:
		return "positive"
	case compound <= NegativeAt:
		return "negative"
	}
	return "neutral"
}

// Vader is the Analyzer backed by VADER, a lexicon- and rule-based model
// tuned for short social text (negation, boosters, "but", capitals,
// punctuation, emoji) — close to what customers type into a comment box.
type Vader struct {
	sia *govader.SentimentIntensityAnalyzer
}

var (
	vaderOnce sync.Once
	vader     *Vader
)

// NewVader returns the shared VADER analyser. Its lexicon (7,500 entries)
// is parsed once per process; scoring only reads it, so one value serves
// every goroutine.
func NewVader() *Vader {
	vaderOnce.Do(func() { vader = &Vader{sia: govader.NewSentimentIntensityAnalyzer()} })
	return vader
}

// Sentiment scores text; an empty text is neutral.
func (v *Vader) Sentiment(text string) Sentiment {
	if strings.TrimSpace(text) == "" {
		return Sentiment{Neutral: 1, Label: "neutral"}
	}
	s := v.sia.PolarityScores(text)
	return Sentiment{Compound: s.Compound, Negative: s.Negative, Neutral: s.Neutral, Positive: s.Positive, Label: LabelOf(s.Compound)}
}

// Phrase is a key phrase: two or three words that recur across comments.
type Phrase struct {
	Text string `json:"text"`
	// Count is the number of comments that use the phrase (not the number
	// of times), so one long rant cannot outvote ten customers.
	Count int `json:"count"`
	// Sentiment is the mean compound score of those comments, when the
	// caller gave one per text.
	Sentiment *float64 `json:"sentiment,omitempty"`
}

// Document is one text to mine for phrases, with its sentiment when known.
type Document struct {
	Text      string
	Sentiment *float64
}

// KeyPhrases returns the limit most frequent bigrams and trigrams of docs,
// counted once per document. Words are lower-cased; a phrase may not start
// or end with a stop word, nor contain a number alone, and must occur in at
// least minCount documents. A trigram that occurs exactly as often as the
// bigram it contains replaces that bigram ("delivery was late" over "was
// late"), so the list does not say the same thing twice. Ties sort by text
// so the answer is stable.
func KeyPhrases(docs []Document, limit, minCount int) []Phrase {
	if minCount < 1 {
		minCount = 1
	}
	type acc struct {
		n   int
		sum float64
		ns  int
	}
	counts := map[string]*acc{}
	for _, d := range docs {
		seen := map[string]bool{}
		for _, sentence := range sentences(d.Text) {
			words := sentence
			for size := 2; size <= 3; size++ {
				for i := 0; i+size <= len(words); i++ {
					g := words[i : i+size]
					if stopWords[g[0]] || stopWords[g[size-1]] || allDigits(g) {
						continue
					}
					seen[strings.Join(g, " ")] = true
				}
			}
		}
		for p := range seen {
			a := counts[p]
			if a == nil {
				a = &acc{}
				counts[p] = a
			}
			a.n++
			if d.Sentiment != nil {
				a.sum += *d.Sentiment
				a.ns++
			}
		}
	}
	// A bigram subsumed by an equally frequent trigram says nothing more.
	// Bigrams are marked first and dropped after, so that one trigram's
	// verdict does not depend on map order.
	drop := map[string]bool{}
	for p, a := range counts {
		if strings.Count(p, " ") != 2 {
			continue
		}
		i, j := strings.Index(p, " "), strings.LastIndex(p, " ")
		for _, sub := range []string{p[:j], p[i+1:]} {
			if b, ok := counts[sub]; ok && b.n == a.n {
				drop[sub] = true
			}
		}
	}
	for p := range drop {
		delete(counts, p)
	}
	out := []Phrase{}
	for p, a := range counts {
		if a.n < minCount {
			continue
		}
		ph := Phrase{Text: p, Count: a.n}
		if a.ns > 0 {
			m := a.sum / float64(a.ns)
			ph.Sentiment = &m
		}
		out = append(out, ph)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Text < out[j].Text
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// sentences splits text into runs of lower-case words; a phrase never
// spans a sentence or clause boundary (". , ; : ! ?" and line breaks).
func sentences(text string) [][]string {
	var out [][]string
	var cur []string
	var word strings.Builder
	flushWord := func() {
		if word.Len() > 0 {
			cur = append(cur, word.String())
			word.Reset()
		}
	}
	flushSentence := func() {
		flushWord()
		if len(cur) > 1 {
			out = append(out, cur)
		}
		cur = nil
	}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word.WriteRune(unicode.ToLower(r))
		case r == '\'' || r == '’':
			// "don't", "customer's": keep the word whole.
			if word.Len() > 0 {
				word.WriteRune('\'')
			}
		case strings.ContainsRune(".,;:!?()[]{}\"\n\r", r):
			flushSentence()
		default:
			flushWord()
		}
	}
	flushSentence()
	return out
}

func allDigits(words []string) bool {
	for _, w := range words {
		for _, r := range w {
			if !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

// stopWords are English function words that carry no topic: a phrase that
// starts or ends with one ("the delivery", "late and") is cut.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are aren't as at be because been
		before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
		during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
		herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's me more most
		mustn't my myself nor of off on once only or other ought our ours ourselves out over own same shan't she
		she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then there
		there's these they they'd they'll they're they've this those through to too under until up very was wasn't we we'd
		we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's will with
		won't would wouldn't you you'd you'll you're you've your yours yourself yourselves also really got get gets us
		s t im ive dont didnt cant wont even still much many every always lot`) {
		m[w] = true
	}
	return m
}()
