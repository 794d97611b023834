/* libFuzzer target: a scenario file.  Each input is written as a scenario file in a
 * scratch folder that also holds small valid CSV tables (so inputs that name
 * skus.csv, assortment.csv, locations.csv, on_hand.csv, open_orders.csv or
 * history.csv reach the CSV loaders too) and loaded with ech_scenario_load.  Every
 * input must either load or be refused with a message; crashes, leaks, hangs and
 * sanitizer reports are findings.  See fuzz/README.md. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    fuzz_write("scenario.yaml", data, size);
    fuzz_load("scenario.yaml");
    return 0;
}
