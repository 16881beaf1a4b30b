//! Driver-specific constants applications use with this driver, exported to C as
//! `include/sqlserver_odbc.h` (cbindgen, `make header`). The values are msodbcsql's
//! (msodbcsql.h), so code written for Microsoft's driver works unchanged.

// Pre-connect connection attributes (SQLSetConnectAttr before connecting).
pub const SQL_COPT_SS_BASE: i32 = 1200;
pub const SQL_COPT_SS_INTEGRATED_SECURITY: i32 = 1203;
pub const SQL_COPT_SS_ENCRYPT: i32 = 1223;
pub const SQL_COPT_SS_MARS_ENABLED: i32 = 1224;
pub const SQL_COPT_SS_TRUST_SERVER_CERTIFICATE: i32 = 1228;
pub const SQL_COPT_SS_CONNECT_RETRY_COUNT: i32 = 1234;
pub const SQL_COPT_SS_CONNECT_RETRY_INTERVAL: i32 = 1235;
pub const SQL_COPT_SS_APPLICATION_INTENT: i32 = 1247;
pub const SQL_COPT_SS_MULTISUBNET_FAILOVER: i32 = 1248;
pub const SQL_COPT_SS_AUTHENTICATION: i32 = 1255;
/// `struct { DWORD dataSize; BYTE data[]; }`, the token in UTF-16LE, set with SQL_IS_POINTER.
pub const SQL_COPT_SS_ACCESS_TOKEN: i32 = 1256;

// SQL_COPT_SS_AUTHENTICATION values.
pub const SQL_AU_NONE: i32 = 0;
pub const SQL_AU_PASSWORD: i32 = 1;
pub const SQL_AU_AD_INTEGRATED: i32 = 2;
pub const SQL_AU_AD_PASSWORD: i32 = 3;
pub const SQL_AU_AD_INTERACTIVE: i32 = 4;

// Statement and connection attributes.
pub const SQL_SOPT_SS_BASE: i32 = 1225;
pub const SQL_COPT_SS_SPID: i32 = 1401;
pub const SQL_COPT_SS_LONGASMAX: i32 = 1403;
pub const SQL_COPT_SS_GETDATA_EXTENSIONS: i32 = 1404;

// Column attributes.
pub const SQL_CA_SS_VARIANT_TYPE: i32 = 1215;
pub const SQL_CA_SS_COLUMN_COMPUTED: i32 = 1212;

// SQL Server specific SQL types.
pub const SQL_SS_VARIANT: i16 = -150;
pub const SQL_SS_UDT: i16 = -151;
pub const SQL_SS_XML: i16 = -152;
pub const SQL_SS_TABLE: i16 = -153;
pub const SQL_SS_TIME2: i16 = -154;
pub const SQL_SS_TIMESTAMPOFFSET: i16 = -155;

// SQL Server specific C types.
pub const SQL_C_SS_TIME2: i16 = 0x4000;
pub const SQL_C_SS_TIMESTAMPOFFSET: i16 = 0x4001;

// Diagnostic fields of server messages (SQLGetDiagField).
pub const SQL_DIAG_SS_MSGSTATE: i16 = -1150;
pub const SQL_DIAG_SS_SEVERITY: i16 = -1151;
pub const SQL_DIAG_SS_SRVNAME: i16 = -1152;
pub const SQL_DIAG_SS_PROCNAME: i16 = -1153;
pub const SQL_DIAG_SS_LINE: i16 = -1154;

/// `SQL_SS_TIME2_STRUCT`, what SQL_C_SS_TIME2 reads and writes.
#[repr(C)]
pub struct SqlSsTime2Struct {
    pub hour: u16,
    pub minute: u16,
    pub second: u16,
    pub fraction: u32,
}

/// `SQL_SS_TIMESTAMPOFFSET_STRUCT`, what SQL_C_SS_TIMESTAMPOFFSET reads and writes.
#[repr(C)]
pub struct SqlSsTimestampOffsetStruct {
    pub year: i16,
    pub month: u16,
    pub day: u16,
    pub hour: u16,
    pub minute: u16,
    pub second: u16,
    pub fraction: u32,
    pub timezone_hour: i16,
    pub timezone_minute: i16,
}
