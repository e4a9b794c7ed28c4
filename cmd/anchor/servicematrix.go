package main

import (
	"context"
	"errors"
)

func runServiceMatrix(ctx context.Context, e *env, args []string) error {
	return errors.New("servicematrix: not built yet")
}
