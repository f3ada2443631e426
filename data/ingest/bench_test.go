package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/harmattan/harmattan/data/ingest"
)

// acledCSV returns a synthetic ACLED export of n rows, about 320 bytes each as in real
// exports, with both date formats, quoted notes and empty fields.
func acledCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp\n")
	admins := []string{"Ségou", "Mopti", "Gao", "Tombouctou", "Ménaka", "Kidal", "Kayes", "Sikasso"}
	months := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	for i := 0; i < n; i++ {
		day, month := 1+i%28, i%12
		date := fmt.Sprintf("2023-%02d-%02d", month+1, day)
		if i%2 == 1 {
			date = fmt.Sprintf("%02d %s 2023", day, months[month])
		}
		admin := admins[i%len(admins)]
		fatalities := fmt.Sprint(i % 7)
		if i%5 == 0 {
			fatalities = ""
		}
		fmt.Fprintf(&b, "MLI%d,%s,2023,%d,Political violence,Battles,Armed clash,Military Forces of Mali (2021-),,1,Unidentified Armed Group (Mali),,3,13,,466,Western Africa,Mali,%s,%s,%s,%s %d,%.4f,%.4f,%d,Synthetic Source,National,\"Synthetic benchmark row %d: a clash, reported by a synthetic source, near %s.\",%s,,%d\n",
			100000+i, date, 1+i%3, admin, admin, admin, admin, i%100,
			10+float64(i%900)/100, -12+float64(i%1600)/100, 1+i%3, i, admin, fatalities, 1672531200+i*60)
	}
	return b.Bytes()
}

// BenchmarkACLED reads a 100k-row ACLED CSV: the schema pass and the record pass. It
// reports rows/s for the record pass (Next), scan-rows/s for the schema pass and
// total-rows/s for both.
func BenchmarkACLED(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "acled.csv")
	content := acledCSV(rows)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	var scan, read time.Duration
	for b.Loop() {
		src, err := ingest.Open(path, ingest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := src.Schema(context.Background()); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		n := 0
		for {
			_, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		read += time.Since(t1)
		scan += t1.Sub(t0)
		src.Close()
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	total := float64(rows * b.N)
	b.ReportMetric(total/read.Seconds(), "rows/s")
	b.ReportMetric(total/scan.Seconds(), "scan-rows/s")
	b.ReportMetric(total/(read+scan).Seconds(), "total-rows/s")
}
