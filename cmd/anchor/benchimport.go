package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// runBenchImport is `anchor bench import FILE`: it imports a queue_log
// file into a fresh SQLite database with `anchor import queue-log --final`
// and loads the same lines as raw rows with `sqlite3 .import`, in turns,
// and reports both and their ratio, the import's target being within 2x.
// Each is a process of its own, timed from outside like a user would:
// wall time, CPU and peak memory. Rounds alternate which goes first, and
// the medians are what to quote: the machines are shared and noisy.
func runBenchImport(ctx context.Context, e *env, args []string) error {
	// No --db: each round makes its own databases (--dir).
	fs := flag.NewFlagSet("anchor bench import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	rounds := fs.Int("rounds", 3, "how many times to run each")
	dir := fs.String("dir", "", "where to write the databases (each removed after its round); default: beside FILE")
	self := fs.String("anchor", "", "the anchor command to time (a path, then arguments if any); default: this binary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: anchor bench import [--rounds N] [--dir DIR] FILE")
	}
	if *rounds < 1 {
		return errors.New("bench import: --rounds must be at least 1")
	}
	file, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	lines, err := countLines(file)
	if err != nil {
		return fmt.Errorf("bench import: %w", err)
	}
	if *dir == "" {
		*dir = filepath.Dir(file)
	}
	anchorCmd := strings.Fields(*self)
	if len(anchorCmd) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench import: %w", err)
		}
		anchorCmd = []string{exe}
	}
	sqlite, lookErr := exec.LookPath("sqlite3")
	fmt.Fprintf(e.stdout, "%s: %d lines, %d rounds\n", file, lines, *rounds)
	if lookErr != nil {
		fmt.Fprintln(e.stdout, "sqlite3 is not on PATH: only the import is timed, without the ratio")
	}

	var imports, loads []timing
	for r := range *rounds {
		db := filepath.Join(*dir, fmt.Sprintf("bench-import-%d.db", r))
		raw := filepath.Join(*dir, fmt.Sprintf("bench-raw-%d.db", r))
		importRun := func() error {
			argv := append(slices.Clone(anchorCmd[1:]), "import", "queue-log", "--final", "--db", db, file)
			m, err := timeCommand(ctx, nil, anchorCmd[0], argv...)
			removeDB(db)
			if err != nil {
				return fmt.Errorf("bench import: anchor import: %w", err)
			}
			imports = append(imports, m)
			fmt.Fprintf(e.stdout, "round %d: anchor import queue-log  %s, %.0f lines/s\n", r+1, m, float64(lines)/m.wall.Seconds())
			if r == 0 {
				fmt.Fprintf(e.stdout, "  it said: %s\n", firstLine(m.out))
			}
			return nil
		}
		loadRun := func() error {
			if lookErr != nil {
				return nil
			}
			// The same lines as rows of one text column: the ASCII mode's
			// unit separator never occurs in a queue_log line.
			script := "CREATE TABLE raw(line TEXT);\n.mode ascii\n.separator \"\\037\" \"\\n\"\n.import '" + strings.ReplaceAll(file, "'", "''") + "' raw\n"
			m, err := timeCommand(ctx, strings.NewReader(script), sqlite, raw)
			removeDB(raw)
			if err != nil {
				return fmt.Errorf("bench import: sqlite3 .import: %w", err)
			}
			loads = append(loads, m)
			fmt.Fprintf(e.stdout, "round %d: sqlite3 .import           %s\n", r+1, m)
			return nil
		}
		first, second := importRun, loadRun
		if r%2 == 1 {
			first, second = loadRun, importRun
		}
		if err := first(); err != nil {
			return err
		}
		if err := second(); err != nil {
			return err
		}
		if len(loads) == len(imports) && len(loads) > 0 {
			fmt.Fprintf(e.stdout, "round %d: ratio %.2f\n", r+1, imports[r].wall.Seconds()/loads[r].wall.Seconds())
		}
	}
	im := medianRun(imports)
	fmt.Fprintf(e.stdout, "median: anchor import queue-log  %s, %.0f lines/s\n", im, float64(lines)/im.wall.Seconds())
	if len(loads) > 0 {
		ld := medianRun(loads)
		ratios := make([]float64, len(loads))
		for i := range loads {
			ratios[i] = imports[i].wall.Seconds() / loads[i].wall.Seconds()
		}
		slices.Sort(ratios)
		fmt.Fprintf(e.stdout, "median: sqlite3 .import           %s\n", ld)
		fmt.Fprintf(e.stdout, "ratio: median %.2f (rounds %.2f to %.2f; target: at most 2)\n", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	}
	return nil
}

// timing is one timed process: wall time, CPU and peak resident memory.
type timing struct {
	wall, user, sys time.Duration
	maxRSS          int64  // bytes
	out             string // what it wrote
}

func (m timing) String() string {
	return fmt.Sprintf("%6.2f s (CPU %.2f s user, %.2f s sys), peak %d MB", m.wall.Seconds(), m.user.Seconds(), m.sys.Seconds(), m.maxRSS>>20)
}

// timeCommand runs name with args and stdin, and times it.
func timeCommand(ctx context.Context, stdin io.Reader, name string, args ...string) (timing, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	err := cmd.Run()
	m := timing{wall: time.Since(began), out: out.String()}
	if err != nil {
		return m, fmt.Errorf("%w: %s", err, lastLines(out.String(), 5))
	}
	m.user, m.sys = cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss << 10 // Linux reports KiB
	}
	return m, nil
}

// medianRun is the timing of median wall time.
func medianRun(rs []timing) timing {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b timing) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// countLines counts the lines of a file, a last one without a newline
// included.
func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	var n int64
	var last byte = '\n'
	for {
		k, err := f.Read(buf)
		if k > 0 {
			n += int64(bytes.Count(buf[:k], []byte{'\n'}))
			last = buf[k-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	return n, nil
}

// removeDB removes a SQLite database file and its companions.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}
