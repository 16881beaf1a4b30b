//! The wire's column descriptions and values, translated into the engine-free
//! [`ServerType`] and [`Value`] the rest of the driver speaks.

use std::borrow::Cow;

use mssql_tds::datatypes::column_values::{
    SqlDate, SqlDateTime, SqlDateTime2, SqlDateTimeOffset, SqlMoney, SqlSmallDateTime,
    SqlSmallMoney, SqlTime, SqlXml,
};
use mssql_tds::datatypes::decoder::DecimalParts;
use mssql_tds::datatypes::row_writer::RowWriter;
use mssql_tds::datatypes::sql_json::SqlJson;
use mssql_tds::datatypes::sql_string::EncodingType;
use mssql_tds::datatypes::sql_vector::SqlVector;
use mssql_tds::datatypes::sqldatatypes::TdsDataType;
use mssql_tds::query::metadata::ColumnMetadata;
use uuid::Uuid;

use super::cell_buffers::CellBuffers;
use crate::convert::{Date, DateTimeOffset, Decimal, ServerType, Time, Timestamp, Value};

/// One column of a result set, as SQLDescribeCol/SQLColAttribute describe it.
#[derive(Clone, Debug)]
pub struct ColumnInfo {
    pub name: String,
    pub ty: ServerType,
    pub nullable: bool,
    pub identity: bool,
    pub case_sensitive: bool,
    pub computed: bool,
    /// Base table, schema and catalog when the server sent them (browse mode).
    pub table: String,
    pub schema: String,
    pub catalog: String,
}

/// Types with a fixed-length NOT NULL form on the wire: a server that sends the nullable form
/// says the column may be NULL whatever the flags say (msodbcsql reports SQL_NULLABLE then).
/// BITN is not among them: msodbcsql follows the COLMETADATA flags for it.
fn nullable_wire_type(ty: TdsDataType) -> bool {
    matches!(
        ty,
        TdsDataType::IntN | TdsDataType::FltN | TdsDataType::MoneyN | TdsDataType::DateTimeN
    )
}

/// user_type of timestamp/rowversion columns.
const USER_TYPE_TIMESTAMP: u32 = 80;

