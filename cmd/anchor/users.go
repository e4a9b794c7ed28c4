package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"anchor/internal/users"
)

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: anchor user add --email E --name N --role admin|director|supervisor|agent|department [--department ID] [--password-stdin]")
	}
	fs, dsn := flags(e, "user add")
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "", "role: "+strings.Join(users.Roles, ", ")+" (required)")
	dept := fs.String("department", "", "department id, for the department role")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (otherwise one is generated and printed once)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	password := ""
	generated := false
	if *fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password, generated = users.GeneratePassword(), true
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := users.NewService(db).Create(ctx, users.NewUser{Email: *email, Name: *name, Role: *role, DepartmentID: *dept, Password: password})
	if err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	fmt.Fprintf(e.stdout, "user %s created: id %s, role %s\n", u.Email, u.ID, u.Role)
	if generated {
		fmt.Fprintf(e.stdout, "password (shown once): %s\n", password)
	}
	return nil
}

func runToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: anchor token create --email E [--name N] [--ttl 720h]")
	}
	fs, dsn := flags(e, "token create")
	email := fs.String("email", "", "the user's email (required)")
	name := fs.String("name", "cli", "a name to recognise the token by")
	ttl := fs.Duration("ttl", 0, "lifetime, e.g. 720h; 0 for no expiry")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("token create: --email is required")
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := users.NewService(db)
	u, err := svc.GetByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	t, secret, err := svc.CreateToken(ctx, u.ID, *name, *ttl)
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	fmt.Fprintln(e.stdout, secret)
	exp := "never"
	if t.ExpiresAt != nil {
		exp = t.ExpiresAt.Format(time.RFC3339)
	}
	fmt.Fprintf(e.stderr, "token %s for %s (expires: %s); the secret above is shown once\n", t.ID, u.Email, exp)
	return nil
}
