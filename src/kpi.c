/* The KPI and totals tables; see include/echelon/kpi.h. */
#include "echelon/kpi.h"

#include <math.h>

const ech_field_info ech_kpi_info[ECH_KPI_COUNT] = {
#define ECH_KPI_INFO(e, name, units, desc) {name, units, desc, 0},
    ECH_KPI_LIST(ECH_KPI_INFO)
#undef ECH_KPI_INFO
};

const ech_field_info ech_total_info[ECH_TOTAL_COUNT] = {
#define ECH_TOTAL_INFO(e, name, units, money, desc) {name, units, desc, money},
    ECH_TOTAL_LIST(ECH_TOTAL_INFO)
#undef ECH_TOTAL_INFO
};

int64_t ech_money_to_fixed(double amount)
{
    return (int64_t)llround(amount * ECH_MONEY_SCALE);
}
