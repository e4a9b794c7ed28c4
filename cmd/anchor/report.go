package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"anchor/internal/metrics"
)

// runReport writes reports: for now the weekly scorecard.
func runReport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "scorecard" {
		return errors.New("usage: anchor report scorecard [--week 2026-W47] [--format html|csv|json] [--out FILE] [--tz ZONE]")
	}
	fs, dsn := flags(e, "report scorecard")
	week := fs.String("week", "", "ISO week, e.g. 2026-W47 (default: last week)")
	format := fs.String("format", "html", "html, csv or json")
	out := fs.String("out", "", "file to write (default: standard output)")
	tz := fs.String("tz", "", "IANA time zone of the week (default: the organisation's)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &metrics.Service{DB: db}
	var loc *time.Location
	if *tz != "" {
		if loc, err = time.LoadLocation(*tz); err != nil {
			return fmt.Errorf("--tz: %w", err)
		}
	} else if loc, err = svc.OrgLocation(ctx); err != nil {
		return err
	}
	if *week == "" {
		*week = metrics.WeekOf(db.Now().In(loc).AddDate(0, 0, -7), loc)
	}
	sc, err := svc.BuildScorecard(ctx, *week, loc)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch *format {
	case "html":
		err = sc.WriteHTML(&buf)
	case "csv":
		err = sc.WriteCSV(&buf)
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(sc)
	default:
		return fmt.Errorf("--format must be html, csv or json, not %q", *format)
	}
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "scorecard %s written to %s\n", *week, *out)
	return nil
}
