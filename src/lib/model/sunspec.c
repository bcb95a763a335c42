/*
 * sunspec.c - built-in register maps for SunSpec information models: the
 * points a device with "sunspec" gets (zeropark/devices.h).
 *
 * Register offsets are those of the SunSpec model definitions, counted from
 * the model's ID register (ID = 0, L = 1, first point = 2):
 *
 *   model 1   common:  Mn 2 (16 regs), Md 18 (16), Opt 34 (8), Vr 42 (8),
 *                      SN 50 (16), DA 66, Pad 67; L = 66
 *   model 101/103 inverter (single/three phase, integer + scale factor),
 *                      L = 50: A 2, AphA 3, AphB 4, AphC 5, A_SF 6,
 *                      PPVphAB 7 .. PhVphC 12, V_SF 13, W 14, W_SF 15, Hz 16,
 *                      Hz_SF 17, VA 18, VA_SF 19, VAr 20, VAr_SF 21, PF 22,
 *                      PF_SF 23, WH 24 (acc32), WH_SF 26, DCA 27, DCA_SF 28,
 *                      DCV 29, DCV_SF 30, DCW 31, DCW_SF 32, TmpCab 33,
 *                      TmpSnk 34, TmpTrns 35, TmpOt 36, Tmp_SF 37, St 38,
 *                      StVnd 39, Evt1 40 ...
 *   model 201/203 meter (single/wye three phase), L = 105: A 2, AphA 3 ..
 *                      A_SF 6, PhV 7, PhVphA 8 .. V_SF 15, Hz 16, Hz_SF 17,
 *                      W 18, WphA 19, WphB 20, WphC 21, W_SF 22, VA 23 ..
 *                      VA_SF 27, VAR 28 .. VAR_SF 32, PF 33 .. PF_SF 37,
 *                      TotWhExp 38 (acc32) .. TotWhImp 46 (acc32) ..
 *                      TotWh_SF 54, ...
 *   model 124 basic storage controls, L = 24: WChaMax 2, WChaGra 3,
 *                      WDisChaGra 4, StorCtl_Mod 5, VAChaMax 6, MinRsvPct 7,
 *                      ChaState 8, StorAval 9, InBatV 10, ChaSt 11,
 *                      OutWRte 12, InWRte 13, InOutWRte_WinTms 14,
 *                      InOutWRte_RvrtTms 15, InOutWRte_RmpTms 16,
 *                      ChaGriSet 17, WChaMax_SF 18, WChaDisChaGra_SF 19,
 *                      VAChaMax_SF 20, MinRsvPct_SF 21, ChaState_SF 22,
 *                      StorAval_SF 23, InBatV_SF 24, InOutWRte_SF 25
 *
 * A device's block starts with "SunS" at its base address (40000 by
 * default, 0-based), the common model follows, then the device model.
 * Powers are read in W and delivered in kW (scale 0.001); ChaState in %
 * is delivered as a fraction (scale 0.01) so it can feed storage.<name>.soc.
 */
#include "zeropark/devices.h"

#include <string.h>

static const zp_sunspec_point inverter[] = {
    {"ac_power_kw", "W", 14, ZP_REG_INT16, 15, 0.001, "kW", 1},
    {"energy_kwh", "WH", 24, ZP_REG_UINT32, 26, 0.001, "kWh", 0},
    {"current_a", "A", 2, ZP_REG_UINT16, 6, 1, "A", 0},
    {"voltage_v", "PhVphA", 10, ZP_REG_UINT16, 13, 1, "V", 0},
    {"frequency_hz", "Hz", 16, ZP_REG_UINT16, 17, 1, "Hz", 0},
    {"dc_power_kw", "DCW", 31, ZP_REG_INT16, 32, 0.001, "kW", 0},
    {"cabinet_temp_c", "TmpCab", 33, ZP_REG_INT16, 37, 1, "degC", 0},
    {"state", "St", 38, ZP_REG_UINT16, -1, 1, "", 0},
};

static const zp_sunspec_point meter[] = {
    {"power_kw", "W", 18, ZP_REG_INT16, 22, 0.001, "kW", 1},
    {"current_a", "A", 2, ZP_REG_INT16, 6, 1, "A", 0},
    {"voltage_v", "PhV", 7, ZP_REG_INT16, 15, 1, "V", 0},
    {"frequency_hz", "Hz", 16, ZP_REG_INT16, 17, 1, "Hz", 0},
    {"export_kwh", "TotWhExp", 38, ZP_REG_UINT32, 54, 0.001, "kWh", 0},
    {"import_kwh", "TotWhImp", 46, ZP_REG_UINT32, 54, 0.001, "kWh", 0},
};

static const zp_sunspec_point storage[] = {
    {"soc", "ChaState", 8, ZP_REG_UINT16, 22, 0.01, "fraction", 1},
    {"max_charge_kw", "WChaMax", 2, ZP_REG_UINT16, 18, 0.001, "kW", 0},
    {"min_reserve_pct", "MinRsvPct", 7, ZP_REG_UINT16, 21, 1, "%", 0},
    {"battery_v", "InBatV", 10, ZP_REG_UINT16, 24, 1, "V", 0},
    {"charge_status", "ChaSt", 11, ZP_REG_UINT16, -1, 1, "", 0},
    {"control_mode", "StorCtl_Mod", 5, ZP_REG_UINT16, -1, 1, "", 0},
    {"discharge_rate_pct", "OutWRte", 12, ZP_REG_INT16, 25, 1, "%", 0},
    {"charge_rate_pct", "InWRte", 13, ZP_REG_INT16, 25, 1, "%", 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const zp_sunspec_point *zp_sunspec_map(const char *model, size_t *n, int *length)
{
    const zp_sunspec_point *m = NULL;
    size_t k = 0;
    int len = 0;
    if (!model)
        model = "";
    if (strcmp(model, "101") == 0 || strcmp(model, "103") == 0) {
        m = inverter, k = N(inverter), len = 50;
    } else if (strcmp(model, "201") == 0 || strcmp(model, "203") == 0) {
        m = meter, k = N(meter), len = 105;
    } else if (strcmp(model, "124") == 0) {
        m = storage, k = N(storage), len = 24;
    }
    if (n)
        *n = k;
    if (length)
        *length = len;
    return m;
}

int zp_sunspec_block_size(const char *model)
{
    int len;
    if (!zp_sunspec_map(model, NULL, &len))
        return 0;
    return ZP_SUNSPEC_MODEL_AT + 2 + len + 2;
}
