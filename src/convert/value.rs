//! One SQL Server value, independent of the wire.

/// A calendar date (proleptic Gregorian, year 1..=9999).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i16,
    pub month: u8,
    pub day: u8,
}

/// A time of day with nanosecond precision (SQL Server keeps 100 ns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanosecond: u32,
}

/// A date and a time of day (datetime, smalldatetime, datetime2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub date: Date,
    pub time: Time,
}

/// datetimeoffset: the local date and time plus the offset from UTC in minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTimeOffset {
    pub local: Timestamp,
    pub offset_minutes: i16,
}

/// An exact decimal: `mantissa * 10^-scale`, with the declared precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    pub mantissa: i128,
    pub precision: u8,
    pub scale: u8,
}

/// One value of a column, a parameter or an output parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bit(bool),
    TinyInt(u8),
    SmallInt(i16),
    Int(i32),
    BigInt(i64),
    Real(f32),
    Float(f64),
    Decimal(Decimal),
    /// money and smallmoney, in ten-thousandths of the unit.
    Money(i64),
    /// Every character type (char, varchar, nchar, nvarchar, text, ntext, xml), decoded.
    Text(String),
    /// binary, varbinary, image, timestamp/rowversion, udt.
    Binary(Vec<u8>),
    Date(Date),
    Time(Time),
    Timestamp(Timestamp),
    DateTimeOffset(DateTimeOffset),
    /// uniqueidentifier in the byte order of `SQLGUID` (Data1..Data3 native-endian as the
    /// wire sends them little-endian, then Data4): the 16 bytes SQL_C_GUID receives.
    Guid([u8; 16]),
    /// sql_variant: the inner value and its own base type.
    Variant(Box<Value>, Box<crate::convert::ServerType>),
}
