package servicelevel

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// A case's clocks are stored as the JSON encoding/json makes of CaseClocks,
// and every list of cases decodes one document a row: through reflection
// that was an eighth of the CPU of a page of 50 cases. ParseCaseClocks reads
// that exact form directly, and hands anything else (other spacing, escapes,
// unknown keys) to encoding/json, so that it accepts what json.Unmarshal
// accepts and gives the same result.

// ParseCaseClocks decodes a stored CaseClocks document.
func ParseCaseClocks(doc string) (CaseClocks, error) {
	var c CaseClocks
	if p := (clockParser{s: doc}); p.caseClocks(&c) {
		return c, nil
	}
	c = CaseClocks{}
	err := json.Unmarshal([]byte(doc), &c)
	return c, err
}

// clockParser reads the compact form; any surprise makes it give up.
type clockParser struct {
	s string
	i int
}

var errSurprise = errors.New("not the compact form")

func (p *clockParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes.
func (p *clockParser) str() (string, error) {
	if !p.eat('"') {
		return "", errSurprise
	}
	j := strings.IndexByte(p.s[p.i:], '"')
	if j < 0 {
		return "", errSurprise
	}
	v := p.s[p.i : p.i+j]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", errSurprise
	}
	p.i += j + 1
	return v, nil
}

// object calls field for each key of an object.
func (p *clockParser) object(field func(key string) error) bool {
	if !p.eat('{') {
		return false
	}
	if p.eat('}') {
		return true
	}
	for {
		k, err := p.str()
		if err != nil || !p.eat(':') || field(k) != nil {
			return false
		}
		if p.eat('}') {
			return true
		}
		if !p.eat(',') {
			return false
		}
	}
}

func (p *clockParser) caseClocks(c *CaseClocks) bool {
	ok := p.object(func(key string) error {
		var dst *Clock
		switch key {
		case "first_response":
			dst = &c.FirstResponse
		case "next_update":
			dst = &c.NextUpdate
		case "resolution":
			dst = &c.Resolution
		default:
			return errSurprise
		}
		if !p.clock(dst) {
			return errSurprise
		}
		return nil
	})
	return ok && p.i == len(p.s)
}

func (p *clockParser) clock(c *Clock) bool {
	return p.object(func(key string) error {
		switch key {
		case "due_at", "at_risk_at", "met_at":
			v, err := p.str()
			if err != nil {
				return err
			}
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return err
			}
			switch key {
			case "due_at":
				c.DueAt = &t
			case "at_risk_at":
				c.AtRiskAt = &t
			default:
				c.MetAt = &t
			}
		case "paused":
			switch {
			case strings.HasPrefix(p.s[p.i:], "true"):
				c.Paused = true
				p.i += 4
			case strings.HasPrefix(p.s[p.i:], "false"):
				c.Paused = false
				p.i += 5
			default:
				return errSurprise
			}
		case "state":
			v, err := p.str()
			if err != nil {
				return err
			}
			c.State = v
		default:
			return errSurprise
		}
		return nil
	})
}
