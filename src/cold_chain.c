/* Cold-room occupancy; see include/echelon/cold_chain.h. */
#include "echelon/cold_chain.h"

#include <math.h>

int64_t ech_cold_unit_ml(const ech_scenario *sc, int32_t sku)
{
    if (sc->cat.storage[sku] != ECH_STORAGE_COLD || !sc->cat.unit_volume_litres)
        return 0;
    return (int64_t)llround(sc->cat.unit_volume_litres[sku] * 1000.0);
}
