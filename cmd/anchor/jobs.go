package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"anchor/internal/httpapi"
	"anchor/internal/metrics"
)

// startJobs runs the server's background work every interval until ctx
// ends: the service-level escalation scan, the daily metric rollups and
// the webhook deliveries; and once a day it refreshes the planner's
// statistics (store.Analyze), which drift as the tables grow. The work is claimed in the database (or, for the
// rollups, written only if nothing changed meanwhile), so any number of
// servers may run it.
// The returned function waits for the loop to finish.
func startJobs(ctx context.Context, api *httpapi.Server, logger *slog.Logger, interval time.Duration) (wait func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		var analyzed time.Time
		for {
			runJobs(ctx, api, logger)
			if time.Since(analyzed) >= 24*time.Hour {
				t0 := time.Now()
				if err := api.DB.Analyze(ctx); err != nil && ctx.Err() == nil {
					logger.Error("analyze", "error", err)
				} else if err == nil {
					logger.Info("statistics refreshed", "took", time.Since(t0).Round(time.Millisecond))
				}
				analyzed = time.Now()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return wg.Wait
}

func runJobs(ctx context.Context, api *httpapi.Server, logger *slog.Logger) {
	esc, err := api.Cases.Escalate(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Error("escalation", "error", err)
	case esc.AtRisk+esc.Breached > 0:
		logger.Info("escalation", "checked", esc.Checked, "at_risk", esc.AtRisk, "breached", esc.Breached)
	}
	days, err := (&metrics.Service{DB: api.DB}).RollupDays(ctx, 31)
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Error("metric rollups", "error", err)
	case days > 0:
		logger.Info("metric days rolled up", "days", days)
	}
	ccDays, err := (&metrics.Service{DB: api.DB}).RollupContactCenterDays(ctx, 31)
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Error("contact-center metric rollups", "error", err)
	case ccDays > 0:
		logger.Info("contact-center metric days rolled up", "days", ccDays)
	}
	n, err := api.Notify.Deliver(ctx, 100)
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Error("webhook delivery", "error", err)
	case n > 0:
		logger.Info("webhooks delivered", "count", n)
	}
}
