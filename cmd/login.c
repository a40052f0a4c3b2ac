/* skiff login, skiff logout */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "registry/auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum { OPT_AUTHFILE = 256, OPT_CERTDIR, OPT_TLS, OPT_STDIN, OPT_GETLOGIN };

/* "https://host:port/path" -> "host:port/path" (auth.json keys have no scheme). */
static const char *strip_scheme(const char *s)
{
    if (sk_str_has_prefix(s, "https://"))
        return s + 8;
    if (sk_str_has_prefix(s, "http://"))
        return s + 7;
    return s;
}

static char *read_line(FILE *f, bool echo)
{
    struct termios old, quiet;
    bool tty = !echo && isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(f), TCSAFLUSH, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (tty) {
        tcsetattr(fileno(f), TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return line;
}

int cmd_login(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"authfile", required_argument, NULL, OPT_AUTHFILE},
        {"cert-dir", required_argument, NULL, OPT_CERTDIR},
        {"tls-verify", optional_argument, NULL, OPT_TLS},
        {"password-stdin", no_argument, NULL, OPT_STDIN},
        {"get-login", no_argument, NULL, OPT_GETLOGIN},
        {"username", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const struct cmd *c = cmd_find("login");
    const char *authfile = NULL, *cert_dir = NULL, *user = NULL, *pass = NULL;
    bool pass_stdin = false, get_login = false;
    int tls_verify = 1, ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, "u:p:h", longopts, &rc)) != -1) {
        switch (ch) {
        case -2:
            return rc;
        case OPT_AUTHFILE:
            authfile = optarg;
            break;
        case OPT_CERTDIR:
            cert_dir = optarg;
            break;
        case OPT_TLS:
            if ((tls_verify = cmd_parse_bool("tls-verify", optarg)) < 0)
                return EXIT_ENGINE;
            break;
        case OPT_STDIN:
            pass_stdin = true;
            break;
        case OPT_GETLOGIN:
            get_login = true;
            break;
        case 'u':
            user = optarg;
            break;
        case 'p':
            pass = optarg;
            break;
        }
    }
    if (optind != argc - 1)
        return cmd_failf("login: requires exactly one registry");
    const char *key = strip_scheme(argv[optind]);
    _cleanup_free_ char *host = sk_strndup(key, strcspn(key, "/"));
    struct sk_error err = {0};
    if (get_login) {
        _cleanup_free_ char *u = NULL, *p = NULL;
        if (registry_auth_lookup(authfile, host, NULL, &u, &p, &err) < 0)
            return cmd_fail(&err);
        if (!u)
            return cmd_failf("not logged into %s", key);
        printf("%s\n", u);
        return 0;
    }
    if (pass && pass_stdin)
        return cmd_failf("login: --password and --password-stdin are mutually exclusive");
    _cleanup_free_ char *user_buf = NULL, *pass_buf = NULL;
    if (!user) {
        if (!isatty(STDIN_FILENO) || pass_stdin)
            return cmd_failf("login: --username is required without a terminal");
        fprintf(stderr, "Username: ");
        user = user_buf = read_line(stdin, true);
    }
    if (!pass) {
        if (!pass_stdin && !isatty(STDIN_FILENO))
            return cmd_failf("login: --password or --password-stdin is required without a "
                             "terminal");
        if (!pass_stdin)
            fprintf(stderr, "Password: ");
        pass = pass_buf = read_line(stdin, pass_stdin);
    }
    if (!user || !*user || !pass || !*pass)
        return cmd_failf("login: username and password must not be empty");

    _cleanup_free_ char *creds = sk_asprintf("%s:%s", user, pass);
    struct registry_client_opts co = {.creds = creds, .cert_dir = cert_dir,
                                      .tls_verify = tls_verify != 0};
    _cleanup_client_ struct registry_client *client = NULL;
    if (registry_client_new(host, &co, &client, &err) < 0 ||
        registry_check_login(client, &err) < 0)
        return cmd_fail(&err);
    _cleanup_free_ char *path = registry_auth_default_path(authfile);
    if (registry_auth_store(path, key, user, pass, &err) < 0)
        return cmd_fail(&err);
    printf("Login Succeeded!\n");
    return 0;
}

int cmd_logout(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"authfile", required_argument, NULL, OPT_AUTHFILE},
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const struct cmd *c = cmd_find("logout");
    const char *authfile = NULL;
    bool all = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, "ah", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        if (ch == OPT_AUTHFILE)
            authfile = optarg;
        if (ch == 'a')
            all = true;
    }
    if (!all && optind != argc - 1)
        return cmd_failf("logout: requires exactly one registry (or --all)");
    _cleanup_free_ char *path = registry_auth_default_path(authfile);
    const char *key = all ? NULL : strip_scheme(argv[optind]);
    struct sk_error err = {0};
    if (registry_auth_remove(path, key, all, &err) < 0) {
        if (err.code == ENOENT && key)
            return cmd_failf("not logged into %s", key);
        return cmd_fail(&err);
    }
    if (all)
        printf("Removed login credentials for all registries\n");
    else
        printf("Removed login credentials for %s\n", key);
    return 0;
}
