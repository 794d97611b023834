/* Loading a scenario file into an ech_scenario.
 *
 * ech_scenario_load does the whole chain: parse and validate the YAML file against
 * its schema (libcyaml), read the CSV files it names (libcsv) or run the generators,
 * finalise the model, read the start snapshot and the demand history, apply the
 * command-line overrides, and resolve the policy targets.  On any problem with the
 * input it returns ECH_ERR_INPUT with one message naming the file, the line or row,
 * and the key or column ("scenarios/x.yaml:12: lead_time_days: must be >= 0").
 *
 * The loader fills the supply model completely: supplier reliability, sites (one
 * per supplier named as it when the file gives none), regions (region 0 "default"),
 * disruptions, the SKUs' sites and alternative sources, and the variants when the
 * file has a variants section (without one, ech_scenario_finalize makes the
 * baseline).
 *
 * The schema is documented in scenarios/README.md.
 */
#ifndef ECHELON_SCENARIO_LOAD_H
#define ECHELON_SCENARIO_LOAD_H

#include "echelon/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values given on the command line replace the scenario's own.  Negative or
 * has_* == 0 means "not given". */
typedef struct ech_overrides {
    int64_t replications;
    int32_t days;
    int32_t warmup_days;
    int has_seed;
    uint64_t seed;
    int keep_replications;    /* 1: force on; 0: leave as the scenario says */
    int32_t stock_bands;      /* output.stock_bands instead of the scenario's; -1: not given */
    const char *targets_path; /* a targets CSV over the scenario's (relative to the
                               * working directory), or NULL */
} ech_overrides;

/* An overrides record that overrides nothing. */
ech_overrides ech_overrides_none(void);

/* Loads the scenario file `path` into `sc` (whose previous contents are ignored).
 * Files the scenario names are relative to the scenario file's directory.  `ov` may
 * be NULL.  On failure `sc` is left empty (ech_scenario_free on it is harmless) and
 * `err` holds the message. */
ech_status ech_scenario_load(const char *path, const ech_overrides *ov, ech_scenario *sc,
                             ech_error *err);

/* The scenario as simulated, as YAML text for the results file's provenance: every
 * setting after defaults and overrides (name, seed, replications, horizon, demand
 * and season profiles, supply rules, suppliers with their lead times, reliability
 * and sites, regions, disruptions, costs, policy rules, variants, start, output
 * options) and where the network and catalogue came from with their sizes.  The
 * caller frees the returned string. */
char *ech_scenario_resolved_text(const ech_scenario *sc);

#ifdef __cplusplus
}
#endif

#endif
