package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anchor"
	"anchor/internal/calendar"
	"anchor/internal/servicelevel"
	"anchor/internal/users"
)

// weekDays are the days of the calendar form, as the calendar's JSON
// names them, in the order people read opening hours.
var weekDays = []struct {
	Key, Label string
	Day        time.Weekday
}{
	{"mon", "Monday", time.Monday}, {"tue", "Tuesday", time.Tuesday}, {"wed", "Wednesday", time.Wednesday},
	{"thu", "Thursday", time.Thursday}, {"fri", "Friday", time.Friday}, {"sat", "Saturday", time.Saturday}, {"sun", "Sunday", time.Sunday},
}

// calendarForm is the calendar form's content when it is not a refused
// form being shown again: empty for a new calendar, a stored one to edit.
type calendarForm struct {
	// Version is the edited calendar's version, 0 for a new one.
	Version   int
	Name      string
	TimeZone  string
	Days      []dayField
	Holidays  string
	Recurring string
}

type dayField struct{ Key, Label, Value string }

type calendarsData struct {
	Calendars []calendarRow
	Form      calendarForm
}

type calendarRow struct {
	servicelevel.StoredCalendar
	Days      []dayField
	Holidays  string
	Recurring string
}

// formatSpans writes a day's spans as the form takes them: "09:00-12:30, 13:30-17:30".
func formatSpans(spans []calendar.Span) string {
	parts := make([]string, len(spans))
	for i, sp := range spans {
		parts[i] = sp.Start.String() + "-" + sp.End.String()
	}
	return strings.Join(parts, ", ")
}

func toForm(c servicelevel.StoredCalendar) calendarForm {
	f := calendarForm{Version: c.Version, Name: c.Name}
	if c.Location != nil {
		f.TimeZone = c.Location.String()
	}
	for _, d := range weekDays {
		f.Days = append(f.Days, dayField{d.Key, d.Label, formatSpans(c.Hours[d.Day])})
	}
	hs := make([]string, len(c.Holidays))
	for i, h := range c.Holidays {
		hs[i] = h.String()
	}
	rs := make([]string, len(c.RecurringHolidays))
	for i, h := range c.RecurringHolidays {
		rs[i] = h.String()
	}
	f.Holidays, f.Recurring = strings.Join(hs, "\n"), strings.Join(rs, "\n")
	return f
}

// newCalendarForm is the form for a new calendar: office hours on working
// days in the server's zone, which most calendars start from.
func (s *Server) newCalendarForm() calendarForm {
	f := calendarForm{TimeZone: s.Location.String()}
	if f.TimeZone == "Local" {
		f.TimeZone = ""
	}
	for _, d := range weekDays {
		v := "09:00-17:00"
		if d.Day == time.Saturday || d.Day == time.Sunday {
			v = ""
		}
		f.Days = append(f.Days, dayField{d.Key, d.Label, v})
	}
	return f
}

func (s *Server) showCalendars(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderCalendars(w, r, u, r.URL.Query().Get("edit"), nil)
}

// renderCalendars shows the calendars and the form: for the calendar named
// edit when set, else for a new one.
func (s *Server) renderCalendars(w http.ResponseWriter, r *http.Request, u users.User, edit string, form *formState) error {
	cals, err := s.Levels.Calendars(r.Context())
	if err != nil {
		return err
	}
	d := calendarsData{Form: s.newCalendarForm()}
	for _, c := range cals {
		f := toForm(c)
		d.Calendars = append(d.Calendars, calendarRow{StoredCalendar: c, Days: f.Days,
			Holidays: strings.ReplaceAll(f.Holidays, "\n", ", "), Recurring: strings.ReplaceAll(f.Recurring, "\n", ", ")})
		if c.Name == edit {
			d.Form = f
		}
	}
	if edit != "" && d.Form.Name == "" && form == nil {
		return anchor.NotFound("calendar", edit)
	}
	s.render(w, r, pageStatus(form), "admin_calendars", &view{Title: "Calendars", Nav: "admin", User: u, Form: form, Data: d})
	return nil
}

