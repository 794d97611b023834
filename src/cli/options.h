/* Command-line options of the echelon subcommands: one declarative table per
 * subcommand drives both parsing and --help, and every number is parsed with an
 * end-pointer check (so "12x" is an error, not 12). */
#ifndef ECHELON_CLI_OPTIONS_H
#define ECHELON_CLI_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

typedef enum cli_opt_kind {
    CLI_FLAG,   /* sets an int to 1 */
    CLI_INT64,  /* int64_t within [min, max] */
    CLI_UINT64, /* uint64_t */
    CLI_DOUBLE, /* double within [min, max] */
    CLI_STRING, /* const char * */
} cli_opt_kind;

typedef struct cli_option {
    const char *long_name; /* without the dashes */
    char short_name;       /* 0 for none */
    cli_opt_kind kind;
    void *target;
    const char *metavar; /* "N", "FILE" */
    const char *help;
    double min, max; /* for numbers */
    int *given;      /* optional: set to 1 when the option appears */
} cli_option;

/* Parses argv[first..argc-1].  Options may come before or after positional
 * arguments; "--" ends options.  Positional arguments are collected into
 * positional[0..*n_positional-1] (at most max_positional).  Returns 0, or 2 after
 * printing one error line to stderr (when `report` is non-zero). */
int cli_parse(int argc, char **argv, int first, const cli_option *opts, int n_opts,
              const char **positional, int max_positional, int *n_positional, int report);

/* A subcommand's arguments from argv[2]: parsed (errors reported by rank 0 only) and,
 * when the option table's --help flag *help was set, its help printed by rank 0
 * (print_help's text, then the options).  Returns -1 when the command goes on, else
 * the exit status to return: 0 after the help, 2 after a bad argument. */
int cli_parse_command(int argc, char **argv, const cli_option *opts, int n_opts,
                      const char **positional, int max_positional, int *n_positional, int rank,
                      const int *help, void (*print_help)(void));

/* The index of `value` in the NULL-terminated `names`, or -1 after printing an error
 * naming the option --opt and the allowed words. */
int cli_choice(const char *opt, const char *value, const char *const *names);

/* Prints the options table as help text. */
void cli_print_options(FILE *out, const cli_option *opts, int n_opts);

#endif
