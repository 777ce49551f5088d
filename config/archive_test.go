package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadArchive(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hw.yaml")
	t.Setenv("HW_TEST_WAYBACK_SECRET", "s3cr3t-value")
	if err := os.WriteFile(path, []byte("archive:\n  wayback:\n    access_key: key1\n    secret_key: ${HW_TEST_WAYBACK_SECRET}\n    endpoint: http://127.0.0.1:9/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Archive.Wayback; !w.Enabled() || w.AccessKey != "key1" || w.SecretKey != "s3cr3t-value" || w.Endpoint != "http://127.0.0.1:9/" {
		t.Fatalf("wayback %+v", w)
	}
	if d := Default().Archive.Wayback; d.Enabled() || d.Endpoint != DefaultWaybackEndpoint {
		t.Fatalf("default wayback %+v", d)
	}

	tests := []badConfig{
		{"half_keys.yaml", 3, "archive.wayback.access_key: needs secret_key as well"},
		{"bad_endpoint.yaml", 5, `archive.wayback.endpoint: "web.archive.org" is not an absolute http(s) URL`},
		{"unknown_key.yaml", 3, "archive.wayback.access: unknown key; allowed keys: access_key, secret_key, endpoint"},
		{"space_key.yaml", 3, "archive.wayback.access_key: must not contain spaces"},
	}
	loadBad(t, filepath.Join("testdata", "bad", "archive"), tests, func(t *testing.T, err error) {
		if strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "def") {
			t.Errorf("an error shows a key: %v", err)
		}
	})
}
