/*
 * report.c - the park's year as one self-contained HTML page: SVG charts
 * written here (no JavaScript, no external fonts or images), tables, and
 * the method with its factor sources; the monthly table also as CSV.
 *
 * Data flow: the accounting result (carbon.h) when the caller has one,
 * else a view built from the simulation alone with the same shape
 * (zp_acct_totals per month and per day), so every chart and table is
 * written by one code path. Text is built in a capped, growing buffer with
 * a sticky error, checked once at the end (SQLite's mallocFailed idea):
 * the writers stay free of error plumbing.
 *
 * Every string that comes from a model, a factor file or an accounting
 * note is HTML-escaped; the page's own strings live in one table below,
 * in English and Chinese.
 */
#include "core/internal.h"
#include "zeropark/carbon.h"
#include "zeropark/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- strings --------------------------------------------------------------
 * All the page's words, [id][lang]. Keep both columns filled: a missing
 * translation shows as an empty label in that language. */
enum {
    S_HTML_LANG, S_REPORT, S_PERIOD, S_STEP, S_MINUTES, S_DISPATCH, S_MODEL_FILE,
    S_GENERATED, S_LOCAL_TIME, S_DATA_FROM, S_DATA_SIM, S_DATA_ACCT,
    S_K_TOTAL, S_K_GREEN, S_K_HOURLY, S_K_PUE, S_K_BUDGET, S_K_NO_BUDGET,
    S_C_EMIS, S_C_EMIS_D, S_C_HEAT, S_C_HEAT_D, S_C_SRC, S_C_SRC_D, S_C_BURN,
    S_C_BURN_D, S_C_PUE, S_C_PUE_D, S_NO_DC, S_NO_BUDGET_NOTE,
    S_SCOPE1, S_SCOPE2_LOC, S_SCOPE2_MKT, S_TOTAL_LOC, S_TOTAL_MKT, S_PV, S_WIND,
    S_STORAGE, S_GRID, S_CUMUL, S_PROJ, S_BUDGET, S_PACE, S_CROSSING, S_DAILY_PUE,
    S_PUE_TARGET, S_NO_CONS, S_SHARE,
    S_AX_EMIS, S_AX_ENERGY, S_AX_HOUR, S_AX_DATE, S_AX_MONTH, S_AX_CUMUL, S_AX_PUE,
    S_T_SCOPE, S_T_TARGETS, S_T_ENERGY, S_T_GREEN, S_T_MONTHLY, S_T_METHOD,
    S_H_ITEM, S_H_VALUE, S_H_UNIT, S_H_SHARE, S_H_LIMIT, S_H_RESULT, S_H_PROJECTED,
    S_H_STATUS, S_H_MONTH, S_H_CONS,
    S_ST_MET, S_ST_RISK, S_ST_MISSED, S_NO_TARGETS,
    S_TG_EMIS, S_TG_GREEN, S_TG_PUE, S_TG_TCE, S_TG_INTENSITY,
    S_E_LOADS, S_E_DC_IT, S_E_DC_FAC, S_E_PV, S_E_WIND, S_E_IMPORT, S_E_EXPORT,
    S_E_CHARGE, S_E_DISCHARGE, S_E_CURTAILED, S_E_UNSERVED, S_E_CONSUMPTION,
    S_E_TCE_CAL, S_E_TCE_EQ, S_E_FUELS_TCE, S_E_COAL_SAVED, S_E_INTENSITY,
    S_E_NO_TCE,
    S_G_VOL, S_G_HOURLY, S_G_CERTS, S_G_CERTS_APPLIED, S_G_CONTRACTS, S_G_SURPLUS,
    S_G_CUE,
    S_M_SCOPE1, S_M_SCOPE2_LOC, S_M_SCOPE2_MKT, S_M_CFE, S_M_VOL, S_M_PUE, S_M_TCE,
    S_M_FACTOR_SET, S_M_GWP, S_M_GRID, S_M_RESIDUAL, S_M_POWER_COAL, S_M_FUEL,
    S_M_REFRIG, S_M_SOURCE, S_M_YEAR, S_M_VERIF, S_M_NOTES, S_M_ALERTS,
    S_M_CORRECTIONS, S_M_SIM_ONLY, S_M_HOURLY_FACTOR, S_M_SERIES, S_M_SIM_MARKET,
    S_M_BUDGET,
    S_K_NET, S_T_OFFSETS, S_O_GROSS, S_O_RETIRED, S_O_NET, S_O_NOTE, S_O_NONE, S_H_RETIREMENT,
    S_H_PROJECT, S_H_BENEFICIARY, S_H_PURPOSE, S_H_SERIALS,
    S_FOOTER,
    S_DISP_RULE, S_DISP_OPTIMAL, S_DISP_MPC, S_RUN, S_K_COST, S_K_PEAK, S_T_COST, S_CO_IMPORT,
    S_CO_EXPORT, S_CO_NET, S_CO_PEAK, S_CO_PEAK_AT, S_T_PEAKS, S_CO_MAX, S_M_COST,
    S_PARK_MODEL, S_NATIONAL, S_BUILTIN, S_NOT_VERIFIED, S_GIVEN_IN_MODEL, S_IMPORT_WEIGHTED,
    S_M_NCV, S_M_CC, S_M_OF, S_H_PEAK_TIME,
    S__COUNT
};

static const char *const strings[S__COUNT][2] = {
    [S_HTML_LANG] = {"en", "zh-CN"},
    [S_REPORT] = {"Carbon and energy report", "碳排放与能源报告"},
    [S_PERIOD] = {"Period", "核算期"},
    [S_STEP] = {"step", "步长"},
    [S_MINUTES] = {"min", "分钟"},
    [S_DISPATCH] = {"dispatch", "调度方式"},
    [S_MODEL_FILE] = {"Model", "模型"},
    [S_GENERATED] = {"Generated", "生成时间"},
    [S_LOCAL_TIME] = {"Dates and hours are the park's local time", "日期与时刻均为园区当地时间"},
    [S_DATA_FROM] = {"Figures from", "数据来源"},
    [S_DATA_SIM] = {"the simulation (no accounting run)", "模拟结果（未经核算引擎）"},
    [S_DATA_ACCT] = {"the carbon accounting of the simulation", "对模拟结果的碳核算"},
    [S_K_TOTAL] = {"Total emissions, market-based", "总排放（基于市场）"},
    [S_K_GREEN] = {"Green electricity share", "绿电占比"},
    [S_K_HOURLY] = {"Hourly matched carbon-free share", "逐时匹配无碳电力占比"},
    [S_K_PUE] = {"Data-center PUE", "数据中心 PUE"},
    [S_K_BUDGET] = {"Carbon budget used", "碳预算已用"},
    [S_K_NO_BUDGET] = {"no budget set", "未设预算"},
    [S_C_EMIS] = {"Monthly emissions by scope", "各月分范围排放"},
    [S_C_EMIS_D] = {"Stacked bars: Scope 1 (fuels, refrigerants) and Scope 2 location-based emissions per month. "
                    "Dots: total market-based emissions per month.",
                    "堆叠柱：每月范围一（燃料、制冷剂）与范围二（基于位置）排放；圆点：每月基于市场的总排放。"},
    [S_C_HEAT] = {"Hourly carbon-free share of consumption", "逐时无碳电力占用电量比例"},
    [S_C_HEAT_D] = {"Each cell is one hour of one day: the share of the park's consumption met by "
                    "on-site PV, wind and storage charged from them.",
                    "每格为某日某小时：园区用电中由本地光伏、风电及其充入储能的电量所满足的比例。"},
    [S_C_SRC] = {"Energy supply by source", "分来源电力供应"},
    [S_C_SRC_D] = {"Stacked bars: energy delivered to the park each month by PV, wind, storage "
                   "discharge and grid import.",
                   "堆叠柱：每月由光伏、风电、储能放电与电网购电向园区供应的电量。"},
    [S_C_BURN] = {"Carbon budget burn-down", "碳预算消耗"},
    [S_C_BURN_D] = {"Cumulative market-based emissions by day against the budget, with the linear "
                    "projection to the end of the budget year.",
                    "按日累计的基于市场排放与预算对比，并线性外推至预算年末。"},
    [S_C_PUE] = {"PUE over time", "PUE 变化"},
    [S_C_PUE_D] = {"Daily PUE of the data center: total facility energy divided by IT energy.",
                   "数据中心每日 PUE：设施总能耗除以 IT 能耗。"},
    [S_NO_DC] = {"This park has no data center: no PUE chart.", "本园区无数据中心，故无 PUE 图。"},
    [S_NO_BUDGET_NOTE] = {"The model sets no emissions cap: the chart shows cumulative emissions only.",
                          "模型未设排放上限：图中仅显示累计排放。"},
    [S_SCOPE1] = {"Scope 1 (direct)", "范围一（直接排放）"},
    [S_SCOPE2_LOC] = {"Scope 2, location-based", "范围二（基于位置）"},
    [S_SCOPE2_MKT] = {"Scope 2, market-based", "范围二（基于市场）"},
    [S_TOTAL_LOC] = {"Total, location-based", "合计（基于位置）"},
    [S_TOTAL_MKT] = {"Total, market-based", "合计（基于市场）"},
    [S_PV] = {"PV", "光伏"},
    [S_WIND] = {"Wind", "风电"},
    [S_STORAGE] = {"Storage discharge", "储能放电"},
    [S_GRID] = {"Grid import", "电网购电"},
    [S_CUMUL] = {"Cumulative emissions", "累计排放"},
    [S_PROJ] = {"Linear projection", "线性预测"},
    [S_BUDGET] = {"Budget", "预算"},
    [S_PACE] = {"Even pace to budget", "预算均匀消耗线"},
    [S_CROSSING] = {"Budget crossed", "超出预算"},
    [S_DAILY_PUE] = {"Daily PUE", "日 PUE"},
    [S_PUE_TARGET] = {"PUE target", "PUE 目标"},
    [S_NO_CONS] = {"no consumption", "无用电"},
    [S_SHARE] = {"carbon-free share", "无碳占比"},
    [S_AX_EMIS] = {"Emissions (t CO₂e)", "排放量（吨 CO₂e）"},
    [S_AX_ENERGY] = {"Energy (MWh)", "电量（MWh）"},
    [S_AX_HOUR] = {"Hour of day", "时刻"},
    [S_AX_DATE] = {"Date", "日期"},
    [S_AX_MONTH] = {"Month", "月份"},
    [S_AX_CUMUL] = {"Cumulative emissions (t CO₂e)", "累计排放（吨 CO₂e）"},
    [S_AX_PUE] = {"PUE (facility / IT)", "PUE（设施/IT）"},
    [S_T_SCOPE] = {"Emissions by scope", "分范围排放"},
    [S_T_TARGETS] = {"Targets", "目标"},
    [S_T_ENERGY] = {"Energy", "能源"},
    [S_T_GREEN] = {"Green electricity", "绿色电力"},
    [S_T_MONTHLY] = {"Monthly figures", "月度数据"},
    [S_T_METHOD] = {"Method and factor sources", "方法与排放因子来源"},
    [S_H_ITEM] = {"Item", "项目"},
    [S_H_VALUE] = {"Value", "数值"},
    [S_H_UNIT] = {"Unit", "单位"},
    [S_H_SHARE] = {"Share", "占比"},
    [S_H_LIMIT] = {"Limit", "限值"},
    [S_H_RESULT] = {"Result", "结果"},
    [S_H_PROJECTED] = {"Projected", "预测值"},
    [S_H_STATUS] = {"Status", "状态"},
    [S_H_MONTH] = {"Month", "月份"},
    [S_H_CONS] = {"Consumption", "用电量"},
    [S_ST_MET] = {"met", "达成"},
    [S_ST_RISK] = {"at risk", "有风险"},
    [S_ST_MISSED] = {"missed", "未达成"},
    [S_NO_TARGETS] = {"The model sets no targets.", "模型未设定目标。"},
    [S_TG_EMIS] = {"Emissions cap (market-based)", "排放上限（基于市场）"},
    [S_TG_GREEN] = {"Minimum green electricity share", "绿电占比下限"},
    [S_TG_PUE] = {"Maximum PUE", "PUE 上限"},
    [S_TG_TCE] = {"Energy cap (equal-value)", "能耗上限（等价值）"},
    [S_TG_INTENSITY] = {"Carbon intensity cap", "碳排放强度上限"},
    [S_E_LOADS] = {"Loads (demand)", "负荷（需求）"},
    [S_E_DC_IT] = {"Data-center IT", "数据中心 IT"},
    [S_E_DC_FAC] = {"Data-center facility", "数据中心设施总能耗"},
    [S_E_PV] = {"PV generation available", "光伏可发电量"},
    [S_E_WIND] = {"Wind generation available", "风电可发电量"},
    [S_E_IMPORT] = {"Grid import", "电网购电"},
    [S_E_EXPORT] = {"Grid export", "上网电量"},
    [S_E_CHARGE] = {"Storage charge", "储能充电"},
    [S_E_DISCHARGE] = {"Storage discharge", "储能放电"},
    [S_E_CURTAILED] = {"Curtailed PV and wind", "弃光弃风"},
    [S_E_UNSERVED] = {"Unserved demand", "未满足需求"},
    [S_E_CONSUMPTION] = {"Consumption supplied", "实际用电量"},
    [S_E_TCE_CAL] = {"Total energy, calorific-equivalent method", "综合能耗（当量值）"},
    [S_E_TCE_EQ] = {"Total energy, equal-value method", "综合能耗（等价值）"},
    [S_E_FUELS_TCE] = {"Fuels", "燃料"},
    [S_E_COAL_SAVED] = {"Standard coal saved by on-site PV and wind", "本地光伏风电节约标准煤"},
    [S_E_INTENSITY] = {"Energy intensity (equal-value)", "能耗强度（等价值）"},
    [S_E_NO_TCE] = {"Energy in standard coal equivalent needs the accounting engine.",
                    "标准煤折算需经核算引擎。"},
    [S_G_VOL] = {"Green share, annual volumetric (with certificates)", "绿电占比（年度电量口径，含绿证）"},
    [S_G_HOURLY] = {"Carbon-free share, hourly matched", "无碳电力占比（逐时匹配）"},
    [S_G_CERTS] = {"Green certificates offered", "绿证"},
    [S_G_CERTS_APPLIED] = {"Green certificates applied", "已抵扣绿证"},
    [S_G_CONTRACTS] = {"Green-power contracts applied", "已抵扣绿电交易"},
    [S_G_SURPLUS] = {"Instruments beyond grid import (not used)", "超出购电量的凭证（未使用）"},
    [S_G_CUE] = {"CUE, market-based", "CUE（基于市场）"},
    [S_M_SCOPE1] = {"Scope 1: fuel amount × net calorific value × carbon content × oxidation rate "
                    "× 44/12, plus refrigerant leakage × GWP.",
                    "范围一：燃料消耗量 × 低位发热量 × 单位热值含碳量 × 碳氧化率 × 44/12，加制冷剂泄漏量 × GWP。"},
    [S_M_SCOPE2_LOC] = {"Scope 2, location-based: grid import in each step × the grid emission factor.",
                        "范围二（基于位置）：每个时段的电网购电量 × 电网排放因子。"},
    [S_M_SCOPE2_MKT] = {"Scope 2, market-based: grid import less green certificates and green-power "
                        "contracts, × the residual factor; floored at zero (a surplus is reported, "
                        "never negative emissions).",
                        "范围二（基于市场）：电网购电量扣除绿证与绿电交易电量后 × 剩余电力因子；最低为零"
                        "（多余凭证单列，不产生负排放）。"},
    [S_M_CFE] = {"Hourly matched carbon-free share: PV and wind consumed directly plus storage "
                 "discharge of energy charged from them, divided by consumption, hour by hour.",
                 "逐时匹配无碳占比：每小时直接消纳的光伏风电及由其充入储能的放电量，除以用电量。"},
    [S_M_VOL] = {"Annual volumetric green share: carbon-free energy plus certificates and contracts, "
                 "divided by consumption, at most 100 %.",
                 "年度电量口径绿电占比：无碳电量加绿证与绿电交易电量，除以用电量，上限 100%。"},
    [S_M_PUE] = {"PUE: total data-center facility energy divided by IT energy (daily in the chart).",
                 "PUE：数据中心设施总能耗除以 IT 能耗（图中按日计算）。"},
    [S_M_TCE] = {"Energy in standard coal equivalent: calorific-equivalent method with electricity "
                 "at 0.1229 kgce/kWh; equal-value method with electricity at the coal consumption of "
                 "thermal power supply below; fuels by their calorific value (29.3076 GJ/tce).",
                 "标准煤折算：当量值法电力按 0.1229 kgce/kWh；等价值法电力按下列火电供电煤耗；"
                 "燃料按其发热量折算（29.3076 GJ/tce）。"},
    [S_M_FACTOR_SET] = {"Factor set", "因子集"},
    [S_M_GWP] = {"Global warming potentials", "全球增温潜势"},
    [S_M_GRID] = {"Grid emission factor (location-based)", "电网排放因子（基于位置）"},
    [S_M_RESIDUAL] = {"Residual factor (market-based)", "剩余电力因子（基于市场）"},
    [S_M_POWER_COAL] = {"Coal consumption of thermal power supply", "火电供电煤耗"},
    [S_M_FUEL] = {"Fuel", "燃料"},
    [S_M_REFRIG] = {"Refrigerant", "制冷剂"},
    [S_M_SOURCE] = {"Source", "来源"},
    [S_M_YEAR] = {"Year", "年份"},
    [S_M_VERIF] = {"Verification", "核实"},
    [S_M_NOTES] = {"Notes from the accounting", "核算说明"},
    [S_M_ALERTS] = {"Alerts", "预警"},
    [S_M_CORRECTIONS] = {"Corrected meter readings", "已修正的表计读数"},
    [S_M_SIM_ONLY] = {"These figures come from the simulation alone: no accounting run was given, so "
                      "energy in tce is not shown and targets are met or missed at the end of the run.",
                      "以下数据仅来自模拟：未提供核算结果，故不显示标准煤折算，目标按模拟期末判定。"},
    [S_M_HOURLY_FACTOR] = {"per-step series", "逐时段序列"},
    [S_M_SERIES] = {"from the file", "取自文件"},
    [S_M_SIM_MARKET] = {"Market-based emissions by month and day are the location-based ones scaled "
                        "by the run's market/location ratio; the run total is exact.",
                        "各月、各日基于市场的排放按模拟期基于市场/基于位置之比折算；全期合计为精确值。"},
    [S_M_BUDGET] = {"Carbon budget: the emissions cap; the projection extends the average daily "
                    "emissions so far to the end of the budget year.",
                    "碳预算即排放上限；预测按迄今日均排放线性外推至预算年末。"},
    [S_K_NET] = {"Net emissions after offsets", "抵销后净排放"},
    [S_T_OFFSETS] = {"Carbon credits retired against the park-year", "本园区年度注销的碳信用"},
    [S_O_GROSS] = {"Gross emissions, market-based", "总排放（基于市场）"},
    [S_O_RETIRED] = {"Carbon credits retired", "已注销碳信用"},
    [S_O_NET] = {"Net emissions", "净排放"},
    [S_O_NOTE] = {"Credits retired in the credit ledger for this park and year; each is one "
                  "tonne CO₂e with its own serial number, which cannot be retired twice.",
                  "碳信用账本中为本园区本年度注销的信用；每个序列号代表一吨 CO₂e，不能重复注销。"},
    [S_O_NONE] = {"No credits have been retired against this park-year.", "本园区本年度尚无注销的碳信用。"},
    [S_H_RETIREMENT] = {"Retirement", "注销编号"},
    [S_H_PROJECT] = {"Project", "项目"},
    [S_H_BENEFICIARY] = {"Beneficiary", "受益方"},
    [S_H_PURPOSE] = {"Purpose", "用途"},
    [S_H_SERIALS] = {"Serial numbers", "序列号"},
    [S_FOOTER] = {"Written by zeropark", "由 zeropark 生成"},
    [S_DISP_RULE] = {"rule-based", "规则调度"},
    [S_DISP_OPTIMAL] = {"optimal (perfect foresight)", "最优调度（完全预见）"},
    [S_DISP_MPC] = {"rolling-horizon MPC", "滚动优化调度（MPC）"},
    [S_RUN] = {"stored run", "已存储的运行"},
    [S_K_COST] = {"Net energy cost", "净能源费用"},
    [S_K_PEAK] = {"Peak grid import", "电网购电峰值"},
    [S_T_COST] = {"Energy cost", "能源费用"},
    [S_CO_IMPORT] = {"Grid import cost", "购电费用"},
    [S_CO_EXPORT] = {"Grid export revenue", "上网售电收入"},
    [S_CO_NET] = {"Net energy cost", "净能源费用"},
    [S_CO_PEAK] = {"Peak grid import", "电网购电峰值"},
    [S_CO_PEAK_AT] = {"Time of the peak", "峰值出现时刻"},
    [S_T_PEAKS] = {"Energy cost and peak grid import by month", "各月能源费用与电网购电峰值"},
    [S_CO_MAX] = {"Whole run", "全期"},
    [S_M_COST] = {"Energy cost: grid import in each step × that step's import price, less grid export × "
                  "the export price. Peak grid import: the highest mean import power of a step.",
                  "能源费用：每个时段的购电量 × 该时段购电电价，减去上网电量 × 上网电价。电网购电峰值："
                  "单个时段平均购电功率的最大值。"},
    [S_PARK_MODEL] = {"park model", "园区模型"},
    [S_NATIONAL] = {"national", "全国"},
    [S_BUILTIN] = {"builtin", "内置"},
    [S_NOT_VERIFIED] = {"not verified", "未核实"},
    [S_GIVEN_IN_MODEL] = {"model", "模型给定"},
    [S_IMPORT_WEIGHTED] = {"import-weighted location factor", "按购电量加权的基于位置因子"},
    [S_M_NCV] = {"NCV", "低位发热量"},
    [S_M_CC] = {"CC", "单位热值含碳量"},
    [S_M_OF] = {"OF", "碳氧化率"},
    [S_H_PEAK_TIME] = {"Time of the peak", "峰值时刻"},
};

