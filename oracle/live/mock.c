/*
 * groupspec-mock: librdkafka's mock cluster behind a line protocol, for live sessions.
 *
 * Build: gcc -O2 -Wall -Wextra -o build/groupspec-mock oracle/live/mock.c \
 *            $(pkg-config --cflags --libs rdkafka)        (npx tsx scripts/build-mock.ts)
 *
 * Usage: groupspec-mock --brokers N [--topic NAME:PARTITIONS]... [--debug]
 *
 * Prints one line {"type":"ready","bootstraps":"127.0.0.1:p1,...","brokers":N,"librdkafka":"2.0.2"}
 * on stdout. The bootstrap list is in broker-id order: the mock numbers its brokers 1..N and
 * lists them in that order. Then reads one command per stdin line and answers one JSON line each:
 *
 *   down <brokerId> | up <brokerId>          rd_kafka_mock_broker_set_down / _up
 *   coordinator <groupId> <brokerId>         rd_kafka_mock_coordinator_set(mc, "group", ...)
 *   rtt <brokerId> <ms>                      rd_kafka_mock_broker_set_rtt
 *   errors <apiKey> <ERR_NAME>...            rd_kafka_mock_push_request_errors_array
 *   clear <apiKey>                           rd_kafka_mock_clear_request_errors
 *   leader <topic> <partition> <brokerId>    rd_kafka_mock_partition_set_leader (2.0.2 creates
 *                                            an unknown topic on the fly instead of failing)
 *   consumer-session <ms>                    librdkafka 2.12+ only (KIP-848):
 *   consumer-heartbeat <ms>                  rd_kafka_mock_set_group_consumer_session_timeout_ms /
 *                                            _heartbeat_interval_ms (defaults 30000 / 3000)
 *   quit                                     (EOF on stdin does the same)
 *
 * Replies: {"type":"ack","cmd":"down","ok":true,"tMs":12.3} (tMs: monotonic ms since start) or
 * {"type":"error","line":"...","message":"...","tMs":...}. With --debug the mock's own debug log
 * lines about consumer groups are forwarded as {"type":"log","tMs":...,"message":"..."} (they
 * name generations, elected leaders, session expiries and committed offsets).
 *
 * ERR_NAME is librdkafka's error name without the RD_KAFKA_RESP_ERR_ prefix, as given by
 * rd_kafka_get_err_descs(): NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
 * COORDINATOR_LOAD_IN_PROGRESS, REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * REQUEST_TIMED_OUT, ... and the client-side _TRANSPORT, which makes the mock close the
 * connection that sent the request. Pushed errors are cluster-wide, consumed one per request of
 * that ApiKey (by any broker, any client), in order.
 *
 * What the 2.0.2 mock's group coordinator lets one configure (src/rdkafka_mock_cgrp.c at v2.0.2):
 * nothing through the public API — there is no setter for session timeout, heartbeat interval or
 * initial rebalance delay (rd_kafka_mock_group_initial_rebalance_delay_ms and the consumer-group
 * session/heartbeat setters only arrive in 2.12). Behaviour fixed in the code:
 *   - first JoinGroup on an Empty group arms a 3000 ms timer before electing a leader
 *     (hard-coded "same as group.initial.rebalance.delay.ms");
 *   - the group's session timeout is the SessionTimeoutMs of the most recent JoinGroup request
 *     (one value for the whole group, overwritten by every join), checked by a 1 s periodic timer;
 *   - RebalanceTimeoutMs is read but ignored: a rebalance of a non-empty group waits
 *     session_timeout - 1000 ms for members to rejoin (100 ms when all previous members rejoined
 *     from the Rebalancing state), SyncGroup waits session_timeout ms;
 *   - generation ids start at 1 and are incremented at each leader election (first one seen: 2);
 *     the leader is always the first member in join order, the protocol the leader's first one;
 *   - group state is cluster-wide, so moving the coordinator keeps the group; a request to a
 *     non-coordinator broker gets NOT_COORDINATOR; FindCoordinator may name a broker that is down;
 *   - no static membership handling beyond echoing group.instance.id (JoinGroup v5).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64
#define MAX_ERRORS 64
#define LINE_MAX_LEN 4096

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec t0;
static int broker_cnt = 0;

static double now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)(t.tv_sec - t0.tv_sec) * 1000.0 + (double)(t.tv_nsec - t0.tv_nsec) / 1e6;
}

/* Appends s to buf as a JSON string body (no quotes). */
static void json_escape(char *buf, size_t cap, const char *s) {
        size_t of = strlen(buf);
        for (; *s && of + 8 < cap; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\') {
                        buf[of++] = '\\';
                        buf[of++] = (char)c;
                } else if (c == '\n') {
                        buf[of++] = '\\';
                        buf[of++] = 'n';
                } else if (c < 0x20) {
                        of += (size_t)snprintf(buf + of, cap - of, "\\u%04x", c);
                } else {
                        buf[of++] = (char)c;
                }
        }
        buf[of] = '\0';
}

