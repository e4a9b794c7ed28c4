package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"anchor/internal/demo"
	"anchor/internal/httpapi"
	"anchor/internal/store"
	"anchor/internal/surveys"
	"anchor/internal/web"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs, dsn := flags(e, "serve")
	addr := fs.String("addr", envOr(e, "ANCHOR_ADDR", "127.0.0.1:8080"), "listen address (env ANCHOR_ADDR)")
	withDemo := fs.Bool("demo", false, "load demo data first when the database is empty, and print how to sign in")
	jobsEvery := fs.Duration("jobs-interval", 15*time.Second, "how often background work runs (SLA escalation, webhook deliveries)")
	smtpURL := fs.String("smtp", envOr(e, "ANCHOR_SMTP", ""), "outbound mail for survey invitations, smtp://user:pass@host:587 (env ANCHOR_SMTP; empty: to the log)")
	publicURL := fs.String("public-url", envOr(e, "ANCHOR_PUBLIC_URL", ""), "the address customers reach this server at, for survey links (env ANCHOR_PUBLIC_URL; default http://<addr>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tuneGC(e)
	logger := newLogger(e.stderr, slog.LevelInfo)
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if *withDemo {
		if err := loadDemo(ctx, e, db, demo.Full, "http://"+*addr); err != nil {
			return err
		}
	}
	api := httpapi.New(db, logger)
	api.Version = version
	root := http.NewServeMux()
	apiHandler := api.Handler()
	root.Handle("/api/", apiHandler)
	root.Handle("/healthz", apiHandler)
	ui := web.New(db, logger)
	root.Handle("/", ui.Handler())
	if *publicURL == "" {
		*publicURL = "http://" + *addr
	}
	sender, err := surveys.NewSender(db, logger, *smtpURL, *publicURL)
	if err != nil {
		return err
	}
	root.Handle("/s/", surveys.NewPublic(sender.Surveys).Handler())
	senderCtx, stopSender := context.WithCancel(ctx)
	wait := sender.Start(senderCtx)
	defer func() { stopSender(); wait() }() // before db.Close, on every return
	jobsCtx, stopJobs := context.WithCancel(ctx)
	waitJobs := startJobs(jobsCtx, api, logger, *jobsEvery)
	defer func() { stopJobs(); waitJobs() }()
	srv := &http.Server{
		Handler:           root,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Wallboard event streams never go idle: close them when shutting down,
	// or Shutdown would wait for its whole grace period.
	srv.RegisterOnShutdown(ui.Close)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	logger.Info("anchor serving", "addr", ln.Addr().String(), "db", store.Redact(*dsn), "engine", db.Dialect, "version", version)
	fmt.Fprintf(e.stdout, "Anchor is listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func openMigrated(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs, dsn := flags(e, "migrate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema is at version %d (%s)\n", v, db.Dialect)
	return nil
}

func runDemo(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "contactcenter" {
		return runDemoContactCenter(ctx, e, args[1:])
	}
	fs, dsn := flags(e, "demo")
	small := fs.Bool("small", false, "a small demo (60 customers, 240 cases, no contact center), quick to load")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	size := demo.Full
	if *small {
		size = demo.Small
	}
	return loadDemo(ctx, e, db, size, "http://"+envOr(e, "ANCHOR_ADDR", "127.0.0.1:8080"))
}

// loadDemo loads the demo company and prints how to sign in; base is the
// address the server listens (or will listen) on, for the example call.
func loadDemo(ctx context.Context, e *env, db *store.DB, size demo.Options, base string) error {
	res, err := demo.Load(ctx, db, size)
	if errors.Is(err, demo.ErrNotEmpty) {
		fmt.Fprintln(e.stdout, "The database already has users: demo data not loaded.")
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Demo data loaded: %d customers, %d cases, %d calls.\n", res.Customers, res.Cases, res.Calls)
	fmt.Fprintf(e.stdout, "Sign in as %s with password %s\n", res.AdminEmail, res.AdminPassword)
	fmt.Fprintf(e.stdout, "API token (admin): %s\n", res.AdminToken)
	fmt.Fprintf(e.stdout, "  try: curl -H 'Authorization: Bearer %s' '%s/api/v1/cases?status=active'\n", res.AdminToken, base)
	return nil
}