/* Fuel types of the factor tables (data/factors/fuels.csv) in Chinese. */
static const char *const fuel_zh[][2] = {
    {"anthracite", "无烟煤"},       {"bituminous_coal", "烟煤"},
    {"diesel", "柴油"},             {"fuel_oil", "燃料油"},
    {"gasoline", "汽油"},           {"lignite", "褐煤"},
    {"lng", "液化天然气"},          {"lpg", "液化石油气"},
    {"natural_gas", "天然气"},      {"other_bituminous_coal", "一般烟煤"},
    {"raw_coal", "原煤"},           {"sub_bituminous_coal", "次烟煤"},
};

/* Grid regions of the built-in factor table (data/factors/grid.csv) in
 * Chinese: the regional grids and the provinces it has. */
static const char *const region_zh[][2] = {
    {"north", "华北"},     {"northeast", "东北"}, {"east", "华东"},      {"central", "华中"},
    {"northwest", "西北"}, {"south", "南方"},     {"southwest", "西南"}, {"guangdong", "广东"},
    {"shanghai", "上海"},  {"sichuan", "四川"},   {"yunnan", "云南"},
};

static const char *const month_en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Colour-blind-safe series colours (Okabe-Ito), each with at least 3:1
 * contrast against the white page. */
#define COL_SCOPE1 "#D55E00"  /* vermillion */
#define COL_SCOPE2 "#0072B2"  /* blue */
#define COL_MARKET "#1A1A1A"  /* near black */
#define COL_PV "#E69F00"      /* orange */
#define COL_WIND "#56B4E9"    /* sky blue */
#define COL_STORAGE "#009E73" /* bluish green */
#define COL_GRID "#6E6E6E"    /* grey: not carbon-free */
#define COL_NODATA "#E4E4E4"

/* Viridis at 0, 0.1, ..., 1: ordered by lightness, readable with every
 * common colour-vision deficiency and in greyscale. */
static const char *const viridis[11] = {"#440154", "#482475", "#414487", "#355F8D",
                                        "#2A788E", "#21918C", "#22A884", "#44BF70",
                                        "#7AD151", "#BDDF26", "#FDE725"};

/* ---- text buffer ------------------------------------------------------------ */

typedef struct sbuf {
    zp_ctx *ctx;
    char *p;       /* text, NUL-terminated while err == ZP_OK */
    size_t len;
    size_t cap;
    size_t max;    /* cap on len */
    zp_status err; /* sticky: after a failure every append is a no-op */
} sbuf;

static void sb_fail(sbuf *b, zp_status rc)
{
    if (b->err)
        return;
    b->err = rc;
    if (rc == ZP_ETOOBIG)
        zp__error(b->ctx, rc, "report larger than its cap of %zu bytes", b->max);
    else
        zp__nomem(b->ctx);
}

static int sb_reserve(sbuf *b, size_t extra)
{
    if (b->err)
        return 0;
    if (extra > b->max || b->len + extra > b->max) {
        sb_fail(b, ZP_ETOOBIG);
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t ncap = b->cap ? b->cap : 1 << 16;
    while (ncap < need)
        ncap *= 2;
    char *np = zp__realloc(b->ctx, b->p, ncap);
    if (!np) {
        sb_fail(b, ZP_ENOMEM);
        return 0;
    }
    b->p = np;
    b->cap = ncap;
    return 1;
}

static void sb_addn(sbuf *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_addn(b, s, strlen(s)); }

static void sb_printf(sbuf *b, const char *fmt, ...) ZP_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (!sb_reserve(b, 256))
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb_fail(b, ZP_ENOMEM);
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        /* Longer than the room there was: grow and print again. */
        if (!sb_reserve(b, (size_t)n))
            return;
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* Text from outside (model, factor files, notes): escaped for element
 * content and quoted attribute values alike. NULL writes nothing. */
static void sb_esc(sbuf *b, const char *s)
{
    if (!s)
        return;
    const char *run = s;
    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        sb_addn(b, run, (size_t)(s - run));
        sb_puts(b, rep);
        run = s + 1;
    }
    sb_addn(b, run, (size_t)(s - run));
}

/* Text from outside the page's own words (model, factor files, ledger):
 * escaped, and marked as not to be translated. NULL or "" writes nothing. */
static void sb_data(sbuf *b, const char *s)
{
    if (!s || !*s)
        return;
    sb_puts(b, "<span translate=\"no\">");
    sb_esc(b, s);
    sb_puts(b, "</span>");
}

/* ---- numbers and dates ---------------------------------------------------- */

/* v with dec decimals and thousands separators ("12,345.6"); NaN as an
 * en dash. buf must hold 64 bytes. Returns buf. */
