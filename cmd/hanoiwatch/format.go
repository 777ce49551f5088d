package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
)

// short abbreviates a snapshot id for tables.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// truncate makes s a table cell: one line, runs of white space (newlines and tabs too,
// which would break the table) made one space, at most n characters.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func num(f *float64) string {
	if f == nil {
		return "∅"
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func figureName(subject, key string) string {
	if key != "" && key != subject {
		return subject + " [" + key + "]"
	}
	return subject
}

func splitLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// colored says whether output to w is coloured, for a --color flag's mode: "always";
// "auto", only on a terminal, never into a file or a pipe; "never".
func colored(w io.Writer, mode string) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		f, ok := w.(*os.File)
		return ok && isatty.IsTerminal(f.Fd()), nil
	}
	return false, fmt.Errorf("--color %q: want auto, always or never", mode)
}
