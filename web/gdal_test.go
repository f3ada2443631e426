package web

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestGDALReadsTheAPI runs GDAL's OGC API – Features client against the live server: it must
// list every collection and report the feature counts that numberMatched gives, and reading
// every feature (which follows the next links) must yield them all.
func TestGDALReadsTheAPI(t *testing.T) {
	requireTool(t, "ogrinfo")
	h := seededServer(t, Options{DefaultLimit: 10})
	srv := httptest.NewServer(h)
	defer srv.Close()
	out, err := exec.Command("ogrinfo", "-ro", "OAPIF:"+srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, id := range []string{"incidents", "bases", "regions"} {
		if !regexp.MustCompile(`\d+: ` + id + ` `).Match(out) {
			t.Errorf("ogrinfo does not list %s:\n%s", id, out)
		}
		want := int(getJSON(t, h, "/collections/"+id+"/items?limit=1", http.StatusOK)["numberMatched"].(float64))
		summary, err := exec.Command("ogrinfo", "-ro", "-so", "OAPIF:"+srv.URL, id).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo -so %s: %v\n%s", id, err, summary)
		}
		m := regexp.MustCompile(`Feature Count: (\d+)`).FindSubmatch(summary)
		if m == nil || string(m[1]) != strconv.Itoa(want) {
			t.Errorf("%s: ogrinfo says %q, numberMatched is %d", id, m, want)
		}
		all, err := exec.Command("ogrinfo", "-ro", "-al", "-q", "OAPIF:"+srv.URL, id).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo -al %s: %v\n%s", id, err, all)
		}
		if n := len(regexp.MustCompile(`OGRFeature\(`+id+`\):\d+`).FindAll(all, -1)); n != want {
			t.Errorf("%s: GDAL read %d features through the pages, want %d", id, n, want)
		}
	}
}
