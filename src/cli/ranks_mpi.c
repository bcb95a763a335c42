/*
 * ranks_mpi.c - the zeropark command's processes under MPI (ranks.h), with
 * OpenMPI or any MPI-3 library CMake's FindMPI finds.
 *
 * Messages, all to rank 0 on MPI_COMM_WORLD:
 *   TAG_PROGRESS  one uint64: how many of its scenarios a process has done
 *   TAG_SIZE      one uint64: the bytes of its outcomes that follow
 *   TAG_DATA      the outcomes, in chunks of at most 1 GiB (MPI counts are int)
 * The outcomes are packed as records: index (8 bytes), ok (1), length (8),
 * then the result or the message; integers little-endian, so machines of
 * either byte order may share a run.
 */
#define _DEFAULT_SOURCE
#include "ranks.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { TAG_PROGRESS = 1, TAG_SIZE = 2, TAG_DATA = 3 };
#define CHUNK ((size_t)1 << 30)

bool cli_mpi_built(void) { return true; }

int cli_mpi_start(const char *cmd, bool asked, cli_mpi *m)
{
    int rank = 0, launched = cli_mpi_launched(&rank);
    memset(m, 0, sizeof *m);
    m->size = 1;
    m->local = 1;
    if (!asked && launched == 0)
        return EXIT_OK;
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        cli_err(cmd, "MPI could not start");
        return EXIT_INTERNAL;
    }
    m->on = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    if (provided < MPI_THREAD_FUNNELED) {
        if (m->rank == 0)
            cli_err(cmd, "this MPI library does not allow threads in its processes "
                         "(MPI_THREAD_FUNNELED); run with --jobs 1 under another MPI");
        cli_mpi_stop(m);
        return EXIT_USAGE;
    }
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &m->local);
        MPI_Comm_free(&node);
    }
    return EXIT_OK;
}

void cli_mpi_stop(cli_mpi *m)
{
    if (m->on)
        MPI_Finalize();
    m->on = false;
}

void cli_mpi_abort(cli_mpi *m, int code)
{
    if (m->on)
        MPI_Abort(MPI_COMM_WORLD, code);
}

int cli_mpi_agree(cli_mpi *m, bool ok, uint64_t digest, uint64_t count, bool *root_ok)
{
    int mine[2] = {ok ? 1 : 0, m->rank == 0 ? (ok ? 1 : 0) : 1}, all[2];
    MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    *root_ok = all[1] != 0;
    if (!all[0])
        return 0;
    uint64_t v[2] = {digest, count}, lo[2], hi[2];
    MPI_Allreduce(v, lo, 2, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(v, hi, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return lo[0] == hi[0] && lo[1] == hi[1] ? 1 : -1;
}

int cli_mpi_share_exit(cli_mpi *m, int code)
{
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    (void)m;
    return code;
}

void cli_mpi_progress_send(cli_mpi *m, uint64_t done)
{
    (void)m;
    MPI_Send(&done, 1, MPI_UINT64_T, 0, TAG_PROGRESS, MPI_COMM_WORLD);
}

void cli_mpi_progress_poll(cli_mpi *m, uint64_t *done)
{
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_PROGRESS, MPI_COMM_WORLD, &flag, &st);
        if (!flag)
            break;
        uint64_t v = 0;
        MPI_Recv(&v, 1, MPI_UINT64_T, st.MPI_SOURCE, TAG_PROGRESS, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (st.MPI_SOURCE > 0 && st.MPI_SOURCE < m->size)
            done[st.MPI_SOURCE] = v;
    }
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
}

static const char *text_of(const zp_sweep_outcome *o)
{
    const char *t = o->ok ? o->result : o->message;
    return t ? t : "";
}

/* The n outcomes packed into one buffer (malloc), *len bytes. */
static unsigned char *pack(const zp_sweep_outcome *o, size_t n, size_t *len)
{
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += 17 + strlen(text_of(&o[k]));
    unsigned char *buf = malloc(total ? total : 1), *p = buf;
    if (!buf)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        const char *t = text_of(&o[k]);
        size_t tl = strlen(t);
        put_u64(p, o[k].index);
        p[8] = (unsigned char)(o[k].ok ? 1 : 0);
        put_u64(p + 9, tl);
        memcpy(p + 17, t, tl);
        p += 17 + tl;
    }
    *len = total;
    return buf;
}

