/*
 * fuzz_readings.c - libFuzzer target for the readings document of
 * POST /api/v1/readings and the MQTT "readings" topic (src/server/ingest.c,
 * zs_readings_parse): accepted readings have a valid series name, a finite
 * value and a time in range; refused documents say where.
 */
#include "serve.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = NULL;
    zs_parsed *r = NULL;
    size_t n = 0;
    bool toobig = false;
    char err[256];
    err[0] = '\0';
    if (zs_readings_parse((const char *)data, size, 480, 1717200000000LL, 1000, &root, &r, &n, &toobig,
                          err, sizeof err) == 0) {
        for (size_t i = 0; i < n; i++)
            if (!zs_series_name_ok(r[i].series) || !isfinite(r[i].value) || r[i].t_ms < 0)
                abort();
        free(r);
        json_decref(root);
    } else if (!err[0] || r || root) {
        abort();
    }
    return 0;
}