static char *fmt_num(char *buf, double v, int dec)
{
    if (isnan(v) || isinf(v)) {
        snprintf(buf, 64, "%s", isnan(v) ? "\xE2\x80\x93" : v > 0 ? "\xE2\x88\x9E" : "-\xE2\x88\x9E");
        return buf;
    }
    if (fabs(v) >= 1e15) {
        snprintf(buf, 64, "%.4g", v);
        return buf;
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", dec, v);
    const char *s = tmp;
    char *o = buf;
    if (*s == '-') {
        /* "-0.0" rounds to zero: print it without the sign. */
        int zero = 1;
        for (const char *q = s + 1; *q; q++)
            if (*q >= '1' && *q <= '9')
                zero = 0;
        if (!zero)
            *o++ = '-';
        s++;
    }
    size_t ndig = strcspn(s, ".");
    for (size_t i = 0; i < ndig; i++) {
        *o++ = s[i];
        size_t left = ndig - 1 - i;
        if (left && left % 3 == 0)
            *o++ = ',';
    }
    snprintf(o, 64 - (size_t)(o - buf), "%s", s + ndig);
    return buf;
}

static void sb_num(sbuf *b, double v, int dec)
{
    char buf[64];
    sb_puts(b, fmt_num(buf, v, dec));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Local day number (days since 1970-01-01 in the park's time) of t. */
static int64_t local_day(zp_time_t t, int32_t off_min)
{
    return floor_div(t + (int64_t)off_min * 60, 86400);
}

/* ---- the report's view of the data -------------------------------------------
 * One shape for both sources: the accounting result, or the same totals
 * built from the simulation. */

typedef struct tgt_view {
    const char *name;
    double limit, value, projected;
    int status; /* zp_target_status */
} tgt_view;

typedef struct rep {
    zp_ctx *ctx;
    sbuf b;
    int lang;
    const zp_model *m;
    const zp_sim_result *r;
    const zp_acct_result *a; /* may be NULL */
    int32_t off;             /* local offset, minutes */
    zp_report_cost *cost;    /* energy cost and peak import, owned */

    const zp_acct_totals *months; size_t nmonths;
    const zp_acct_totals *days;   size_t ndays;
    zp_acct_totals *own;          /* sim-only: months then days, owned */
    zp_acct_totals total;
    double green_vol_pct, green_hourly_pct, pue;

    tgt_view tg[8];
    size_t ntg;
    double budget_t;                   /* NaN without a cap */
    zp_time_t by_start, by_end;        /* budget year */
    double projected_t;
    zp_time_t crossing;

    /* Heat map: days grouped k to a column, 24 rows; share in [0, 1] or NaN. */
    double *heat;
    size_t heat_cols, heat_k;
    int64_t heat_day0; /* local day of column 0 */
} rep;

static const char *tr(const rep *p, int id) { return strings[id][p->lang]; }

/* A word of the factor tables or the accounting that the page has in both
 * languages ("national", "builtin", a fuel type), else the data as it is. */
static void sb_word(rep *p, const char *s)
{
    static const struct {
        const char *key;
        int id;
    } known[] = {{"park model", S_PARK_MODEL}, {"national", S_NATIONAL}, {"builtin", S_BUILTIN},
                 {"not verified", S_NOT_VERIFIED}, {"model", S_GIVEN_IN_MODEL}};
    if (!s)
        return;
    for (size_t i = 0; i < ZP_ARRAY_LEN(known); i++)
        if (strcmp(s, known[i].key) == 0) {
            sb_esc(&p->b, tr(p, known[i].id));
            return;
        }
    if (p->lang == ZP_REPORT_ZH) {
        for (size_t i = 0; i < ZP_ARRAY_LEN(fuel_zh); i++)
            if (strcmp(s, fuel_zh[i][0]) == 0) {
                sb_esc(&p->b, fuel_zh[i][1]);
                return;
            }
        for (size_t i = 0; i < ZP_ARRAY_LEN(region_zh); i++)
            if (strcasecmp(s, region_zh[i][0]) == 0) {
                sb_esc(&p->b, region_zh[i][1]);
                return;
            }
    }
    sb_data(&p->b, s);
}

/* A factor's source: a citation (data), or the accounting's "park model
 * (KEY)" for a factor the model gives. */
static void sb_source(rep *p, const char *s)
{
    static const char pm[] = "park model";
    if (s && strncmp(s, pm, sizeof pm - 1) == 0) {
        sb_esc(&p->b, tr(p, S_PARK_MODEL));
        sb_data(&p->b, s + sizeof pm - 1);
        return;
    }
    sb_data(&p->b, s ? s : "?");
}

/* Month label of a local day: "Jan 2024" / "2024年1月" (year optional). */
static void month_label(rep *p, char *buf, size_t n, int64_t day, int with_year)
{
    int64_t y;
    unsigned mo, d;
    zp_civil_from_days(day, &y, &mo, &d);
    if (p->lang == ZP_REPORT_ZH && with_year)
        snprintf(buf, n, "%lld年%u月", (long long)y, mo);
    else if (p->lang == ZP_REPORT_ZH)
        snprintf(buf, n, "%u月", mo);
    else if (with_year)
        snprintf(buf, n, "%s %lld", month_en[mo - 1], (long long)y);
    else
        snprintf(buf, n, "%s", month_en[mo - 1]);
}

static void date_label(char *buf, size_t n, int64_t day)
{
    int64_t y;
    unsigned mo, d;
    zp_civil_from_days(day, &y, &mo, &d);
    snprintf(buf, n, "%04lld-%02u-%02u", (long long)y, mo, d);
}

/* Find a per-step column of the simulation by name; NULL when absent. The
 * pointer of a derived column lives until the next zp_sim_column call. */
static const double *sim_col(const zp_sim_result *r, const char *name)
{
    size_t n = zp_sim_column_count(r);
    for (size_t i = 1; i < n; i++)
        if (strcmp(zp_sim_column_name(r, i), name) == 0)
            return zp_sim_column(r, i);
    return NULL;
}

/* Build months and days from the simulation (no accounting result). Scope 1
 * is spread evenly over time, as the simulation prorates fuels; market-
 * based Scope 2 follows location-based Scope 2 scaled by the run's ratio,
 * which makes every sum equal the simulation's own totals. */
static zp_status view_from_sim(rep *p)
{
    const zp_sim_result *r = p->r;
    const zp_model *m = p->m;
    const zp_dispatch_result *f = r->flows;
    const double dt = r->step_h;
    const size_t n = r->steps;
    const zp_time_t end = r->start + (zp_time_t)n * r->step_s;
    int64_t d0 = local_day(r->start, p->off), d1 = local_day(end - 1, p->off);
    size_t ndays = (size_t)(d1 - d0 + 1);
    size_t *dmonth = NULL;
    zp_status rc = ZP_OK;

    /* Months: a calendar month per change of (year, month) over the days. */
    if (!(dmonth = zp__calloc(p->ctx, ndays, sizeof *dmonth)))
        return zp__nomem(p->ctx);
    size_t nmonths = 0;
    int64_t prev_key = -1;
    for (size_t i = 0; i < ndays; i++) {
        int64_t y;
        unsigned mo, d;
        zp_civil_from_days(d0 + (int64_t)i, &y, &mo, &d);
        int64_t key = y * 12 + mo;
        if (key != prev_key)
            nmonths++;
        prev_key = key;
        dmonth[i] = nmonths - 1;
    }
    if (!(p->own = zp__calloc(p->ctx, nmonths + ndays, sizeof *p->own))) {
        rc = zp__nomem(p->ctx);
        goto out;
    }
    zp_acct_totals *mo_t = p->own, *dy_t = p->own + nmonths;
    for (size_t i = 0; i < ndays; i++) {
        zp_time_t ds = (d0 + (int64_t)i) * 86400 - (zp_time_t)p->off * 60;
        zp_time_t de = ds + 86400;
        dy_t[i].start = ds < r->start ? r->start : ds;
        dy_t[i].end = de > end ? end : de;
        zp_acct_totals *mt = &mo_t[dmonth[i]];
        if (!mt->end)
            mt->start = dy_t[i].start;
        mt->end = dy_t[i].end;
    }

    const double s1_step = n ? r->emissions_t.scope1 / (double)n : 0;
    const double mkt_ratio = r->emissions_t.scope2_location > 0
                                 ? r->emissions_t.scope2_market / r->emissions_t.scope2_location
                                 : 0;
    /* One pass per column: a derived column's buffer is reused by the next
     * zp_sim_column call, so each is consumed before the next is asked. */
    enum { F_S2, F_CONS, F_CFE, F_FAC, F_COUNT };
    static const char *const names[F_COUNT] = {"scope2_location_kg", "consumption_kw",
                                               "carbon_free_kw", "datacenter.facility_kw"};
    for (int k = 0; k < F_COUNT; k++) {
        const double *v = sim_col(r, names[k]);
        if (!v) {
            if (k == F_FAC)
                continue; /* no data center */
            rc = zp__error(p->ctx, ZP_ENOMEM, "report: simulation column %s unavailable", names[k]);
            goto out;
        }
        for (size_t t = 0; t < n; t++) {
            size_t di = (size_t)(local_day(r->start + (zp_time_t)t * r->step_s, p->off) - d0);
            zp_acct_totals *x[2] = {&dy_t[di], &mo_t[dmonth[di]]};
            for (int j = 0; j < 2; j++) {
                switch (k) {
                case F_S2: x[j]->scope2_location_t += v[t] / 1000.0; break;
                case F_CONS: x[j]->consumption_kwh += v[t] * dt; break;
                case F_CFE: x[j]->cfe_kwh += v[t] * dt; break;
                case F_FAC: x[j]->dc_facility_kwh += v[t] * dt; break;
                }
            }
        }
    }
    for (size_t t = 0; t < n; t++) {
        size_t di = (size_t)(local_day(r->start + (zp_time_t)t * r->step_s, p->off) - d0);
        double dis = 0, chg = 0;
        for (size_t s = 0; s < f->nstorage; s++) {
            dis += f->storage[s].discharge_kw[t];
            chg += f->storage[s].charge_kw[t];
        }
        zp_acct_totals *x[2] = {&dy_t[di], &mo_t[dmonth[di]]};
        for (int j = 0; j < 2; j++) {
            x[j]->scope1_t += s1_step;
            x[j]->grid_import_kwh += f->grid_import_kw[t] * dt;
            x[j]->grid_export_kwh += f->grid_export_kw[t] * dt;
            x[j]->pv_kwh += f->pv_used_kw[t] * dt;
            x[j]->wind_kwh += f->wind_used_kw[t] * dt;
            x[j]->storage_discharge_kwh += dis * dt;
            x[j]->storage_charge_kwh += chg * dt;
            if (r->dc_it_kw)
                x[j]->dc_it_kwh += r->dc_it_kw[t] * dt;
        }
    }
    double cum = 0;
    for (size_t i = 0; i < nmonths + ndays; i++) {
        zp_acct_totals *x = &p->own[i];
        x->scope2_market_t = x->scope2_location_t * mkt_ratio;
        x->total_location_t = x->scope1_t + x->scope2_location_t;
        x->total_market_t = x->scope1_t + x->scope2_market_t;
        x->green_share_hourly_pct = x->consumption_kwh > 0 ? 100 * x->cfe_kwh / x->consumption_kwh : NAN;
        x->pue = x->dc_it_kwh > 0 ? x->dc_facility_kwh / x->dc_it_kwh : NAN;
        x->water_l = x->energy_tce_calorific = x->energy_tce_equal_value = NAN;
        if (i >= nmonths) {
            cum += x->total_market_t;
            x->cumulative_market_t = cum;
        }
    }
    p->months = mo_t;
    p->nmonths = nmonths;
    p->days = dy_t;
    p->ndays = ndays;

    /* Totals are the simulation's own. */
    zp_acct_totals *T = &p->total;
    const zp_sim_energy *e = &r->energy_kwh;
    T->start = r->start;
    T->end = end;
    T->scope1_t = r->emissions_t.scope1;
    T->scope2_location_t = r->emissions_t.scope2_location;
    T->scope2_market_t = r->emissions_t.scope2_market;
    T->total_location_t = r->emissions_t.total_location;
    T->total_market_t = r->emissions_t.total_market;
    T->grid_import_kwh = e->grid_import;
    T->grid_export_kwh = e->grid_export;
    T->pv_kwh = f->totals.pv_kwh;
    T->wind_kwh = f->totals.wind_kwh;
    T->storage_charge_kwh = e->storage_charge;
    T->storage_discharge_kwh = e->storage_discharge;
    for (size_t i = 0; i < nmonths; i++) {
        T->consumption_kwh += mo_t[i].consumption_kwh;
        T->cfe_kwh += mo_t[i].cfe_kwh;
    }
    T->dc_it_kwh = e->datacenter_it;
    T->dc_facility_kwh = e->datacenter_facility;
    T->water_l = T->energy_tce_calorific = T->energy_tce_equal_value = NAN;
    T->green_share_hourly_pct = r->green_share_hourly_pct;
    T->pue = r->pue;
    T->cumulative_market_t = cum;
    p->green_vol_pct = r->green_share_volumetric_pct;
    p->green_hourly_pct = r->green_share_hourly_pct;
    p->pue = r->pue;

    /* Budget over the model period; a shorter run is projected linearly. */
    p->budget_t = m->targets.max_emissions_t;
    p->by_start = m->start;
    p->by_end = m->end;
    double covered_d = (double)(end - r->start) / 86400.0;
    double year_d = (double)(m->end - m->start) / 86400.0;
    p->projected_t = covered_d > 0 ? cum / covered_d * year_d : cum;
    p->crossing = 0;
    if (!isnan(p->budget_t)) {
        for (size_t i = 0; i < ndays && !p->crossing; i++)
            if (dy_t[i].cumulative_market_t > p->budget_t)
                p->crossing = dy_t[i].start;
        if (!p->crossing && p->projected_t > p->budget_t && cum < p->budget_t && covered_d > 0) {
            double rate = cum / covered_d;
            p->crossing = end + (zp_time_t)((p->budget_t - cum) / rate * 86400.0);
        }
    }
    for (size_t i = 0; i < r->ntargets && p->ntg < ZP_ARRAY_LEN(p->tg); i++) {
        const zp_sim_target *t = &r->targets[i];
        tgt_view *v = &p->tg[p->ntg++];
        v->name = t->name;
        v->limit = t->limit;
        v->value = t->value;
        v->projected = NAN;
        v->status = t->met ? ZP_TARGET_MET : ZP_TARGET_MISSED;
        if (strcmp(t->name, "max_emissions_t") == 0 && end < m->end) {
            /* A run that stops early: judge the cap by the projection. */
            v->projected = p->projected_t;
            if (t->met && p->projected_t > t->limit)
                v->status = ZP_TARGET_AT_RISK;
        }
    }
out:
    zp__free(p->ctx, dmonth);
    return rc;
}

static void view_from_acct(rep *p)
{
    const zp_acct_result *a = p->a;
    p->off = a->utc_offset_min;
    p->months = a->months;
    p->nmonths = a->nmonths;
    p->days = a->days;
    p->ndays = a->ndays;
    p->total = a->total;
    p->green_vol_pct = a->green_share_volumetric_pct;
    p->green_hourly_pct = a->green_share_hourly_pct;
    p->pue = a->pue;
    p->budget_t = a->budget_t;
    p->by_start = a->budget_year_start;
    p->by_end = a->budget_year_end;
    p->projected_t = a->projected_year_end_t;
    p->crossing = a->budget_crossing;
    for (size_t i = 0; i < a->ntargets && p->ntg < ZP_ARRAY_LEN(p->tg); i++) {
        const zp_acct_target *t = &a->targets[i];
        p->tg[p->ntg++] = (tgt_view){t->name, t->limit, t->value, t->projected, (int)t->status};
    }
}

/* Hourly carbon-free share by (local day, hour): from the accounting's
 * per-step arrays when it has them, else the simulation's columns. */
static zp_status build_heat(rep *p)
{
    const zp_sim_result *r = p->r;
    zp_time_t start = r->start;
    int32_t step_s = r->step_s;
    size_t n = r->steps;
    const double *cfe = NULL, *cons = NULL;
    if (p->a && p->a->cfe_kw && p->a->consumption_kw) {
        start = p->a->start;
        step_s = p->a->step_s;
        n = p->a->steps;
        cfe = p->a->cfe_kw;
        cons = p->a->consumption_kw;
    }
    zp_time_t end = start + (zp_time_t)n * step_s;
    int64_t d0 = local_day(start, p->off), d1 = local_day(end - 1, p->off);
    size_t ndays = (size_t)(d1 - d0 + 1);
    /* At most a year of columns, so a ten-year run stays readable. */
    p->heat_k = (ndays + 365) / 366;
    p->heat_cols = (ndays + p->heat_k - 1) / p->heat_k;
    p->heat_day0 = d0;
    size_t cells = p->heat_cols * 24;
    double *c_kwh = zp__calloc(p->ctx, cells, sizeof *c_kwh);
    p->heat = zp__calloc(p->ctx, cells, sizeof *p->heat);
    if (!c_kwh || !p->heat) {
        zp__free(p->ctx, c_kwh);
        return zp__nomem(p->ctx);
    }
    /* Sum consumption into c_kwh and carbon-free energy into heat, one
     * column at a time (the simulation's derived columns share a buffer). */
    for (int pass = 0; pass < 2; pass++) {
        const double *v = pass == 0 ? cons : cfe;
        if (!p->a || !p->a->cfe_kw || !p->a->consumption_kw)
            v = sim_col(r, pass == 0 ? "consumption_kw" : "carbon_free_kw");
        if (!v) {
            zp__free(p->ctx, c_kwh);
            return zp__error(p->ctx, ZP_ENOMEM, "report: hourly columns unavailable");
        }
        double *dst = pass == 0 ? c_kwh : p->heat;
        for (size_t t = 0; t < n; t++) {
            int64_t ls = start + (zp_time_t)t * step_s + (int64_t)p->off * 60;
            int64_t day = floor_div(ls, 86400);
            size_t hour = (size_t)((ls - day * 86400) / 3600);
            size_t col = (size_t)(day - d0) / p->heat_k;
            dst[col * 24 + hour] += v[t] * ((double)step_s / 3600.0);
        }
    }
    for (size_t i = 0; i < cells; i++) {
        double s = c_kwh[i] > 1e-9 ? p->heat[i] / c_kwh[i] : NAN;
        p->heat[i] = s > 1 ? 1 : s;
    }
    zp__free(p->ctx, c_kwh);
    return ZP_OK;
}

/* ---- SVG chart helpers --------------------------------------------------------
 * A chart is a viewBox of W x H units with a plot area (x0, y0, w, h) and a
 * linear y scale [lo, hi]; the CSS scales the whole SVG to its column, so
 * one layout serves a desktop and a tablet. */

typedef struct chart {
    double W, H;
    double x0, y0, w, h; /* plot area */
    double lo, hi;       /* y range */
} chart;

static double ymap(const chart *c, double v) { return c->y0 + c->h - (v - c->lo) / (c->hi - c->lo) * c->h; }

/* 1, 2 or 5 times a power of ten near x (rounded, or the ceiling). */
static double nice_num(double x, int round)
{
    double e = floor(log10(x)), f = x / pow(10, e), nf;
    if (round)
        nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else
        nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * pow(10, e);
}

/* Nice y range covering [lo, hi] with about nt ticks; returns the step. */
static double nice_range(chart *c, double lo, double hi, int nt)
{
    if (!(hi > lo) || !isfinite(hi - lo))
        hi = lo + 1;
    double step = nice_num(nice_num(hi - lo, 0) / (nt - 1), 1);
    c->lo = floor(lo / step) * step;
    c->hi = ceil(hi / step) * step;
    if (c->hi <= c->lo)
        c->hi = c->lo + step;
    return step;
}

/* Rough text width in viewBox units at font size 12: CJK glyphs are about
 * twice as wide as Latin ones. Used to lay out legends. */
static double text_w(const char *s)
{
    double w = 0;
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        if (*q < 0x80)
            w += 6.8;
        else if (*q >= 0xE0)
            w += 12.5; /* a 3-byte UTF-8 sequence: CJK */
    }
    return w;
}

typedef struct legend_item {
    const char *name;
    const char *color;
    int kind; /* 0 box, 1 line, 2 dashed line, 3 dot, 4 dotted line */
} legend_item;

/* Lines the legend needs across width w. */
static int legend_lines(const legend_item *it, size_t n, double w)
{
    int lines = 1;
    double x = 0;
    for (size_t i = 0; i < n; i++) {
        double iw = 22 + text_w(it[i].name) + 18;
        if (x > 0 && x + iw > w) {
            lines++;
            x = 0;
        }
        x += iw;
    }
    return lines;
}

static void legend(rep *p, const chart *c, const legend_item *it, size_t n, double y)
{
    sbuf *b = &p->b;
    double x = c->x0;
    sb_puts(b, "<g class=\"legend\">");
    for (size_t i = 0; i < n; i++) {
        double iw = 22 + text_w(it[i].name) + 18;
        if (x > c->x0 && x + iw > c->x0 + c->w) {
            x = c->x0;
            y += 18;
        }
        switch (it[i].kind) {
        case 0:
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"%s\"/>", x,
                      y - 10, it[i].color);
            break;
        case 3:
            sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#fff\"/>",
                      x + 7, y - 4, it[i].color);
            break;
        default:
            sb_printf(b,
                      "<path d=\"M%.1f %.1fh16\" stroke=\"%s\" stroke-width=\"2.5\" fill=\"none\"%s/>",
                      x - 1, y - 4, it[i].color,
                      it[i].kind == 2   ? " stroke-dasharray=\"6 3\""
                      : it[i].kind == 4 ? " stroke-dasharray=\"2 3\""
                                        : "");
        }
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 20, y);
        sb_esc(b, it[i].name);
        sb_puts(b, "</text>");
        x += iw;
    }
    sb_puts(b, "</g>");
}

