package main

import (
	"strconv"
	"strings"
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
