package web_test

import (
	"context"
	"testing"

	"anchor/internal/contactcenter"
	"anchor/internal/feedback"
	"anchor/internal/metrics"
	"anchor/internal/qa"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

// voiceQA is what the later screens need on top of the fixture: a QA form
// and an evaluation of the agent, a survey program, NPS and CSAT answers,
// a feedback item to Finance, a queue and an unmapped alias.
type voiceQA struct {
	form    qa.Form
	eval    qa.Evaluation
	program surveys.Program
	item    feedback.Item
	queue   contactcenter.Queue
}

func score(n int) *int { return &n }

func (f *fixture) voiceAndQA(t *testing.T) voiceQA {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var v voiceQA
	var err error
	v.form, err = f.web.QA.CreateForm(ctx, f.supervisor.Actor(), qa.NewForm{Name: "Call handling", Criteria: []qa.Criterion{
		{Key: "greeting", Label: "Greets the customer", Category: qa.CategoryTreatment, Weight: 1},
		{Key: "correct", Label: "Gives the right answer", Category: qa.CategoryAccuracy, Weight: 2},
	}})
	must(err)
	v.eval, err = f.web.QA.Evaluate(ctx, f.supervisor.Actor(), qa.NewEvaluation{FormID: v.form.ID, CaseID: f.kase.ID,
		Scores: []qa.ScoreInput{{Key: "greeting", Score: score(90)}, {Key: "correct", Score: score(40), Comment: "wrong fee"}}})
	must(err)
	v.program, err = f.web.Surveys.CreateProgram(ctx, f.director.Actor(), surveys.NewProgram{Name: "Enterprise CSAT", Kind: surveys.KindCSAT, SegmentID: f.segment.ID})
	must(err)
	_, err = f.web.Surveys.Record(ctx, f.supervisor.Actor(), surveys.NewResponse{Kind: surveys.KindNPS, CustomerID: f.customer.ID, Score: score(3), Comment: "Terribly slow <refund> process"})
	must(err)
	_, err = f.web.Surveys.Record(ctx, f.supervisor.Actor(), surveys.NewResponse{Kind: surveys.KindCSAT, CustomerID: f.customer.ID, CaseID: f.kase.ID, Score: score(5), Comment: "Great help"})
	must(err)
	v.item, err = f.web.Feedback.Create(ctx, f.agent.Actor(), feedback.NewItem{Type: feedback.TypeComplaint, CaseID: f.kase.ID, Text: "They want <b>refunds</b> faster", DepartmentID: f.finance.ID})
	must(err)
	v.queue, err = f.web.Contact.CreateQueue(ctx, contactcenter.NewQueue{Name: "Support", AsteriskName: "support"})
	must(err)
	_, err = f.web.Contact.SetAlias(ctx, contactcenter.AliasInput{Alias: "PJSIP/1001"})
	must(err)
	return v
}

func newUser(email, name, role string) users.NewUser {
	return users.NewUser{Email: email, Name: name, Role: role, Password: password}
}

func newUserIn(email, name, role, dept string) users.NewUser {
	u := newUser(email, name, role)
	u.DepartmentID = dept
	return u
}

func surveysFilter() surveys.ProgramFilter { return surveys.ProgramFilter{} }

func aliasInput(alias, user string) contactcenter.AliasInput {
	return contactcenter.AliasInput{Alias: alias, UserID: user}
}

// signedIn returns a client signed in as email.
func (f *fixture) signedIn(t *testing.T, email string) *client {
	t.Helper()
	c := f.client(t)
	c.signIn(email)
	return c
}

// weekNow is the ISO week the fixture's clock is in.
func weekNow(t *testing.T, f *fixture) string {
	t.Helper()
	loc, err := f.web.Metrics.OrgLocation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return metrics.WeekOf(f.db.Now(), loc)
}
