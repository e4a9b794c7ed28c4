package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"anchor"
	"anchor/internal/servicelevel"
)

// runServiceMatrix exports the service matrix to a file (YAML for .yaml or
// .yml, JSON otherwise; "-" for standard output) or imports one, refused
// whole with every problem listed when anything is wrong.
func runServiceMatrix(ctx context.Context, e *env, args []string) error {
	usage := errors.New("usage: anchor servicematrix export|import FILE")
	if len(args) == 0 || (args[0] != "export" && args[0] != "import") {
		return usage
	}
	fs, dsn := flags(e, "servicematrix "+args[0])
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usage
	}
	file := fs.Arg(0)
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &servicelevel.Service{DB: db}
	yamlFile := strings.HasSuffix(file, ".yaml") || strings.HasSuffix(file, ".yml")
	if args[0] == "export" {
		m, err := svc.Export(ctx)
		if err != nil {
			return err
		}
		var out []byte
		if yamlFile {
			out, err = servicelevel.MatrixYAML(m)
		} else {
			out, err = json.MarshalIndent(m, "", "  ")
			out = append(out, '\n')
		}
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if file == "-" {
			_, err = e.stdout.Write(out)
			return err
		}
		if err := os.WriteFile(file, out, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(e.stdout, "service matrix version %d written to %s\n", m.Version, file)
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	m, err := servicelevel.ParseMatrix(data)
	if err == nil {
		m, err = svc.Import(ctx, anchor.Actor{}, m)
	}
	var ae *anchor.Error
	if errors.As(err, &ae) && len(ae.Problems) > 0 {
		fmt.Fprintf(e.stderr, "%s: refused, nothing changed:\n", file)
		for _, p := range ae.Problems {
			fmt.Fprintf(e.stderr, "  %s: %s\n", p.Path, p.Message)
		}
		return fmt.Errorf("import: %d problem(s)", len(ae.Problems))
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fmt.Fprintf(e.stdout, "service matrix imported: version %d\n", m.Version)
	return nil
}
