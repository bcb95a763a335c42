/*
 * strings.c - the page's words in English and Chinese: one table [id][lang]
 * (ids in report_impl.h), words of the factor tables and the accounting,
 * month and date labels, and the accounting's notes and alerts in the
 * page's language.
 */
#include "report/report_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const rep__strings[S__COUNT][2] = {
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
    [S_DATA_ACCT] = {"the carbon accounting of the simulation", "对模拟结果的碳核算"},
    [S_K_TOTAL] = {"Total emissions, market-based", "总排放（基于市场）"},
    [S_K_GREEN] = {"Green electricity share", "绿电占比"},
    [S_K_HOURLY] = {"Hourly matched carbon-free share", "逐时匹配无碳电力占比"},
    [S_K_PUE] = {"Data-center PUE", "数据中心 PUE"},
    [S_K_BUDGET] = {"Carbon budget used", "碳预算已用"},
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
    [S_TG_INDICATOR] = {"Carbon per unit of energy use, cap", "单位能耗碳排放上限"},
    [S_TG_CLEAN] = {"Minimum clean-energy share of consumption", "清洁能源消费占比下限"},
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
    [S_E_TCE_CAL] = {"Energy bought less energy sent out, calorific-equivalent method",
                     "购入能源扣除输出能源（当量值）"},
    [S_E_TCE_EQ] = {"Energy bought less energy sent out, equal-value method",
                    "购入能源扣除输出能源（等价值）"},
    [S_E_FUELS_TCE] = {"Fuels", "燃料"},
    [S_E_COAL_SAVED] = {"Standard coal saved by on-site PV and wind", "本地光伏风电节约标准煤"},
    [S_E_INTENSITY] = {"Energy intensity (equal-value)", "能耗强度（等价值）"},
    [S_E_INDICATOR] = {"Carbon per unit of energy use (market-based, equal-value)",
                       "单位能耗碳排放（基于市场，等价值）"},
    [S_E_INDICATOR_CAL] = {"Carbon per unit of energy use (market-based, calorific)",
                           "单位能耗碳排放（基于市场，当量值）"},
    [S_E_INDICATOR_LOC] = {"Carbon per unit of energy use (location-based, equal-value)",
                           "单位能耗碳排放（基于位置，等价值）"},
    [S_E_CLEAN] = {"Clean-energy share of consumption (equal-value)", "清洁能源消费占比（等价值）"},
    [S_E_INDICATOR_TCE] = {"Energy use of the indicator, equal-value (on-site PV and wind included)",
                           "单位能耗碳排放所用能耗（等价值，含本地光伏风电）"},
    [S_E_INDICATOR_TCE_CAL] = {"Energy use of the indicator, calorific-equivalent",
                               "单位能耗碳排放所用能耗（当量值）"},
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
    [S_M_VERIF] = {"Verification", "核实"},
    [S_M_NOTES] = {"Notes from the accounting", "核算说明"},
    [S_M_ALERTS] = {"Alerts", "预警"},
    [S_M_CORRECTIONS] = {"Corrected meter readings", "已修正的表计读数"},
    [S_M_HOURLY_FACTOR] = {"per-step series", "逐时段序列"},
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
    [S_K_COST] = {"Electricity bill", "电费"},
    [S_K_PEAK] = {"Peak grid import", "电网购电峰值"},
    [S_T_COST] = {"Electricity bill", "电费"},
    [S_CO_IMPORT] = {"Grid import cost", "购电费用"},
    [S_CO_EXPORT] = {"Grid export revenue", "上网售电收入"},
    [S_CO_NET] = {"Net energy cost", "净能源费用"},
    [S_CO_PEAK] = {"Peak grid import", "电网购电峰值"},
    [S_CO_PEAK_AT] = {"Time of the peak", "峰值出现时刻"},
    [S_T_PEAKS] = {"Electricity bill and peak grid import by month", "各月电费与电网购电峰值"},
    [S_CO_MAX] = {"Whole run", "全期"},
    [S_M_COST] = {"Electricity bill: grid import in each step × that step's import price (the "
                  "tariff's period, or the price series); the demand charge × each calendar month's "
                  "peak grid import, or the capacity charge × the transformers' kVA, pro rata by days "
                  "in a month the run covers in part; less grid export × the export price; battery "
                  "wear per kWh discharged; the green-power premium per MWh delivered. Peak grid "
                  "import: the highest mean import power of a step (a meter bills the highest "
                  "15-minute mean: hourly steps understate it).",
                  "电费：每个时段的购电量 × 该时段购电电价（分时电价的时段，或电价序列）；需量电费 × "
                  "每个自然月的电网购电峰值，或容量电费 × 变压器容量（千伏安），运行只覆盖部分天数的月份按天数"
                  "折算；减去上网电量 × 上网电价；电池损耗按放电量计；绿电溢价按交付的绿电计。电网购电峰值："
                  "单个时段平均购电功率的最大值（电能表按15分钟平均功率的最大值计量，按小时计算会偏低）。"},
    [S_PARK_MODEL] = {"park model", "园区模型"},
    [S_NATIONAL] = {"national", "全国"},
    [S_BUILTIN] = {"builtin", "内置"},
    [S_NOT_VERIFIED] = {"not verified", "未核实"},
    [S_GIVEN_IN_MODEL] = {"model", "模型给定"},
    [S_M_NCV] = {"NCV", "低位发热量"},
    [S_M_CC] = {"CC", "单位热值含碳量"},
    [S_M_OF] = {"OF", "碳氧化率"},
    [S_H_PEAK_TIME] = {"Time of the peak", "峰值时刻"},
    [S_CO_DEMAND] = {"Demand charge", "需量电费"},
    [S_CO_CAPACITY] = {"Capacity charge", "容量电费"},
    [S_CO_WEAR] = {"Battery wear", "电池损耗"},
    [S_CO_GREEN] = {"Green-power premium", "绿电溢价"},
    [S_CO_TOTAL] = {"Bill", "电费合计"},
    [S_CO_CYCLES] = {"Equivalent full cycles a year", "年等效满充放次数"},
    [S_CO_FADE] = {"Capacity fade a year", "年容量衰减"},
    [S_CV_TITLE] = {"Abatement curve", "减排成本曲线"},
    [S_CV_META] = {"The least-cost plan for each value of the target; the other targets as the model has them",
                   "目标每一取值下的最低成本规划；其他目标按模型设定"},
    [S_CV_TARGET] = {"Target", "目标"},
    [S_CV_POINTS] = {"points", "个点"},
    [S_CV_K_BASE] = {"Cost without the target", "无此目标时的成本"},
    [S_CV_K_LAST] = {"Cost at the tightest feasible point", "最严可行点的成本"},
    [S_CV_K_MAC] = {"Marginal cost there", "该点边际成本"},
    [S_CV_C_COST] = {"Annualised cost by target value", "各目标值的年化成本"},
    [S_CV_C_COST_D] = {"Stacked bars of the annualised cost of each plan by part", "各规划年化成本分项堆叠柱状图"},
    [S_CV_C_MAC] = {"Marginal and average abatement cost", "边际与平均减排成本"},
    [S_CV_C_MAC_D] = {"Lines of the shadow price, the finite difference of cost and the average abatement cost per point",
                      "各点影子价格、成本差分与平均减排成本折线图"},
    [S_CV_C_PARETO] = {"Cost against green share (Pareto front)", "成本与绿电占比（帕累托前沿）"},
    [S_CV_C_PARETO_D] = {"Dots of each plan's annualised cost against its green share; the line joins the front",
                         "各规划年化成本与绿电占比散点，折线连接前沿"},
    [S_CV_CAPITAL] = {"Capital", "资本"},
    [S_CV_OM] = {"O&M", "运维"},
    [S_CV_OPERATION] = {"Operation (bill)", "运行（电费）"},
    [S_CV_CERTS] = {"Certificates", "绿证"},
    [S_CV_CREDITS] = {"Carbon credits", "碳信用"},
    [S_CV_CARBON] = {"Carbon price", "碳价"},
    [S_CV_SHADOW] = {"Shadow price (marginal)", "影子价格（边际）"},
    [S_CV_FD] = {"Finite difference of cost", "成本差分"},
    [S_CV_AVG] = {"Average from the unconstrained plan", "相对无约束规划的平均成本"},
    [S_CV_FRONT] = {"Pareto front", "帕累托前沿"},
    [S_CV_PLANS] = {"Plans", "规划"},
    [S_CV_AX_COST] = {"thousand CNY a year", "千元/年"},
    [S_CV_AX_MAC] = {"CNY per unit of the target", "元/目标单位"},
    [S_CV_AX_TARGET] = {"Target value", "目标值"},
    [S_CV_AX_GREEN] = {"Green share (%)", "绿电占比（%）"},
    [S_CV_T_POINTS] = {"The plans", "各规划"},
    [S_CV_H_STATUS] = {"Status", "状态"},
    [S_CV_H_TOTAL] = {"Annualised cost", "年化成本"},
    [S_CV_H_EMIS] = {"Emissions", "排放"},
    [S_CV_H_GREEN] = {"Green share", "绿电占比"},
    [S_CV_H_SHADOW] = {"Shadow price", "影子价格"},
    [S_CV_H_AVG] = {"Average abatement cost", "平均减排成本"},
    [S_CV_H_BUILD] = {"Build", "建设与采购"},
    [S_CV_BASE] = {"unconstrained", "无约束"},
    [S_CV_INFEASIBLE] = {"cannot be met", "无法达到"},
    [S_CV_OPTIMAL] = {"optimal", "最优"},
    [S_CV_BEST] = {"best reachable", "可达最优值"},
    [S_CV_NOTE] = {"Emissions are market-based net of credits over the model period; the shadow price is the rise of the annualised cost per unit the target is tightened (docs/planning.md).",
                   "排放为基于市场法、扣除碳信用后的模型期排放；影子价格为目标每收紧一个单位年化成本的增加（见 docs/planning.md）。"},
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

