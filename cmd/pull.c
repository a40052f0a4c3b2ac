/* skiff pull */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <stdio.h>
#include <string.h>

enum { OPT_AUTHFILE = 256, OPT_CERTDIR, OPT_CREDS, OPT_PLATFORM, OPT_TLS, OPT_ARCH, OPT_OS,
       OPT_VARIANT };

int cmd_pull(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"authfile", required_argument, NULL, OPT_AUTHFILE},
        {"cert-dir", required_argument, NULL, OPT_CERTDIR},
        {"creds", required_argument, NULL, OPT_CREDS},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"arch", required_argument, NULL, OPT_ARCH},
        {"os", required_argument, NULL, OPT_OS},
        {"variant", required_argument, NULL, OPT_VARIANT},
        {"tls-verify", optional_argument, NULL, OPT_TLS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const struct cmd *c = cmd_find("pull");
    struct engine_pull_opts o = {.tls_verify = -1};
    const char *arch = NULL, *os = NULL, *variant = NULL;
    bool quiet = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, "qh", longopts, &rc)) != -1) {
        switch (ch) {
        case -2:
            return rc;
        case OPT_AUTHFILE:
            o.authfile = optarg;
            break;
        case OPT_CERTDIR:
            o.cert_dir = optarg;
            break;
        case OPT_CREDS:
            o.creds = optarg;
            break;
        case OPT_PLATFORM:
            o.platform = optarg;
            break;
        case OPT_ARCH:
            arch = optarg;
            break;
        case OPT_OS:
            os = optarg;
            break;
        case OPT_VARIANT:
            variant = optarg;
            break;
        case OPT_TLS:
            if ((o.tls_verify = cmd_parse_bool("tls-verify", optarg)) < 0)
                return EXIT_ENGINE;
            break;
        case 'q':
            quiet = true;
            break;
        }
    }
    if (optind != argc - 1)
        return cmd_failf(optind >= argc ? "pull: requires exactly one image name"
                                        : "pull: too many arguments: want one image name");
    o.os = os;
    o.arch = arch;
    o.variant = variant;
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct cmd_progress *progress = cmd_progress_new(quiet);
    o.events = cmd_progress_events(progress);
    char id[65];
    struct sk_error err = {0};
    int r = engine_pull(e, argv[optind], &o, id, &err);
    cmd_progress_free(progress);
    if (r < 0)
        return cmd_fail(&err);
    printf("%s\n", id);
    return 0;
}
