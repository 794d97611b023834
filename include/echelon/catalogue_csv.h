/* Tables of a scenario: locations, SKUs, assortment, start snapshot, demand history.
 *
 * Each table has one row function that checks a row and adds it to the scenario.
 * Rows come from CSV files (ERP extracts) or from inline lists in the scenario file;
 * both go through the same function, so the same rules and the same messages apply
 * ("PATH:LINE: COLUMN: problem").  The columns of each table are listed once, below,
 * as X-macros: the CSV header check and the scenario file's schema for inline rows
 * are both generated from these lists.
 *
 * Order of use (ech_scenario_load does this):
 *   suppliers, their sites and the season profiles set in the scenario
 *   -> locations rows, ech_locations_finish
 *   -> SKU rows, ech_skus_finish
 *   -> assortment rows, ech_assortment_finish
 *   -> ech_scenario_finalize
 *   -> on-hand snapshot, open orders, demand history (these need the finalised
 *      skuloc table).
 * The column meanings and rules are documented in scenarios/README.md.
 */
#ifndef ECHELON_CATALOGUE_CSV_H
#define ECHELON_CATALOGUE_CSV_H

#include "echelon/csv_reader.h"
#include "echelon/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(symbol, column name, required in a CSV header) */
#define ECH_LOCATION_COLUMNS(X)                                                           \
    X(ID, "id", 1)                                                                        \
    X(NAME, "name", 0)                                                                    \
    X(KIND, "kind", 1)                                                                    \
    X(PARENT, "parent", 0)                                                                \
    X(LEAD_TIME_DAYS, "lead_time_days", 0)                                                \
    X(PRIORITY, "priority", 0)                                                            \
    X(REVIEW_OFFSET, "review_offset", 0)                                                  \
    X(COLD_CAPACITY_LITRES, "cold_capacity_litres", 0)

#define ECH_SKU_COLUMNS(X)                                                                \
    X(ID, "id", 1)                                                                        \
    X(NAME, "name", 0)                                                                    \
    X(UNIT_COST, "unit_cost", 1)                                                          \
    X(UNIT_PRICE, "unit_price", 1)                                                        \
    X(PACK_SIZE, "pack_size", 0)                                                          \
    X(SUPPLIER, "supplier", 0)                                                            \
    X(SHELF_LIFE_DAYS, "shelf_life_days", 0)                                              \
    X(STORAGE, "storage", 0)                                                              \
    X(HANDLING, "handling", 0)                                                            \
    X(SUBSTITUTION, "substitution", 0)                                                    \
    X(SEGMENT, "segment", 0)                                                              \
    X(SEASONALITY, "seasonality", 0)                                                      \
    X(TREND_PER_YEAR, "trend_per_year", 0)                                                \
    X(SITE, "site", 0)                                                                    \
    X(ALT_SUPPLIER, "alt_supplier", 0)                                                    \
    X(ALT_SITE, "alt_site", 0)                                                            \
    X(ALT_RULE, "alt_rule", 0)                                                            \
    X(ALT_SPLIT, "alt_split", 0)                                                          \
    X(ALT_PREMIUM, "alt_premium", 0)                                                      \
    X(RECEIPT_LIFE_MIN, "receipt_life_min", 0)                                            \
    X(RECEIPT_LIFE_MAX, "receipt_life_max", 0)                                            \
    X(UNIT_VOLUME_LITRES, "unit_volume_litres", 0)                                        \
    X(CW_RESERVED_UNITS, "cw_reserved_units", 0)

#define ECH_ASSORTMENT_COLUMNS(X)                                                         \
    X(SKU, "sku", 1)                                                                      \
    X(LOCATION, "location", 1)                                                            \
    X(DEMAND_MEAN, "demand_mean", 0)                                                      \
    X(DEMAND_DIST, "demand_dist", 0)                                                      \
    X(DEMAND_VAR_RATIO, "demand_var_ratio", 0)                                            \
    X(DEMAND_ZERO_PROB, "demand_zero_prob", 0)                                            \
    X(POLICY, "policy", 0)                                                                \
    X(REVIEW_DAYS, "review_days", 0)                                                      \
    X(ORDER_UP_TO, "order_up_to", 0)                                                      \
    X(REORDER_POINT, "reorder_point", 0)                                                  \
    X(MIN_ORDER_QTY, "min_order_qty", 0)                                                  \
    X(DISPLAY_MIN, "display_min", 0)

#define ECH_ON_HAND_COLUMNS(X)                                                            \
    X(SKU, "sku", 1)                                                                      \
    X(LOCATION, "location", 1)                                                            \
    X(ON_HAND, "on_hand", 1)

#define ECH_OPEN_ORDER_COLUMNS(X)                                                         \
    X(SKU, "sku", 1)                                                                      \
    X(LOCATION, "location", 1)                                                            \
    X(QUANTITY, "quantity", 1)                                                            \
    X(ARRIVAL_DATE, "arrival_date", 1)

#define ECH_HISTORY_COLUMNS(X)                                                            \
    X(SKU, "sku", 1)                                                                      \
    X(LOCATION, "location", 1)                                                            \
    X(DATE, "date", 1)                                                                    \
    X(QUANTITY, "quantity", 1)