/* A word of the factor tables or the accounting that the page has in both
 * languages ("national", "builtin", a fuel type), else the data as it is. */
void rep__word(rep *p, const char *s)
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
void rep__source(rep *p, const char *s)
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
void rep__month_label(rep *p, char *buf, size_t n, int64_t day, int with_year)
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

void rep__date_label(char *buf, size_t n, int64_t day)
{
    int64_t y;
    unsigned mo, d;
    zp_civil_from_days(day, &y, &mo, &d);
    snprintf(buf, n, "%04lld-%02u-%02u", (long long)y, mo, d);
}

int rep__dispatch_label(const char *d)
{
    return !d                            ? -1
           : strcmp(d, "rule") == 0      ? S_DISP_RULE
           : strcmp(d, "optimal") == 0   ? S_DISP_OPTIMAL
           : strcmp(d, "mpc") == 0       ? S_DISP_MPC
                                         : -1;
}

int rep__target_label(const char *name)
{
    if (strcmp(name, "max_emissions_t") == 0)
        return S_TG_EMIS;
    if (strcmp(name, "min_green_share_pct") == 0)
        return S_TG_GREEN;
    if (strcmp(name, "max_pue") == 0)
        return S_TG_PUE;
    if (strcmp(name, "max_energy_tce") == 0)
        return S_TG_TCE;
    if (strcmp(name, "max_t_co2_per_tce") == 0)
        return S_TG_INDICATOR;
    if (strcmp(name, "min_clean_energy_share_pct") == 0)
        return S_TG_CLEAN;
    return S_TG_INTENSITY;
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

/* A note of the accounting (the forms written by src/lib/carbon/) in the
 * page's language; one of another form as written. */
void rep__note(rep *p, const char *s)
{
    sbuf *b = &p->b;
    if (p->lang != ZP_REPORT_ZH || !s) {
        sb_esc(b, s);
        return;
    }
    int y = 0, y2 = 0, n = -1;
    char region[64];
    double mwh = 0, f1 = 0, f2 = 0;
    /* the forms of year_for() and zp_grid_factors_resolve() in carbon/factors.c */
    if (sscanf(s, "location factor: %d is the latest year with a published %63s factor up to the "
                  "data year %d%n", &y, region, &y2, &n) == 3 && n > 0 && !s[n]) {
        sb_printf(b, "电网排放因子：截至数据年份 %d，已发布的", y2);
        rep__word(p, region);
        sb_printf(b, "因子最新为 %d 年", y);
    } else if (sscanf(s, "residual mix: %d is the latest year with a published national "
                         "residual-mix factor up to the data year %d%n", &y, &y2, &n) == 2 &&
               n > 0 && !s[n]) {
        sb_printf(b, "剩余电力因子：截至数据年份 %d，已发布的全国剩余电力因子最新为 %d 年", y2, y);
    } else if (sscanf(s, "location factor: the data year %d is older than every published %63s "
                         "factor; the first, %d, is used%n", &y2, region, &y, &n) == 3 &&
               n > 0 && !s[n]) {
        sb_printf(b, "电网排放因子：数据年份 %d 早于所有已发布的", y2);
        rep__word(p, region);
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
        rep__word(p, region);
        sb_printf(b, "（%.6g kg/kWh，%d 年）；删去 ", f2, y);
        sb_data(b, "grid.emission_factor_kg_per_kwh");
        sb_puts(b, " 即采用该地区的因子");
    } else if (sscanf(s, "grid factor: the per-step grid factor wins over accounting.grid_region "
                         "'%63[^']' (%lg kg/kWh, %d); remove the series to use the region's "
                         "factor%n", region, &f2, &y, &n) == 3 && n > 0 && !s[n]) {
        sb_puts(b, "电网排放因子：逐时段的电网因子优先于 ");
        sb_data(b, "accounting.grid_region");
        sb_puts(b, " ");
        rep__word(p, region);
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
void rep__alert(rep *p, const zp_acct_alert *al, size_t *next_target)
{
    sbuf *b = &p->b;
    const zp_acct_result *a = p->a;
    char day[16], day2[16];
    if (p->lang != ZP_REPORT_ZH) {
        sb_esc(b, al->message);
        return;
    }
    rep__date_label(day, sizeof day, local_day(al->when, p->off));
    if (strcmp(al->kind, "budget_exceeded") == 0) {
        sb_puts(b, "碳预算 ");
        sb_num(b, p->budget_t, 1);
        sb_printf(b, " 吨已于 %s 超出，已排放 ", day);
        sb_num(b, p->total.total_market_t, 1);
        sb_puts(b, " 吨（基于市场）");
    } else if (strcmp(al->kind, "budget_projection") == 0) {
        rep__date_label(day2, sizeof day2, local_day(p->by_end - 1, p->off));
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
        sb_esc(b, tr(p, rep__target_label(t->name)));
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