static void emit(const char *line) {
        pthread_mutex_lock(&out_lock);
        fputs(line, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        pthread_mutex_unlock(&out_lock);
}

static void reply_ack(const char *cmd) {
        char out[256];
        snprintf(out, sizeof(out), "{\"type\":\"ack\",\"cmd\":\"%s\",\"ok\":true,\"tMs\":%.1f}", cmd,
                 now_ms());
        emit(out);
}

static void reply_error(const char *line, const char *fmt, ...) {
        char msg[512], out[LINE_MAX_LEN * 2 + 1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        strcpy(out, "{\"type\":\"error\",\"line\":\"");
        json_escape(out, sizeof(out), line);
        strcat(out, "\",\"message\":\"");
        json_escape(out, sizeof(out), msg);
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "\",\"tMs\":%.1f}", now_ms());
        emit(out);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
        char out[4096];
        (void)rk;
        (void)level;
        (void)fac;
        /* Only the group coordinator's lines (a topic name may contain "group" too: drop log
         * appends); member activity marks come once per request and are dropped as well. */
        if (!strstr(buf, "group") || strstr(buf, "Log append") ||
            strstr(buf, "Marking mock consumer group member"))
                return;
        snprintf(out, sizeof(out), "{\"type\":\"log\",\"tMs\":%.1f,\"message\":\"", now_ms());
        json_escape(out, sizeof(out) - 4, buf);
        strcat(out, "\"}");
        emit(out);
}

static void usage(FILE *f) {
        fprintf(f,
                "usage: groupspec-mock --brokers N [--topic NAME:PARTITIONS]... [--debug]\n"
                "  Starts librdkafka's mock cluster with N brokers (ids 1..N), prints a ready line\n"
                "  and reads commands on stdin: down ID | up ID | coordinator GROUP ID |\n"
                "  rtt ID MS | errors APIKEY ERR_NAME... | clear APIKEY |\n"
                "  leader TOPIC PARTITION ID | quit\n");
}

static int parse_int(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

static int err_by_name(const char *name, rd_kafka_resp_err_t *out) {
        const struct rd_kafka_err_desc *descs;
        size_t cnt, i;
        rd_kafka_get_err_descs(&descs, &cnt);
        for (i = 0; i < cnt; i++) {
                if (descs[i].name && !strcmp(descs[i].name, name)) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

/* Handles one command line; returns 1 on quit. */
static int handle(rd_kafka_mock_cluster_t *mc, char *line) {
        char copy[LINE_MAX_LEN];
        char *argv[MAX_ERRORS + 4];
        int argc = 0;
        char *save, *tok;
        long a, b;
        rd_kafka_resp_err_t err;

        snprintf(copy, sizeof(copy), "%s", line);
        for (tok = strtok_r(line, " \t", &save); tok && argc < (int)(sizeof(argv) / sizeof(*argv));
             tok = strtok_r(NULL, " \t", &save))
                argv[argc++] = tok;
        if (tok) {
                reply_error(copy, "too many arguments");
                return 0;
        }
        if (argc == 0) {
                reply_error(copy, "empty command");
                return 0;
        }

        if (!strcmp(argv[0], "quit")) {
                reply_ack("quit");
                return 1;
        }
        if (!strcmp(argv[0], "down") || !strcmp(argv[0], "up")) {
                if (argc != 2 || parse_int(argv[1], 1, broker_cnt, &a)) {
                        reply_error(copy, "usage: %s <brokerId 1..%d>", argv[0], broker_cnt);
                        return 0;
                }
                err = !strcmp(argv[0], "down") ? rd_kafka_mock_broker_set_down(mc, (int32_t)a)
                                               : rd_kafka_mock_broker_set_up(mc, (int32_t)a);
        } else if (!strcmp(argv[0], "coordinator")) {
                if (argc != 3 || parse_int(argv[2], 1, broker_cnt, &a)) {
                        reply_error(copy, "usage: coordinator <groupId> <brokerId 1..%d>", broker_cnt);
                        return 0;
                }
                err = rd_kafka_mock_coordinator_set(mc, "group", argv[1], (int32_t)a);
        } else if (!strcmp(argv[0], "rtt")) {
                if (argc != 3 || parse_int(argv[1], 1, broker_cnt, &a) ||
                    parse_int(argv[2], 0, 3600000, &b)) {
                        reply_error(copy, "usage: rtt <brokerId 1..%d> <ms>", broker_cnt);
                        return 0;
                }
                err = rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b);
        } else if (!strcmp(argv[0], "errors")) {
                rd_kafka_resp_err_t errs[MAX_ERRORS];
                int i;
                if (argc < 3 || parse_int(argv[1], 0, 32767, &a)) {
                        reply_error(copy, "usage: errors <apiKey> <ERR_NAME> [<ERR_NAME>...]");
                        return 0;
                }
                for (i = 2; i < argc; i++) {
                        if (err_by_name(argv[i], &errs[i - 2])) {
                                reply_error(copy, "unknown error name %s", argv[i]);
                                return 0;
                        }
                }
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)(argc - 2), errs);
                err = RD_KAFKA_RESP_ERR_NO_ERROR;
        } else if (!strcmp(argv[0], "clear")) {
                if (argc != 2 || parse_int(argv[1], 0, 32767, &a)) {
                        reply_error(copy, "usage: clear <apiKey>");
                        return 0;
                }
                rd_kafka_mock_clear_request_errors(mc, (int16_t)a);
                err = RD_KAFKA_RESP_ERR_NO_ERROR;
        } else if (!strcmp(argv[0], "leader")) {
                if (argc != 4 || parse_int(argv[2], 0, 1000000, &a) ||
                    parse_int(argv[3], 1, broker_cnt, &b)) {
                        reply_error(copy, "usage: leader <topic> <partition> <brokerId 1..%d>",
                                    broker_cnt);
                        return 0;
                }
                err = rd_kafka_mock_partition_set_leader(mc, argv[1], (int32_t)a, (int32_t)b);
#if RD_KAFKA_VERSION >= 0x020c0000
        } else if (!strcmp(argv[0], "consumer-session") ||
                   !strcmp(argv[0], "consumer-heartbeat")) {
                /* KIP-848 (librdkafka 2.12+): group.consumer.session.timeout.ms and
                 * group.consumer.heartbeat.interval.ms, cluster-wide. */
                if (argc != 2 || parse_int(argv[1], 1, 3600000, &a)) {
                        reply_error(copy, "usage: %s <ms>", argv[0]);
                        return 0;
                }
                if (!strcmp(argv[0], "consumer-session"))
                        rd_kafka_mock_set_group_consumer_session_timeout_ms(mc, (int)a);
                else
                        rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(mc, (int)a);
                err = RD_KAFKA_RESP_ERR_NO_ERROR;
#endif
        } else {
                reply_error(copy, "unknown command %s", argv[0]);
                return 0;
        }

        if (err)
                reply_error(copy, "%s: %s", rd_kafka_err2name(err), rd_kafka_err2str(err));
        else
                reply_ack(argv[0]);
        return 0;
}

int main(int argc, char **argv) {
        const char *topics[MAX_TOPICS];
        int parts[MAX_TOPICS];
        int topic_cnt = 0, debug = 0, i;
        long n = -1, p;
        char errstr[512], line[LINE_MAX_LEN], out[1024];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;

        clock_gettime(CLOCK_MONOTONIC, &t0);

        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(argv[i], "--debug")) {
                        debug = 1;
                } else if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        if (parse_int(argv[++i], 1, 64, &n)) {
                                fprintf(stderr, "groupspec-mock: --brokers wants 1..64, got %s\n",
                                        argv[i]);
                                return 2;
                        }
                } else if (!strcmp(argv[i], "--topic") && i + 1 < argc) {
                        char *arg = argv[++i], *colon = strrchr(arg, ':');
                        if (!colon || colon == arg || parse_int(colon + 1, 1, 10000, &p)) {
                                fprintf(stderr,
                                        "groupspec-mock: --topic wants NAME:PARTITIONS, got %s\n",
                                        arg);
                                return 2;
                        }
                        if (topic_cnt == MAX_TOPICS) {
                                fprintf(stderr, "groupspec-mock: at most %d topics\n", MAX_TOPICS);
                                return 2;
                        }
                        *colon             = '\0';
                        topics[topic_cnt]  = arg;
                        parts[topic_cnt++] = (int)p;
                } else {
                        fprintf(stderr, "groupspec-mock: unexpected argument %s\n", argv[i]);
                        usage(stderr);
                        return 2;
                }
        }
        if (n < 0) {
                fprintf(stderr, "groupspec-mock: --brokers N is required\n");
                usage(stderr);
                return 2;
        }
        broker_cnt = (int)n;

        conf = rd_kafka_conf_new();
        if (debug) {
                rd_kafka_conf_set_log_cb(conf, log_cb);
                if (rd_kafka_conf_set(conf, "debug", "mock", errstr, sizeof(errstr)) !=
                    RD_KAFKA_CONF_OK) {
                        fprintf(stderr, "groupspec-mock: %s\n", errstr);
                        return 1;
                }
        } else {
                rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "groupspec-mock: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        mc = rd_kafka_mock_cluster_new(rk, broker_cnt);
        if (!mc) {
                fprintf(stderr, "groupspec-mock: rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 1;
        }
        for (i = 0; i < topic_cnt; i++) {
                rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
                    mc, topics[i], parts[i], broker_cnt < 3 ? broker_cnt : 3);
                if (err) {
                        fprintf(stderr, "groupspec-mock: topic %s: %s\n", topics[i],
                                rd_kafka_err2str(err));
                        rd_kafka_mock_cluster_destroy(mc);
                        rd_kafka_destroy(rk);
                        return 1;
                }
        }

        strcpy(out, "{\"type\":\"ready\",\"bootstraps\":\"");
        json_escape(out, sizeof(out), rd_kafka_mock_cluster_bootstraps(mc));
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "\",\"brokers\":%d,\"librdkafka\":\"%s\"}",
                 broker_cnt, rd_kafka_version_str());
        emit(out);

        while (fgets(line, sizeof(line), stdin)) {
                size_t len = strlen(line);
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                if (handle(mc, line))
                        break;
        }

        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