#define ECH_COLUMN_ENUM_LOC(sym, name, req) ECH_LOCCOL_##sym,
#define ECH_COLUMN_ENUM_SKU(sym, name, req) ECH_SKUCOL_##sym,
#define ECH_COLUMN_ENUM_ASS(sym, name, req) ECH_ASSCOL_##sym,
#define ECH_COLUMN_ENUM_OH(sym, name, req) ECH_OHCOL_##sym,
#define ECH_COLUMN_ENUM_OO(sym, name, req) ECH_OOCOL_##sym,
#define ECH_COLUMN_ENUM_HIST(sym, name, req) ECH_HISTCOL_##sym,
enum { ECH_LOCATION_COLUMNS(ECH_COLUMN_ENUM_LOC) ECH_LOCCOL_COUNT };
enum { ECH_SKU_COLUMNS(ECH_COLUMN_ENUM_SKU) ECH_SKUCOL_COUNT };
enum { ECH_ASSORTMENT_COLUMNS(ECH_COLUMN_ENUM_ASS) ECH_ASSCOL_COUNT };
enum { ECH_ON_HAND_COLUMNS(ECH_COLUMN_ENUM_OH) ECH_OHCOL_COUNT };
enum { ECH_OPEN_ORDER_COLUMNS(ECH_COLUMN_ENUM_OO) ECH_OOCOL_COUNT };
enum { ECH_HISTORY_COLUMNS(ECH_COLUMN_ENUM_HIST) ECH_HISTCOL_COUNT };

/* The most columns of any table (inline rows in the scenario file reserve this many). */
enum { ECH_TABLE_MAX_COLUMNS = 24 };

extern const ech_csv_column ech_location_columns[ECH_LOCCOL_COUNT];
extern const ech_csv_column ech_sku_columns[ECH_SKUCOL_COUNT];
extern const ech_csv_column ech_assortment_columns[ECH_ASSCOL_COUNT];
extern const ech_csv_column ech_on_hand_columns[ECH_OHCOL_COUNT];
extern const ech_csv_column ech_open_order_columns[ECH_OOCOL_COUNT];
extern const ech_csv_column ech_history_columns[ECH_HISTCOL_COUNT];

/* ------------------------------------------------------------------------------
 * Network and catalogue (before ech_scenario_finalize)
 * ------------------------------------------------------------------------------ */

/* State kept while the tables are read: id indexes, and where each row came from so
 * that checks made after the last row can still name its line. */
typedef struct ech_table_loader ech_table_loader;

/* Starts loading into `sc`, whose location, SKU and skuloc tables must be empty.
 * sc->suppliers, sc->sites and sc->seasons must be set before SKU rows are added:
 * a SKU row fills the catalogue's supplier, site and alternative-source columns
 * (cat->site, alt_site, alt_rule, alt_split, alt_premium) completely, and so the
 * columns of batches, cold rooms and reserves (receipt_life_min/max, NaN when not
 * given; unit_volume_litres; cw_reserved_units, -1 when not given).  Location rows
 * fill net->cold_capacity_litres and assortment rows sl->display_min. */
ech_table_loader *ech_table_loader_new(ech_scenario *sc);
void ech_table_loader_free(ech_table_loader *t);

/* Adds one row.  Checks what one row can show (types, ranges, duplicates, names of
 * suppliers, SKUs and locations already read). */
ech_status ech_location_row(ech_table_loader *t, const ech_row *row, ech_error *err);
ech_status ech_sku_row(ech_table_loader *t, const ech_row *row, ech_error *err);
ech_status ech_assortment_row(ech_table_loader *t, const ech_row *row, ech_error *err);

/* Ends a table: checks what needs all rows (parents named later in the file, one
 * root, no cycles; at least one row).  `where` and `line` name the table for a
 * message about it as a whole (the CSV file, or the scenario file and the line of
 * the inline list), `key` the scenario key or NULL. */
ech_status ech_locations_finish(ech_table_loader *t, const char *where, long line,
                                const char *key, ech_error *err);
ech_status ech_skus_finish(ech_table_loader *t, const char *where, long line, const char *key,
                           ech_error *err);
ech_status ech_assortment_finish(ech_table_loader *t, const char *where, long line,
                                 const char *key, ech_error *err);

/* A whole CSV file: open, every row, finish. */
ech_status ech_locations_load_csv(ech_table_loader *t, const char *path, ech_error *err);
ech_status ech_skus_load_csv(ech_table_loader *t, const char *path, ech_error *err);
ech_status ech_assortment_load_csv(ech_table_loader *t, const char *path, ech_error *err);

/* ------------------------------------------------------------------------------
 * Start snapshot and demand history (after ech_scenario_finalize)
 * ------------------------------------------------------------------------------ */

/* Snapshot start: every skuloc starts with 0 on hand except those the file lists. */
ech_status ech_on_hand_load_csv(ech_scenario *sc, const char *path, ech_error *err);

/* Orders placed before day 0 and still to arrive: fills sc->open_orders, sorted by
 * skuloc and arrival day.  An order due before the first simulated day arrives on
 * the first simulated day (-warmup_days). */
ech_status ech_open_orders_load_csv(ech_scenario *sc, const char *path, ech_error *err);

/* Demand history to replay: fills sc->replay with one dense series per skuloc the
 * file names (days without a row have no demand) over the simulated days, and
 * switches those skulocs to ECH_DEMAND_REPLAY with demand_mean set to the series'
 * mean over the measured days.  Rows outside the simulated days are checked and
 * otherwise ignored. */
ech_status ech_history_load_csv(ech_scenario *sc, const char *path, ech_error *err);

#ifdef __cplusplus
}
#endif

#endif