/* Open a chart: SVG with a title and description for screen readers and
 * the legend on top; sets the plot area under it. */
static void chart_open(rep *p, chart *c, const char *id, double W, double H, int title, int desc,
                       const legend_item *leg, size_t nleg)
{
    sbuf *b = &p->b;
    c->W = W;
    c->H = H;
    c->x0 = 72;
    c->w = W - c->x0 - 20;
    int lines = legend_lines(leg, nleg, c->w);
    c->y0 = 16 + 18.0 * lines;
    c->h = H - c->y0 - 48;
    sb_printf(b,
              "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
              "aria-labelledby=\"%s-t %s-d\" xmlns=\"http://www.w3.org/2000/svg\">"
              "<title id=\"%s-t\">",
              id, W, H, id, id, id);
    sb_esc(b, tr(p, title));
    sb_printf(b, "</title><desc id=\"%s-d\">", id);
    sb_esc(b, tr(p, desc));
    sb_puts(b, "</desc>");
    legend(p, c, leg, nleg, 16 + 12);
}

/* Horizontal grid lines and labels for the y axis, and its title. */
static void axis_y(rep *p, const chart *c, double step, int title)
{
    sbuf *b = &p->b;
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    sb_puts(b, "<g class=\"axis\">");
    for (double v = c->lo; v <= c->hi + step * 1e-6; v += step) {
        double y = ymap(c, v);
        sb_printf(b, "<path class=\"grid\" d=\"M%.1f %.1fH%.1f\"/>", c->x0, y, c->x0 + c->w);
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", c->x0 - 6, y + 4);
        sb_num(b, v, dec);
        sb_puts(b, "</text>");
    }
    sb_printf(b,
              "<text class=\"atitle\" transform=\"translate(14 %.1f) rotate(-90)\" "
              "text-anchor=\"middle\">",
              c->y0 + c->h / 2);
    sb_esc(b, tr(p, title));
    sb_puts(b, "</text>");
    sb_printf(b, "<path class=\"base\" d=\"M%.1f %.1fH%.1f\"/></g>", c->x0, c->y0 + c->h, c->x0 + c->w);
}

static void axis_x_title(rep *p, const chart *c, int title)
{
    sb_printf(&p->b, "<text class=\"atitle\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
              c->x0 + c->w / 2, c->H - 6);
    sb_esc(&p->b, tr(p, title));
    sb_puts(&p->b, "</text>");
}

/* Month ticks on a time axis [t0, t1): a tick at each local month start,
 * labelled when there is room. xat maps a local day to x. */
static void axis_x_months(rep *p, const chart *c, int64_t d0, int64_t d1, double day_w)
{
    sbuf *b = &p->b;
    size_t nmon = 0;
    for (int64_t d = d0; d <= d1; d++) {
        int64_t y;
        unsigned mo, dd;
        zp_civil_from_days(d, &y, &mo, &dd);
        nmon += dd == 1 || d == d0;
    }
    size_t every = nmon > 13 ? (nmon + 11) / 12 : 1, k = 0;
    sb_puts(b, "<g class=\"axis\">");
    for (int64_t d = d0; d <= d1; d++) {
        int64_t y;
        unsigned mo, dd;
        zp_civil_from_days(d, &y, &mo, &dd);
        if (dd != 1 && d != d0)
            continue;
        double x = c->x0 + (double)(d - d0) * day_w;
        if (dd == 1)
            sb_printf(b, "<path class=\"tick\" d=\"M%.1f %.1fv5\"/>", x, c->y0 + c->h);
        if (k++ % every == 0 && (dd <= 8) && x < c->x0 + c->w - 10) {
            char lab[32];
            /* The year only where one begins inside the axis: the page
             * header names the period, and a first label with a year
             * would run into the next month's. */
            month_label(p, lab, sizeof lab, d, mo == 1 && d != d0);
            sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 2, c->y0 + c->h + 17);
            sb_esc(b, lab);
            sb_puts(b, "</text>");
        }
    }
    sb_puts(b, "</g>");
}

/* Stacked bars: v[s * ncat + i] >= 0 for series s, category i. Each
 * segment has a hover title "category · series: value unit". */
static void stacked_bars(rep *p, const chart *c, size_t ncat, size_t nser, const double *v,
                         const legend_item *ser, char (*cat)[32], const char *unit, int dec)
{
    sbuf *b = &p->b;
    double cw = c->w / (double)ncat, bw = cw * 0.68;
    size_t every = ncat > 14 ? (ncat + 11) / 12 : 1;
    sb_puts(b, "<g class=\"bars\">");
    for (size_t i = 0; i < ncat; i++) {
        double acc = 0, x = c->x0 + cw * (double)i + (cw - bw) / 2;
        for (size_t s = 0; s < nser; s++) {
            double val = v[s * ncat + i];
            if (!(val > 0))
                continue;
            double ya = ymap(c, acc + val), yb = ymap(c, acc);
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\">", x,
                      ya, bw, yb - ya, ser[s].color);
            sb_puts(b, "<title>");
            sb_esc(b, cat[i]);
            sb_puts(b, " · ");
            sb_esc(b, ser[s].name);
            sb_puts(b, ": ");
            sb_num(b, val, dec);
            sb_printf(b, " %s</title></rect>", unit);
            acc += val;
        }
        if (i % every == 0) {
            sb_printf(b, "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      x + bw / 2, c->y0 + c->h + 17);
            sb_esc(b, cat[i]);
            sb_puts(b, "</text>");
        }
    }
    sb_puts(b, "</g>");
}

/* A polyline through (x[i], y[i]); NaN y breaks the line. */
static void line(rep *p, const chart *c, size_t n, const double *x, const double *y,
                 const char *color, int kind, const char *title)
{
    sbuf *b = &p->b;
    sb_printf(b, "<path class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s d=\"", color,
              kind == 1 ? "2" : "2.5",
              kind == 2 ? " stroke-dasharray=\"6 3\"" : kind == 4 ? " stroke-dasharray=\"2 3\"" : "");
    int pen = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(y[i])) {
            pen = 0;
            continue;
        }
        sb_printf(b, "%c%.1f %.1f", pen ? 'L' : 'M', x[i], ymap(c, y[i]));
        pen = 1;
    }
    sb_puts(b, "\">");
    if (title) {
        sb_puts(b, "<title>");
        sb_esc(b, title);
        sb_puts(b, "</title>");
    }
    sb_puts(b, "</path>");
}

/* Heat map cell colour: viridis by tenths of the share. */
static const char *heat_color(double s) { return isnan(s) ? COL_NODATA : viridis[(int)lround(s * 10)]; }

/* ---- charts ------------------------------------------------------------------ */

static void month_cats(rep *p, char (*cat)[32])
{
    for (size_t i = 0; i < p->nmonths; i++)
        month_label(p, cat[i], 32, local_day(p->months[i].start, p->off), p->nmonths > 12);
}

static void chart_emissions(rep *p)
{
    sbuf *b = &p->b;
    size_t n = p->nmonths;
    legend_item leg[3] = {{tr(p, S_SCOPE1), COL_SCOPE1, 0},
                          {tr(p, S_SCOPE2_LOC), COL_SCOPE2, 0},
                          {tr(p, S_TOTAL_MKT), COL_MARKET, 3}};
    double *v = zp__calloc(p->ctx, 2 * n, sizeof *v);
    char(*cat)[32] = zp__calloc(p->ctx, n, sizeof *cat);
    if (!v || !cat) {
        sb_fail(b, ZP_ENOMEM);
        goto out;
    }
    month_cats(p, cat);
    double top = 0;
    for (size_t i = 0; i < n; i++) {
        v[i] = p->months[i].scope1_t;
        v[n + i] = p->months[i].scope2_location_t;
        top = fmax(top, fmax(p->months[i].total_location_t, p->months[i].total_market_t));
    }
    chart c;
    sb_puts(b, "<figure id=\"fig-emissions\">");
    chart_open(p, &c, "chart-emissions", 640, 340, S_C_EMIS, S_C_EMIS_D, leg, 3);
    double step = nice_range(&c, 0, top * 1.05, 6);
    axis_y(p, &c, step, S_AX_EMIS);
    stacked_bars(p, &c, n, 2, v, leg, cat, "t CO₂e", 1);
    double cw = c.w / (double)n;
    sb_puts(b, "<g class=\"dots\">");
    for (size_t i = 0; i < n; i++) {
        sb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#fff\"><title>",
                  c.x0 + cw * ((double)i + 0.5), ymap(&c, p->months[i].total_market_t), COL_MARKET);
        sb_esc(b, cat[i]);
        sb_puts(b, " · ");
        sb_esc(b, tr(p, S_TOTAL_MKT));
        sb_puts(b, ": ");
        sb_num(b, p->months[i].total_market_t, 1);
        sb_puts(b, " t CO₂e</title></circle>");
    }
    sb_puts(b, "</g>");
    axis_x_title(p, &c, S_AX_MONTH);
    sb_puts(b, "</svg><figcaption>");
    sb_esc(b, tr(p, S_C_EMIS));
    sb_puts(b, "</figcaption></figure>\n");
out:
    zp__free(p->ctx, v);
    zp__free(p->ctx, cat);
}

static void chart_sources(rep *p)
{
    sbuf *b = &p->b;
    size_t n = p->nmonths;
    legend_item leg[4] = {{tr(p, S_PV), COL_PV, 0},
                          {tr(p, S_WIND), COL_WIND, 0},
                          {tr(p, S_STORAGE), COL_STORAGE, 0},
                          {tr(p, S_GRID), COL_GRID, 0}};
    double *v = zp__calloc(p->ctx, 4 * n, sizeof *v);
    char(*cat)[32] = zp__calloc(p->ctx, n, sizeof *cat);
    if (!v || !cat) {
        sb_fail(b, ZP_ENOMEM);
        goto out;
    }
    month_cats(p, cat);
    double top = 0;
    for (size_t i = 0; i < n; i++) {
        const zp_acct_totals *x = &p->months[i];
        v[i] = x->pv_kwh / 1000;
        v[n + i] = x->wind_kwh / 1000;
        v[2 * n + i] = x->storage_discharge_kwh / 1000;
        v[3 * n + i] = x->grid_import_kwh / 1000;
        top = fmax(top, v[i] + v[n + i] + v[2 * n + i] + v[3 * n + i]);
    }
    /* A park without wind (or storage) gets no legend entry for it. */
    size_t ns = 0;
    for (size_t s = 0; s < 4; s++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += v[s * n + i];
        if (sum <= 0 && s != 3)
            continue;
        if (ns != s) {
            leg[ns] = leg[s];
            memmove(v + ns * n, v + s * n, n * sizeof *v);
        }
        ns++;
    }
    chart c;
    sb_puts(b, "<figure id=\"fig-sources\">");
    chart_open(p, &c, "chart-sources", 640, 340, S_C_SRC, S_C_SRC_D, leg, ns);
    double step = nice_range(&c, 0, top * 1.05, 6);
    axis_y(p, &c, step, S_AX_ENERGY);
    stacked_bars(p, &c, n, ns, v, leg, cat, "MWh", 1);
    axis_x_title(p, &c, S_AX_MONTH);
    sb_puts(b, "</svg><figcaption>");
    sb_esc(b, tr(p, S_C_SRC));
    sb_puts(b, "</figcaption></figure>\n");
out:
    zp__free(p->ctx, v);
    zp__free(p->ctx, cat);
}

static void chart_heat(rep *p)
{
    sbuf *b = &p->b;
    legend_item leg[1] = {{tr(p, S_NO_CONS), COL_NODATA, 0}};
    chart c;
    sb_puts(b, "<figure id=\"fig-heatmap\" class=\"wide\">");
    chart_open(p, &c, "chart-heatmap", 960, 400, S_C_HEAT, S_C_HEAT_D, leg, 1);
    /* Colour scale to the right of the "no consumption" key. */
    double sx = c.x0 + 40 + text_w(tr(p, S_NO_CONS)) + 40;
    sb_puts(b, "<g class=\"scale\">");
    sb_printf(b, "<text x=\"%.1f\" y=\"28\">", sx);
    sb_esc(b, tr(p, S_SHARE));
    sb_puts(b, "</text>");
    sx += text_w(tr(p, S_SHARE)) + 10;
    for (int i = 0; i <= 10; i++) {
        sb_printf(b, "<rect x=\"%.1f\" y=\"18\" width=\"24\" height=\"12\" fill=\"%s\"><title>%d%%</title></rect>",
                  sx + 24 * i, viridis[i], i * 10);
        if (i % 5 == 0)
            sb_printf(b, "<text x=\"%.1f\" y=\"44\" text-anchor=\"middle\">%d%%</text>", sx + 24 * i + 12,
                      i * 10);
    }
    sb_puts(b, "</g>");
    c.y0 = 52;
    c.h = c.H - c.y0 - 48;
    double cw = c.w / (double)p->heat_cols, rh = c.h / 24;
    /* Hour labels every 3 h; 0 h at the top as in a timetable. */
    sb_puts(b, "<g class=\"axis\">");
    for (int h = 0; h <= 24; h += 3) {
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%02d:00</text>", c.x0 - 6,
                  c.y0 + rh * h + 4, h);
    }
    sb_printf(b,
              "<text class=\"atitle\" transform=\"translate(14 %.1f) rotate(-90)\" "
              "text-anchor=\"middle\">",
              c.y0 + c.h / 2);
    sb_esc(b, tr(p, S_AX_HOUR));
    sb_puts(b, "</text></g>");
    sb_puts(b, "<g class=\"cells\" shape-rendering=\"crispEdges\">");
    for (size_t col = 0; col < p->heat_cols; col++) {
        char day[16];
        date_label(day, sizeof day, p->heat_day0 + (int64_t)(col * p->heat_k));
        for (int h = 0; h < 24; h++) {
            double s = p->heat[col * 24 + (size_t)h];
            /* Cells overlap by a hair so no seams show between them. */
            sb_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"><title>%s %02d:00 ",
                      c.x0 + cw * (double)col, c.y0 + rh * h, cw + 0.3, rh + 0.3, heat_color(s), day, h);
            if (isnan(s))
                sb_esc(b, tr(p, S_NO_CONS));
            else
                sb_printf(b, "%.0f%%", s * 100);
            sb_puts(b, "</title></rect>");
        }
    }
    sb_puts(b, "</g>");
    int64_t dlast = p->heat_day0 + (int64_t)(p->heat_cols * p->heat_k) - 1;
    axis_x_months(p, &c, p->heat_day0, dlast, cw / (double)p->heat_k);
    axis_x_title(p, &c, S_AX_DATE);
    sb_puts(b, "</svg><figcaption>");
    sb_esc(b, tr(p, S_C_HEAT));
    sb_puts(b, "</figcaption></figure>\n");
}

