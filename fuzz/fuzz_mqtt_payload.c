/*
 * fuzz_mqtt_payload.c - libFuzzer target for MQTT payloads
 * (src/server/ingest.c, zs_mqtt_payload_parse): a plain number, or a JSON
 * object read for "value" and for a named field. The first input byte
 * picks the field.
 */
#include "serve.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fields[] = {"", "p", "power_kw", "temp"};
    double v;
    int64_t t;
    char err[256];
    if (size < 1)
        return 0;
    const char *field = fields[data[0] % 4];
    err[0] = '\0';
    if (zs_mqtt_payload_parse((const char *)data + 1, size - 1, field, 480, 1717200000000LL, &v, &t, err,
                              sizeof err) == 0) {
        if (!isfinite(v))
            abort();
    } else if (!err[0]) {
        abort();
    }
    return 0;
}
