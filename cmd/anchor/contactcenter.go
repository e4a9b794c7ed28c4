package main

import (
	"context"
	"errors"
)

func runImport(ctx context.Context, e *env, args []string) error {
	return errors.New("import: not built yet")
}

func runRollup(ctx context.Context, e *env, args []string) error {
	return errors.New("rollup: not built yet")
}

func runDemoContactCenter(ctx context.Context, e *env, args []string) error {
	return errors.New("demo contactcenter: not built yet")
}