static void chart_burndown(rep *p)
{
    sbuf *b = &p->b;
    int has_budget = !isnan(p->budget_t);
    zp_time_t t0 = p->by_start, t1 = p->by_end;
    if (!(t1 > t0) || p->ndays == 0) {
        t0 = p->total.start;
        t1 = p->total.end;
    }
    int64_t d0 = local_day(t0, p->off), d1 = local_day(t1 - 1, p->off);
    const zp_acct_totals *last = p->ndays ? &p->days[p->ndays - 1] : NULL;
    int has_proj = last && last->end < t1 && !isnan(p->projected_t);
    legend_item leg[5];
    size_t nl = 0;
    leg[nl++] = (legend_item){tr(p, S_CUMUL), COL_SCOPE2, 1};
    if (has_proj)
        leg[nl++] = (legend_item){tr(p, S_PROJ), COL_SCOPE2, 2};
    if (has_budget) {
        leg[nl++] = (legend_item){tr(p, S_BUDGET), COL_SCOPE1, 1};
        leg[nl++] = (legend_item){tr(p, S_PACE), COL_GRID, 4};
    }
    double top = last ? last->cumulative_market_t : 0;
    if (has_budget)
        top = fmax(top, p->budget_t);
    if (has_proj)
        top = fmax(top, p->projected_t);
    chart c;
    sb_puts(b, "<figure id=\"fig-burndown\">");
    chart_open(p, &c, "chart-burndown", 640, 340, S_C_BURN, S_C_BURN_D, leg, nl);
    double step = nice_range(&c, 0, top * 1.05, 6);
    axis_y(p, &c, step, S_AX_CUMUL);
    double span = (double)(t1 - t0);
#define XT(t) (c.x0 + (double)((t) - t0) / span * c.w)
    axis_x_months(p, &c, d0, d1, c.w / ((double)(d1 - d0 + 1)));
    char tip[160], num[64];
    if (has_budget) {
        double x[2] = {XT(t0), XT(t1)}, yb[2] = {p->budget_t, p->budget_t}, yp[2] = {0, p->budget_t};
        snprintf(tip, sizeof tip, "%s: %s t CO₂e", tr(p, S_PACE), fmt_num(num, p->budget_t, 0));
        line(p, &c, 2, x, yp, COL_GRID, 4, tip);
        snprintf(tip, sizeof tip, "%s: %s t CO₂e", tr(p, S_BUDGET), fmt_num(num, p->budget_t, 0));
        line(p, &c, 2, x, yb, COL_SCOPE1, 1, tip);
    }
    if (p->ndays) {
        double *x = zp__calloc(p->ctx, p->ndays + 1, sizeof *x);
        double *y = zp__calloc(p->ctx, p->ndays + 1, sizeof *y);
        if (!x || !y) {
            sb_fail(b, ZP_ENOMEM);
        } else {
            x[0] = XT(p->days[0].start);
            y[0] = 0;
            for (size_t i = 0; i < p->ndays; i++) {
                x[i + 1] = XT(p->days[i].end);
                y[i + 1] = p->days[i].cumulative_market_t;
            }
            snprintf(tip, sizeof tip, "%s: %s t CO₂e", tr(p, S_CUMUL),
                     fmt_num(num, last->cumulative_market_t, 1));
            line(p, &c, p->ndays + 1, x, y, COL_SCOPE2, 1, tip);
        }
        zp__free(p->ctx, x);
        zp__free(p->ctx, y);
        /* Invisible day targets carry the hover text of each day. */
        sb_puts(b, "<g class=\"hover\">");
        double dw = c.w / ((double)(d1 - d0 + 1));
        for (size_t i = 0; i < p->ndays; i++) {
            char day[16];
            date_label(day, sizeof day, local_day(p->days[i].start, p->off));
            sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"><title>%s: ",
                      XT(p->days[i].start), c.y0, dw, c.h, day);
            sb_num(b, p->days[i].cumulative_market_t, 1);
            sb_puts(b, " t CO₂e</title></rect>");
        }
        sb_puts(b, "</g>");
    }
    if (has_proj) {
        double x[2] = {XT(last->end), XT(t1)}, y[2] = {last->cumulative_market_t, p->projected_t};
        snprintf(tip, sizeof tip, "%s: %s t CO₂e", tr(p, S_PROJ), fmt_num(num, p->projected_t, 1));
        line(p, &c, 2, x, y, COL_SCOPE2, 2, tip);
    }
    if (has_budget && p->crossing > t0 && p->crossing <= t1) {
        char day[16];
        date_label(day, sizeof day, local_day(p->crossing, p->off));
        sb_printf(b,
                  "<g class=\"crossing\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" "
                  "stroke=\"%s\" stroke-width=\"2\"><title>",
                  XT(p->crossing), ymap(&c, p->budget_t), COL_SCOPE1);
        sb_esc(b, tr(p, S_CROSSING));
        sb_printf(b, ": %s</title></circle></g>", day);
    }
#undef XT
    axis_x_title(p, &c, S_AX_DATE);
    sb_puts(b, "</svg><figcaption>");
    sb_esc(b, tr(p, S_C_BURN));
    if (!has_budget) {
        sb_puts(b, " — ");
        sb_esc(b, tr(p, S_NO_BUDGET_NOTE));
    }
    sb_puts(b, "</figcaption></figure>\n");
}

static void chart_pue(rep *p)
{
    sbuf *b = &p->b;
    double target = p->m->targets.max_pue;
    legend_item leg[2] = {{tr(p, S_DAILY_PUE), COL_STORAGE, 1}, {tr(p, S_PUE_TARGET), COL_SCOPE1, 2}};
    size_t nl = isnan(target) ? 1 : 2;
    double *x = zp__calloc(p->ctx, p->ndays, sizeof *x);
    double *y = zp__calloc(p->ctx, p->ndays, sizeof *y);
    if (!x || !y) {
        sb_fail(b, ZP_ENOMEM);
        goto out;
    }
    double lo = 1.0, hi = 1.0;
    for (size_t i = 0; i < p->ndays; i++) {
        y[i] = p->days[i].pue;
        if (!isnan(y[i])) {
            lo = fmin(lo, y[i]);
            hi = fmax(hi, y[i]);
        }
    }
    if (!isnan(target))
        hi = fmax(hi, target);
    chart c;
    sb_puts(b, "<figure id=\"fig-pue\">");
    chart_open(p, &c, "chart-pue", 640, 340, S_C_PUE, S_C_PUE_D, leg, nl);
    double step = nice_range(&c, lo, hi + (hi - lo) * 0.1 + 0.02, 6);
    axis_y(p, &c, step, S_AX_PUE);
    int64_t d0 = local_day(p->days[0].start, p->off), d1 = local_day(p->days[p->ndays - 1].start, p->off);
    double dw = c.w / (double)(d1 - d0 + 1);
    axis_x_months(p, &c, d0, d1, dw);
    for (size_t i = 0; i < p->ndays; i++)
        x[i] = c.x0 + dw * ((double)(local_day(p->days[i].start, p->off) - d0) + 0.5);
    char tip[160], num[64];
    snprintf(tip, sizeof tip, "PUE: %s", fmt_num(num, p->pue, 3));
    line(p, &c, p->ndays, x, y, COL_STORAGE, 1, tip);
    /* The target goes on top: dashed, so a PUE that sits on it shows both. */
    if (!isnan(target)) {
        double tx[2] = {c.x0, c.x0 + c.w}, ty[2] = {target, target};
        snprintf(tip, sizeof tip, "%s: %s", tr(p, S_PUE_TARGET), fmt_num(num, target, 3));
        line(p, &c, 2, tx, ty, COL_SCOPE1, 2, tip);
    }
    sb_puts(b, "<g class=\"hover\">");
    for (size_t i = 0; i < p->ndays; i++) {
        if (isnan(y[i]))
            continue;
        char day[16];
        date_label(day, sizeof day, local_day(p->days[i].start, p->off));
        sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"><title>%s: PUE %.3f</title></rect>",
                  x[i] - dw / 2, c.y0, dw, c.h, day, y[i]);
    }
    sb_puts(b, "</g>");
    axis_x_title(p, &c, S_AX_DATE);
    sb_puts(b, "</svg><figcaption>");
    sb_esc(b, tr(p, S_C_PUE));
    sb_puts(b, "</figcaption></figure>\n");
out:
    zp__free(p->ctx, x);
    zp__free(p->ctx, y);
}

/* ---- tables ---------------------------------------------------------------- */

/* A numeric cell: the shown text, and the exact value in data-v so that
 * tests and scripts read numbers without parsing the formatting. */
static void td_num(rep *p, const char *id, double v, int dec)
{
    sbuf *b = &p->b;
    sb_puts(b, "<td class=\"n\"");
    if (id)
        sb_printf(b, " id=\"%s\"", id);
    if (isfinite(v))
        sb_printf(b, " data-v=\"%.17g\"", v);
    sb_puts(b, ">");
    sb_num(b, v, dec);
    sb_puts(b, "</td>");
}

static void th_text(rep *p, int id)
{
    sb_puts(&p->b, "<th>");
    sb_esc(&p->b, tr(p, id));
    sb_puts(&p->b, "</th>");
}

static void row_num(rep *p, int label, const char *id, double v, int dec, const char *unit)
{
    sbuf *b = &p->b;
    sb_puts(b, "<tr><th scope=\"row\">");
    sb_esc(b, tr(p, label));
    sb_puts(b, "</th>");
    td_num(p, id, v, dec);
    sb_puts(b, "<td>");
    sb_esc(b, unit);
    sb_puts(b, "</td></tr>\n");
}

static void table_open(rep *p, const char *id, int caption, int h1, int h2, int h3)
{
    sbuf *b = &p->b;
    sb_printf(b, "<div class=\"tw\"><table id=\"%s\"><caption>", id);
    sb_esc(b, tr(p, caption));
    sb_puts(b, "</caption><thead><tr>");
    th_text(p, h1);
    th_text(p, h2);
    th_text(p, h3);
    sb_puts(b, "</tr></thead><tbody>\n");
}

static void table_close(rep *p) { sb_puts(&p->b, "</tbody></table></div>\n"); }

static void table_scopes(rep *p)
{
    sbuf *b = &p->b;
    const zp_acct_totals *T = &p->total;
    const struct {
        int label;
        const char *id;
        double v;
    } rows[] = {
        {S_SCOPE1, "total-scope1", T->scope1_t},
        {S_SCOPE2_LOC, "total-scope2-location", T->scope2_location_t},
        {S_SCOPE2_MKT, "total-scope2-market", T->scope2_market_t},
        {S_TOTAL_LOC, "total-location", T->total_location_t},
        {S_TOTAL_MKT, "total-market", T->total_market_t},
    };
    sb_puts(b, "<div class=\"tw\"><table id=\"table-scopes\"><caption>");
    sb_esc(b, tr(p, S_T_SCOPE));
    sb_puts(b, "</caption><thead><tr>");
    th_text(p, S_H_ITEM);
    sb_puts(b, "<th>t CO₂e</th>");
    th_text(p, S_H_SHARE);
    sb_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < ZP_ARRAY_LEN(rows); i++) {
        sb_printf(b, "<tr%s><th scope=\"row\">", i >= 3 ? " class=\"sum\"" : "");
        sb_esc(b, tr(p, rows[i].label));
        sb_puts(b, "</th>");
        td_num(p, rows[i].id, rows[i].v, 1);
        /* Shares of the total on the same basis (location or market). */
        double base = i == 2 || i == 4 ? T->total_market_t : T->total_location_t;
        double share = i == 0 ? NAN : base > 0 ? 100 * rows[i].v / base : NAN;
        if (i == 0) {
            sb_puts(b, "<td class=\"n\">");
            sb_num(b, T->total_location_t > 0 ? 100 * T->scope1_t / T->total_location_t : NAN, 1);
            sb_puts(b, " %</td>");
        } else {
            sb_puts(b, "<td class=\"n\">");
            sb_num(b, share, 1);
            sb_puts(b, " %</td>");
        }
        sb_puts(b, "</tr>\n");
    }
    table_close(p);
}

static int dispatch_label(const char *d)
{
    return !d                            ? -1
           : strcmp(d, "rule") == 0      ? S_DISP_RULE
           : strcmp(d, "optimal") == 0   ? S_DISP_OPTIMAL
           : strcmp(d, "mpc") == 0       ? S_DISP_MPC
                                         : -1;
}

static int target_label(const char *name)
{
    if (strcmp(name, "max_emissions_t") == 0)
        return S_TG_EMIS;
    if (strcmp(name, "min_green_share_pct") == 0)
        return S_TG_GREEN;
    if (strcmp(name, "max_pue") == 0)
        return S_TG_PUE;
    if (strcmp(name, "max_energy_tce") == 0)
        return S_TG_TCE;
    return S_TG_INTENSITY;
}

static const char *target_unit(const char *name)
{
    if (strcmp(name, "max_emissions_t") == 0)
        return "t CO₂e";
    if (strcmp(name, "min_green_share_pct") == 0)
        return "%";
    if (strcmp(name, "max_energy_tce") == 0)
        return "tce";
    if (strcmp(name, "max_pue") == 0)
        return "";
    return "t CO₂e / 10⁴ CNY";
}

static void table_targets(rep *p)
{
    sbuf *b = &p->b;
    if (!p->ntg) {
        sb_puts(b, "<p id=\"table-targets\">");
        sb_esc(b, tr(p, S_NO_TARGETS));
        sb_puts(b, "</p>\n");
        return;
    }
    sb_puts(b, "<div class=\"tw\"><table id=\"table-targets\"><caption>");
    sb_esc(b, tr(p, S_T_TARGETS));
    sb_puts(b, "</caption><thead><tr>");
    th_text(p, S_H_ITEM);
    th_text(p, S_H_LIMIT);
    th_text(p, S_H_RESULT);
    th_text(p, S_H_PROJECTED);
    th_text(p, S_H_UNIT);
    th_text(p, S_H_STATUS);
    sb_puts(b, "</tr></thead><tbody>\n");
    static const char *const cls[3] = {"met", "risk", "missed"};
    static const int lab[3] = {S_ST_MET, S_ST_RISK, S_ST_MISSED};
    static const char *const mark[3] = {"✓", "!", "✗"};
    for (size_t i = 0; i < p->ntg; i++) {
        const tgt_view *t = &p->tg[i];
        int dec = strcmp(t->name, "max_pue") == 0 ? 3 : 1;
        int st = t->status >= 0 && t->status <= 2 ? t->status : 2;
        sb_puts(b, "<tr><th scope=\"row\">");
        sb_esc(b, tr(p, target_label(t->name)));
        sb_puts(b, "</th>");
        td_num(p, NULL, t->limit, dec);
        char id[64];
        snprintf(id, sizeof id, "target-%s", t->name);
        td_num(p, id, t->value, dec);
        td_num(p, NULL, t->projected, dec);
        sb_puts(b, "<td>");
        sb_puts(b, target_unit(t->name));
        /* Status in words and a symbol, not by colour alone. */
        sb_printf(b, "</td><td><span class=\"st %s\" data-status=\"%s\">%s ", cls[st],
                  st == 1 ? "at_risk" : cls[st], mark[st]);
        sb_esc(b, tr(p, lab[st]));
        sb_puts(b, "</span></td></tr>\n");
    }
    table_close(p);
}

