package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Settings come from the config file, the environment and the command line, in rising order.
func TestServeConfigFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "harmattan.toml")
	writeString(t, file, `# a deployment
addr = "0.0.0.0:8081"
db = "postgres://app:s3cret@db.internal/harmattan"
default-limit = 50
db-timeout = "5s"
read-only = true
cluster = { incidents = 6, bases = 9 }
time-field = ["incidents=event_date"]
`)
	env := map[string]string{"HARMATTAN_DEFAULT_LIMIT": "70", "HARMATTAN_CONFIG": file}
	getenv := func(k string) string { return env[k] }
	cfg, err := parseServe([]string{"--addr", "127.0.0.1:9000"}, os.Stderr, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:9000" || cfg.defaultLimit != 70 || cfg.db != "postgres://app:s3cret@db.internal/harmattan" ||
		cfg.dbTimeout != 5*time.Second || !cfg.readOnly || cfg.cluster["incidents"] != 6 || cfg.cluster["bases"] != 9 ||
		cfg.timeFields["incidents"] != "event_date" {
		t.Errorf("effective settings %+v", cfg)
	}
	// Every flag has its variable: repeatable ones take a comma-separated list.
	env = map[string]string{"HARMATTAN_CLUSTER": "incidents=3,bases=4", "HARMATTAN_READ_ONLY": "true", "HARMATTAN_MAX_BODY_MB": "2"}
	cfg, err = parseServe(nil, os.Stderr, getenv)
	if err != nil || cfg.cluster["bases"] != 4 || cfg.cluster["incidents"] != 3 || !cfg.readOnly || cfg.maxBodyMB != 2 {
		t.Errorf("from the environment: %+v %v", cfg, err)
	}

	var out bytes.Buffer
	env = map[string]string{}
	_, err = parseServe([]string{"--config", file, "--print-config"}, &out, getenv)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--print-config: %v", err)
	}
	printed := out.String()
	for _, want := range []string{`addr = "0.0.0.0:8081"`, `db = "postgres://app:***@db.internal/harmattan"`, `default-limit = 50`, `db-timeout = "5s"`, "incidents = 6"} {
		if !strings.Contains(printed, want) {
			t.Errorf("--print-config lacks %s:\n%s", want, printed)
		}
	}
	if strings.Contains(printed, "s3cret") {
		t.Error("--print-config shows the password")
	}
	// What it prints is a config file that gives the same settings.
	again := filepath.Join(dir, "again.toml")
	writeString(t, again, strings.ReplaceAll(printed, "app:***@", "app:s3cret@"))
	a, errA := parseServe([]string{"--config", file}, os.Stderr, getenv)
	b, errB := parseServe([]string{"--config", again}, os.Stderr, getenv)
	if errA != nil || errB != nil || a.addr != b.addr || a.db != b.db || a.defaultLimit != b.defaultLimit || a.cluster["bases"] != b.cluster["bases"] {
		t.Errorf("the printed config differs: %+v %v / %+v %v", a, errA, b, errB)
	}

	for content, want := range map[string]string{
		`nope = 1`:                `key "nope" is not a setting`,
		`default-limit = "many"`:  `key "default-limit"`,
		`addr = ["a", "b"]`:       `key "addr": takes one value`,
		"addr = \"unterminated\n": "bad.toml",
	} {
		bad := filepath.Join(dir, "bad.toml")
		writeString(t, bad, content)
		if _, err := parseServe([]string{"--config", bad}, os.Stderr, getenv); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "bad.toml") {
			t.Errorf("%q: %v, want an error naming the file and %q", content, err, want)
		}
	}
}
