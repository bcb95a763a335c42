/*
 * fuzz_serve_config.c - libFuzzer target for the config file of
 * `zeropark serve` (src/server/config.c, zs_config_parse): any bytes give
 * either a config whose values are within their documented ranges, or an
 * error message; never a crash or a leak.
 */
#include "serve.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zs_config c;
    char err[512];
    zs_config_defaults(&c);
    err[0] = '\0';
    if (zs_config_parse((const char *)data, size, "fuzz.json", &c, err, sizeof err) == 0) {
        if (c.replan_min < 1 || c.replan_min > 1440 || c.listen_port < 0 || c.listen_port > 65535 ||
            c.account_step_s % c.store_step_s != 0 || c.mqtt_qos < 0 || c.mqtt_qos > 1 ||
            strlen(c.token) >= sizeof c.token)
            abort();
    } else if (!err[0]) {
        abort(); /* a refusal always says why */
    }
    return 0;
}
