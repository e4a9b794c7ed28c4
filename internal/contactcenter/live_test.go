package contactcenter_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"anchor/internal/contactcenter"
	"anchor/internal/store"
	"anchor/internal/store/storetest"
)

// liveLog leaves, at its end (base+100): Alice talking on c1 since +20,
// Bob in a wrap-up pause since +90, Carol paused for lunch since +60 and
// Dave available since +0 in support; c2 waiting in sales since +50 and c3
// in support since +95. Eve logged in and out: not on the board.
const liveLog = `1700000100|MANAGER|sales|Alice|ADDMEMBER|
1700000100|MANAGER|sales|Bob|ADDMEMBER|
1700000100|MANAGER|sales|Carol|ADDMEMBER|
1700000100|MANAGER|support|Dave|ADDMEMBER|
1700000100|MANAGER|support|Eve|ADDMEMBER|
1700000110|c1|sales|NONE|ENTERQUEUE||5551001|1
1700000120|c1|sales|Alice|CONNECT|10|c1-b|2
1700000120|MANAGER|support|Eve|REMOVEMEMBER|
1700000130|c4|sales|NONE|ENTERQUEUE||5554004|1
1700000135|c4|sales|Bob|CONNECT|5|c4-b|2
1700000150|c2|sales|NONE|ENTERQUEUE||5552002|1
1700000160|NONE|sales|Carol|PAUSE|lunch
1700000189|c4|sales|Bob|COMPLETEAGENT|5|54|1
1700000190|NONE|sales|Bob|PAUSE|Wrapup
1700000195|c3|support|NONE|ENTERQUEUE||5553003|1
1700000200|c3|support|NONE|RINGNOANSWER|1000
`

func TestLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)

		t.Run("Empty", func(t *testing.T) {
			l, err := w.svc.Live(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !l.AsOf.IsZero() || len(l.Contacts) != 0 || len(l.Agents) != 0 {
				t.Errorf("live before any import: %+v, want nothing", l)
			}
		})

		path := filepath.Join(t.TempDir(), "queue_log")
		if err := os.WriteFile(path, []byte(liveLog), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.ImportQueueLog(ctx, []string{path}, contactcenter.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		support := w.queueID(t, "support")

		t.Run("OK", func(t *testing.T) {
			l, err := w.svc.Live(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := at(100); !l.AsOf.Equal(want) {
				t.Errorf("as of %s, want %s", l.AsOf, want)
			}
			answered := at(20)
			wantContacts := []contactcenter.LiveContact{
				{QueueID: w.sales.ID, Queue: "sales", CallID: "c1", OfferedAt: at(10), AnsweredAt: &answered, Agent: "Alice", AgentID: w.alice},
				{QueueID: w.sales.ID, Queue: "sales", CallID: "c2", OfferedAt: at(50)},
				{QueueID: support, Queue: "support", CallID: "c3", OfferedAt: at(95)},
			}
			if !reflect.DeepEqual(l.Contacts, wantContacts) {
				t.Errorf("contacts:\n got %+v\nwant %+v", l.Contacts, wantContacts)
			}
			wantAgents := []contactcenter.LiveAgent{
				{Agent: "Alice", AgentID: w.alice, State: contactcenter.AgentOnContact, Since: at(20), QueueIDs: []string{w.sales.ID}},
				{Agent: "Bob", AgentID: w.bob, State: contactcenter.AgentWrapUp, Reason: "Wrapup", Since: at(90), QueueIDs: []string{w.sales.ID}},
				{Agent: "Carol", State: contactcenter.AgentPaused, Reason: "lunch", Since: at(60), QueueIDs: []string{w.sales.ID}},
				{Agent: "Dave", State: contactcenter.AgentAvailable, Since: at(0), QueueIDs: []string{support}},
			}
			if !reflect.DeepEqual(l.Agents, wantAgents) {
				t.Errorf("agents:\n got %+v\nwant %+v", l.Agents, wantAgents)
			}
		})

		t.Run("Flushed", func(t *testing.T) {
			// A final import closes everything: nothing is live any more.
			more := filepath.Join(t.TempDir(), "queue_log.1")
			if err := os.WriteFile(more, []byte("1700000300|c2|sales|NONE|ABANDON|1|1|150\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.ImportQueueLog(ctx, []string{more}, contactcenter.ImportOptions{Final: true}); err != nil {
				t.Fatal(err)
			}
			l, err := w.svc.Live(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Contacts) != 0 || len(l.Agents) != 0 {
				t.Errorf("after a final import: %d contacts, %d agents live, want none", len(l.Contacts), len(l.Agents))
			}
			if !l.AsOf.Equal(at(200)) {
				t.Errorf("as of %s, want %s", l.AsOf, at(200))
			}
		})
	})
}