static void table_energy(rep *p)
{
    sbuf *b = &p->b;
    const zp_sim_energy *e = &p->r->energy_kwh;
    sb_puts(b, "<div>");
    table_open(p, "table-energy", S_T_ENERGY, S_H_ITEM, S_H_VALUE, S_H_UNIT);
    row_num(p, S_E_LOADS, "energy-loads", e->load / 1000, 1, "MWh");
    if (p->m->datacenter.present) {
        row_num(p, S_E_DC_IT, "energy-dc-it", e->datacenter_it / 1000, 1, "MWh");
        row_num(p, S_E_DC_FAC, "energy-dc-facility", e->datacenter_facility / 1000, 1, "MWh");
    }
    row_num(p, S_E_CONSUMPTION, "energy-consumption", p->total.consumption_kwh / 1000, 1, "MWh");
    if (p->m->npv)
        row_num(p, S_E_PV, "energy-pv", e->pv / 1000, 1, "MWh");
    if (p->m->nwind)
        row_num(p, S_E_WIND, "energy-wind", e->wind / 1000, 1, "MWh");
    row_num(p, S_E_IMPORT, "energy-grid-import", e->grid_import / 1000, 1, "MWh");
    row_num(p, S_E_EXPORT, "energy-grid-export", e->grid_export / 1000, 1, "MWh");
    if (p->m->nstorage) {
        row_num(p, S_E_CHARGE, "energy-storage-charge", e->storage_charge / 1000, 1, "MWh");
        row_num(p, S_E_DISCHARGE, "energy-storage-discharge", e->storage_discharge / 1000, 1, "MWh");
    }
    row_num(p, S_E_CURTAILED, "energy-curtailed", e->curtailed / 1000, 1, "MWh");
    row_num(p, S_E_UNSERVED, "energy-unserved", e->unserved / 1000, 1, "MWh");
    if (p->a) {
        const zp_acct_result *a = p->a;
        row_num(p, S_E_TCE_CAL, "energy-tce-calorific", a->total.energy_tce_calorific, 1, "tce");
        row_num(p, S_E_TCE_EQ, "energy-tce-equal-value", a->total.energy_tce_equal_value, 1, "tce");
        if (a->nfuels)
            row_num(p, S_E_FUELS_TCE, "energy-fuels-tce", a->fuels_tce, 1, "tce");
        row_num(p, S_E_COAL_SAVED, "energy-coal-saved", a->renewable_coal_saved_tce, 1, "tce");
        if (!isnan(a->energy_intensity_tce_per_10k_cny))
            row_num(p, S_E_INTENSITY, "energy-intensity", a->energy_intensity_tce_per_10k_cny, 4,
                    "tce / 10⁴ CNY");
    }
    table_close(p);
    if (!p->a) {
        sb_puts(b, "<p class=\"note\">");
        sb_esc(b, tr(p, S_E_NO_TCE));
        sb_puts(b, "</p>\n");
    }
    sb_puts(b, "</div>\n");
}

static void table_green(rep *p)
{
    table_open(p, "table-green", S_T_GREEN, S_H_ITEM, S_H_VALUE, S_H_UNIT);
    row_num(p, S_G_VOL, "green-volumetric", p->green_vol_pct, 1, "%");
    row_num(p, S_G_HOURLY, "green-hourly", p->green_hourly_pct, 1, "%");
    if (p->a) {
        const zp_acct_result *a = p->a;
        row_num(p, S_G_CERTS, "green-certificates", a->certificates_kwh / 1000, 1, "MWh");
        row_num(p, S_G_CERTS_APPLIED, "green-certificates-applied", a->certificates_applied_kwh / 1000, 1,
                "MWh");
        if (a->contracts_kwh > 0)
            row_num(p, S_G_CONTRACTS, "green-contracts-applied", a->contracts_applied_kwh / 1000, 1, "MWh");
        if (a->surplus_kwh > 0)
            row_num(p, S_G_SURPLUS, "green-surplus", a->surplus_kwh / 1000, 1, "MWh");
        if (!isnan(a->pue))
            row_num(p, S_G_CUE, "green-cue", a->cue_market_kg_per_kwh, 3, "kg CO₂e / kWh IT");
    } else if (p->m->green_certificates_mwh > 0) {
        row_num(p, S_G_CERTS, "green-certificates", p->m->green_certificates_mwh, 1, "MWh");
    }
    if (!isnan(p->pue))
        row_num(p, S_K_PUE, "green-pue", p->pue, 3, "");
    table_close(p);
}

static void table_monthly(rep *p)
{
    sbuf *b = &p->b;
    sb_puts(b, "<div class=\"tw\"><table id=\"table-monthly\" class=\"wide\"><caption>");
    sb_esc(b, tr(p, S_T_MONTHLY));
    sb_puts(b, "</caption><thead><tr>");
    th_text(p, S_H_MONTH);
    const int cols[] = {S_SCOPE1, S_SCOPE2_LOC, S_SCOPE2_MKT, S_TOTAL_MKT, S_PV, S_WIND, S_STORAGE,
                        S_GRID, S_H_CONS, S_G_HOURLY};
    const char *units[] = {"t CO₂e", "t CO₂e", "t CO₂e", "t CO₂e", "MWh", "MWh", "MWh", "MWh", "MWh", "%"};
    for (size_t i = 0; i < ZP_ARRAY_LEN(cols); i++) {
        sb_puts(b, "<th>");
        sb_esc(b, tr(p, cols[i]));
        sb_printf(b, " <span class=\"u\">(%s)</span></th>", units[i]);
    }
    sb_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < p->nmonths; i++) {
        const zp_acct_totals *x = &p->months[i];
        char lab[32];
        month_label(p, lab, sizeof lab, local_day(x->start, p->off), 1);
        sb_puts(b, "<tr><th scope=\"row\">");
        sb_esc(b, lab);
        sb_puts(b, "</th>");
        const double v[] = {x->scope1_t, x->scope2_location_t, x->scope2_market_t, x->total_market_t,
                            x->pv_kwh / 1000, x->wind_kwh / 1000, x->storage_discharge_kwh / 1000,
                            x->grid_import_kwh / 1000, x->consumption_kwh / 1000,
                            x->green_share_hourly_pct};
        for (size_t k = 0; k < ZP_ARRAY_LEN(v); k++)
            td_num(p, NULL, v[k], 1);
        sb_puts(b, "</tr>\n");
    }
    table_close(p);
}

/* The month of the cost figures that starts in the same local month as t. */
static const zp_report_cost_month *cost_month(const rep *p, zp_time_t t)
{
    int64_t y, y2;
    unsigned mo, mo2, d;
    zp_civil_from_days(local_day(t, p->off), &y, &mo, &d);
    for (size_t i = 0; i < p->cost->nmonths; i++) {
        zp_civil_from_days(local_day(p->cost->months[i].start, p->off), &y2, &mo2, &d);
        if (y2 == y && mo2 == mo)
            return &p->cost->months[i];
    }
    return NULL;
}

/* "2024-07-15 14:00" local: the start of the peak step. */
static void peak_time(rep *p, zp_time_t t)
{
    char buf[ZP_TIME_BUFSIZE];
    zp_time_format(t, p->off, buf);
    buf[10] = ' ';
    buf[16] = '\0';
    sb_puts(&p->b, buf);
}

static void table_cost(rep *p)
{
    sbuf *b = &p->b;
    const zp_report_cost *c = p->cost;
    table_open(p, "table-cost", S_T_COST, S_H_ITEM, S_H_VALUE, S_H_UNIT);
    row_num(p, S_CO_IMPORT, "cost-import", c->import_cost_cny, 0, "CNY");
    row_num(p, S_CO_EXPORT, "cost-export", c->export_revenue_cny, 0, "CNY");
    sb_puts(b, "<tr class=\"sum\"><th scope=\"row\">");
    sb_esc(b, tr(p, S_CO_NET));
    sb_puts(b, "</th>");
    td_num(p, "cost-net", c->net_cny, 0);
    sb_puts(b, "<td>CNY</td></tr>\n");
    row_num(p, S_CO_PEAK, "cost-peak", c->peak_import_kw, 1, "kW");
    sb_puts(b, "<tr><th scope=\"row\">");
    sb_esc(b, tr(p, S_CO_PEAK_AT));
    sb_puts(b, "</th><td class=\"n\" id=\"cost-peak-at\">");
    peak_time(p, c->peak_at);
    sb_puts(b, "</td><td></td></tr>\n");
    table_close(p);
}

/* Cost and peak grid import per month, and the highest peak of the run. */
static void table_peaks(rep *p)
{
    sbuf *b = &p->b;
    sb_puts(b, "<div class=\"tw\"><table id=\"table-peaks\"><caption>");
    sb_esc(b, tr(p, S_T_PEAKS));
    sb_puts(b, "</caption><thead><tr>");
    th_text(p, S_H_MONTH);
    const int cols[] = {S_CO_IMPORT, S_CO_EXPORT, S_CO_NET, S_CO_PEAK};
    const char *units[] = {"CNY", "CNY", "CNY", "kW"};
    for (size_t i = 0; i < ZP_ARRAY_LEN(cols); i++) {
        sb_puts(b, "<th>");
        sb_esc(b, tr(p, cols[i]));
        sb_printf(b, " <span class=\"u\">(%s)</span></th>", units[i]);
    }
    th_text(p, S_H_PEAK_TIME);
    sb_puts(b, "</tr></thead><tbody>\n");
    const zp_report_cost *c = p->cost;
    for (size_t i = 0; i < c->nmonths; i++) {
        const zp_report_cost_month *x = &c->months[i];
        char lab[32], key[16];
        month_label(p, lab, sizeof lab, local_day(x->start, p->off), 1);
        date_label(key, sizeof key, local_day(x->start, p->off));
        key[7] = '\0';
        sb_printf(b, "<tr data-month=\"%s\"><th scope=\"row\">", key);
        sb_esc(b, lab);
        sb_puts(b, "</th>");
        td_num(p, NULL, x->import_cost_cny, 0);
        td_num(p, NULL, x->export_revenue_cny, 0);
        td_num(p, NULL, x->net_cny, 0);
        td_num(p, NULL, x->peak_import_kw, 1);
        sb_puts(b, "<td class=\"n\">");
        peak_time(p, x->peak_at);
        sb_puts(b, "</td></tr>\n");
    }
    sb_puts(b, "<tr class=\"sum\"><th scope=\"row\">");
    sb_esc(b, tr(p, S_CO_MAX));
    sb_puts(b, "</th>");
    td_num(p, NULL, c->import_cost_cny, 0);
    td_num(p, NULL, c->export_revenue_cny, 0);
    td_num(p, NULL, c->net_cny, 0);
    td_num(p, "peak-max", c->peak_import_kw, 1);
    sb_puts(b, "<td class=\"n\">");
    peak_time(p, c->peak_at);
    sb_puts(b, "</td></tr>\n");
    table_close(p);
}

/* "0.5306 kgCO2/kWh (2023, national; source; verification: S)" */
static void factor_text(rep *p, const zp_factor *f)
{
    sbuf *b = &p->b;
    if (isnan(f->value)) {
        sb_esc(b, tr(p, S_M_HOURLY_FACTOR));
    } else {
        sb_printf(b, "%.6g ", f->value);
        sb_esc(b, f->unit);
    }
    if (f->year && f->region) {
        sb_printf(b, " (%d, ", f->year);
        sb_word(p, f->region);
        sb_puts(b, ")");
    } else if (f->year) {
        sb_printf(b, " (%d)", f->year);
    } else if (f->region) {
        sb_puts(b, " (");
        sb_word(p, f->region);
        sb_puts(b, ")");
    }
    sb_puts(b, "; ");
    sb_esc(b, tr(p, S_M_SOURCE));
    sb_puts(b, ": ");
    sb_source(p, f->source);
    if (f->verification) {
        sb_puts(b, "; ");
        sb_esc(b, tr(p, S_M_VERIF));
        sb_puts(b, ": ");
        sb_word(p, f->verification);
    }
}

/* Text of the accounting that the page has no word for: as written, and
 * marked as English on the Chinese page. */
static void sb_english(rep *p, const char *s)
{
    if (p->lang == ZP_REPORT_ZH) {
        sb_puts(&p->b, "<span lang=\"en\">");
        sb_esc(&p->b, s);
        sb_puts(&p->b, "</span>");
    } else {
        sb_esc(&p->b, s);
    }
}

/* A note of the accounting (the forms written by src/lib/carbon/carbon.c) in the
 * page's language; one of another form as written. */
static void note_text(rep *p, const char *s)
{
    sbuf *b = &p->b;
    if (p->lang != ZP_REPORT_ZH || !s) {
        sb_esc(b, s);
        return;
    }
    int y = 0, y2 = 0, n = -1;
    char region[64];
    double mwh = 0, f1 = 0, f2 = 0;
    /* the forms of year_for() and zp_grid_factors_resolve() in carbon.c */
    if (sscanf(s, "location factor: %d is the latest year with a published %63s factor up to the "
                  "data year %d%n", &y, region, &y2, &n) == 3 && n > 0 && !s[n]) {
        sb_printf(b, "电网排放因子：截至数据年份 %d，已发布的", y2);
        sb_word(p, region);
        sb_printf(b, "因子最新为 %d 年", y);
    } else if (sscanf(s, "residual mix: %d is the latest year with a published national "
                         "residual-mix factor up to the data year %d%n", &y, &y2, &n) == 2 &&
               n > 0 && !s[n]) {
        sb_printf(b, "剩余电力因子：截至数据年份 %d，已发布的全国剩余电力因子最新为 %d 年", y2, y);
    } else if (sscanf(s, "location factor: the data year %d is older than every published %63s "
                         "factor; the first, %d, is used%n", &y2, region, &y, &n) == 3 &&
               n > 0 && !s[n]) {
        sb_printf(b, "电网排放因子：数据年份 %d 早于所有已发布的", y2);
        sb_word(p, region);
        sb_printf(b, "因子，采用最早的 %d 年", y);
    } else if (sscanf(s, "residual mix: the data year %d is older than every published national "
                         "residual-mix factor; the first, %d, is used%n", &y2, &y, &n) == 2 &&
               n > 0 && !s[n]) {
        sb_printf(b, "剩余电力因子：数据年份 %d 早于所有已发布的全国剩余电力因子，采用最早的 %d 年", y2,
                  y);
    } else if (sscanf(s, "grid factor: grid.emission_factor_kg_per_kwh %lg kg/kWh wins over "
                         "accounting.grid_region '%63[^']' (%lg kg/kWh, %d); remove "
                         "grid.emission_factor_kg_per_kwh to use the region's factor%n",
                      &f1, region, &f2, &y, &n) == 4 && n > 0 && !s[n]) {
        sb_puts(b, "电网排放因子：模型填写的 ");
        sb_data(b, "grid.emission_factor_kg_per_kwh");
        sb_printf(b, " %.6g kg/kWh 优先于 ", f1);
        sb_data(b, "accounting.grid_region");
        sb_puts(b, " ");
        sb_word(p, region);
        sb_printf(b, "（%.6g kg/kWh，%d 年）；删去 ", f2, y);
        sb_data(b, "grid.emission_factor_kg_per_kwh");
        sb_puts(b, " 即采用该地区的因子");
    } else if (sscanf(s, "grid factor: the per-step grid factor wins over accounting.grid_region "
                         "'%63[^']' (%lg kg/kWh, %d); remove the series to use the region's "
                         "factor%n", region, &f2, &y, &n) == 3 && n > 0 && !s[n]) {
        sb_puts(b, "电网排放因子：逐时段的电网因子优先于 ");
        sb_data(b, "accounting.grid_region");
        sb_puts(b, " ");
        sb_word(p, region);
        sb_printf(b, "（%.6g kg/kWh，%d 年）；删去该序列即采用该地区的因子", f2, y);
    } else if (sscanf(s, "equal-value tce: %d is the latest year with a coal consumption of power "
                         "supply up to %d%n", &y, &y2, &n) == 2 && n > 0 && !s[n]) {
        sb_printf(b, "等价值标准煤折算：截至 %d 年，已发布的火电供电煤耗最新为 %d 年", y2, y);
    } else if (strncmp(s, "consumption is not metered:", 27) == 0) {
        sb_puts(b, "用电量未计量：按每个时段的电量平衡推算（购电 − 上网 + 光伏 + 风电 + 储能放电 − 储能充电）");
    } else if (sscanf(s, "certificates and contracts exceed grid import by %lg MWh:%n", &mwh, &n) == 1 &&
               n > 0) {
        sb_puts(b, "绿证与绿电交易电量超出购电量 ");
        sb_num(b, mwh, 1);
        sb_puts(b, " MWh：基于市场的范围二排放最低为零，超出部分不结转");
    } else {
        sb_english(p, s);
    }
}

