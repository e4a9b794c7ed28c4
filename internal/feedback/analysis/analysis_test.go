package analysis_test

import (
	"strings"
	"sync"
	"testing"

	"anchor/internal/feedback/analysis"
)

func TestSentiment(t *testing.T) {
	v := analysis.NewVader()
	for _, tc := range []struct {
		text  string
		label string
	}{
		{"Great service, thank you so much!", "positive"},
		{"The agent was helpful and friendly.", "positive"},
		{"Terrible. Nobody called back and the invoice is still wrong.", "negative"},
		{"I am not happy with the delivery.", "negative"}, // negation flips "happy"
		{"The parcel arrived on Tuesday.", "neutral"},
		{"", "neutral"},
		{"   ", "neutral"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			s := v.Sentiment(tc.text)
			if s.Label != tc.label || s.Label != analysis.LabelOf(s.Compound) || s.Compound < -1 || s.Compound > 1 {
				t.Fatalf("Sentiment(%q) = %+v, want %s", tc.text, s, tc.label)
			}
		})
	}
	if a, b := v.Sentiment("good").Compound, v.Sentiment("very good!!").Compound; !(b > a) {
		t.Fatalf("boosters and exclamation marks should raise the score: %v then %v", a, b)
	}
}

func TestSentimentConcurrent(t *testing.T) {
	v := analysis.NewVader()
	want := v.Sentiment("The refund was quick but the hold music was awful").Compound
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := v.Sentiment("The refund was quick but the hold music was awful").Compound; got != want {
					t.Errorf("concurrent score %v, want %v", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func f(v float64) *float64 { return &v }

func TestKeyPhrases(t *testing.T) {
	docs := []analysis.Document{
		{Text: "The delivery was late again. Customer service was kind.", Sentiment: f(-0.4)},
		{Text: "Delivery was late, and the invoice was wrong!", Sentiment: f(-0.6)},
		{Text: "delivery was late delivery was late delivery was late", Sentiment: f(-0.2)},
		{Text: "Invoice was wrong; customer service was kind", Sentiment: f(0.2)},
		{Text: "The 2024 2025 numbers", Sentiment: nil},
	}
	got := analysis.KeyPhrases(docs, 10, 2)
	// "delivery was late" is in 3 documents (counted once in the third),
	// and swallows "delivery was" and "was late" which are in the same 3.
	// "customer service" is in 2 ("customer service was" ends with a stop
	// word); "service was kind" (2) swallows "was kind"; "invoice was
	// wrong" (2) swallows "invoice was" and "was wrong". Stop words end
	// no phrase ("the delivery"), digits alone are no phrase.
	want := []struct {
		text  string
		count int
		mean  float64
	}{
		{"delivery was late", 3, -0.4},
		{"customer service", 2, -0.1},
		{"invoice was wrong", 2, -0.2},
		{"service was kind", 2, -0.1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d phrases %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].Text != w.text || got[i].Count != w.count || got[i].Sentiment == nil || abs(*got[i].Sentiment-w.mean) > 1e-9 {
			t.Fatalf("phrase %d = %+v (%v), want %+v", i, got[i], deref(got[i].Sentiment), w)
		}
	}
	if got := analysis.KeyPhrases(docs, 2, 2); len(got) != 2 || got[0].Text != "delivery was late" {
		t.Fatalf("limit 2: %+v", got)
	}
	if got := analysis.KeyPhrases(nil, 10, 1); len(got) != 0 {
		t.Fatalf("no documents: %+v", got)
	}
	long := strings.Repeat("refund request ", 1000)
	if got := analysis.KeyPhrases([]analysis.Document{{Text: long}}, 3, 1); got[0].Count != 1 {
		t.Fatalf("one document counts once: %+v", got)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// BenchmarkSentiment measures one VADER score of a typical comment.
func BenchmarkSentiment(b *testing.B) {
	v := analysis.NewVader()
	text := "The agent was friendly but it took three calls and a week to get the refund, which is not acceptable."
	for b.Loop() {
		v.Sentiment(text)
	}
}

// BenchmarkKeyPhrases measures phrase mining of 10,000 comments.
func BenchmarkKeyPhrases(b *testing.B) {
	base := []string{"The delivery was late again and nobody called back", "Great service, the refund was quick",
		"Invoice was wrong for the third month", "Hold time too long on the phone line", "Friendly agent solved my problem"}
	docs := make([]analysis.Document, 10000)
	for i := range docs {
		docs[i] = analysis.Document{Text: base[i%len(base)] + " order " + strings.Repeat("x", i%7)}
	}
	for b.Loop() {
		analysis.KeyPhrases(docs, 20, 2)
	}
}
