package web

import (
	"net/http"
	"strconv"
	"strings"

	"anchor"
	"anchor/internal/customers"
	"anchor/internal/surveys"
	"anchor/internal/users"
)

type surveysAdminData struct {
	Programs []surveys.Program
	Segments []customers.Segment
	Kinds    []string
	// Edit is the program being edited (nil on the list).
	Edit *surveys.Program
}

// SegmentName names a program's segment.
func (d surveysAdminData) SegmentName(id string) string {
	for _, s := range d.Segments {
		if s.ID == id {
			return s.Name
		}
	}
	return "unknown segment"
}

func (s *Server) showSurveyPrograms(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderSurveyPrograms(w, r, u, "", nil)
}

func (s *Server) showSurveyProgram(w http.ResponseWriter, r *http.Request, u users.User) error {
	return s.renderSurveyPrograms(w, r, u, r.PathValue("id"), nil)
}

func (s *Server) renderSurveyPrograms(w http.ResponseWriter, r *http.Request, u users.User, editID string, form *formState) error {
	ctx := r.Context()
	ps, err := s.Surveys.Programs(ctx, surveys.ProgramFilter{})
	if err != nil {
		return err
	}
	segs, err := s.Customers.Segments(ctx)
	if err != nil {
		return err
	}
	d := surveysAdminData{Programs: ps, Segments: segs, Kinds: surveys.Kinds}
	title := "Survey programs"
	if editID != "" {
		p, err := s.Surveys.Program(ctx, editID)
		if err != nil {
			return err
		}
		d.Edit, title = &p, "Edit "+p.Name
	}
	s.render(w, r, pageStatus(form), "admin_surveys", &view{Title: title, Nav: "admin", User: u, Form: form, Data: d})
	return nil
}

// intField reads an optional whole number.
func intField(r *http.Request, field string) (*int, error) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, anchor.Invalid(field, "must be a whole number")
	}
	return &n, nil
}

func floatField(r *http.Request, field string) (*float64, error) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	if v == "" {
		return nil, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil, anchor.Invalid(field, "must be a number")
	}
	return &x, nil
}

// createSurveyProgram sets up a CSAT, NPS or monthly assessment program
// for a segment.
func (s *Server) createSurveyProgram(w http.ResponseWriter, r *http.Request, u users.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	n := surveys.NewProgram{Name: f.Get("name"), Kind: f.Get("kind"), SegmentID: f.Get("segment_id")}
	var err error
	var delay, expires *int
	n.IntervalDays, err = intField(r, "interval_days")
	if err == nil {
		delay, err = intField(r, "delay_minutes")
	}
	if err == nil {
		expires, err = intField(r, "expires_days")
	}
	if err == nil {
		n.FollowUpMinRevenue, err = floatField(r, "follow_up_min_revenue")
	}
	if err == nil {
		n.FollowUpBelow, err = floatField(r, "follow_up_below")
	}
	if delay != nil {
		n.DelayMinutes = *delay
	}
	if expires != nil {
		n.ExpiresDays = *expires
	}
	var p surveys.Program
	if err == nil {
		p, err = s.Surveys.CreateProgram(r.Context(), u.Actor(), n)
	}
	if err != nil {
		if fs := refused("program", r, err); fs != nil {
			return s.renderSurveyPrograms(w, r, u, "", fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/surveys", "Survey program "+p.Name+" created.")
}

// updateSurveyProgram changes a program, or (action deactivate/activate)
// stops or restarts its invitations.
func (s *Server) updateSurveyProgram(w http.ResponseWriter, r *http.Request, u users.User) error {
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil {
		return err
	}
	version, err := formVersion(r)
	up := surveys.ProgramUpdate{Version: version}
	flash := "Survey program saved."
	switch r.PostForm.Get("action") {
	case "deactivate", "activate":
		active := r.PostForm.Get("action") == "activate"
		up.Active = &active
		flash = "Survey program stopped: no new invitations go out."
		if active {
			flash = "Survey program restarted."
		}
	default:
		name := r.PostForm.Get("name")
		up.Name = &name
		if err == nil {
			up.IntervalDays, err = intField(r, "interval_days")
		}
		if err == nil {
			up.DelayMinutes, err = intField(r, "delay_minutes")
		}
		if err == nil {
			up.ExpiresDays, err = intField(r, "expires_days")
		}
		if err == nil {
			up.FollowUpMinRevenue, err = floatField(r, "follow_up_min_revenue")
			up.FollowUpOff = up.FollowUpMinRevenue == nil
		}
		if err == nil {
			up.FollowUpBelow, err = floatField(r, "follow_up_below")
		}
	}
	if err == nil {
		_, err = s.Surveys.UpdateProgram(r.Context(), id, up)
	}
	if err != nil {
		if fs := refused("program", r, err); fs != nil {
			return s.renderSurveyPrograms(w, r, u, id, fs)
		}
		return err
	}
	return s.seeOther(w, r, "/admin/surveys", flash)
}
