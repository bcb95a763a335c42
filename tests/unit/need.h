/*
 * need.h - a C test's prerequisites (commands, Python modules), checked by
 * tests/need.sh, the one check that every test uses. zp_need("glpsol
 * py:scipy.optimize") fails the running test with the script's message,
 * which names what is missing and the Debian packages to install, instead
 * of letting a later step fail on a bare assertion. Include after cmocka.h;
 * needs ZP_SOURCE_DIR.
 */
#ifndef ZP_TEST_NEED_H
#define ZP_TEST_NEED_H

#include <stdio.h>
#include <string.h>

#define zp_need(items) zp_need_((items), __FILE__, __LINE__)
static inline void zp_need_(const char *items, const char *file, int line)
{
    char cmd[1024], out[2048];
    snprintf(cmd, sizeof cmd, "'%s/tests/need.sh' %s 2>&1", ZP_SOURCE_DIR, items);
    FILE *p = popen(cmd, "r");
    if (!p) {
        print_error("cannot run %s\n", cmd);
        _fail(file, line);
        return;
    }
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    if (pclose(p) != 0) {
        print_error("%s%s", n ? out : "tests/need.sh failed\n",
                    n && out[n - 1] == '\n' ? "" : "\n");
        _fail(file, line);
    }
}

#endif