// splitList reads a list typed one item a line or separated by commas.
func splitList(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// calendarDocument turns the form into the calendar's JSON document, so
// that the calendar package validates it exactly as it does the API's and
// names every problem by its path. A span typed without its dash cannot
// be split; it is passed through whole, so that the calendar reports it
// at its own path, and the message is replaced by a clearer one here.
func calendarDocument(r *http.Request) ([]byte, map[string]string) {
	doc := map[string]any{
		"name":               strings.TrimSpace(r.PostForm.Get("name")),
		"timezone":           strings.TrimSpace(r.PostForm.Get("timezone")),
		"holidays":           splitList(r.PostForm.Get("holidays")),
		"recurring_holidays": splitList(r.PostForm.Get("recurring_holidays")),
	}
	ours := map[string]string{}
	hours := map[string][][]string{}
	for _, d := range weekDays {
		spans := [][]string{}
		for i, sp := range splitList(r.PostForm.Get("hours_" + d.Key)) {
			start, end, ok := strings.Cut(strings.ReplaceAll(sp, "–", "-"), "-")
			if !ok {
				ours[fmt.Sprintf("hours.%s[%d]", d.Key, i)] = fmt.Sprintf("%q is not a span: write it as 09:00-17:30", sp)
				spans = append(spans, []string{sp, sp})
				continue
			}
			spans = append(spans, []string{strings.TrimSpace(start), strings.TrimSpace(end)})
		}
		hours[d.Key] = spans
	}
	doc["hours"] = hours
	b, _ := json.Marshal(doc) // maps of strings always marshal
	return b, ours
}

// putCalendar creates a calendar or replaces the one being edited. A
// refused calendar comes back with every problem at its field. The form
// carries the version it was based on: a calendar changed by someone else
// meanwhile is not overwritten, and a new one cannot silently replace an
// existing one of the same name.
func (s *Server) putCalendar(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	doc, ours := calendarDocument(r)
	c, err := servicelevel.ParseCalendar(doc)
	var e *anchor.Error
	if errors.As(err, &e) {
		for i, p := range e.Problems {
			if msg, ok := ours[p.Path]; ok {
				e.Problems[i].Message = msg
			}
		}
	}
	based, _ := strconv.Atoi(r.PostForm.Get("version"))
	if err == nil {
		err = s.checkCalendarVersion(r, c.Name, based)
	}
	var stored servicelevel.StoredCalendar
	if err == nil {
		stored, err = s.Levels.PutCalendar(ctx, c)
	}
	if err != nil {
		if fs := refused("calendar", r, err); fs != nil {
			edit := ""
			if based > 0 {
				edit = r.PostForm.Get("name")
			}
			return s.renderCalendars(w, r, u, edit, fs)
		}
		return err
	}
	verb := "saved"
	if stored.Version == 1 {
		verb = "created"
	}
	return s.seeOther(w, r, "/admin/calendars", "Calendar "+stored.Name+" "+verb+".")
}

// checkCalendarVersion refuses a put based on an old version of the
// calendar, or a new calendar named like an existing one. PutCalendar
// itself replaces by name, so the check is made here, just before it;
// a change landing between the two is the one case it cannot see.
func (s *Server) checkCalendarVersion(r *http.Request, name string, based int) error {
	cur, err := s.Levels.CalendarByName(r.Context(), name)
	switch {
	case anchor.ErrorCode(err) == anchor.ENotFound:
		return nil // new, or deleted meanwhile: saving creates it
	case err != nil:
		return err
	case based == 0:
		return anchor.Invalid("name", "a calendar named %q exists already: edit it from the list instead", name)
	case cur.Version != based:
		return anchor.StaleVersion("calendar "+name, cur.Version)
	}
	return nil
}

// deleteCalendar removes a calendar that no target or department uses;
// one in use is refused with how many use it.
func (s *Server) deleteCalendar(w http.ResponseWriter, r *http.Request, u users.User) error {
	name := r.PathValue("name")
	if err := s.Levels.DeleteCalendar(r.Context(), name); err != nil {
		var e *anchor.Error
		if errors.As(err, &e) && e.Code == anchor.EConflict {
			return s.renderCalendars(w, r, u, "", &formState{Name: "calendar-delete", Err: capitalise(e.Message), Code: e.Code})
		}
		return err
	}
	return s.seeOther(w, r, "/admin/calendars", "Calendar "+name+" deleted.")
}
