/* libFuzzer target: the CSV tables.  The first byte of an input picks the table
 * (locations, SKUs, assortment, on-hand snapshot, open orders, demand history), the
 * rest is that table's CSV text, loaded through a fixed scenario whose other tables
 * are small and valid.  See fuzz/README.md. */
#include "fuzz_common.h"

static const char *const SCENARIOS[] = {"t_locations.yaml",   "t_skus.yaml",
                                        "t_assortment.yaml",  "t_on_hand.yaml",
                                        "t_open_orders.yaml", "t_history.yaml"};
static const char *const FILES[] = {"f_locations.csv", "f_skus.csv",        "f_assortment.csv",
                                    "f_on_hand.csv",   "f_open_orders.csv", "f_history.csv"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size < 1)
        return 0;
    unsigned table = data[0] % 6;
    fuzz_write(FILES[table], data + 1, size - 1);
    fuzz_load(SCENARIOS[table]);
    return 0;
}