/* An alert of the accounting in the page's language, from its kind and
 * the figures it is about (*next_target: the next target not met). */
static void alert_text(rep *p, const zp_acct_alert *al, size_t *next_target)
{
    sbuf *b = &p->b;
    const zp_acct_result *a = p->a;
    char day[16], day2[16];
    if (p->lang != ZP_REPORT_ZH) {
        sb_esc(b, al->message);
        return;
    }
    date_label(day, sizeof day, local_day(al->when, p->off));
    if (strcmp(al->kind, "budget_exceeded") == 0) {
        sb_puts(b, "碳预算 ");
        sb_num(b, p->budget_t, 1);
        sb_printf(b, " 吨已于 %s 超出，已排放 ", day);
        sb_num(b, p->total.total_market_t, 1);
        sb_puts(b, " 吨（基于市场）");
    } else if (strcmp(al->kind, "budget_projection") == 0) {
        date_label(day2, sizeof day2, local_day(p->by_end - 1, p->off));
        sb_puts(b, "按每日 ");
        sb_num(b, a->burn_rate_t_per_day, 2);
        sb_puts(b, " 吨的排放速度，");
        sb_num(b, p->budget_t, 1);
        sb_printf(b, " 吨碳预算将于 %s 用尽；预计至 %s 累计排放 ", day, day2);
        sb_num(b, p->projected_t, 1);
        sb_puts(b, " 吨");
    } else if (strncmp(al->kind, "target_", 7) == 0) {
        size_t k = *next_target;
        while (k < p->ntg && p->tg[k].status == ZP_TARGET_MET)
            k++;
        if (k >= p->ntg) {
            sb_english(p, al->message);
            return;
        }
        *next_target = k + 1;
        const tgt_view *t = &p->tg[k];
        int dec = strcmp(t->name, "max_pue") == 0 ? 3 : 1;
        sb_esc(b, tr(p, target_label(t->name)));
        sb_puts(b, "：结果 ");
        sb_num(b, t->value, dec);
        sb_puts(b, "，限值 ");
        sb_num(b, t->limit, dec);
        sb_puts(b, "（预计年末 ");
        sb_num(b, isnan(t->projected) ? t->value : t->projected, dec);
        sb_puts(b, "）：");
        sb_esc(b, tr(p, t->status == ZP_TARGET_MISSED ? S_ST_MISSED : S_ST_RISK));
    } else {
        sb_english(p, al->message);
    }
}

static void li_text(rep *p, int id)
{
    sb_puts(&p->b, "<li>");
    sb_esc(&p->b, tr(p, id));
    sb_puts(&p->b, "</li>\n");
}

static void li_label(rep *p, int id)
{
    sb_puts(&p->b, "<li><strong>");
    sb_esc(&p->b, tr(p, id));
    sb_puts(&p->b, ":</strong> ");
}

static void method(rep *p)
{
    sbuf *b = &p->b;
    const zp_model *m = p->m;
    const zp_acct_result *a = p->a;
    sb_puts(b, "<section id=\"method\"><h2>");
    sb_esc(b, tr(p, S_T_METHOD));
    sb_puts(b, "</h2>\n<ul>\n");
    li_text(p, S_M_SCOPE1);
    li_text(p, S_M_SCOPE2_LOC);
    li_text(p, S_M_SCOPE2_MKT);
    li_text(p, S_M_CFE);
    li_text(p, S_M_VOL);
    if (m->datacenter.present)
        li_text(p, S_M_PUE);
    if (a)
        li_text(p, S_M_TCE);
    li_text(p, S_M_BUDGET);
    li_text(p, S_M_COST);
    if (!a) {
        li_text(p, S_M_SIM_ONLY);
        li_text(p, S_M_SIM_MARKET);
    }
    sb_puts(b, "</ul>\n<h3>");
    sb_esc(b, tr(p, S_M_SOURCE));
    sb_puts(b, "</h3>\n<ul id=\"factor-sources\">\n");
    if (a) {
        li_label(p, S_M_FACTOR_SET);
        sb_word(p, a->factor_set);
        sb_printf(b, " (%d)</li>\n", a->year);
        li_label(p, S_M_GWP);
        sb_data(b, a->gwp_set);
        sb_puts(b, "</li>\n");
        li_label(p, S_M_GRID);
        factor_text(p, &a->grid);
        sb_puts(b, "</li>\n");
        li_label(p, S_M_RESIDUAL);
        factor_text(p, &a->residual);
        sb_puts(b, "</li>\n");
        li_label(p, S_M_POWER_COAL);
        factor_text(p, &a->power_coal);
        sb_puts(b, "</li>\n");
        for (size_t i = 0; i < a->nfuels; i++) {
            const zp_acct_fuel_line *f = &a->fuels[i];
            li_label(p, S_M_FUEL);
            sb_word(p, f->type);
            sb_puts(b, " ");
            sb_num(b, f->amount, 1);
            sb_puts(b, " ");
            sb_esc(b, f->unit);
            sb_printf(b, " → %.6g t CO₂/", f->factor.t_co2_per_unit);
            sb_esc(b, f->factor.unit);
            sb_printf(b, " (%s %.6g GJ/", tr(p, S_M_NCV), f->factor.ncv_gj_per_unit);
            sb_esc(b, f->factor.unit);
            sb_printf(b, ", %s %.6g tC/GJ, %s %.4g; %d); ", tr(p, S_M_CC), f->factor.cc_tc_per_gj,
                      tr(p, S_M_OF), f->factor.oxidation, f->factor.year);
            sb_esc(b, tr(p, S_M_SOURCE));
            sb_puts(b, ": ");
            sb_source(p, f->factor.source);
            if (f->factor.verification) {
                sb_puts(b, "; ");
                sb_esc(b, tr(p, S_M_VERIF));
                sb_puts(b, ": ");
                sb_word(p, f->factor.verification);
            }
            sb_puts(b, " = ");
            sb_num(b, f->t_co2, 1);
            sb_puts(b, " t CO₂</li>\n");
        }
        for (size_t i = 0; i < a->nrefrigerants; i++) {
            const zp_acct_refrigerant_line *f = &a->refrigerants[i];
            li_label(p, S_M_REFRIG);
            sb_data(b, f->gas);
            sb_printf(b, " %.6g kg × GWP ", f->leak_kg);
            factor_text(p, &f->gwp);
            sb_puts(b, " = ");
            sb_num(b, f->t_co2e, 2);
            sb_puts(b, " t CO₂e</li>\n");
        }
    } else {
        li_label(p, S_M_GRID);
        if (m->grid.emission_factor_kg_per_kwh.is_series) {
            sb_esc(b, tr(p, S_M_SERIES));
            sb_puts(b, " ");
            sb_data(b, m->grid.emission_factor_kg_per_kwh.csv);
            sb_puts(b, " [");
            sb_data(b, m->grid.emission_factor_kg_per_kwh.column);
            sb_puts(b, "]");
        } else {
            sb_printf(b, "%.6g kg CO₂/kWh", m->grid.emission_factor_kg_per_kwh.constant);
        }
        sb_puts(b, "; ");
        sb_esc(b, tr(p, S_M_SOURCE));
        sb_puts(b, ": ");
        if (m->grid.emission_factor_source)
            sb_data(b, m->grid.emission_factor_source);
        else
            sb_esc(b, tr(p, S_PARK_MODEL));
        sb_puts(b, "</li>\n");
        li_label(p, S_M_RESIDUAL);
        sb_printf(b, "%.6g kg CO₂/kWh (", p->r->market_factor_kg_per_kwh);
        sb_esc(b, tr(p, S_IMPORT_WEIGHTED));
        sb_puts(b, ")</li>\n");
        for (size_t i = 0; i < m->nfuels; i++) {
            double k = NAN;
            const char *src = NULL;
            /* The simulation already resolved these; a failure cannot happen here. */
            if (zp_fuel_factor(p->ctx, m->fuels[i].type, m->fuels[i].unit, &k, &src) != ZP_OK)
                zp_ctx_clear_error(p->ctx);
            li_label(p, S_M_FUEL);
            sb_word(p, m->fuels[i].type);
            sb_puts(b, " ");
            sb_num(b, m->fuels[i].amount, 1);
            sb_puts(b, " ");
            sb_esc(b, m->fuels[i].unit);
            sb_printf(b, " → %.6g t CO₂/", k);
            sb_esc(b, m->fuels[i].unit);
            sb_puts(b, "; ");
            sb_esc(b, tr(p, S_M_SOURCE));
            sb_puts(b, ": ");
            sb_source(p, src);
            sb_puts(b, "</li>\n");
        }
        if (m->green_certificates_mwh > 0) {
            li_label(p, S_G_CERTS);
            sb_num(b, m->green_certificates_mwh, 1);
            sb_puts(b, " MWh</li>\n");
        }
    }
    sb_puts(b, "</ul>\n");
    if (a && a->nnotes) {
        sb_puts(b, "<h3>");
        sb_esc(b, tr(p, S_M_NOTES));
        sb_puts(b, "</h3>\n<ul id=\"notes\">\n");
        for (size_t i = 0; i < a->nnotes; i++) {
            sb_puts(b, "<li>");
            note_text(p, a->notes[i]);
            sb_puts(b, "</li>\n");
        }
        sb_puts(b, "</ul>\n");
    }
    if (a && a->nalerts) {
        sb_puts(b, "<h3>");
        sb_esc(b, tr(p, S_M_ALERTS));
        sb_puts(b, "</h3>\n<ul id=\"alerts\">\n");
        size_t next_target = 0;
        for (size_t i = 0; i < a->nalerts; i++) {
            sb_puts(b, "<li>");
            alert_text(p, &a->alerts[i], &next_target);
            sb_puts(b, "</li>\n");
        }
        sb_puts(b, "</ul>\n");
    }
    if (a && a->ncorrections) {
        sb_puts(b, "<h3>");
        sb_esc(b, tr(p, S_M_CORRECTIONS));
        sb_puts(b, "</h3>\n<ul id=\"corrections\">\n");
        for (size_t i = 0; i < a->ncorrections; i++) {
            const zp_acct_correction *k = &a->corrections[i];
            sb_puts(b, "<li>");
            sb_data(b, k->meter);
            sb_puts(b, " (");
            sb_data(b, k->file);
            sb_printf(b, ":%ld): %.10g → %.10g, +%.10g</li>\n", k->row, k->before, k->after, k->wrap);
        }
        sb_puts(b, "</ul>\n");
    }
    sb_puts(b, "</section>\n");
}

/* ---- the page --------------------------------------------------------------- */

static const char css[] =
    ":root{color-scheme:light}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:#fff;color:#1a1a1a;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\","
    "Roboto,\"Noto Sans\",\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "\"WenQuanYi Micro Hei\",sans-serif}"
    "header,main,footer{max-width:1240px;margin:0 auto;padding:0 20px}"
    "header{padding-top:20px}"
    "h1{font-size:1.7rem;margin:.2em 0}h2{font-size:1.3rem;margin:1.6em 0 .6em;"
    "border-bottom:2px solid #d0d7de;padding-bottom:.2em}h3{font-size:1.05rem}"
    ".meta{color:#444;margin:.2em 0}"
    ".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin:16px 0}"
    ".kpi{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;background:#f6f8fa}"
    ".kpi .k{font-size:.85rem;color:#444}.kpi .v{font-size:1.5rem;font-weight:600}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:20px}"
    "figure{margin:0;border:1px solid #d0d7de;border-radius:8px;padding:8px;background:#fff;min-width:0}"
    "figure.wide{grid-column:1/-1}"
    "figcaption{font-weight:600;font-size:.95rem;padding:4px 6px}"
    "svg.chart{display:block;width:100%;height:auto}"
    "svg text{font-size:12px;fill:#1a1a1a}"
    "svg .atitle{font-size:13px;font-weight:600}"
    "svg .grid{stroke:#d8dde3;stroke-width:1}svg .base,svg .tick{stroke:#555;stroke-width:1}"
    "svg .bars rect{stroke:#fff;stroke-width:.6}"
    "svg .hover rect{fill:transparent}svg .hover rect:hover{fill:rgba(0,0,0,.06)}"
    "svg .cells rect:hover{stroke:#000;stroke-width:1}"
    ".tables{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:20px}"
    ".tw{overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;font-size:.95rem}"
    "caption{text-align:left;font-weight:600;padding:6px 0}"
    "th,td{border-bottom:1px solid #d0d7de;padding:5px 8px;text-align:left;vertical-align:top}"
    "thead th{background:#f6f8fa}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "tr.sum th,tr.sum td{font-weight:600}"
    "#table-monthly tbody th{white-space:nowrap}"
    ".u{font-weight:400;color:#444;white-space:nowrap}"
    ".st{display:inline-block;border-radius:4px;padding:0 8px;font-weight:600;white-space:nowrap}"
    ".st.met{background:#dff3e8;color:#0b5130}.st.risk{background:#fff1cc;color:#6b4500}"
    ".st.missed{background:#fde0dc;color:#8a1c0d}"
    ".note{color:#444;font-size:.9rem}"
    "#method li{margin:.3em 0}"
    "footer{color:#555;font-size:.85rem;padding-top:20px;padding-bottom:30px}"
    "@media (max-width:700px){body{font-size:15px}.kpi .v{font-size:1.25rem}}"
    "@media print{figure{break-inside:avoid}}";

/* Gross, retired and net emissions, and the retirements with their serials. */
static void table_offsets(rep *p, const zp_report_offsets *o)
{
    sbuf *b = &p->b;
    double gross = p->total.total_market_t, retired = (double)o->retired_t;
    sb_printf(b, "<section id=\"offsets\" data-year=\"%d\">\n<div class=\"tw\"><table "
                 "id=\"table-offsets\"><caption>",
              o->year);
    sb_esc(b, tr(p, S_T_OFFSETS));
    sb_printf(b, " (%d, ", o->year);
    sb_data(b, o->park);
    sb_puts(b, ")</caption><thead><tr>");
    th_text(p, S_H_ITEM);
    th_text(p, S_H_VALUE);
    th_text(p, S_H_UNIT);
    sb_puts(b, "</tr></thead><tbody>\n");
    row_num(p, S_O_GROSS, "offsets-gross", gross, 1, "t CO₂e");
    row_num(p, S_O_RETIRED, "offsets-retired", retired, 0, "t CO₂e");
    row_num(p, S_O_NET, "offsets-net", gross - retired, 1, "t CO₂e");
    sb_puts(b, "</tbody></table></div>\n<p class=\"note\">");
    sb_esc(b, tr(p, o->n ? S_O_NOTE : S_O_NONE));
    sb_puts(b, "</p>\n");
    if (o->n) {
        sb_puts(b, "<div class=\"tw\"><table id=\"table-retirements\"><thead><tr>");
        th_text(p, S_H_RETIREMENT);
        th_text(p, S_H_PROJECT);
        sb_puts(b, "<th>t CO₂e</th>");
        th_text(p, S_H_BENEFICIARY);
        th_text(p, S_H_PURPOSE);
        th_text(p, S_H_SERIALS);
        sb_puts(b, "</tr></thead><tbody>\n");
        for (size_t i = 0; i < o->n; i++) {
            const zp_report_retirement *r = &o->items[i];
            sb_printf(b, "<tr><td class=\"n\">%lld</td><td>", (long long)r->id);
            sb_data(b, r->project);
            sb_printf(b, "</td><td class=\"n\">%lld</td><td>", (long long)r->qty_t);
            sb_data(b, r->beneficiary);
            sb_puts(b, "</td><td>");
            sb_data(b, r->purpose);
            sb_puts(b, "</td><td class=\"serials\" translate=\"no\"><code>");
            sb_esc(b, r->serials ? r->serials : "");
            sb_puts(b, "</code></td></tr>\n");
        }
        sb_puts(b, "</tbody></table></div>\n");
    }
    sb_puts(b, "</section>\n");
}

