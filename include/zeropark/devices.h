typedef enum zs_dev_kind { ZS_DEV_MODBUS = 0, ZS_DEV_MQTT = 1, ZS_DEV_HTTP = 2 } zs_dev_kind;

typedef enum zs_reg_type {
    ZS_REG_INT16 = 0, ZS_REG_UINT16, ZS_REG_INT32, ZS_REG_UINT32, ZS_REG_FLOAT32
} zs_reg_type;

/* One point: a Modbus register (or pair), an MQTT payload field or an
 * HTTP-pushed series. */
typedef struct zs_point {
    char name[48];          /* point name; series is "<device>.<name>" */
    char series[112];       /* "<device>.<name>" */
    char unit[16];          /* "kW", "kWh", "%", "V", ... */
    char feeds[64];         /* model quantity (see above) or "" */
    /* Modbus */
    int address;            /* holding-register address, 0-based */
    zs_reg_type type;
    int word_swap;          /* 32-bit types: 1 = low word first */
    double scale;           /* value = raw * scale * 10^sf (scale default 1) */
    int sf_address;         /* SunSpec scale-factor register, -1 = none */
    int writable;           /* a setpoint register */
    double min, max;        /* setpoint limits in engineering units (writable) */
    /* MQTT */
    char field[64];         /* JSON field in the payload ("" = plain number) */
    /* SunSpec */
    int sunspec_na;         /* 1: the SunSpec N/A sentinel raw value (0x8000
                               int16, 0xFFFF uint16, 0 acc32) yields no reading */
} zs_point;

typedef struct zs_device {
    char name[48];
    zs_dev_kind kind;
    /* Modbus TCP */
    char host[64];
    int port;
    int unit_id;
    int poll_ms;            /* poll interval (default 1000) */
    int timeout_ms;         /* response timeout (default 500) */
    char sunspec[16];       /* built-in map: "", "101", "103", "201", "203", "124" */
    int base_address;       /* SunSpec: where the "SunS" marker is (default 40000) */
    /* MQTT */
    char broker_host[64];
    int broker_port;
    char topic[128];        /* topic filter, may hold + and # */
    /* battery setpoint (Modbus): which storage unit, and its limits, kW */
    char storage[48];       /* storage name in the model, "" = not a battery */
    double setpoint_min_kw, setpoint_max_kw;
    zs_point *points;
    size_t npoints;
} zs_device;

typedef struct zs_devices {
    zs_device *dev;
    size_t n;
} zs_devices;

/* A point of a built-in SunSpec map. Offsets count from the model's ID
 * register (0 = ID, 1 = L, 2 = the first point), as the SunSpec model
 * definitions number them. */
typedef struct zs_sunspec_point {
    const char *name;       /* our point name ("ac_power_kw") */
    const char *sunspec;    /* SunSpec point id ("W") */
    int offset;             /* register offset from the model ID register */
    zs_reg_type type;
    int sf_offset;          /* offset of its scale factor, -1 = none */
    double scale;           /* W -> kW is 0.001 */
    const char *unit;
    int primary;            /* 1: takes the device's "feeds" */
} zs_sunspec_point;

/* Layout of a SunSpec block at base: "SunS" (2 registers), common model 1
 * (ID, L = 66, 66 registers), the device model (ID, L, L registers), the
 * end marker (0xFFFF, 0). */
#define ZS_SUNSPEC_COMMON_AT 2   /* common model ID register, from base */
#define ZS_SUNSPEC_MODEL_AT 70   /* device model ID register, from base */

/* The built-in map of model ("101", "103", "201", "203", "124"), or NULL.
 * *n gets its point count and *length the model's L. */
const zs_sunspec_point *zs_sunspec_map(const char *model, size_t *n, int *length);
/* Registers of the whole block (marker to end marker), or 0 for an unknown model. */
int zs_sunspec_block_size(const char *model);
