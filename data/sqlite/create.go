package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/harmattan/harmattan/data"
	"github.com/harmattan/harmattan/geo"
)

// Create writes a new GeoPackage 1.3 file at path holding layers. It fails if path exists.
// The file is built under a temporary name in the same directory and renamed into place only
// when complete, so a failure or a crash never leaves a partial GeoPackage at path.
func Create(ctx context.Context, path string, layers []data.Layer) (err error) {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s: already exists", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				os.Remove(tmpPath + suffix)
			}
		}
	}()
	db := openDB(tmpPath, "rw", 0)
	if err := writeLayers(ctx, db, layers); err != nil {
		db.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s: created by someone else meanwhile", path)
	}
	return os.Rename(tmpPath, path)
}

// Build creates a new GeoPackage at path and lets fn fill it through a Store: fn writes into a
// file under a temporary name that no one else opens, with the rollback journal in memory and
// no syncs (much faster for bulk imports than WAL, which writes every page twice). Only when fn
// succeeds is the file synced, switched to WAL mode and renamed to path; on failure, or if the
// process dies, path is never created.
func Build(ctx context.Context, path string, opts Options, fn func(*Store) error) (err error) {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s: already exists", path)
	}
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.%d-%d.building", filepath.Base(path), os.Getpid(), time.Now().UnixNano()))
	defer func() {
		if err != nil {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				os.Remove(tmp + suffix)
			}
		}
	}()
	if err := Create(ctx, tmp, nil); err != nil {
		return err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s, err := open(ctx, tmp, opts, "private")
	if err != nil {
		return err
	}
	if err := fn(s); err != nil {
		s.Close()
		return err
	}
	if _, err := s.db.ExecContext(ctx, "PRAGMA journal_mode = WAL"); err != nil {
		s.Close()
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s: created by someone else meanwhile", path)
	}
	return os.Rename(tmp, path)
}

func writeLayers(ctx context.Context, db *sql.DB, layers []data.Layer) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range coreSchema {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	for _, l := range layers {
		if err := checkTemporal(l); err != nil {
			return err
		}
		if l.GeometryType == "" {
			l.GeometryType = data.LayerGeometryType(l)
		}
		if err := createFeatureTable(ctx, tx, l); err != nil {
			return err
		}
		if err := insertFeatures(ctx, tx, l); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE gpkg_contents SET
			min_x = (SELECT min(minx) FROM %[1]s), min_y = (SELECT min(miny) FROM %[1]s),
			max_x = (SELECT max(maxx) FROM %[1]s), max_y = (SELECT max(maxy) FROM %[1]s)
			WHERE table_name = ?`, quote("rtree_"+l.Name+"_geom")), l.Name); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func insertFeatures(ctx context.Context, tx *sql.Tx, l data.Layer) error {
	cols, marks := `"fid", "geom"`, "?, ?"
	for _, f := range l.Fields {
		cols += ", " + quote(f.Name)
		marks += ", ?"
	}
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quote(l.Name), cols, marks))
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, 2+len(l.Fields))
	for i, feat := range l.Features {
		where := fmt.Sprintf("layer %s, feature %d", l.Name, i)
		args[0] = nil
		if id, ok := data.FeatureID(feat.ID); ok {
			args[0] = id
		}
		blob, err := geo.EncodeGPKG(feat.Geometry, 4326)
		if err != nil {
			return fmt.Errorf("%s: geometry: %w", where, err)
		}
		args[1] = blob
		for j, f := range l.Fields {
			v, err := storedValue(f, feat.Properties[f.Name])
			if err != nil {
				return fmt.Errorf("%s: field %s: %w", where, f.Name, err)
			}
			args[2+j] = v
		}
		for name := range feat.Properties {
			if _, ok := (data.Collection{Fields: l.Fields}).Field(name); !ok {
				return fmt.Errorf("%s: field %s is not in the layer's schema", where, name)
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	return nil
}

// checkTemporal refuses a layer whose TemporalField is not its first DATE/DATETIME field: a
// GeoPackage has nowhere to record another choice, and Open picks the first such field.
func checkTemporal(l data.Layer) error {
	if l.TemporalField == "" {
		return nil
	}
	for _, f := range l.Fields {
		if f.Type == data.Date || f.Type == data.DateTime {
			if f.Name == l.TemporalField {
				return nil
			}
			break
		}
	}
	return fmt.Errorf("layer %s: time field %q must be its first DATE or DATETIME field", l.Name, l.TemporalField)
}
