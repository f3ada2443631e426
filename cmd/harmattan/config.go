package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/harmattan/harmattan/data/postgis"
)

// Every serve flag can also come from the environment, HARMATTAN_ and the flag's name in upper
// case with '_' for '-' (--db-pool: HARMATTAN_DB_POOL), and from a TOML file given by --config
// or HARMATTAN_CONFIG, whose keys are the flags' names. A flag on the command line wins over the
// environment, which wins over the file. Repeatable flags take a list in the environment
// (comma-separated) and in the file (an array, or for name=value flags a table).

// envName is the environment variable of flag name.
func envName(name string) string {
	return "HARMATTAN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// repeatable tells whether a flag collects several values (cluster, tileset, time-field).
func repeatable(f *flag.Flag) bool {
	switch f.Value.(type) {
	case zoomFlag, tilesetFlag, timeFlag:
		return true
	}
	return false
}

// applySettings gives the flags not set on the command line their values from the environment,
// then from the config file (when there is one).
func applySettings(fs *flag.FlagSet, getenv func(string) string, configFile string) error {
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	fromEnv := map[string]bool{}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if err != nil || onCommandLine[f.Name] || v == "" || f.Name == "config" {
			return
		}
		values := []string{v}
		if repeatable(f) {
			values = strings.Split(v, ",")
		}
		for _, one := range values {
			if e := fs.Set(f.Name, strings.TrimSpace(one)); e != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, e)
				return
			}
		}
		fromEnv[f.Name] = true
	})
	if err != nil || configFile == "" {
		return err
	}
	var file map[string]any
	if _, err := toml.DecodeFile(configFile, &file); err != nil {
		return fmt.Errorf("%s: %w", configFile, err)
	}
	keys := make([]string, 0, len(file))
	for k := range file {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := fs.Lookup(k)
		if f == nil || k == "config" || k == "print-config" {
			return fmt.Errorf("%s: key %q is not a setting of harmattan serve (see harmattan serve --help)", configFile, k)
		}
		if onCommandLine[k] || fromEnv[k] {
			continue
		}
		values, err := configValues(f, file[k])
		if err != nil {
			return fmt.Errorf("%s: key %q: %w", configFile, k, err)
		}
		for _, v := range values {
			if err := fs.Set(k, v); err != nil {
				return fmt.Errorf("%s: key %q: %w", configFile, k, err)
			}
		}
	}
	return nil
}

// configValues turns a TOML value into the flag values it sets.
func configValues(f *flag.Flag, v any) ([]string, error) {
	switch x := v.(type) {
	case []any:
		if !repeatable(f) {
			return nil, errors.New("takes one value, not a list")
		}
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out, nil
	case map[string]any:
		if !repeatable(f) {
			return nil, errors.New("takes one value, not a table")
		}
		var out []string
		for name, e := range x {
			out = append(out, fmt.Sprintf("%s=%v", name, e))
		}
		sort.Strings(out)
		return out, nil
	}
	return []string{fmt.Sprint(v)}, nil
}

// printConfig writes the effective settings as a TOML file that --config takes, with the
// database's password masked.
func printConfig(w io.Writer, fs *flag.FlagSet) error {
	settings := map[string]any{}
	fs.VisitAll(func(f *flag.Flag) {
		switch x := f.Value.(type) {
		case zoomFlag:
			settings[f.Name] = map[string]int(x)
		case tilesetFlag:
			settings[f.Name] = map[string]string(x)
		case timeFlag:
			settings[f.Name] = map[string]string(x)
		case flag.Getter:
			settings[f.Name] = tomlValue(x.Get())
		}
	})
	delete(settings, "config")
	delete(settings, "print-config")
	settings["db"] = postgis.Redact(fmt.Sprint(settings["db"]))
	fmt.Fprintln(w, "# harmattan serve: effective settings (command line, then HARMATTAN_* environment, then config file, then defaults)")
	return toml.NewEncoder(w).Encode(settings)
}

// tomlValue is a flag's value as TOML writes it: durations as their text ("30s").
func tomlValue(v any) any {
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return v
}