static void kpi(rep *p, const char *id, int label, double v, int dec, const char *unit, const char *extra)
{
    sbuf *b = &p->b;
    sb_printf(b, "<div class=\"kpi\" id=\"%s\"><div class=\"k\">", id);
    sb_esc(b, tr(p, label));
    sb_puts(b, "</div><div class=\"v\">");
    sb_num(b, v, dec);
    if (unit && *unit) {
        sb_puts(b, " ");
        sb_puts(b, unit);
    }
    if (extra)
        sb_esc(b, extra);
    sb_puts(b, "</div></div>\n");
}

static void page(rep *p, const zp_report_opts *o)
{
    sbuf *b = &p->b;
    const zp_model *m = p->m;
    const zp_sim_result *r = p->r;
    const char *title = o->title ? o->title : m->name;
    char t0[ZP_TIME_BUFSIZE], t1[ZP_TIME_BUFSIZE];
    sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
              tr(p, S_HTML_LANG));
    sb_puts(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'\">\n"
               "<meta name=\"generator\" content=\"zeropark " ZP_VERSION_STRING "\">\n<title>");
    sb_esc(b, title);
    sb_puts(b, " — ");
    sb_esc(b, tr(p, S_REPORT));
    sb_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1 id=\"title\" translate=\"no\">", css);
    sb_esc(b, title);
    sb_puts(b, "</h1>\n<p class=\"meta\">");
    sb_esc(b, tr(p, S_REPORT));
    sb_puts(b, " · ");
    sb_esc(b, tr(p, S_PERIOD));
    sb_puts(b, ": ");
    sb_esc(b, zp_time_format(r->start, p->off, t0));
    sb_puts(b, " … ");
    sb_esc(b, zp_time_format(r->start + (zp_time_t)r->steps * r->step_s, p->off, t1));
    sb_printf(b, " · %s %d %s · %s: ", tr(p, S_STEP), (int)(r->step_s / 60), tr(p, S_MINUTES),
              tr(p, S_DISPATCH));
    sb_puts(b, "<span id=\"dispatch\" data-dispatch=\"");
    sb_esc(b, r->dispatch);
    sb_puts(b, "\">");
    int dl = dispatch_label(r->dispatch);
    if (dl >= 0)
        sb_esc(b, tr(p, dl));
    else
        sb_data(b, r->dispatch);
    sb_puts(b, "</span>");
    if (o->run_id > 0)
        sb_printf(b, " · %s <span id=\"run\">%lld</span>", tr(p, S_RUN), (long long)o->run_id);
    sb_puts(b, "</p>\n<p class=\"meta\">");
    sb_esc(b, tr(p, S_MODEL_FILE));
    sb_puts(b, ": <code translate=\"no\">");
    sb_esc(b, m->file);
    sb_puts(b, "</code> · ");
    sb_esc(b, tr(p, S_DATA_FROM));
    sb_puts(b, " ");
    sb_esc(b, tr(p, p->a ? S_DATA_ACCT : S_DATA_SIM));
    sb_puts(b, " · ");
    sb_esc(b, tr(p, S_LOCAL_TIME));
    sb_printf(b, " (UTC%c%02d:%02d)", p->off < 0 ? '-' : '+', abs(p->off) / 60, abs(p->off) % 60);
    if (o->generated_at) {
        sb_puts(b, " · ");
        sb_esc(b, tr(p, S_GENERATED));
        sb_puts(b, ": ");
        sb_esc(b, o->generated_at);
    }
    sb_puts(b, "</p>\n</header>\n<main>\n<section class=\"kpis\" id=\"summary\">\n");
    kpi(p, "kpi-total", S_K_TOTAL, p->total.total_market_t, 0, "t CO₂e", NULL);
    if (o->offsets)
        kpi(p, "kpi-net", S_K_NET, p->total.total_market_t - (double)o->offsets->retired_t, 0,
            "t CO₂e", NULL);
    kpi(p, "kpi-green", S_K_GREEN, p->green_vol_pct, 1, "%", NULL);
    kpi(p, "kpi-hourly", S_K_HOURLY, p->green_hourly_pct, 1, "%", NULL);
    if (!isnan(p->pue))
        kpi(p, "kpi-pue", S_K_PUE, p->pue, 3, NULL, NULL);
    if (!isnan(p->budget_t) && p->budget_t > 0)
        kpi(p, "kpi-budget", S_K_BUDGET, 100 * p->total.total_market_t / p->budget_t, 1, "%", NULL);
    kpi(p, "kpi-cost", S_K_COST, p->cost->net_cny, 0, "CNY", NULL);
    kpi(p, "kpi-peak", S_K_PEAK, p->cost->peak_import_kw, 0, "kW", NULL);
    sb_puts(b, "</section>\n<section class=\"charts\" id=\"charts\">\n");
    chart_emissions(p);
    chart_sources(p);
    chart_heat(p);
    chart_burndown(p);
    if (p->ndays && !isnan(p->pue))
        chart_pue(p);
    else {
        sb_puts(b, "<p class=\"note\" id=\"no-pue\">");
        sb_esc(b, tr(p, S_NO_DC));
        sb_puts(b, "</p>\n");
    }
    sb_puts(b, "</section>\n<section class=\"tables\" id=\"tables\">\n");
    table_scopes(p);
    table_targets(p);
    table_energy(p);
    table_green(p);
    table_cost(p);
    sb_puts(b, "</section>\n");
    if (o->offsets)
        table_offsets(p, o->offsets);
    sb_puts(b, "<section id=\"monthly\">\n");
    table_monthly(p);
    table_peaks(p);
    sb_puts(b, "</section>\n");
    method(p);
    sb_puts(b, "</main>\n<footer>");
    sb_esc(b, tr(p, S_FOOTER));
    sb_puts(b, " " ZP_VERSION_STRING "</footer>\n</body>\n</html>\n");
}

/* ---- public -------------------------------------------------------------------- */

void zp_report_opts_init(zp_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lang = ZP_REPORT_EN;
}

zp_status zp_report_lang_parse(const char *text, zp_report_lang *out)
{
    if (!text || !out)
        return ZP_EINVAL;
    if (strcmp(text, "en") == 0 || strcmp(text, "en-US") == 0 || strcmp(text, "en-GB") == 0) {
        *out = ZP_REPORT_EN;
        return ZP_OK;
    }
    if (strcmp(text, "zh") == 0 || strcmp(text, "zh-CN") == 0 || strcmp(text, "cn") == 0) {
        *out = ZP_REPORT_ZH;
        return ZP_OK;
    }
    return ZP_EINVAL;
}

void zp_report_free(zp_ctx *ctx, char *text) { zp__free(ctx, text); }

void zp_report_cost_free(zp_ctx *ctx, zp_report_cost *c)
{
    if (!c)
        return;
    zp__free(ctx, c->months);
    zp__free(ctx, c);
}

zp_status zp_report_cost_compute(zp_ctx *ctx, const zp_sim_result *r, zp_report_cost **out)
{
    if (!ctx || !r || !out || !r->model || !r->flows)
        return zp__error(ctx, ZP_EINVAL, "report: a simulation result is required");
    *out = NULL;
    if (r->steps == 0 || r->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "report: the run has no steps");
    const zp_model *m = r->model;
    const int32_t off = m->utc_offset_min;
    const size_t n = r->steps;
    /* Months: one per change of local (year, month) over the steps. */
    size_t nmonths = 0;
    int64_t prev = -1;
    for (size_t t = 0; t < n; t++) {
        int64_t y;
        unsigned mo, d;
        zp_civil_from_days(local_day(r->start + (zp_time_t)t * r->step_s, off), &y, &mo, &d);
        if (y * 12 + mo != prev)
            nmonths++;
        prev = y * 12 + mo;
    }
    zp_report_cost *c = zp__calloc(ctx, 1, sizeof *c);
    if (!c || !(c->months = zp__calloc(ctx, nmonths, sizeof *c->months))) {
        zp__free(ctx, c);
        return zp__nomem(ctx);
    }
    c->nmonths = nmonths;
    c->peak_import_kw = -1;
    zp_report_cost_month *x = NULL;
    prev = -1;
    for (size_t t = 0; t < n; t++) {
        zp_time_t ts = r->start + (zp_time_t)t * r->step_s;
        int64_t y;
        unsigned mo, d;
        zp_civil_from_days(local_day(ts, off), &y, &mo, &d);
        if (y * 12 + mo != prev) {
            x = x ? x + 1 : c->months;
            x->start = ts;
            x->peak_import_kw = -1;
        }
        prev = y * 12 + mo;
        double imp = r->flows->grid_import_kw[t], exp = r->flows->grid_export_kw[t];
        double pi = r->price_cny_per_kwh ? r->price_cny_per_kwh[t] : m->grid.price_cny_per_kwh.constant;
        double pe = r->export_price_cny_per_kwh ? r->export_price_cny_per_kwh[t]
                                                : m->grid.export_price_cny_per_kwh.constant;
        x->import_cost_cny += imp * r->step_h * pi;
        x->export_revenue_cny += exp * r->step_h * pe;
        if (imp > x->peak_import_kw) {
            x->peak_import_kw = imp;
            x->peak_at = ts;
        }
    }
    for (size_t i = 0; i < nmonths; i++) {
        x = &c->months[i];
        x->net_cny = x->import_cost_cny - x->export_revenue_cny;
        c->import_cost_cny += x->import_cost_cny;
        c->export_revenue_cny += x->export_revenue_cny;
        if (x->peak_import_kw > c->peak_import_kw) {
            c->peak_import_kw = x->peak_import_kw;
            c->peak_at = x->peak_at;
        }
    }
    c->net_cny = c->import_cost_cny - c->export_revenue_cny;
    *out = c;
    return ZP_OK;
}

/* Check the arguments and build the view both outputs share. */
static zp_status rep_init(rep *p, zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                          const zp_acct_result *acct, const zp_report_opts *o, int heat)
{
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    if (!m || !r || !o)
        return zp__error(ctx, ZP_EINVAL, "report: model and simulation result are required");
    if (r->model != m)
        return zp__error(ctx, ZP_EINVAL, "report: the simulation result is not a run of this model");
    if (r->steps == 0 || r->step_s <= 0)
        return zp__error(ctx, ZP_EINVAL, "report: the run has no steps");
    if (acct && (acct->nmonths == 0 || acct->ndays == 0))
        return zp__error(ctx, ZP_EINVAL, "report: the accounting result has no months or days");
    p->lang = o->lang == ZP_REPORT_ZH ? ZP_REPORT_ZH : ZP_REPORT_EN;
    p->m = m;
    p->r = r;
    p->a = acct;
    p->off = m->utc_offset_min;
    p->b.ctx = ctx;
    p->b.max = o->max_bytes ? o->max_bytes : ZP_REPORT_MAX_BYTES;
    zp_status rc;
    if (acct)
        view_from_acct(p);
    else if ((rc = view_from_sim(p)))
        return rc;
    if (heat && (rc = build_heat(p)))
        return rc;
    return zp_report_cost_compute(ctx, r, &p->cost);
}

static void rep_free(rep *p)
{
    zp__free(p->ctx, p->own);
    zp__free(p->ctx, p->heat);
    zp_report_cost_free(p->ctx, p->cost);
    zp__free(p->ctx, p->b.p);
}

/* Hand the buffer to the caller, or report its sticky error. */
static zp_status rep_finish(rep *p, char **text, size_t *len)
{
    if (!p->b.err && !p->b.p)
        sb_addn(&p->b, "", 0);
    if (p->b.err)
        return p->b.err;
    *text = p->b.p;
    if (len)
        *len = p->b.len;
    p->b.p = NULL;
    return ZP_OK;
}

/* The monthly table as CSV. */
static void csv_body(rep *p)
{
    sbuf *b = &p->b;
    sb_puts(b, "month,scope1_t,scope2_location_t,scope2_market_t,total_location_t,total_market_t,"
               "pv_kwh,wind_kwh,storage_charge_kwh,storage_discharge_kwh,grid_import_kwh,"
               "grid_export_kwh,consumption_kwh,cfe_kwh,green_share_hourly_pct,dc_it_kwh,"
               "dc_facility_kwh,pue,energy_tce_calorific,energy_tce_equal_value,import_cost_cny,"
               "export_revenue_cny,net_cost_cny,peak_import_kw,peak_import_at\n");
    for (size_t i = 0; i < p->nmonths; i++) {
        const zp_acct_totals *x = &p->months[i];
        char day[16];
        date_label(day, sizeof day, local_day(x->start, p->off));
        day[7] = '\0'; /* YYYY-MM */
        const double v[] = {x->scope1_t, x->scope2_location_t, x->scope2_market_t, x->total_location_t,
                            x->total_market_t, x->pv_kwh, x->wind_kwh, x->storage_charge_kwh,
                            x->storage_discharge_kwh, x->grid_import_kwh, x->grid_export_kwh,
                            x->consumption_kwh, x->cfe_kwh, x->green_share_hourly_pct, x->dc_it_kwh,
                            x->dc_facility_kwh, x->pue, x->energy_tce_calorific, x->energy_tce_equal_value};
        sb_puts(b, day);
        for (size_t k = 0; k < ZP_ARRAY_LEN(v); k++) {
            /* Empty field for "not applicable" (no IT energy, no tce). */
            if (isfinite(v[k]))
                sb_printf(b, ",%.12g", v[k]);
            else
                sb_puts(b, ",");
        }
        const zp_report_cost_month *c = cost_month(p, x->start);
        if (c) {
            char at[ZP_TIME_BUFSIZE];
            sb_printf(b, ",%.12g,%.12g,%.12g,%.12g,%s", c->import_cost_cny, c->export_revenue_cny,
                      c->net_cny, c->peak_import_kw, zp_time_format(c->peak_at, p->off, at));
        } else {
            sb_puts(b, ",,,,,");
        }
        sb_puts(b, "\n");
    }
}

/* One report text (html: the page, else the monthly CSV) into *text. */
static zp_status report_text(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                             const struct zp_acct_result *acct, const zp_report_opts *opts,
                             int html, char **text, size_t *len)
{
    if (!ctx || !text)
        return ZP_EINVAL;
    *text = NULL;
    zp_report_opts defaults;
    zp_report_opts_init(&defaults);
    if (!opts)
        opts = &defaults;
    rep p;
    zp_status rc = rep_init(&p, ctx, m, r, acct, opts, html);
    if (!rc) {
        if (html)
            page(&p, opts);
        else
            csv_body(&p);
        rc = rep_finish(&p, text, len);
    }
    rep_free(&p);
    return rc;
}

zp_status zp_report_html(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                         const struct zp_acct_result *acct, const zp_report_opts *opts, char **html,
                         size_t *len)
{
    return report_text(ctx, m, r, acct, opts, 1, html, len);
}

zp_status zp_report_csv(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r,
                        const struct zp_acct_result *acct, const zp_report_opts *opts, char **csv,
                        size_t *len)
{
    return report_text(ctx, m, r, acct, opts, 0, csv, len);
}