pub(crate) fn column_info(meta: &ColumnMetadata) -> ColumnInfo {
    let (table, schema, catalog) = match &meta.multi_part_name {
        Some(name) => (
            name.table_name().to_string(),
            name.schema_name().unwrap_or_default().to_string(),
            name.catalog_name().unwrap_or_default().to_string(),
        ),
        None => Default::default(),
    };
    ColumnInfo {
        name: meta.column_name.clone(),
        ty: server_type(meta),
        nullable: meta.is_nullable() || nullable_wire_type(meta.data_type),
        identity: meta.is_identity(),
        case_sensitive: meta.is_case_sensitive(),
        computed: meta.is_computed(),
        table,
        schema,
        catalog,
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The declared SQL Server type of a result column.
pub(crate) fn server_type(meta: &ColumnMetadata) -> ServerType {
    let len = meta.type_info.length;
    let max = meta.is_plp();
    let precision = meta.get_precision().unwrap_or(18);
    let scale = meta.get_scale().unwrap_or(0);
    match meta.data_type {
        TdsDataType::Int1 => ServerType::TinyInt,
        TdsDataType::Int2 => ServerType::SmallInt,
        TdsDataType::Int4 => ServerType::Int,
        TdsDataType::Int8 => ServerType::BigInt,
        TdsDataType::IntN => match len {
            1 => ServerType::TinyInt,
            2 => ServerType::SmallInt,
            8 => ServerType::BigInt,
            _ => ServerType::Int,
        },
        TdsDataType::Bit | TdsDataType::BitN => ServerType::Bit,
        TdsDataType::Flt4 => ServerType::Real,
        TdsDataType::Flt8 => ServerType::Float,
        TdsDataType::FltN => {
            if len == 4 {
                ServerType::Real
            } else {
                ServerType::Float
            }
        }
        TdsDataType::Money => ServerType::Money,
        TdsDataType::Money4 => ServerType::SmallMoney,
        TdsDataType::MoneyN => {
            if len == 4 {
                ServerType::SmallMoney
            } else {
                ServerType::Money
            }
        }
        TdsDataType::DateTime => ServerType::DateTime,
        TdsDataType::DateTim4 => ServerType::SmallDateTime,
        TdsDataType::DateTimeN => {
            if len == 4 {
                ServerType::SmallDateTime
            } else {
                ServerType::DateTime
            }
        }
        TdsDataType::Decimal | TdsDataType::DecimalN => ServerType::Decimal { precision, scale },
        TdsDataType::Numeric | TdsDataType::NumericN => ServerType::Numeric { precision, scale },
        TdsDataType::BigChar | TdsDataType::Char => ServerType::Char(clamp_u32(len)),
        TdsDataType::BigVarChar | TdsDataType::VarChar => {
            ServerType::VarChar(if max { None } else { Some(clamp_u32(len)) })
        }
        TdsDataType::Text => ServerType::Text,
        TdsDataType::NChar => ServerType::NChar(clamp_u32(len / 2)),
        TdsDataType::NVarChar => {
            ServerType::NVarChar(if max { None } else { Some(clamp_u32(len / 2)) })
        }
        TdsDataType::NText => ServerType::NText,
        TdsDataType::BigBinary | TdsDataType::Binary => {
            if meta.user_type == USER_TYPE_TIMESTAMP {
                ServerType::RowVersion
            } else {
                ServerType::Binary(clamp_u32(len))
            }
        }
        TdsDataType::BigVarBinary | TdsDataType::VarBinary => {
            ServerType::VarBinary(if max { None } else { Some(clamp_u32(len)) })
        }
        TdsDataType::Image => ServerType::Image,
        TdsDataType::DateN => ServerType::Date,
        TdsDataType::TimeN => ServerType::Time { scale },
        TdsDataType::DateTime2N => ServerType::DateTime2 { scale },
        TdsDataType::DateTimeOffsetN => ServerType::DateTimeOffset { scale },
        TdsDataType::Guid => ServerType::UniqueIdentifier,
        TdsDataType::Xml => ServerType::Xml,
        TdsDataType::SsVariant => ServerType::Variant,
        TdsDataType::Udt => ServerType::Udt(
            meta.type_info
                .udt_info()
                .map(|u| u.type_name().to_string())
                .unwrap_or_default(),
        ),
        TdsDataType::Json => ServerType::NVarChar(None),
        _ => ServerType::VarBinary(None),
    }
}

/// The base type a `sql_variant` value carries, as far as ODBC needs it.
fn variant_base_type(base: TdsDataType) -> ServerType {
    match base {
        TdsDataType::Int1 => ServerType::TinyInt,
        TdsDataType::Int2 => ServerType::SmallInt,
        TdsDataType::Int4 | TdsDataType::IntN => ServerType::Int,
        TdsDataType::Int8 => ServerType::BigInt,
        TdsDataType::Bit | TdsDataType::BitN => ServerType::Bit,
        TdsDataType::Flt4 => ServerType::Real,
        TdsDataType::Flt8 | TdsDataType::FltN => ServerType::Float,
        TdsDataType::Money | TdsDataType::MoneyN => ServerType::Money,
        TdsDataType::Money4 => ServerType::SmallMoney,
        TdsDataType::DateTime | TdsDataType::DateTimeN => ServerType::DateTime,
        TdsDataType::DateTim4 => ServerType::SmallDateTime,
        TdsDataType::Decimal | TdsDataType::DecimalN => ServerType::Decimal {
            precision: 38,
            scale: 0,
        },
        TdsDataType::Numeric | TdsDataType::NumericN => ServerType::Numeric {
            precision: 38,
            scale: 0,
        },
        TdsDataType::BigChar | TdsDataType::Char => ServerType::Char(8000),
        TdsDataType::BigVarChar | TdsDataType::VarChar => ServerType::VarChar(Some(8000)),
        TdsDataType::NChar => ServerType::NChar(4000),
        TdsDataType::NVarChar => ServerType::NVarChar(Some(4000)),
        TdsDataType::BigBinary | TdsDataType::Binary => ServerType::Binary(8000),
        TdsDataType::BigVarBinary | TdsDataType::VarBinary => ServerType::VarBinary(Some(8000)),
        TdsDataType::DateN => ServerType::Date,
        TdsDataType::TimeN => ServerType::Time { scale: 7 },
        TdsDataType::DateTime2N => ServerType::DateTime2 { scale: 7 },
        TdsDataType::DateTimeOffsetN => ServerType::DateTimeOffset { scale: 7 },
        TdsDataType::Guid => ServerType::UniqueIdentifier,
        _ => ServerType::VarBinary(Some(8000)),
    }
}

// ---- calendar arithmetic ----

/// Days from 0001-01-01 to 1970-01-01 and from 1900-01-01 to 1970-01-01.
const DAYS_0001_TO_1970: i64 = 719_162;
const DAYS_1900_TO_1970: i64 = 25_567;

/// The civil date `days` after 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
fn civil_from_unix_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    Date {
        year: y as i16,
        month: m as u8,
        day: d as u8,
    }
}

fn date_from_days_0001(days: u32) -> Date {
    civil_from_unix_days(i64::from(days) - DAYS_0001_TO_1970)
}

fn time_from_ticks(ticks_100ns: u64) -> Time {
    let total_secs = ticks_100ns / 10_000_000;
    let frac = ticks_100ns % 10_000_000;
    Time {
        hour: (total_secs / 3600).min(23) as u8,
        minute: ((total_secs / 60) % 60) as u8,
        second: (total_secs % 60) as u8,
        nanosecond: (frac * 100) as u32,
    }
}

pub(crate) fn date(v: &SqlDate) -> Date {
    date_from_days_0001(v.get_days())
}

pub(crate) fn time(v: &SqlTime) -> Time {
    time_from_ticks(v.time_nanoseconds)
}

pub(crate) fn datetime2(v: &SqlDateTime2) -> Timestamp {
    Timestamp {
        date: date_from_days_0001(v.days),
        time: time(&v.time),
    }
}

pub(crate) fn datetime(v: &SqlDateTime) -> Timestamp {
    // Time is in 1/300 s; round to the nearest millisecond... msodbcsql reports the exact
    // 1/300-second value in nanoseconds (x.003333333 is shown as .003).
    let date = civil_from_unix_days(i64::from(v.days) - DAYS_1900_TO_1970);
    let ms_total = (u64::from(v.time) * 10 + 1) / 3; // 1/300 s -> ms, rounded like SQL Server
    let secs = ms_total / 1000;
    let ms = ms_total % 1000;
    Timestamp {
        date,
        time: Time {
            hour: (secs / 3600).min(23) as u8,
            minute: ((secs / 60) % 60) as u8,
            second: (secs % 60) as u8,
            nanosecond: (ms * 1_000_000) as u32,
        },
    }
}

pub(crate) fn smalldatetime(v: &SqlSmallDateTime) -> Timestamp {
    let date = civil_from_unix_days(i64::from(v.days) - DAYS_1900_TO_1970);
    Timestamp {
        date,
        time: Time {
            hour: (v.time / 60).min(23) as u8,
            minute: (v.time % 60) as u8,
            second: 0,
            nanosecond: 0,
        },
    }
}

pub(crate) fn datetimeoffset(v: &SqlDateTimeOffset) -> DateTimeOffset {
    // The wire carries UTC; ODBC shows the local time at the offset.
    let utc = datetime2(&v.datetime2);
    let offset = i64::from(v.offset);
    let ticks_per_day: i64 = 864_000_000_000;
    let utc_ticks =
        i64::from(v.datetime2.days) * ticks_per_day + v.datetime2.time.time_nanoseconds as i64;
    let local_ticks = utc_ticks + offset * 60 * 10_000_000;
    let days = local_ticks.div_euclid(ticks_per_day);
    let in_day = local_ticks.rem_euclid(ticks_per_day) as u64;
    let _ = utc;
    DateTimeOffset {
        local: Timestamp {
            date: civil_from_unix_days(days - DAYS_0001_TO_1970),
            time: time_from_ticks(in_day),
        },
        offset_minutes: v.offset,
    }
}

fn money(v: &SqlMoney) -> i64 {
    (i64::from(v.msb_part) << 32) | i64::from(v.lsb_part as u32)
}

fn decimal(v: &DecimalParts) -> Decimal {
    let magnitude = v.magnitude() as i128;
    Decimal {
        mantissa: if v.is_positive { magnitude } else { -magnitude },
        precision: v.precision,
        scale: v.scale,
    }
}

/// Character data from the wire into `out` (empty, and reused: its capacity is kept); never
/// panics on malformed input.
fn decode_text_into(bytes: &[u8], encoding: &EncodingType, out: &mut String) {
    let encoding = match encoding {
        EncodingType::Utf16 => encoding_rs::UTF_16LE,
        EncodingType::Utf8 => {
            out.push_str(&String::from_utf8_lossy(bytes));
            return;
        }
        other => other
            .resolved_encoding()
            .and_then(|e| e.as_encoding_rs())
            .unwrap_or(encoding_rs::WINDOWS_1252),
    };
    let mut decoder = encoding.new_decoder_without_bom_handling();
    // With room for the worst case the decoder finishes in one call.
    let room = decoder
        .max_utf8_buffer_length(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    out.reserve(room);
    let _ = decoder.decode_to_string(bytes, out, true);
}

/// Decodes rows straight into a flat, reused vector of [`Value`]s (one row after another).
pub(crate) struct ValueRows<'a> {
    pub values: &'a mut Vec<Value>,
    /// Buffers of delivered cells, for the text and binary cells decoded now.
    spare: Option<&'a mut CellBuffers>,
    /// The base type of the next sql_variant value, reported just before it.
    pending_variant: Option<ServerType>,
}

impl<'a> ValueRows<'a> {
    pub fn new(values: &'a mut Vec<Value>) -> Self {
        ValueRows {
            values,
            spare: None,
            pending_variant: None,
        }
    }

    /// A writer whose text and binary cells reuse the buffers in `spare`.
    pub fn recycling(values: &'a mut Vec<Value>, spare: &'a mut CellBuffers) -> Self {
        ValueRows {
            spare: Some(spare),
            ..ValueRows::new(values)
        }
    }

    fn push(&mut self, value: Value) {
        match self.pending_variant.take() {
            Some(base) => self
                .values
                .push(Value::Variant(Box::new(value), Box::new(base))),
            None => self.values.push(value),
        }
    }

    fn text_buffer(&mut self) -> String {
        self.spare.as_mut().map(|s| s.text()).unwrap_or_default()
    }

    fn byte_buffer(&mut self) -> Vec<u8> {
        self.spare.as_mut().map(|s| s.bytes()).unwrap_or_default()
    }
}

impl RowWriter for ValueRows<'_> {
    fn write_null(&mut self, _col: usize) {
        self.pending_variant = None;
        self.values.push(Value::Null);
    }
    fn write_bool(&mut self, _col: usize, val: bool) {
        self.push(Value::Bit(val));
    }
    fn write_u8(&mut self, _col: usize, val: u8) {
        self.push(Value::TinyInt(val));
    }
    fn write_i16(&mut self, _col: usize, val: i16) {
        self.push(Value::SmallInt(val));
    }
    fn write_i32(&mut self, _col: usize, val: i32) {
        self.push(Value::Int(val));
    }
    fn write_i64(&mut self, _col: usize, val: i64) {
        self.push(Value::BigInt(val));
    }
    fn write_f32(&mut self, _col: usize, val: f32) {
        self.push(Value::Real(val));
    }
    fn write_f64(&mut self, _col: usize, val: f64) {
        self.push(Value::Float(val));
    }
    fn write_string(&mut self, _col: usize, bytes: Cow<'_, [u8]>, encoding_type: EncodingType) {
        let mut text = self.text_buffer();
        decode_text_into(&bytes, &encoding_type, &mut text);
        self.push(Value::Text(text));
    }
    fn write_bytes(&mut self, _col: usize, bytes: Cow<'_, [u8]>) {
        let bytes = match bytes {
            Cow::Owned(owned) => owned,
            Cow::Borrowed(wire) => {
                let mut copy = self.byte_buffer();
                copy.extend_from_slice(wire);
                copy
            }
        };
        self.push(Value::Binary(bytes));
    }
    fn write_decimal(&mut self, _col: usize, val: DecimalParts) {
        self.push(Value::Decimal(decimal(&val)));
    }
    fn write_numeric(&mut self, _col: usize, val: DecimalParts) {
        self.push(Value::Decimal(decimal(&val)));
    }
    fn write_date(&mut self, _col: usize, val: SqlDate) {
        self.push(Value::Date(date(&val)));
    }
    fn write_time(&mut self, _col: usize, val: SqlTime) {
        self.push(Value::Time(time(&val)));
    }
    fn write_datetime(&mut self, _col: usize, val: SqlDateTime) {
        self.push(Value::Timestamp(datetime(&val)));
    }
    fn write_smalldatetime(&mut self, _col: usize, val: SqlSmallDateTime) {
        self.push(Value::Timestamp(smalldatetime(&val)));
    }
    fn write_datetime2(&mut self, _col: usize, val: SqlDateTime2) {
        self.push(Value::Timestamp(datetime2(&val)));
    }
    fn write_datetimeoffset(&mut self, _col: usize, val: SqlDateTimeOffset) {
        self.push(Value::DateTimeOffset(datetimeoffset(&val)));
    }
    fn write_money(&mut self, _col: usize, val: SqlMoney) {
        self.push(Value::Money(money(&val)));
    }
    fn write_smallmoney(&mut self, _col: usize, val: SqlSmallMoney) {
        self.push(Value::Money(i64::from(val.int_val)));
    }
    fn write_uuid(&mut self, _col: usize, val: Uuid) {
        // SQLGUID: Data1..Data3 in native (little-endian) order, then Data4.
        self.push(Value::Guid(val.to_bytes_le()));
    }
    fn write_xml(&mut self, _col: usize, val: SqlXml) {
        let (text, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(&val.bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        self.push(Value::Text(text));
    }
    fn write_json(&mut self, _col: usize, val: SqlJson) {
        self.push(Value::Text(
            String::from_utf8_lossy(&val.bytes).into_owned(),
        ));
    }
    fn write_vector(&mut self, _col: usize, val: SqlVector) {
        self.push(Value::Text(format!("{val:?}")));
    }
    fn write_variant_base_type(&mut self, _col: usize, base: TdsDataType) {
        self.pending_variant = Some(variant_base_type(base));
    }
    fn end_row(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_arithmetic_matches_known_dates() {
        assert_eq!(
            civil_from_unix_days(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            date_from_days_0001(0),
            Date {
                year: 1,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            date_from_days_0001(3_652_058),
            Date {
                year: 9999,
                month: 12,
                day: 31
            }
        );
        let dt = datetime(&SqlDateTime {
            days: 0,
            time: 300 * 3600 + 1,
        });
        assert_eq!(
            dt.date,
            Date {
                year: 1900,
                month: 1,
                day: 1
            }
        );
        assert_eq!((dt.time.hour, dt.time.minute, dt.time.second), (1, 0, 0));
        assert_eq!(dt.time.nanosecond, 3_000_000);
    }
}