/* Send or receive len bytes of buf from/to peer in chunks. */
static void transfer(bool send, unsigned char *buf, size_t len, int peer)
{
    for (size_t off = 0; off < len; off += CHUNK) {
        int n = (int)(len - off < CHUNK ? len - off : CHUNK);
        if (send)
            MPI_Send(buf + off, n, MPI_UNSIGNED_CHAR, 0, TAG_DATA, MPI_COMM_WORLD);
        else
            MPI_Recv(buf + off, n, MPI_UNSIGNED_CHAR, peer, TAG_DATA, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
    }
}

/* Process r's outcomes (len bytes at buf) into all. EXIT_OK or the exit
 * code after the message. */
static int unpack(const cli_mpi *m, zp_ctx *ctx, const char *cmd, int r, const unsigned char *buf,
                  size_t len, zp_sweep_outcome *all, size_t count)
{
    size_t want = (size_t)r < count ? (count - (size_t)r + (size_t)m->size - 1) / (size_t)m->size : 0;
    size_t got = 0, off = 0;
    while (off < len) {
        if (len - off < 17)
            goto bad;
        uint64_t idx = get_u64(buf + off), tl = get_u64(buf + off + 9);
        int ok = buf[off + 8] == 1;
        if (tl > len - off - 17 || idx >= count || idx % (uint64_t)m->size != (uint64_t)r ||
            all[idx].result || all[idx].message)
            goto bad;
        if (zp_sweep_outcome_set(ctx, &all[idx], (size_t)idx, ok, (const char *)buf + off + 17,
                                 (size_t)tl))
            return cli_fail(cmd, ctx, ZP_ENOMEM);
        off += 17 + (size_t)tl;
        got++;
    }
    if (got == want)
        return EXIT_OK;
bad:
    cli_err(cmd, "internal error: process %d sent outcomes that are not its scenarios", r);
    return EXIT_INTERNAL;
}

int cli_mpi_gather(cli_mpi *m, zp_ctx *ctx, const char *cmd, const zp_sweep_outcome *mine, size_t n,
                   zp_sweep_outcome *all, size_t count)
{
    if (m->rank != 0) {
        size_t len = 0;
        unsigned char *buf = pack(mine, n, &len);
        if (!buf) {
            cli_err(cmd, "out of memory");
            cli_mpi_abort(m, EXIT_INTERNAL);
            return EXIT_INTERNAL;
        }
        uint64_t l64 = len;
        MPI_Send(&l64, 1, MPI_UINT64_T, 0, TAG_SIZE, MPI_COMM_WORLD);
        transfer(true, buf, len, 0);
        free(buf);
        return EXIT_OK;
    }
    for (int r = 1; r < m->size; r++) {
        uint64_t l64 = 0;
        MPI_Recv(&l64, 1, MPI_UINT64_T, r, TAG_SIZE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        unsigned char *buf = l64 < SIZE_MAX ? malloc(l64 ? (size_t)l64 : 1) : NULL;
        if (!buf) {
            cli_err(cmd, "out of memory for the outcomes of process %d (%llu bytes)", r,
                    (unsigned long long)l64);
            return EXIT_INTERNAL;
        }
        transfer(false, buf, (size_t)l64, r);
        int ex = unpack(m, ctx, cmd, r, buf, (size_t)l64, all, count);
        free(buf);
        if (ex != EXIT_OK)
            return ex;
    }
    return EXIT_OK;
}
