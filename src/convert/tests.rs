//! The conversion module's specification, as tests.

use super::codes::*;
use super::datetime;
use super::to_c::{Target, Written, default_c_type, write_value};
use super::*;

fn target(c_type: i16, buffer: &mut [u8], offset: usize) -> Target<'_> {
    Target {
        c_type,
        buffer,
        offset,
        encoding: CharEncoding::Utf8,
        numeric_precision: 38,
        numeric_scale: 0,
    }
}

/// Converts into a buffer of `len` bytes; returns what was written and the buffer.
fn get(
    value: &Value,
    ty: &ServerType,
    c_type: i16,
    len: usize,
) -> Result<(Written, Vec<u8>), ConvertError> {
    get_at(value, ty, c_type, len, 0)
}

fn get_at(
    value: &Value,
    ty: &ServerType,
    c_type: i16,
    len: usize,
    offset: usize,
) -> Result<(Written, Vec<u8>), ConvertError> {
    let mut buf = vec![0xAAu8; len];
    let w = write_value(value, ty, target(c_type, &mut buf, offset))?;
    Ok((w, buf))
}

/// SQL_C_CHAR text of a value with a roomy buffer.
fn char_text(value: &Value, ty: &ServerType) -> String {
    let (w, buf) = get(value, ty, SQL_C_CHAR, 256).unwrap();
    assert_eq!(w.warning, None, "{value:?}");
    let len = w.indicator as usize;
    assert_eq!(buf[len], 0, "terminated");
    String::from_utf8(buf[..len].to_vec()).unwrap()
}

fn wchar_text(value: &Value, ty: &ServerType) -> String {
    let (w, buf) = get(value, ty, SQL_C_WCHAR, 512).unwrap();
    assert_eq!(w.warning, None);
    let len = w.indicator as usize;
    assert_eq!(&buf[len..len + 2], &[0, 0], "terminated");
    let units: Vec<u16> = buf[..len]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

fn sqlstate(r: Result<(Written, Vec<u8>), ConvertError>) -> &'static str {
    r.err().map(|e| e.sqlstate).unwrap_or("success")
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn ts(y: i16, mo: u8, d: u8, h: u8, mi: u8, s: u8, ns: u32) -> Timestamp {
    Timestamp {
        date: Date {
            year: y,
            month: mo,
            day: d,
        },
        time: Time {
            hour: h,
            minute: mi,
            second: s,
            nanosecond: ns,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Descriptors.

#[test]
fn descriptors_match_msodbcsql() {
    use ServerType as T;
    // (type, SQL type, name, column size, decimal digits, display size, octet length)
    let cases: Vec<(T, i16, &str, u64, i16, u64, u64)> = vec![
        (T::Bit, SQL_BIT, "bit", 1, 0, 1, 1),
        (T::TinyInt, SQL_TINYINT, "tinyint", 3, 0, 3, 1),
        (T::SmallInt, SQL_SMALLINT, "smallint", 5, 0, 6, 2),
        (T::Int, SQL_INTEGER, "int", 10, 0, 11, 4),
        (T::BigInt, SQL_BIGINT, "bigint", 19, 0, 20, 8),
        (T::Real, SQL_REAL, "real", 24, 0, 14, 4),
        (T::Float, SQL_FLOAT, "float", 53, 0, 24, 8),
        (
            T::Decimal {
                precision: 18,
                scale: 2,
            },
            SQL_DECIMAL,
            "decimal",
            18,
            2,
            20,
            20,
        ),
        (
            T::Numeric {
                precision: 38,
                scale: 10,
            },
            SQL_NUMERIC,
            "numeric",
            38,
            10,
            40,
            40,
        ),
        (T::Money, SQL_DECIMAL, "money", 19, 4, 21, 21),
        (T::SmallMoney, SQL_DECIMAL, "smallmoney", 10, 4, 12, 12),
        (T::Char(10), SQL_CHAR, "char", 10, 0, 10, 10),
        (T::VarChar(Some(50)), SQL_VARCHAR, "varchar", 50, 0, 50, 50),
        (T::VarChar(None), SQL_VARCHAR, "varchar", 0, 0, 0, 0),
        (
            T::Text,
            SQL_LONGVARCHAR,
            "text",
            2_147_483_647,
            0,
            2_147_483_647,
            2_147_483_647,
        ),
        (T::NChar(10), SQL_WCHAR, "nchar", 10, 0, 10, 20),
        (
            T::NVarChar(Some(50)),
            SQL_WVARCHAR,
            "nvarchar",
            50,
            0,
            50,
            100,
        ),
        (T::NVarChar(None), SQL_WVARCHAR, "nvarchar", 0, 0, 0, 0),
        (
            T::NText,
            SQL_WLONGVARCHAR,
            "ntext",
            1_073_741_823,
            0,
            1_073_741_823,
            2_147_483_646,
        ),
        (T::Binary(16), SQL_BINARY, "binary", 16, 0, 32, 16),
        (
            T::VarBinary(Some(100)),
            SQL_VARBINARY,
            "varbinary",
            100,
            0,
            200,
            100,
        ),
        (T::VarBinary(None), SQL_VARBINARY, "varbinary", 0, 0, 0, 0),
        (
            T::Image,
            SQL_LONGVARBINARY,
            "image",
            2_147_483_647,
            0,
            4_294_967_294,
            2_147_483_647,
        ),
        (T::Date, SQL_TYPE_DATE, "date", 10, 0, 10, 6),
        (T::Time { scale: 7 }, SQL_SS_TIME2, "time", 16, 7, 16, 12),
        (T::Time { scale: 0 }, SQL_SS_TIME2, "time", 8, 0, 8, 12),
        (T::DateTime, SQL_TYPE_TIMESTAMP, "datetime", 23, 3, 23, 16),
        (
            T::SmallDateTime,
            SQL_TYPE_TIMESTAMP,
            "smalldatetime",
            16,
            0,
            19,
            16,
        ),
        (
            T::DateTime2 { scale: 7 },
            SQL_TYPE_TIMESTAMP,
            "datetime2",
            27,
            7,
            27,
            16,
        ),
        (
            T::DateTime2 { scale: 0 },
            SQL_TYPE_TIMESTAMP,
            "datetime2",
            19,
            0,
            19,
            16,
        ),
        (
            T::DateTimeOffset { scale: 7 },
            SQL_SS_TIMESTAMPOFFSET,
            "datetimeoffset",
            34,
            7,
            34,
            20,
        ),
        (
            T::DateTimeOffset { scale: 0 },
            SQL_SS_TIMESTAMPOFFSET,
            "datetimeoffset",
            26,
            0,
            26,
            20,
        ),
        (
            T::UniqueIdentifier,
            SQL_GUID,
            "uniqueidentifier",
            36,
            0,
            36,
            16,
        ),
        (T::Xml, SQL_SS_XML, "xml", 0, 0, 0, 0),
        (T::Variant, SQL_SS_VARIANT, "sql_variant", 8000, 0, 8000, 0),
        (T::RowVersion, SQL_BINARY, "timestamp", 8, 0, 16, 8),
        (
            T::Udt("geography".into()),
            SQL_SS_UDT,
            "geography",
            0,
            0,
            0,
            0,
        ),
    ];
    for (ty, sql, name, size, digits, display, octets) in cases {
        assert_eq!(ty.sql_data_type(), sql, "{ty:?} sql type");
        assert_eq!(ty.type_name(), name, "{ty:?} name");
        assert_eq!(ty.column_size(), size, "{ty:?} column size");
        assert_eq!(ty.decimal_digits(), digits, "{ty:?} digits");
        assert_eq!(ty.display_size(), display, "{ty:?} display size");
        assert_eq!(ty.octet_length(), octets, "{ty:?} octet length");
    }
}

#[test]
fn sql_server_extension_codes() {
    assert_eq!(
        (
            SQL_SS_TIME2,
            SQL_SS_TIMESTAMPOFFSET,
            SQL_SS_VARIANT,
            SQL_SS_XML,
            SQL_SS_UDT
        ),
        (-154, -155, -150, -152, -151)
    );
    assert_eq!((SQL_C_SS_TIME2, SQL_C_SS_TIMESTAMPOFFSET), (0x4000, 0x4001));
    assert_eq!(
        (SQL_C_SLONG, SQL_C_SBIGINT, SQL_C_WCHAR, SQL_C_GUID),
        (-16, -25, -8, -11)
    );
}

#[test]
fn default_c_types() {
    use ServerType as T;
    assert_eq!(default_c_type(&T::Int), SQL_C_SLONG);
    assert_eq!(default_c_type(&T::TinyInt), SQL_C_UTINYINT);
    assert_eq!(default_c_type(&T::BigInt), SQL_C_SBIGINT);
    assert_eq!(default_c_type(&T::Real), SQL_C_FLOAT);
    assert_eq!(default_c_type(&T::Float), SQL_C_DOUBLE);
    assert_eq!(
        default_c_type(&T::Decimal {
            precision: 10,
            scale: 2
        }),
        SQL_C_CHAR
    );
    assert_eq!(default_c_type(&T::Money), SQL_C_CHAR);
    assert_eq!(default_c_type(&T::VarChar(None)), SQL_C_CHAR);
    assert_eq!(default_c_type(&T::NVarChar(Some(5))), SQL_C_WCHAR);
    assert_eq!(default_c_type(&T::Xml), SQL_C_WCHAR);
    assert_eq!(default_c_type(&T::VarBinary(None)), SQL_C_BINARY);
    assert_eq!(default_c_type(&T::Date), SQL_C_TYPE_DATE);
    assert_eq!(default_c_type(&T::Time { scale: 7 }), SQL_C_SS_TIME2);
    assert_eq!(
        default_c_type(&T::DateTime2 { scale: 7 }),
        SQL_C_TYPE_TIMESTAMP
    );
    assert_eq!(
        default_c_type(&T::DateTimeOffset { scale: 7 }),
        SQL_C_SS_TIMESTAMPOFFSET
    );
    assert_eq!(default_c_type(&T::UniqueIdentifier), SQL_C_GUID);
    assert_eq!(default_c_type(&T::Bit), SQL_C_BIT);
}

// ---------------------------------------------------------------------------------------
// Character targets.

#[test]
fn text_forms_of_values() {
    use ServerType as T;
    let dec = |m: i128, p: u8, s: u8| {
        Value::Decimal(Decimal {
            mantissa: m,
            precision: p,
            scale: s,
        })
    };
    let cases: Vec<(Value, T, &str)> = vec![
        (Value::Int(-42), T::Int, "-42"),
        (Value::BigInt(i64::MIN), T::BigInt, "-9223372036854775808"),
        (Value::BigInt(i64::MAX), T::BigInt, "9223372036854775807"),
        (Value::TinyInt(255), T::TinyInt, "255"),
        (Value::SmallInt(-32768), T::SmallInt, "-32768"),
        (Value::Bit(true), T::Bit, "1"),
        (Value::Bit(false), T::Bit, "0"),
        (Value::Float(1.5), T::Float, "1.5"),
        (Value::Float(-2.0), T::Float, "-2.0"),
        (
            dec(150, 3, 2),
            T::Decimal {
                precision: 3,
                scale: 2,
            },
            "1.50",
        ),
        (
            dec(50, 3, 2),
            T::Decimal {
                precision: 3,
                scale: 2,
            },
            ".50",
        ),
        (
            dec(-25, 3, 2),
            T::Decimal {
                precision: 3,
                scale: 2,
            },
            "-.25",
        ),
        (
            dec(7, 5, 0),
            T::Decimal {
                precision: 5,
                scale: 0,
            },
            "7",
        ),
        (
            dec(10i128.pow(38) - 1, 38, 0),
            T::Decimal {
                precision: 38,
                scale: 0,
            },
            "99999999999999999999999999999999999999",
        ),
        (
            dec(-(10i128.pow(38) - 1), 38, 38),
            T::Decimal {
                precision: 38,
                scale: 38,
            },
            "-.99999999999999999999999999999999999999",
        ),
        (Value::Money(123400), T::Money, "12.3400"),
        (Value::Money(-5000), T::Money, "-.5000"),
        (
            Value::Date(Date {
                year: 2024,
                month: 1,
                day: 2,
            }),
            T::Date,
            "2024-01-02",
        ),
        (
            Value::Timestamp(ts(2024, 1, 2, 3, 4, 5, 123_000_000)),
            T::DateTime,
            "2024-01-02 03:04:05.123",
        ),
        (
            Value::Timestamp(ts(2024, 1, 2, 3, 4, 5, 996_666_667)),
            T::DateTime,
            "2024-01-02 03:04:05.997",
        ),
        (
            Value::Timestamp(ts(2024, 1, 2, 3, 4, 0, 0)),
            T::SmallDateTime,
            "2024-01-02 03:04:00",
        ),
        (
            Value::Timestamp(ts(2024, 1, 2, 3, 4, 5, 123_456_700)),
            T::DateTime2 { scale: 7 },
            "2024-01-02 03:04:05.1234567",
        ),
        (
            Value::Timestamp(ts(2024, 1, 2, 3, 4, 5, 0)),
            T::DateTime2 { scale: 0 },
            "2024-01-02 03:04:05",
        ),
        (
            Value::Timestamp(ts(1, 1, 1, 0, 0, 0, 0)),
            T::DateTime2 { scale: 3 },
            "0001-01-01 00:00:00.000",
        ),
        (
            Value::Time(Time {
                hour: 3,
                minute: 4,
                second: 5,
                nanosecond: 123_456_700,
            }),
            T::Time { scale: 7 },
            "03:04:05.1234567",
        ),
        (
            Value::Time(Time {
                hour: 23,
                minute: 59,
                second: 59,
                nanosecond: 0,
            }),
            T::Time { scale: 0 },
            "23:59:59",
        ),
        (
            Value::DateTimeOffset(DateTimeOffset {
                local: ts(2024, 1, 2, 3, 4, 5, 123_456_700),
                offset_minutes: 60,
            }),
            T::DateTimeOffset { scale: 7 },
            "2024-01-02 03:04:05.1234567 +01:00",
        ),
        (
            Value::DateTimeOffset(DateTimeOffset {
                local: ts(2024, 1, 2, 3, 4, 5, 0),
                offset_minutes: -330,
            }),
            T::DateTimeOffset { scale: 0 },
            "2024-01-02 03:04:05 -05:30",
        ),
        (
            Value::Guid([
                0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x02,
                0x03, 0x04,
            ]),
            T::UniqueIdentifier,
            "12345678-1234-5678-9ABC-DEF001020304",
        ),
        (
            Value::Binary(vec![0x00, 0xAB, 0x1F]),
            T::VarBinary(Some(10)),
            "00AB1F",
        ),
        (text("héllo"), T::NVarChar(Some(10)), "héllo"),
    ];
    for (value, ty, expected) in cases {
        assert_eq!(char_text(&value, &ty), expected, "SQL_C_CHAR of {value:?}");
        assert_eq!(
            wchar_text(&value, &ty),
            expected,
            "SQL_C_WCHAR of {value:?}"
        );
    }
}

/// Float and real text forms measured on msodbcsql 18.6.
#[test]
fn float_text_matches_msodbcsql() {
    let floats = [
        (0.1, "0.10000000000000001"),
        (1.5, "1.5"),
        (1e300, "1.0000000000000001E+300"),
        (1.5e-5, "0.000015"),
        (1.2345678901234568e20, "1.2345678901234568E+20"),
        (100.0, "100.0"),
        (1e15, "1000000000000000.0"),
        (1e16, "1.0E+16"),
        (-1e16, "-1.0E+16"),
        (0.0001, "0.0001"),
        (1e-5, "1.0000000000000001E-5"),
        (-0.0, "-0.0"),
        (0.0, "0.0"),
        (123456789012345.0, "123456789012345.0"),
        (1.5e-16, "0.00000000000000015"),
        (1.5e-17, "1.5E-17"),
        (1.5e-18, "1.4999999999999999E-18"),
        (1.25e-15, "0.00000000000000125"),
        (0.3, "0.29999999999999999"),
        (0.00012345678901234, "1.2345678901234001E-4"),
        (5e-324, "4.9406564584124654E-324"),
        (1.7976931348623157e308, "1.7976931348623157E+308"),
        (2.0, "2.0"),
        (1234567890123456.0, "1234567890123456.0"),
        (12345678901234567.0, "1.2345678901234568E+16"),
        (0.000000012345678, "0.000000012345678"),
        (12345.678901234567, "12345.678901234567"),
        (-0.000015, "-0.000015"),
    ];
    for (v, expected) in floats {
        assert_eq!(
            char_text(&Value::Float(v), &ServerType::Float),
            expected,
            "float {v:e}"
        );
    }
    let reals: [(f32, &str); 16] = [
        (0.1, "0.1"),
        (1.5, "1.5"),
        (3.4028235e38, "3.4028235E+38"),
        (0.333_333_34, "0.33333334"),
        (2.0, "2.0"),
        (16777216.0, "1.6777216E+7"),
        (1e10, "1.0E+10"),
        (1e-5, "9.9999997E-6"),
        (1.5e-5, "0.000015"),
        (1e7, "1.0E+7"),
        (123456789.0, "1.2345679E+8"),
        (1234567.0, "1234567.0"),
        (0.00000125, "0.00000125"),
        (0.000000125, "1.25E-7"),
        (1e38, "9.9999997E+37"),
        (1.175_494_4e-38, "1.1754944E-38"),
    ];
    for (v, expected) in reals {
        assert_eq!(
            char_text(&Value::Real(v), &ServerType::Real),
            expected,
            "real {v:e}"
        );
    }
}

#[test]
fn variant_converts_as_its_base_type() {
    let v = Value::Variant(Box::new(Value::Int(7)), Box::new(ServerType::Int));
    assert_eq!(char_text(&v, &ServerType::Variant), "7");
    let (w, buf) = get(&v, &ServerType::Variant, SQL_C_SLONG, 4).unwrap();
    assert_eq!(
        (
            w.indicator,
            i32::from_ne_bytes(buf[..4].try_into().unwrap())
        ),
        (4, 7)
    );
}

#[test]
fn char_chunks_report_remaining_length_and_01004() {
    let v = text("abcdefghij");
    let ty = ServerType::VarChar(Some(10));
    let (w, buf) = get_at(&v, &ty, SQL_C_CHAR, 4, 0).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (10, 3, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf, b"abc\0");
    let (w, buf) = get_at(&v, &ty, SQL_C_CHAR, 4, 3).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (7, 3, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf, b"def\0");
    let (w, buf) = get_at(&v, &ty, SQL_C_CHAR, 8, 6).unwrap();
    assert_eq!((w.indicator, w.consumed, w.warning), (4, 4, None));
    assert_eq!(&buf[..5], b"ghij\0");
}

#[test]
fn zero_length_buffer_asks_for_length_only() {
    let v = text("héllo wörld");
    let ty = ServerType::NVarChar(None);
    let (w, _) = get(&v, &ty, SQL_C_CHAR, 0).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (13, 0, Some(Warning::StringTruncated))
    );
    let (w, _) = get(&v, &ty, SQL_C_WCHAR, 0).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (22, 0, Some(Warning::StringTruncated))
    );
    let (w, _) = get(
        &Value::Binary(vec![1, 2, 3]),
        &ServerType::VarBinary(None),
        SQL_C_BINARY,
        0,
    )
    .unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (3, 0, Some(Warning::StringTruncated))
    );
    // An empty value fits even a zero-length buffer.
    let (w, _) = get(&text(""), &ty, SQL_C_WCHAR, 0).unwrap();
    assert_eq!((w.indicator, w.consumed, w.warning), (0, 0, None));
    // Numbers, dates and GUIDs are no character data: msodbcsql answers 22003.
    assert_eq!(
        sqlstate(get(&Value::Int(-1), &ServerType::Int, SQL_C_CHAR, 0)),
        "22003"
    );
    assert_eq!(
        sqlstate(get(
            &Value::Guid([0; 16]),
            &ServerType::UniqueIdentifier,
            SQL_C_CHAR,
            0
        )),
        "22003"
    );
    let stamp = Value::Timestamp(ts(2024, 1, 2, 3, 4, 5, 0));
    assert_eq!(
        sqlstate(get(
            &stamp,
            &ServerType::DateTime2 { scale: 7 },
            SQL_C_CHAR,
            0
        )),
        "22003"
    );
    assert_eq!(
        sqlstate(get(&Value::Int(1), &ServerType::Int, SQL_C_BINARY, 0)),
        "22003"
    );
}

/// msodbcsql cuts SQL_C_CHAR at any byte, splitting UTF-8 sequences; the chunks join up.
#[test]
fn utf8_chunks_are_byte_exact() {
    let v = text("héllo😀x"); // 11 bytes
    let ty = ServerType::NVarChar(None);
    let expected: [(&[u8], isize); 4] = [
        (b"h\xc3\xa9", 11),
        (b"llo", 8),
        (b"\xf0\x9f\x98", 5),
        (b"\x80x", 2),
    ];
    let mut offset = 0;
    for (chunk, indicator) in expected {
        let (w, buf) = get_at(&v, &ty, SQL_C_CHAR, 4, offset).unwrap();
        assert_eq!(w.indicator, indicator);
        assert_eq!(&buf[..chunk.len()], chunk);
        assert_eq!(buf[chunk.len()], 0);
        let last = chunk.len() as isize == indicator;
        assert_eq!(w.warning, (!last).then_some(Warning::StringTruncated));
        offset += w.consumed;
    }
    assert_eq!(offset, 11);
}

/// SQL_C_WCHAR is cut at UTF-16 units, never inside one; like msodbcsql a surrogate pair
/// may straddle two chunks.
#[test]
fn utf16_chunks_split_at_units() {
    let v = text("héllo😀x"); // 8 units
    let ty = ServerType::NVarChar(None);
    let units: Vec<u16> = "héllo😀x".encode_utf16().collect();
    let le = |u: &[u16]| -> Vec<u8> { u.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let (w, buf) = get_at(&v, &ty, SQL_C_WCHAR, 8, 0).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (16, 6, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf[..8], &[le(&units[..3]), vec![0, 0]].concat()[..]);
    let (w, buf) = get_at(&v, &ty, SQL_C_WCHAR, 8, 6).unwrap();
    assert_eq!((w.indicator, w.consumed), (10, 6));
    assert_eq!(
        &buf[..6],
        &le(&units[3..6])[..],
        "ends with the high surrogate"
    );
    let (w, buf) = get_at(&v, &ty, SQL_C_WCHAR, 8, 12).unwrap();
    assert_eq!((w.indicator, w.consumed, w.warning), (4, 4, None));
    assert_eq!(&buf[..6], &[le(&units[6..]), vec![0, 0]].concat()[..]);
    // Room for the terminator only, or not even that.
    let (w, buf) = get_at(&v, &ty, SQL_C_WCHAR, 3, 0).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (16, 0, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf, &[0, 0, 0xAA]);
    let (w, buf) = get_at(&v, &ty, SQL_C_WCHAR, 1, 0).unwrap();
    assert_eq!((w.indicator, w.consumed), (16, 0));
    assert_eq!(&buf, &[0xAA]);
}

#[test]
fn wchar_odd_buffer_uses_whole_units() {
    let (w, buf) = get(&text("abc"), &ServerType::NVarChar(Some(3)), SQL_C_WCHAR, 5).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (6, 2, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf[..4], &[b'a', 0, 0, 0]);
}

#[test]
fn latin1_target_is_windows_1252_with_question_marks() {
    let mut buf = [0u8; 16];
    let t = Target {
        c_type: SQL_C_CHAR,
        buffer: &mut buf,
        offset: 0,
        encoding: CharEncoding::Latin1,
        numeric_precision: 38,
        numeric_scale: 0,
    };
    let w = write_value(&text("é€😀x"), &ServerType::NVarChar(None), t).unwrap();
    assert_eq!((w.indicator, w.warning), (4, None));
    assert_eq!(&buf[..5], &[0xE9, 0x80, b'?', b'x', 0]);
}

#[test]
fn binary_to_char_is_hex_in_whole_bytes() {
    let v = Value::Binary(vec![0xDE, 0xAD, 0xBE, 0xEF]);
    let ty = ServerType::VarBinary(None);
    let (w, buf) = get(&v, &ty, SQL_C_CHAR, 4).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (8, 2, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf[..3], b"DE\0");
    let (w, buf) = get_at(&v, &ty, SQL_C_CHAR, 9, 2).unwrap();
    assert_eq!((w.indicator, w.consumed, w.warning), (6, 6, None));
    assert_eq!(&buf[..7], b"ADBEEF\0");
}

#[test]
fn number_too_wide_for_char_buffer_is_22003() {
    assert_eq!(
        sqlstate(get(&Value::Int(123456), &ServerType::Int, SQL_C_CHAR, 4)),
        "22003"
    );
    // Fractional digits may be cut: 01004.
    let dec = Value::Decimal(Decimal {
        mantissa: 12345,
        precision: 5,
        scale: 3,
    });
    let (w, buf) = get(
        &dec,
        &ServerType::Decimal {
            precision: 5,
            scale: 3,
        },
        SQL_C_CHAR,
        4,
    )
    .unwrap();
    assert_eq!(
        (w.indicator, w.warning),
        (6, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf, b"12.\0");
    let stamp = Value::Timestamp(ts(2024, 1, 2, 3, 4, 5, 0));
    assert_eq!(
        sqlstate(get(
            &stamp,
            &ServerType::DateTime2 { scale: 0 },
            SQL_C_CHAR,
            19
        )),
        "22003"
    );
    assert_eq!(
        sqlstate(get(
            &Value::Guid([0; 16]),
            &ServerType::UniqueIdentifier,
            SQL_C_CHAR,
            36
        )),
        "22003"
    );
}

// ---------------------------------------------------------------------------------------
// Binary targets.

#[test]
fn binary_chunks_are_exact() {
    let data: Vec<u8> = (0..10).collect();
    let v = Value::Binary(data.clone());
    let ty = ServerType::VarBinary(None);
    let (w, buf) = get_at(&v, &ty, SQL_C_BINARY, 4, 0).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (10, 4, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf, &data[..4]);
    let (w, buf) = get_at(&v, &ty, SQL_C_BINARY, 4, 8).unwrap();
    assert_eq!((w.indicator, w.consumed, w.warning), (2, 2, None));
    assert_eq!(&buf[..2], &data[8..]);
}

#[test]
fn text_to_binary_uses_the_column_encoding() {
    // nchar/nvarchar: UTF-16LE; char/varchar: the collation's Windows-1252 bytes (measured).
    let (w, buf) = get(&text("nc"), &ServerType::NChar(2), SQL_C_BINARY, 8).unwrap();
    assert_eq!(&buf[..w.indicator as usize], &[0x6E, 0, 0x63, 0]);
    let (w, buf) = get(
        &text("aé€b"),
        &ServerType::VarChar(Some(30)),
        SQL_C_BINARY,
        8,
    )
    .unwrap();
    assert_eq!(&buf[..w.indicator as usize], &[0x61, 0xE9, 0x80, 0x62]);
    // xml: a byte order mark, then UTF-16LE, in chunks.
    let v = text("<a/>");
    let (w, buf) = get(&v, &ServerType::Xml, SQL_C_BINARY, 4).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (10, 4, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf, &[0xFF, 0xFE, b'<', 0]);
    let (w, buf) = get_at(&v, &ServerType::Xml, SQL_C_BINARY, 8, 4).unwrap();
    assert_eq!((w.indicator, w.consumed, w.warning), (6, 6, None));
    assert_eq!(&buf[..6], &[b'a', 0, b'/', 0, b'>', 0]);
    // A surrogate pair's bytes can be split across chunks: binary is exact.
    let (w, buf) = get_at(&text("😀"), &ServerType::NVarChar(None), SQL_C_BINARY, 3, 1).unwrap();
    let all: Vec<u8> = "😀".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!((w.indicator, w.consumed, w.warning), (3, 3, None));
    assert_eq!(&buf[..3], &all[1..]);
}

#[test]
fn fixed_values_to_binary_are_their_structures() {
    let t = Time {
        hour: 13,
        minute: 14,
        second: 15,
        nanosecond: 123_456_700,
    };
    let (w, buf) = get(
        &Value::Time(t),
        &ServerType::Time { scale: 7 },
        SQL_C_BINARY,
        12,
    )
    .unwrap();
    assert_eq!(w.indicator, 12);
    assert_eq!(u16::from_ne_bytes([buf[0], buf[1]]), 13);
    assert_eq!(u16::from_ne_bytes([buf[4], buf[5]]), 15);
    assert_eq!(
        u32::from_ne_bytes(buf[8..12].try_into().unwrap()),
        123_456_700
    );
    let (w, buf) = get(&Value::Int(-2), &ServerType::Int, SQL_C_BINARY, 4).unwrap();
    assert_eq!(
        (
            w.indicator,
            i32::from_ne_bytes(buf[..4].try_into().unwrap())
        ),
        (4, -2)
    );
    assert_eq!(
        sqlstate(get(&Value::BigInt(1), &ServerType::BigInt, SQL_C_BINARY, 4)),
        "22003"
    );
}

// ---------------------------------------------------------------------------------------
// Numeric targets.

fn int_of(
    value: &Value,
    ty: &ServerType,
    c_type: i16,
) -> Result<(i128, Option<Warning>), &'static str> {
    let size = to_c::c_type_size(c_type).unwrap();
    let (w, buf) = get(value, ty, c_type, size).map_err(|e| e.sqlstate)?;
    assert_eq!(w.indicator as usize, size);
    let signed = matches!(
        c_type,
        SQL_C_STINYINT
            | SQL_C_TINYINT
            | SQL_C_SSHORT
            | SQL_C_SHORT
            | SQL_C_SLONG
            | SQL_C_LONG
            | SQL_C_SBIGINT
    );
    let v = match (size, signed) {
        (1, true) => i128::from(buf[0] as i8),
        (1, false) => i128::from(buf[0]),
        (2, true) => i128::from(i16::from_ne_bytes(buf[..2].try_into().unwrap())),
        (2, false) => i128::from(u16::from_ne_bytes(buf[..2].try_into().unwrap())),
        (4, true) => i128::from(i32::from_ne_bytes(buf[..4].try_into().unwrap())),
        (4, false) => i128::from(u32::from_ne_bytes(buf[..4].try_into().unwrap())),
        (8, true) => i128::from(i64::from_ne_bytes(buf[..8].try_into().unwrap())),
        _ => i128::from(u64::from_ne_bytes(buf[..8].try_into().unwrap())),
    };
    Ok((v, w.warning))
}

#[test]
fn integers_to_integer_targets_check_range() {
    use ServerType as T;
    let frac = Some(Warning::FractionalTruncation);
    assert_eq!(
        int_of(&Value::BigInt(i64::MIN), &T::BigInt, SQL_C_SBIGINT),
        Ok((i128::from(i64::MIN), None))
    );
    assert_eq!(
        int_of(&Value::BigInt(i64::MAX), &T::BigInt, SQL_C_SBIGINT),
        Ok((i128::from(i64::MAX), None))
    );
    assert_eq!(
        int_of(&Value::BigInt(i64::MAX), &T::BigInt, SQL_C_SLONG),
        Err("22003")
    );
    assert_eq!(
        int_of(&Value::Int(i32::MIN), &T::Int, SQL_C_LONG),
        Ok((i128::from(i32::MIN), None))
    );
    assert_eq!(int_of(&Value::Int(-1), &T::Int, SQL_C_ULONG), Err("22003"));
    assert_eq!(
        int_of(&Value::Int(-1), &T::Int, SQL_C_UBIGINT),
        Err("22003")
    );
    assert_eq!(
        int_of(&Value::BigInt(i64::MAX), &T::BigInt, SQL_C_UBIGINT),
        Ok((i128::from(i64::MAX), None))
    );
    assert_eq!(
        int_of(&Value::Int(128), &T::Int, SQL_C_STINYINT),
        Err("22003")
    );
    assert_eq!(
        int_of(&Value::Int(-128), &T::Int, SQL_C_TINYINT),
        Ok((-128, None))
    );
    assert_eq!(
        int_of(&Value::TinyInt(255), &T::TinyInt, SQL_C_UTINYINT),
        Ok((255, None))
    );
    assert_eq!(
        int_of(&Value::Int(65535), &T::Int, SQL_C_USHORT),
        Ok((65535, None))
    );
    assert_eq!(
        int_of(&Value::Int(32768), &T::Int, SQL_C_SSHORT),
        Err("22003")
    );
    assert_eq!(
        int_of(&Value::Float(2.75), &T::Float, SQL_C_SLONG),
        Ok((2, frac))
    );
    assert_eq!(
        int_of(&Value::Float(-2.75), &T::Float, SQL_C_SLONG),
        Ok((-2, frac))
    );
    assert_eq!(
        int_of(&Value::Float(3e10), &T::Float, SQL_C_SLONG),
        Err("22003")
    );
    assert_eq!(
        int_of(&Value::Float(f64::NAN), &T::Float, SQL_C_SLONG),
        Err("22003")
    );
    let dec = Value::Decimal(Decimal {
        mantissa: 1999,
        precision: 5,
        scale: 3,
    });
    assert_eq!(
        int_of(
            &dec,
            &T::Decimal {
                precision: 5,
                scale: 3
            },
            SQL_C_SLONG
        ),
        Ok((1, frac))
    );
    assert_eq!(
        int_of(&Value::Money(-123_4500), &T::Money, SQL_C_SBIGINT),
        Ok((-123, frac))
    );
    assert_eq!(
        int_of(&Value::Bit(true), &T::Bit, SQL_C_SLONG),
        Ok((1, None))
    );
    assert_eq!(
        int_of(&text(" 42 "), &T::VarChar(Some(4)), SQL_C_SLONG),
        Ok((42, None))
    );
    assert_eq!(
        int_of(&text("4.5"), &T::VarChar(Some(4)), SQL_C_SLONG),
        Ok((4, frac))
    );
    assert_eq!(
        int_of(&text("abc"), &T::VarChar(Some(4)), SQL_C_SLONG),
        Err("22018")
    );
    assert_eq!(
        int_of(
            &text("9223372036854775808"),
            &T::VarChar(None),
            SQL_C_SBIGINT
        ),
        Err("22003")
    );
    assert_eq!(
        int_of(
            &Value::Date(Date {
                year: 2024,
                month: 1,
                day: 1
            }),
            &T::Date,
            SQL_C_SLONG
        ),
        Err("07006")
    );
    assert_eq!(
        int_of(&Value::Binary(vec![1]), &T::VarBinary(None), SQL_C_SLONG),
        Err("07006")
    );
}

#[test]
fn bit_target_follows_odbc_rule() {
    use ServerType as T;
    assert_eq!(int_of(&Value::Int(1), &T::Int, SQL_C_BIT), Ok((1, None)));
    assert_eq!(int_of(&Value::Int(0), &T::Int, SQL_C_BIT), Ok((0, None)));
    assert_eq!(
        int_of(&Value::Float(1.5), &T::Float, SQL_C_BIT),
        Ok((1, Some(Warning::FractionalTruncation)))
    );
    assert_eq!(
        int_of(&Value::Float(0.5), &T::Float, SQL_C_BIT),
        Ok((0, Some(Warning::FractionalTruncation)))
    );
    assert_eq!(int_of(&Value::Int(2), &T::Int, SQL_C_BIT), Err("22003"));
    assert_eq!(int_of(&Value::Int(-1), &T::Int, SQL_C_BIT), Err("22003"));
    assert_eq!(int_of(&Value::Bit(true), &T::Bit, SQL_C_BIT), Ok((1, None)));
    assert_eq!(
        int_of(&text("1"), &T::VarChar(Some(1)), SQL_C_BIT),
        Ok((1, None))
    );
}

fn double_of(value: &Value, ty: &ServerType) -> f64 {
    let (w, buf) = get(value, ty, SQL_C_DOUBLE, 8).unwrap();
    assert_eq!((w.indicator, w.warning), (8, None));
    f64::from_ne_bytes(buf[..8].try_into().unwrap())
}

#[test]
fn floating_targets() {
    use ServerType as T;
    assert_eq!(double_of(&Value::Float(0.1), &T::Float), 0.1);
    assert_eq!(double_of(&Value::Real(0.5), &T::Real), 0.5);
    assert_eq!(
        double_of(&Value::BigInt(i64::MAX), &T::BigInt),
        i64::MAX as f64
    );
    assert_eq!(
        double_of(
            &Value::Decimal(Decimal {
                mantissa: 1,
                precision: 2,
                scale: 1
            }),
            &T::Decimal {
                precision: 2,
                scale: 1
            }
        ),
        0.1
    );
    assert_eq!(double_of(&Value::Money(12345), &T::Money), 1.2345);
    assert_eq!(double_of(&text("-1.5e3"), &T::VarChar(None)), -1500.0);
    let (_, buf) = get(&Value::Float(0.1), &T::Float, SQL_C_FLOAT, 4).unwrap();
    assert_eq!(f32::from_ne_bytes(buf[..4].try_into().unwrap()), 0.1f32);
    assert_eq!(
        sqlstate(get(&Value::Float(1e300), &T::Float, SQL_C_FLOAT, 4)),
        "22003"
    );
    assert_eq!(
        sqlstate(get(&text("x"), &T::VarChar(None), SQL_C_DOUBLE, 8)),
        "22018"
    );
}

// ---------------------------------------------------------------------------------------
// Parameters.

mod params {
    use super::super::from_c::{Param, read_param};
    use super::*;

    fn param(
        c_type: i16,
        sql_type: i16,
        column_size: u64,
        decimal_digits: i16,
        data: &[u8],
    ) -> Result<(Value, ServerType), &'static str> {
        let p = Param {
            c_type,
            sql_type,
            column_size,
            decimal_digits,
            data: Some(data),
            encoding: CharEncoding::Utf8,
        };
        read_param(&p).map_err(|e| e.sqlstate)
    }

    fn wide(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn timestamp_struct(t: Timestamp) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&t.date.year.to_ne_bytes());
        for v in [
            t.date.month,
            t.date.day,
            t.time.hour,
            t.time.minute,
            t.time.second,
        ] {
            b.extend_from_slice(&u16::from(v).to_ne_bytes());
        }
        b.extend_from_slice(&t.time.nanosecond.to_ne_bytes());
        b
    }

    #[test]
    fn null_keeps_the_declared_type() {
        let p = Param {
            c_type: SQL_C_WCHAR,
            sql_type: SQL_WVARCHAR,
            column_size: 20,
            decimal_digits: 0,
            data: None,
            encoding: CharEncoding::Utf8,
        };
        assert_eq!(
            read_param(&p),
            Ok((Value::Null, ServerType::NVarChar(Some(20))))
        );
        let p = Param {
            c_type: SQL_C_SLONG,
            sql_type: SQL_INTEGER,
            column_size: 0,
            decimal_digits: 0,
            data: None,
            encoding: CharEncoding::Utf8,
        };
        assert_eq!(read_param(&p), Ok((Value::Null, ServerType::Int)));
    }

    #[test]
    fn strings_are_declared_like_msodbcsql() {
        assert_eq!(
            param(SQL_C_WCHAR, SQL_WVARCHAR, 5, 0, &wide("héllo")),
            Ok((text("héllo"), ServerType::NVarChar(Some(5))))
        );
        assert_eq!(
            param(SQL_C_WCHAR, SQL_WVARCHAR, 4000, 0, &wide("x")),
            Ok((text("x"), ServerType::NVarChar(Some(4000))))
        );
        assert_eq!(
            param(SQL_C_WCHAR, SQL_WVARCHAR, 4001, 0, &wide("x")),
            Ok((text("x"), ServerType::NVarChar(None)))
        );
        assert_eq!(
            param(SQL_C_WCHAR, SQL_WLONGVARCHAR, 100_000, 0, &wide("x")),
            Ok((text("x"), ServerType::NVarChar(None)))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_VARCHAR, 8000, 0, b"abc"),
            Ok((text("abc"), ServerType::VarChar(Some(8000))))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_VARCHAR, 8001, 0, b"abc"),
            Ok((text("abc"), ServerType::VarChar(None)))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_LONGVARCHAR, 10, 0, b"abc"),
            Ok((text("abc"), ServerType::VarChar(None)))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_CHAR, 3, 0, "né".as_bytes()),
            Ok((text("né "), ServerType::Char(3)))
        );
        // char(n), nchar(n), binary(n) come padded, as msodbcsql sends them.
        assert_eq!(
            param(SQL_C_WCHAR, SQL_WCHAR, 10, 0, &wide("ab")),
            Ok((text("ab        "), ServerType::NChar(10)))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_BINARY, 5, 0, &[1]),
            Ok((Value::Binary(vec![1, 0, 0, 0, 0]), ServerType::Binary(5)))
        );
        assert_eq!(param(SQL_C_CHAR, SQL_CHAR, 2, 0, b"abc"), Err("22001"));
        assert_eq!(
            param(SQL_C_WCHAR, SQL_WVARCHAR, 0, 0, &wide("x")),
            Ok((text("x"), ServerType::NVarChar(None)))
        );
        assert_eq!(
            param(SQL_C_WCHAR, SQL_VARCHAR, 10, 0, &wide("ab")),
            Ok((text("ab"), ServerType::VarChar(Some(10))))
        );
        // A surrogate pair is two UTF-16 units of nvarchar(n).
        assert_eq!(
            param(SQL_C_WCHAR, SQL_WVARCHAR, 2, 0, &wide("😀")),
            Ok((text("😀"), ServerType::NVarChar(Some(2))))
        );
        assert_eq!(
            param(SQL_C_WCHAR, SQL_WVARCHAR, 1, 0, &wide("😀")),
            Err("22001")
        );
        assert_eq!(param(SQL_C_CHAR, SQL_VARCHAR, 2, 0, b"abc"), Err("22001"));
        assert_eq!(
            param(SQL_C_CHAR, SQL_VARCHAR, 2, 0, &[0xff, 0xfe]),
            Err("22018")
        );
        assert_eq!(
            param(SQL_C_WCHAR, SQL_SS_XML, 0, 0, &wide("<a/>")),
            Ok((text("<a/>"), ServerType::Xml))
        );
    }

    #[test]
    fn latin1_parameters_decode_bytes_as_characters() {
        let p = Param {
            c_type: SQL_C_CHAR,
            sql_type: SQL_VARCHAR,
            column_size: 4,
            decimal_digits: 0,
            data: Some(&[0x63, 0x61, 0x66, 0xE9]),
            encoding: CharEncoding::Latin1,
        };
        assert_eq!(
            read_param(&p),
            Ok((text("café"), ServerType::VarChar(Some(4))))
        );
    }

    #[test]
    fn integers() {
        assert_eq!(
            param(SQL_C_SLONG, SQL_INTEGER, 10, 0, &(-5i32).to_ne_bytes()),
            Ok((Value::Int(-5), ServerType::Int))
        );
        assert_eq!(
            param(SQL_C_LONG, SQL_INTEGER, 10, 0, &i32::MIN.to_ne_bytes()),
            Ok((Value::Int(i32::MIN), ServerType::Int))
        );
        assert_eq!(
            param(SQL_C_SBIGINT, SQL_BIGINT, 19, 0, &i64::MIN.to_ne_bytes()),
            Ok((Value::BigInt(i64::MIN), ServerType::BigInt))
        );
        assert_eq!(
            param(SQL_C_SBIGINT, SQL_BIGINT, 19, 0, &i64::MAX.to_ne_bytes()),
            Ok((Value::BigInt(i64::MAX), ServerType::BigInt))
        );
        assert_eq!(
            param(SQL_C_UBIGINT, SQL_BIGINT, 19, 0, &u64::MAX.to_ne_bytes()),
            Err("22003")
        );
        assert_eq!(
            param(
                SQL_C_SBIGINT,
                SQL_INTEGER,
                10,
                0,
                &(1i64 << 31).to_ne_bytes()
            ),
            Err("22003")
        );
        assert_eq!(
            param(SQL_C_ULONG, SQL_BIGINT, 19, 0, &u32::MAX.to_ne_bytes()),
            Ok((Value::BigInt(u32::MAX.into()), ServerType::BigInt))
        );
        assert_eq!(
            param(SQL_C_SSHORT, SQL_SMALLINT, 5, 0, &(-3i16).to_ne_bytes()),
            Ok((Value::SmallInt(-3), ServerType::SmallInt))
        );
        assert_eq!(
            param(SQL_C_STINYINT, SQL_TINYINT, 3, 0, &[0xFF]),
            Err("22003")
        );
        assert_eq!(
            param(SQL_C_UTINYINT, SQL_TINYINT, 3, 0, &[0xFF]),
            Ok((Value::TinyInt(255), ServerType::TinyInt))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_INTEGER, 10, 0, b" 12 "),
            Ok((Value::Int(12), ServerType::Int))
        );
        assert_eq!(param(SQL_C_CHAR, SQL_INTEGER, 10, 0, b"12x"), Err("22018"));
        assert_eq!(param(SQL_C_CHAR, SQL_INTEGER, 10, 0, b"1.5"), Err("22001"));
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_INTEGER, 10, 0, &1.5f64.to_ne_bytes()),
            Ok((Value::Int(1), ServerType::Int))
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_INTEGER, 10, 0, &3e9f64.to_ne_bytes()),
            Err("22003")
        );
        assert_eq!(
            param(SQL_C_SLONG, SQL_INTEGER, 10, 0, &[1, 2]),
            Err("HY090")
        );
        assert_eq!(
            param(SQL_C_TYPE_DATE, SQL_INTEGER, 10, 0, &[0; 6]),
            Err("22007")
        );
    }

    #[test]
    fn bits_and_floats() {
        assert_eq!(
            param(SQL_C_BIT, SQL_BIT, 1, 0, &[1]),
            Ok((Value::Bit(true), ServerType::Bit))
        );
        assert_eq!(
            param(SQL_C_BIT, SQL_BIT, 1, 0, &[0]),
            Ok((Value::Bit(false), ServerType::Bit))
        );
        // msodbcsql sends any non-zero SQL_C_BIT as 1.
        assert_eq!(
            param(SQL_C_BIT, SQL_BIT, 1, 0, &[2]),
            Ok((Value::Bit(true), ServerType::Bit))
        );
        assert_eq!(
            param(SQL_C_SLONG, SQL_BIT, 1, 0, &2i32.to_ne_bytes()),
            Err("22003")
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_BIT, 1, 0, b"1"),
            Ok((Value::Bit(true), ServerType::Bit))
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_DOUBLE, 15, 0, &0.1f64.to_ne_bytes()),
            Ok((Value::Float(0.1), ServerType::Float))
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_FLOAT, 15, 0, &f64::MAX.to_ne_bytes()),
            Ok((Value::Float(f64::MAX), ServerType::Float))
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_FLOAT, 15, 0, &f64::NAN.to_ne_bytes()),
            Err("22003")
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_REAL, 7, 0, &1e300f64.to_ne_bytes()),
            Err("22003")
        );
        assert_eq!(
            param(SQL_C_FLOAT, SQL_REAL, 7, 0, &0.5f32.to_ne_bytes()),
            Ok((Value::Real(0.5), ServerType::Real))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_DOUBLE, 15, 0, b"-2.5e-3"),
            Ok((Value::Float(-0.0025), ServerType::Float))
        );
    }

    #[test]
    fn decimals() {
        let dec = |m: i128, p: u8, s: u8| {
            Value::Decimal(Decimal {
                mantissa: m,
                precision: p,
                scale: s,
            })
        };
        assert_eq!(
            param(SQL_C_CHAR, SQL_NUMERIC, 3, 2, b"1.50"),
            Ok((
                dec(150, 3, 2),
                ServerType::Numeric {
                    precision: 3,
                    scale: 2
                }
            ))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_DECIMAL, 5, 2, b"-1.5"),
            Ok((
                dec(-150, 5, 2),
                ServerType::Decimal {
                    precision: 5,
                    scale: 2
                }
            ))
        );
        // Exact input losing fractional digits is 22001 (msodbcsql); zeros may go.
        assert_eq!(param(SQL_C_CHAR, SQL_NUMERIC, 3, 1, b"1.25"), Err("22001"));
        assert_eq!(
            param(SQL_C_CHAR, SQL_NUMERIC, 3, 1, b"1.20"),
            Ok((
                dec(12, 3, 1),
                ServerType::Numeric {
                    precision: 3,
                    scale: 1
                }
            ))
        );
        assert_eq!(param(SQL_C_CHAR, SQL_NUMERIC, 3, 2, b"10.5"), Err("22003"));
        assert_eq!(param(SQL_C_CHAR, SQL_NUMERIC, 3, 2, b"one"), Err("22018"));
        let max38 = "99999999999999999999999999999999999999";
        assert_eq!(
            param(SQL_C_CHAR, SQL_NUMERIC, 38, 0, max38.as_bytes()),
            Ok((
                dec(10i128.pow(38) - 1, 38, 0),
                ServerType::Numeric {
                    precision: 38,
                    scale: 0
                }
            ))
        );
        let min38 = format!("-.{max38}");
        assert_eq!(
            param(SQL_C_CHAR, SQL_NUMERIC, 38, 38, min38.as_bytes()),
            Ok((
                dec(-(10i128.pow(38) - 1), 38, 38),
                ServerType::Numeric {
                    precision: 38,
                    scale: 38
                }
            ))
        );
        assert_eq!(
            param(
                SQL_C_CHAR,
                SQL_NUMERIC,
                38,
                0,
                format!("{max38}9").as_bytes()
            ),
            Err("22003")
        );
        assert_eq!(param(SQL_C_CHAR, SQL_NUMERIC, 0, 0, b"1"), Err("HY104"));
        assert_eq!(param(SQL_C_CHAR, SQL_NUMERIC, 39, 0, b"1"), Err("HY104"));
        assert_eq!(param(SQL_C_CHAR, SQL_NUMERIC, 5, 6, b"1"), Err("HY104"));
        // SQL_NUMERIC_STRUCT: precision 10, scale 3, positive, 12345 -> 12.345.
        let mut s = vec![10u8, 3, 1];
        s.extend_from_slice(&12345u128.to_le_bytes());
        assert_eq!(
            param(SQL_C_NUMERIC, SQL_NUMERIC, 10, 3, &s),
            Ok((
                dec(12345, 10, 3),
                ServerType::Numeric {
                    precision: 10,
                    scale: 3
                }
            ))
        );
        s[2] = 0;
        assert_eq!(
            param(SQL_C_NUMERIC, SQL_DECIMAL, 10, 4, &s),
            Ok((
                dec(-123450, 10, 4),
                ServerType::Decimal {
                    precision: 10,
                    scale: 4
                }
            ))
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_DECIMAL, 10, 2, &0.125f64.to_ne_bytes()),
            Ok((
                dec(13, 10, 2),
                ServerType::Decimal {
                    precision: 10,
                    scale: 2
                }
            ))
        );
        assert_eq!(
            param(SQL_C_SLONG, SQL_DECIMAL, 10, 2, &7i32.to_ne_bytes()),
            Ok((
                dec(700, 10, 2),
                ServerType::Decimal {
                    precision: 10,
                    scale: 2
                }
            ))
        );
    }

    #[test]
    fn timestamps() {
        let t = ts(2024, 1, 2, 3, 4, 5, 123_456_700);
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                27,
                7,
                &timestamp_struct(t)
            ),
            Ok((Value::Timestamp(t), ServerType::DateTime2 { scale: 7 }))
        );
        assert_eq!(
            param(SQL_C_TIMESTAMP, SQL_TIMESTAMP, 27, 7, &timestamp_struct(t)),
            Ok((Value::Timestamp(t), ServerType::DateTime2 { scale: 7 }))
        );
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                26,
                6,
                &timestamp_struct(t)
            ),
            Err("22008")
        );
        // Declared datetime2(7) whatever DecimalDigits says, as msodbcsql declares `datetime2`;
        // DecimalDigits still bounds the fraction (the 22008 cases).
        let ms = ts(2024, 1, 2, 3, 4, 5, 123_000_000);
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                23,
                3,
                &timestamp_struct(ms)
            ),
            Ok((Value::Timestamp(ms), ServerType::DateTime2 { scale: 7 }))
        );
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                23,
                3,
                &timestamp_struct(t)
            ),
            Err("22008")
        );
        let old = ts(1, 1, 1, 0, 0, 0, 0);
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                23,
                3,
                &timestamp_struct(old)
            ),
            Ok((Value::Timestamp(old), ServerType::DateTime2 { scale: 7 }))
        );
        let whole = ts(2024, 1, 2, 3, 4, 0, 0);
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                16,
                0,
                &timestamp_struct(whole)
            ),
            Ok((Value::Timestamp(whole), ServerType::DateTime2 { scale: 7 }))
        );
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                19,
                0,
                &timestamp_struct(whole)
            ),
            Ok((Value::Timestamp(whole), ServerType::DateTime2 { scale: 7 }))
        );
        let mut bad = timestamp_struct(t);
        bad[2] = 13; // month 13
        assert_eq!(
            param(SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, 27, 7, &bad),
            Err("22007")
        );
        assert_eq!(
            param(
                SQL_C_CHAR,
                SQL_TYPE_TIMESTAMP,
                27,
                7,
                b"2024-01-02 03:04:05.1234567"
            ),
            Ok((Value::Timestamp(t), ServerType::DateTime2 { scale: 7 }))
        );
        assert_eq!(
            param(
                SQL_C_CHAR,
                SQL_TYPE_TIMESTAMP,
                27,
                7,
                b"{ts '2024-01-02 03:04:05.1234567'}"
            ),
            Ok((Value::Timestamp(t), ServerType::DateTime2 { scale: 7 }))
        );
        assert_eq!(
            param(
                SQL_C_CHAR,
                SQL_TYPE_TIMESTAMP,
                27,
                7,
                b"2024-02-30 00:00:00"
            ),
            Err("22018")
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_TYPE_TIMESTAMP, 27, 7, b"yesterday"),
            Err("22018")
        );
        let d = Date {
            year: 2024,
            month: 2,
            day: 29,
        };
        let date_bytes = [
            2024i16.to_ne_bytes(),
            2u16.to_ne_bytes(),
            29u16.to_ne_bytes(),
        ]
        .concat();
        assert_eq!(
            param(SQL_C_TYPE_DATE, SQL_TYPE_TIMESTAMP, 27, 7, &date_bytes),
            Ok((
                Value::Timestamp(Timestamp {
                    date: d,
                    time: Time {
                        hour: 0,
                        minute: 0,
                        second: 0,
                        nanosecond: 0
                    }
                }),
                ServerType::DateTime2 { scale: 7 }
            ))
        );
        assert_eq!(
            param(SQL_C_SLONG, SQL_TYPE_TIMESTAMP, 27, 7, &1i32.to_ne_bytes()),
            Err("07006")
        );
    }

    #[test]
    fn dates_times_and_offsets() {
        let d = Date {
            year: 2024,
            month: 2,
            day: 29,
        };
        let date_bytes = [
            2024i16.to_ne_bytes(),
            2u16.to_ne_bytes(),
            29u16.to_ne_bytes(),
        ]
        .concat();
        assert_eq!(
            param(SQL_C_TYPE_DATE, SQL_TYPE_DATE, 10, 0, &date_bytes),
            Ok((Value::Date(d), ServerType::Date))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_TYPE_DATE, 10, 0, b"2024-02-29"),
            Ok((Value::Date(d), ServerType::Date))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_TYPE_DATE, 10, 0, b"2023-02-29"),
            Err("22018")
        );
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_DATE,
                10,
                0,
                &timestamp_struct(ts(2024, 2, 29, 1, 0, 0, 0))
            ),
            Err("22008")
        );
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_DATE,
                10,
                0,
                &timestamp_struct(ts(2024, 2, 29, 0, 0, 0, 0))
            ),
            Ok((Value::Date(d), ServerType::Date))
        );

        let time_bytes = [
            13u16.to_ne_bytes(),
            14u16.to_ne_bytes(),
            15u16.to_ne_bytes(),
        ]
        .concat();
        let t = Time {
            hour: 13,
            minute: 14,
            second: 15,
            nanosecond: 0,
        };
        assert_eq!(
            param(SQL_C_TYPE_TIME, SQL_TYPE_TIME, 8, 0, &time_bytes),
            Ok((Value::Time(t), ServerType::Time { scale: 7 }))
        );
        let mut time2 = time_bytes.clone();
        time2.extend_from_slice(&[0, 0]);
        time2.extend_from_slice(&500_000_000u32.to_ne_bytes());
        let t2 = Time {
            nanosecond: 500_000_000,
            ..t
        };
        assert_eq!(
            param(SQL_C_SS_TIME2, SQL_SS_TIME2, 10, 1, &time2),
            Ok((Value::Time(t2), ServerType::Time { scale: 7 }))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_SS_TIME2, 16, 7, &time2),
            Ok((Value::Time(t2), ServerType::Time { scale: 7 }))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_SS_TIME2, 16, 7, &time2[..6]),
            Err("07006")
        );
        assert_eq!(
            param(SQL_C_SS_TIME2, SQL_SS_TIME2, 8, 0, &time2),
            Err("22008")
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_SS_TIME2, 16, 7, b"13:14:15.5"),
            Ok((Value::Time(t2), ServerType::Time { scale: 7 }))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_SS_TIME2, 16, 7, b"25:00:00"),
            Err("22018")
        );

        let local = ts(2024, 1, 2, 3, 4, 5, 100);
        let mut dto = timestamp_struct(local);
        dto.extend_from_slice(&(-5i16).to_ne_bytes());
        dto.extend_from_slice(&(-30i16).to_ne_bytes());
        let v = DateTimeOffset {
            local,
            offset_minutes: -330,
        };
        assert_eq!(
            param(
                SQL_C_SS_TIMESTAMPOFFSET,
                SQL_SS_TIMESTAMPOFFSET,
                34,
                7,
                &dto
            ),
            Ok((
                Value::DateTimeOffset(v),
                ServerType::DateTimeOffset { scale: 7 }
            ))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_SS_TIMESTAMPOFFSET, 34, 7, &dto),
            Ok((
                Value::DateTimeOffset(v),
                ServerType::DateTimeOffset { scale: 7 }
            ))
        );
        let mut mixed = dto.clone();
        mixed[18..20].copy_from_slice(&30i16.to_ne_bytes());
        assert_eq!(
            param(
                SQL_C_SS_TIMESTAMPOFFSET,
                SQL_SS_TIMESTAMPOFFSET,
                34,
                7,
                &mixed
            ),
            Err("22007")
        );
        assert_eq!(
            param(
                SQL_C_CHAR,
                SQL_SS_TIMESTAMPOFFSET,
                34,
                7,
                b"2024-01-02 03:04:05.0000001 -05:30"
            ),
            Ok((
                Value::DateTimeOffset(v),
                ServerType::DateTimeOffset { scale: 7 }
            ))
        );
        let utc = DateTimeOffset {
            local: ts(2024, 1, 2, 3, 4, 5, 0),
            offset_minutes: 0,
        };
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_SS_TIMESTAMPOFFSET,
                34,
                7,
                &timestamp_struct(utc.local)
            ),
            Ok((
                Value::DateTimeOffset(utc),
                ServerType::DateTimeOffset { scale: 7 }
            ))
        );
    }

    #[test]
    fn guids_and_binary() {
        let g = [
            0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x02,
            0x03, 0x04,
        ];
        assert_eq!(
            param(SQL_C_GUID, SQL_GUID, 36, 0, &g),
            Ok((Value::Guid(g), ServerType::UniqueIdentifier))
        );
        assert_eq!(
            param(
                SQL_C_CHAR,
                SQL_GUID,
                36,
                0,
                b"12345678-1234-5678-9abc-def001020304"
            ),
            Ok((Value::Guid(g), ServerType::UniqueIdentifier))
        );
        assert_eq!(
            param(
                SQL_C_WCHAR,
                SQL_GUID,
                36,
                0,
                &wide("{12345678-1234-5678-9ABC-DEF001020304}")
            ),
            Ok((Value::Guid(g), ServerType::UniqueIdentifier))
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_GUID, 36, 0, b"not-a-guid"),
            Err("22018")
        );
        assert_eq!(
            param(SQL_C_GUID, SQL_WVARCHAR, 36, 0, &g),
            Ok((
                text("12345678-1234-5678-9ABC-DEF001020304"),
                ServerType::NVarChar(Some(36))
            ))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_VARBINARY, 3, 0, &[1, 2, 3]),
            Ok((Value::Binary(vec![1, 2, 3]), ServerType::VarBinary(Some(3))))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_VARBINARY, 8001, 0, &[1]),
            Ok((Value::Binary(vec![1]), ServerType::VarBinary(None)))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_LONGVARBINARY, 10, 0, &[1]),
            Ok((Value::Binary(vec![1]), ServerType::VarBinary(None)))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_VARBINARY, 2, 0, &[1, 2, 3]),
            Err("22001")
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_VARBINARY, 2, 0, b"0AfF"),
            Ok((
                Value::Binary(vec![0x0A, 0xFF]),
                ServerType::VarBinary(Some(2))
            ))
        );
        assert_eq!(param(SQL_C_CHAR, SQL_VARBINARY, 2, 0, b"0G"), Err("22018"));
        assert_eq!(
            param(SQL_C_SLONG, SQL_VARBINARY, 4, 0, &1i32.to_ne_bytes()),
            Err("07006")
        );
    }

    #[test]
    fn numbers_and_dates_into_character_parameters() {
        assert_eq!(
            param(SQL_C_SLONG, SQL_VARCHAR, 10, 0, &(-42i32).to_ne_bytes()),
            Ok((text("-42"), ServerType::VarChar(Some(10))))
        );
        assert_eq!(
            param(SQL_C_SLONG, SQL_VARCHAR, 2, 0, &(-42i32).to_ne_bytes()),
            Err("22001")
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_WVARCHAR, 20, 0, &1.5f64.to_ne_bytes()),
            Ok((text("1.5"), ServerType::NVarChar(Some(20))))
        );
        let t = ts(2024, 1, 2, 3, 4, 5, 120_000_000);
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_VARCHAR,
                30,
                0,
                &timestamp_struct(t)
            ),
            Ok((
                text("2024-01-02 03:04:05.120"),
                ServerType::VarChar(Some(30))
            ))
        );
        let mut s = vec![10u8, 2, 0];
        s.extend_from_slice(&5u128.to_le_bytes());
        assert_eq!(
            param(SQL_C_NUMERIC, SQL_VARCHAR, 10, 0, &s),
            Ok((text("-0.05"), ServerType::VarChar(Some(10))))
        );
    }

    /// Measured on msodbcsql 18.6 (what the server received).
    #[test]
    fn conversions_match_msodbcsql() {
        let stamp = |ns: u32| timestamp_struct(ts(2024, 1, 2, 3, 4, 5, ns));
        let vc = |n: u32| ServerType::VarChar(Some(n));
        assert_eq!(
            param(SQL_C_TYPE_TIMESTAMP, SQL_VARCHAR, 40, 0, &stamp(0)),
            Ok((text("2024-01-02 03:04:05.000"), vc(40)))
        );
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_VARCHAR,
                40,
                0,
                &stamp(123_456_700)
            ),
            Ok((text("2024-01-02 03:04:05.123456700"), vc(40)))
        );
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_WVARCHAR,
                40,
                0,
                &stamp(999_999_999)
            ),
            Ok((
                text("2024-01-02 03:04:05.999999999"),
                ServerType::NVarChar(Some(40))
            ))
        );
        // Too long for the column: the fraction goes, no error.
        assert_eq!(
            param(SQL_C_TYPE_TIMESTAMP, SQL_VARCHAR, 20, 0, &stamp(0)),
            Ok((text("2024-01-02 03:04:05"), vc(20)))
        );
        assert_eq!(
            param(SQL_C_TYPE_TIMESTAMP, SQL_VARCHAR, 19, 0, &stamp(0)),
            Ok((text("2024-01-02 03:04:05"), vc(19)))
        );
        assert_eq!(
            param(SQL_C_TYPE_TIMESTAMP, SQL_VARCHAR, 18, 0, &stamp(0)),
            Err("22001")
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_VARCHAR, 30, 0, &0.1f64.to_ne_bytes()),
            Ok((text("0.10000000000000001"), vc(30)))
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_VARCHAR, 30, 0, &2.0f64.to_ne_bytes()),
            Ok((text("2.0"), vc(30)))
        );
        assert_eq!(
            param(SQL_C_DOUBLE, SQL_WVARCHAR, 30, 0, &1e20f64.to_ne_bytes()),
            Ok((text("1.0E+20"), ServerType::NVarChar(Some(30))))
        );
        assert_eq!(
            param(SQL_C_FLOAT, SQL_VARCHAR, 30, 0, &0.1f32.to_ne_bytes()),
            Ok((text("0.1"), vc(30)))
        );
        assert_eq!(
            param(SQL_C_BIT, SQL_VARCHAR, 10, 0, &[1]),
            Ok((text("1"), vc(10)))
        );
        assert_eq!(
            param(SQL_C_BINARY, SQL_VARCHAR, 10, 0, b"ab\xe9"),
            Ok((text("abé"), vc(10)))
        );
        assert_eq!(param(SQL_C_CHAR, SQL_BIT, 1, 0, b"2"), Err("22003"));
        assert_eq!(param(SQL_C_CHAR, SQL_BIT, 1, 0, b"0.5"), Err("22001"));
        let dec = |m: i128| {
            Value::Decimal(Decimal {
                mantissa: m,
                precision: 10,
                scale: 2,
            })
        };
        let n10_2 = ServerType::Numeric {
            precision: 10,
            scale: 2,
        };
        for (v, m) in [(0.125, 13), (0.29, 29), (0.135, 14)] {
            assert_eq!(
                param(SQL_C_DOUBLE, SQL_NUMERIC, 10, 2, &f64::to_ne_bytes(v)),
                Ok((dec(m), n10_2.clone()))
            );
        }
        assert_eq!(
            param(SQL_C_SBIGINT, SQL_NUMERIC, 5, 0, &123456i64.to_ne_bytes()),
            Err("22003")
        );
        assert_eq!(
            param(
                SQL_C_CHAR,
                SQL_TYPE_TIMESTAMP,
                27,
                3,
                b"2024-01-02 03:04:05.1234"
            ),
            Err("22008")
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_TYPE_DATE, 10, 0, b"2024-01-02 03:04:05"),
            Err("22008")
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_TYPE_TIME, 8, 0, b"03:04:05.5"),
            Err("22008")
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_TYPE_TIMESTAMP, 27, 7, b"2024-1-2 03:04:05"),
            Err("22018")
        );
        assert_eq!(
            param(SQL_C_CHAR, SQL_TYPE_TIMESTAMP, 27, 7, b"03:04:05"),
            Ok((
                Value::Timestamp(Timestamp {
                    date: datetime::today(),
                    time: Time {
                        hour: 3,
                        minute: 4,
                        second: 5,
                        nanosecond: 0
                    }
                }),
                ServerType::DateTime2 { scale: 7 }
            ))
        );
    }

    #[test]
    fn variants_carry_their_natural_type() {
        let (v, ty) = param(SQL_C_SLONG, SQL_SS_VARIANT, 0, 0, &9i32.to_ne_bytes()).unwrap();
        assert_eq!(ty, ServerType::Variant);
        assert_eq!(
            v,
            Value::Variant(Box::new(Value::Int(9)), Box::new(ServerType::Int))
        );
        let (v, _) = param(SQL_C_WCHAR, SQL_SS_VARIANT, 0, 0, &wide("ab")).unwrap();
        assert_eq!(
            v,
            Value::Variant(
                Box::new(text("ab")),
                Box::new(ServerType::NVarChar(Some(2)))
            )
        );
    }

    #[test]
    fn default_c_types_of_parameters() {
        use super::super::from_c::default_c_type;
        assert_eq!(default_c_type(SQL_WVARCHAR), SQL_C_WCHAR);
        assert_eq!(default_c_type(SQL_VARCHAR), SQL_C_CHAR);
        assert_eq!(default_c_type(SQL_NUMERIC), SQL_C_CHAR);
        assert_eq!(default_c_type(SQL_INTEGER), SQL_C_SLONG);
        assert_eq!(default_c_type(SQL_BIGINT), SQL_C_SBIGINT);
        assert_eq!(default_c_type(SQL_FLOAT), SQL_C_DOUBLE);
        assert_eq!(default_c_type(SQL_TYPE_TIMESTAMP), SQL_C_TYPE_TIMESTAMP);
        assert_eq!(default_c_type(SQL_SS_TIME2), SQL_C_SS_TIME2);
        assert_eq!(default_c_type(SQL_GUID), SQL_C_GUID);
        assert_eq!(default_c_type(SQL_LONGVARBINARY), SQL_C_BINARY);
        // The default C type reads back as the value declared.
        let (v, _) = param(
            default_c_type(SQL_INTEGER),
            SQL_INTEGER,
            10,
            0,
            &7i32.to_ne_bytes(),
        )
        .unwrap();
        assert_eq!(v, Value::Int(7));
    }

    #[test]
    fn doubles_losing_their_fraction_warn() {
        use super::super::from_c::read_param_with_warning;
        let read = |c_type: i16, sql_type: i16, data: &[u8]| {
            let p = Param {
                c_type,
                sql_type,
                column_size: 10,
                decimal_digits: 0,
                data: Some(data),
                encoding: CharEncoding::Utf8,
            };
            read_param_with_warning(&p)
                .map(|(v, _, w)| (v, w))
                .map_err(|e| e.sqlstate)
        };
        let frac = Some(Warning::FractionalTruncation);
        assert_eq!(
            read(SQL_C_DOUBLE, SQL_INTEGER, &1.5f64.to_ne_bytes()),
            Ok((Value::Int(1), frac))
        );
        assert_eq!(
            read(SQL_C_DOUBLE, SQL_INTEGER, &2.0f64.to_ne_bytes()),
            Ok((Value::Int(2), None))
        );
        assert_eq!(
            read(SQL_C_FLOAT, SQL_BIGINT, &(-2.5f32).to_ne_bytes()),
            Ok((Value::BigInt(-2), frac))
        );
        assert_eq!(
            read(SQL_C_DOUBLE, SQL_BIT, &0.5f64.to_ne_bytes()),
            Ok((Value::Bit(false), frac))
        );
        assert_eq!(read(SQL_C_CHAR, SQL_INTEGER, b"1.5"), Err("22001"));
        assert_eq!(
            read(SQL_C_DOUBLE, SQL_NUMERIC, &0.125f64.to_ne_bytes()).map(|(_, w)| w),
            Ok(None)
        );
    }

    #[test]
    fn unknown_types_are_rejected() {
        assert_eq!(param(SQL_C_SLONG, 12345, 0, 0, &[0; 4]), Err("HY004"));
        assert_eq!(param(999, SQL_INTEGER, 0, 0, &[0; 4]), Err("HY003"));
        assert_eq!(param(SQL_C_BINARY, SQL_SS_TABLE, 0, 0, &[]), Err("HYC00"));
    }
}

// ---------------------------------------------------------------------------------------
// Short character buffers for non-character values, as measured on msodbcsql 18.6.

/// (value, type, buffer length, expected text or SQLSTATE, indicator, 01004?)
#[test]
fn short_buffers_follow_msodbcsql() {
    use ServerType as T;
    let dec = |m: i128, p: u8, s: u8| {
        Value::Decimal(Decimal {
            mantissa: m,
            precision: p,
            scale: s,
        })
    };
    let dt2 = Value::Timestamp(ts(2024, 1, 2, 3, 4, 5, 123_456_700));
    let time = Value::Time(Time {
        hour: 3,
        minute: 4,
        second: 5,
        nanosecond: 123_456_700,
    });
    let dto = Value::DateTimeOffset(DateTimeOffset {
        local: ts(2024, 1, 2, 3, 4, 5, 123_456_700),
        offset_minutes: -330,
    });
    type Case = (
        Value,
        ServerType,
        usize,
        Result<(&'static str, isize, bool), &'static str>,
    );
    let cases: Vec<Case> = vec![
        (dt2.clone(), T::DateTime2 { scale: 7 }, 19, Err("22003")),
        (
            dt2.clone(),
            T::DateTime2 { scale: 7 },
            20,
            Ok(("2024-01-02 03:04:05", 27, true)),
        ),
        (
            dt2.clone(),
            T::DateTime2 { scale: 7 },
            21,
            Ok(("2024-01-02 03:04:05.", 27, true)),
        ),
        (
            dt2.clone(),
            T::DateTime2 { scale: 7 },
            27,
            Ok(("2024-01-02 03:04:05.123456", 27, true)),
        ),
        (
            dt2.clone(),
            T::DateTime,
            20,
            Ok(("2024-01-02 03:04:05", 23, true)),
        ),
        (time.clone(), T::Time { scale: 7 }, 8, Err("22003")),
        (
            time.clone(),
            T::Time { scale: 7 },
            9,
            Ok(("03:04:05", 16, true)),
        ),
        (
            time.clone(),
            T::Time { scale: 7 },
            10,
            Ok(("03:04:05.", 16, true)),
        ),
        (
            dto.clone(),
            T::DateTimeOffset { scale: 7 },
            30,
            Err("22003"),
        ),
        (
            Value::Date(Date {
                year: 2024,
                month: 1,
                day: 2,
            }),
            T::Date,
            10,
            Err("22003"),
        ),
        (Value::BigInt(i64::MIN), T::BigInt, 20, Err("22003")),
        (
            Value::BigInt(i64::MIN),
            T::BigInt,
            21,
            Ok(("-9223372036854775808", 20, false)),
        ),
        (Value::Bit(true), T::Bit, 1, Err("22003")),
        (
            dec(50, 10, 2),
            T::Decimal {
                precision: 10,
                scale: 2,
            },
            1,
            Err("22003"),
        ),
        (
            dec(50, 10, 2),
            T::Decimal {
                precision: 10,
                scale: 2,
            },
            2,
            Ok(("0", 3, true)),
        ),
        (
            dec(-25, 10, 2),
            T::Decimal {
                precision: 10,
                scale: 2,
            },
            3,
            Ok(("0", 4, true)),
        ),
        (Value::Money(123_400), T::Money, 3, Ok(("12", 7, true))),
        (Value::Money(123_400), T::Money, 4, Ok(("12.", 7, true))),
        // Only zeros dropped: the value is whole, no warning, the length written.
        (Value::Money(123_400), T::Money, 6, Ok(("12.34", 5, false))),
        (
            Value::Float(123456789012345.0),
            T::Float,
            16,
            Ok(("123456789012345", 15, false)),
        ),
        (Value::Float(123456789012345.0), T::Float, 10, Err("22003")),
        (Value::Float(0.1), T::Float, 4, Ok(("0.1", 19, true))),
        (Value::Float(0.1), T::Float, 2, Ok(("0", 19, true))),
        (Value::Float(1.5), T::Float, 1, Err("22003")),
        (Value::Float(1e-5), T::Float, 5, Err("22003")),
    ];
    for (value, ty, len, expected) in cases {
        let got = get(&value, &ty, SQL_C_CHAR, len);
        match expected {
            Err(state) => assert_eq!(sqlstate(got), state, "{value:?} in {len} bytes"),
            Ok((text, indicator, truncated)) => {
                let (w, buf) = got.unwrap();
                assert_eq!(
                    &buf[..text.len()],
                    text.as_bytes(),
                    "{value:?} in {len} bytes"
                );
                assert_eq!(buf[text.len()], 0);
                assert_eq!(w.indicator, indicator, "{value:?} in {len} bytes");
                assert_eq!(w.warning.is_some(), truncated, "{value:?} in {len} bytes");
                // The whole value counts as returned: a further call gets an empty string.
                let full = indicator as usize;
                assert!(w.consumed >= text.len());
                if truncated {
                    assert_eq!(w.consumed, full);
                    let (w2, buf2) = get_at(&value, &ty, SQL_C_CHAR, 5, w.consumed).unwrap();
                    assert_eq!(
                        (w2.indicator, w2.consumed, w2.warning, buf2[0]),
                        (0, 0, None, 0)
                    );
                }
            }
        }
        // SQL_C_WCHAR follows the same rules in characters.
        let wide = get(&value, &ty, SQL_C_WCHAR, 2 * len);
        match expected {
            Err(state) => assert_eq!(sqlstate(wide), state, "{value:?} in {len} wide"),
            Ok((text, indicator, _)) => {
                let (w, buf) = wide.unwrap();
                let units: Vec<u8> = text.bytes().flat_map(|b| [b, 0]).collect();
                assert_eq!(&buf[..units.len()], &units[..]);
                assert_eq!(w.indicator, 2 * indicator);
            }
        }
    }
}

#[test]
fn binary_forms_of_fixed_values_match_msodbcsql() {
    use ServerType as T;
    let stamp = ts(2024, 1, 2, 3, 4, 5, 123_456_700);
    let cases: Vec<(Value, ServerType, Vec<u8>)> = vec![
        (
            Value::Timestamp(stamp),
            T::DateTime,
            vec![0xeb, 0xb0, 0, 0, 0x81, 0x8f, 0x32, 0],
        ),
        (
            Value::Timestamp(ts(2024, 1, 2, 3, 4, 0, 0)),
            T::SmallDateTime,
            vec![0xeb, 0xb0, 0xb8, 0],
        ),
        (
            Value::Timestamp(stamp),
            T::DateTime2 { scale: 7 },
            vec![0xe8, 7, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 0xbc, 0xcc, 0x5b, 7],
        ),
        (
            Value::Money(123_400),
            T::Money,
            vec![0, 0, 0, 0, 0x08, 0xe2, 0x01, 0],
        ),
        (
            Value::Money(-12_345),
            T::SmallMoney,
            vec![0xc7, 0xcf, 0xff, 0xff],
        ),
        (
            Value::Decimal(Decimal {
                mantissa: 50,
                precision: 10,
                scale: 2,
            }),
            T::Decimal {
                precision: 10,
                scale: 2,
            },
            [vec![10, 2, 1, 50], vec![0; 15]].concat(),
        ),
        (Value::Float(1.5), T::Float, 1.5f64.to_ne_bytes().to_vec()),
        (
            Value::Date(Date {
                year: 2024,
                month: 1,
                day: 2,
            }),
            T::Date,
            vec![0xe8, 7, 1, 0, 2, 0],
        ),
        (
            Value::Time(Time {
                hour: 3,
                minute: 4,
                second: 5,
                nanosecond: 123_456_700,
            }),
            T::Time { scale: 7 },
            vec![3, 0, 4, 0, 5, 0, 0, 0, 0xbc, 0xcc, 0x5b, 7],
        ),
        (
            Value::DateTimeOffset(DateTimeOffset {
                local: stamp,
                offset_minutes: -330,
            }),
            T::DateTimeOffset { scale: 7 },
            vec![
                0xe8, 7, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 0xbc, 0xcc, 0x5b, 7, 0xfb, 0xff, 0xe2, 0xff,
            ],
        ),
        (Value::TinyInt(255), T::TinyInt, vec![255]),
        (Value::Bit(true), T::Bit, vec![1]),
    ];
    for (value, ty, expected) in cases {
        let (w, buf) = get(&value, &ty, SQL_C_BINARY, 24).unwrap();
        assert_eq!(w.indicator as usize, expected.len(), "{value:?}");
        assert_eq!(&buf[..expected.len()], &expected[..], "{value:?}");
        assert_eq!(
            sqlstate(get(&value, &ty, SQL_C_BINARY, expected.len() - 1)),
            "22003"
        );
    }
}

fn timestamp_from(buf: &[u8]) -> Timestamp {
    let u = |i: usize| u16::from_ne_bytes([buf[i], buf[i + 1]]) as u8;
    Timestamp {
        date: Date {
            year: i16::from_ne_bytes([buf[0], buf[1]]),
            month: u(2),
            day: u(4),
        },
        time: Time {
            hour: u(6),
            minute: u(8),
            second: u(10),
            nanosecond: u32::from_ne_bytes(buf[12..16].try_into().unwrap()),
        },
    }
}

#[test]
fn temporal_targets() {
    use ServerType as T;
    let frac = Some(Warning::FractionalTruncation);
    let stamp = ts(2024, 1, 2, 3, 4, 5, 123_456_700);
    // datetime2 -> date: 01S07 for the dropped time.
    let (w, buf) = get(
        &Value::Timestamp(stamp),
        &T::DateTime2 { scale: 7 },
        SQL_C_TYPE_DATE,
        6,
    )
    .unwrap();
    assert_eq!(
        (w.indicator, w.warning, &buf[..]),
        (6, frac, &[0xe8, 7, 1, 0, 2, 0][..])
    );
    // ODBC 2's SQL_C_DATE too.
    let (w, _) = get(
        &Value::Timestamp(ts(2024, 1, 2, 0, 0, 0, 0)),
        &T::DateTime2 { scale: 7 },
        SQL_C_DATE,
        6,
    )
    .unwrap();
    assert_eq!(w.warning, None);
    // date -> timestamp: midnight.
    let (_, buf) = get(&Value::Date(stamp.date), &T::Date, SQL_C_TYPE_TIMESTAMP, 16).unwrap();
    assert_eq!(timestamp_from(&buf), ts(2024, 1, 2, 0, 0, 0, 0));
    // time -> timestamp: today's date.
    let (_, buf) = get(
        &Value::Time(stamp.time),
        &T::Time { scale: 7 },
        SQL_C_TIMESTAMP,
        16,
    )
    .unwrap();
    assert_eq!(
        timestamp_from(&buf),
        Timestamp {
            date: datetime::today(),
            time: stamp.time
        }
    );
    // time -> TIME_STRUCT: the fraction goes, 01S07.
    let (w, buf) = get(
        &Value::Time(stamp.time),
        &T::Time { scale: 7 },
        SQL_C_TYPE_TIME,
        6,
    )
    .unwrap();
    assert_eq!((w.warning, &buf[..]), (frac, &[3, 0, 4, 0, 5, 0][..]));
    // date -> time: 07006.
    assert_eq!(
        sqlstate(get(&Value::Date(stamp.date), &T::Date, SQL_C_TYPE_TIME, 6)),
        "07006"
    );
    assert_eq!(
        sqlstate(get(&Value::Date(stamp.date), &T::Date, SQL_C_SS_TIME2, 12)),
        "07006"
    );
    // datetimeoffset -> timestamp/date: the UTC moment (03:04 -05:30 is 08:34 UTC).
    let dto = Value::DateTimeOffset(DateTimeOffset {
        local: stamp,
        offset_minutes: -330,
    });
    let (_, buf) = get(
        &dto,
        &T::DateTimeOffset { scale: 7 },
        SQL_C_TYPE_TIMESTAMP,
        16,
    )
    .unwrap();
    assert_eq!(timestamp_from(&buf), ts(2024, 1, 2, 8, 34, 5, 123_456_700));
    let late = Value::DateTimeOffset(DateTimeOffset {
        local: ts(2024, 12, 31, 23, 30, 0, 0),
        offset_minutes: -60,
    });
    let (_, buf) = get(
        &late,
        &T::DateTimeOffset { scale: 0 },
        SQL_C_TYPE_TIMESTAMP,
        16,
    )
    .unwrap();
    assert_eq!(timestamp_from(&buf), ts(2025, 1, 1, 0, 30, 0, 0));
    let (w, _) = get(&dto, &T::DateTimeOffset { scale: 7 }, SQL_C_TYPE_DATE, 6).unwrap();
    assert_eq!(w.warning, frac);
    // datetimeoffset -> its own structure keeps the local time and the offset.
    let (_, buf) = get(
        &dto,
        &T::DateTimeOffset { scale: 7 },
        SQL_C_SS_TIMESTAMPOFFSET,
        20,
    )
    .unwrap();
    assert_eq!(timestamp_from(&buf), stamp);
    assert_eq!(
        (
            i16::from_ne_bytes([buf[16], buf[17]]),
            i16::from_ne_bytes([buf[18], buf[19]])
        ),
        (-5, -30)
    );
    // datetime2 -> SQL_SS_TIME2: the date is ignored, the fraction kept.
    let (w, buf) = get(
        &Value::Timestamp(stamp),
        &T::DateTime2 { scale: 7 },
        SQL_C_SS_TIME2,
        12,
    )
    .unwrap();
    assert_eq!(
        (
            w.warning,
            u32::from_ne_bytes(buf[8..12].try_into().unwrap())
        ),
        (None, 123_456_700)
    );
    // datetime rounds its 1/300 s ticks to the millisecond.
    let (_, buf) = get(
        &Value::Timestamp(ts(2024, 1, 2, 3, 4, 5, 996_666_667)),
        &T::DateTime,
        SQL_C_TYPE_TIMESTAMP,
        16,
    )
    .unwrap();
    assert_eq!(timestamp_from(&buf).time.nanosecond, 997_000_000);
    // Text: ODBC literals, 22018 otherwise; an offset moves the moment to UTC.
    let (_, buf) = get(
        &text("{ts '2024-01-02 03:04:05.5'}"),
        &T::VarChar(None),
        SQL_C_TYPE_TIMESTAMP,
        16,
    )
    .unwrap();
    assert_eq!(timestamp_from(&buf), ts(2024, 1, 2, 3, 4, 5, 500_000_000));
    let (_, buf) = get(
        &text("2024-01-02 03:04:05 +01:00"),
        &T::VarChar(None),
        SQL_C_TYPE_TIMESTAMP,
        16,
    )
    .unwrap();
    assert_eq!(timestamp_from(&buf), ts(2024, 1, 2, 2, 4, 5, 0));
    assert_eq!(
        sqlstate(get(
            &text("2024-13-01"),
            &T::VarChar(None),
            SQL_C_TYPE_DATE,
            6
        )),
        "22018"
    );
    assert_eq!(
        sqlstate(get(
            &text("12:00:00"),
            &T::VarChar(None),
            SQL_C_TYPE_DATE,
            6
        )),
        "22018"
    );
    assert_eq!(
        sqlstate(get(&Value::Int(1), &T::Int, SQL_C_TYPE_DATE, 6)),
        "07006"
    );
    // Fixed-size targets need their whole size.
    assert_eq!(
        sqlstate(get(&Value::Date(stamp.date), &T::Date, SQL_C_TYPE_DATE, 4)),
        "HY090"
    );
}

#[test]
fn numeric_and_guid_targets() {
    use ServerType as T;
    let numeric = |value: &Value, ty: &ServerType, precision: u8, scale: i8| {
        let mut buf = [0xAAu8; 19];
        let t = Target {
            c_type: SQL_C_NUMERIC,
            buffer: &mut buf,
            offset: 0,
            encoding: CharEncoding::Utf8,
            numeric_precision: precision,
            numeric_scale: scale,
        };
        write_value(value, ty, t)
            .map(|w| (w.warning, buf))
            .map_err(|e| e.sqlstate)
    };
    let dec = Value::Decimal(Decimal {
        mantissa: -(10i128.pow(38) - 1),
        precision: 38,
        scale: 38,
    });
    let (w, buf) = numeric(
        &dec,
        &T::Decimal {
            precision: 38,
            scale: 38,
        },
        38,
        0,
    )
    .unwrap();
    assert_eq!(
        (w, buf[0], buf[1], &buf[3..]),
        (Some(Warning::FractionalTruncation), 38, 0, &[0u8; 16][..])
    );
    let (w, buf) = numeric(
        &dec,
        &T::Decimal {
            precision: 38,
            scale: 38,
        },
        38,
        38,
    )
    .unwrap();
    assert_eq!((w, buf[2]), (None, 0), "negative");
    assert_eq!(
        u128::from_le_bytes(buf[3..].try_into().unwrap()),
        10u128.pow(38) - 1
    );
    let big = Value::BigInt(i64::MAX);
    assert_eq!(numeric(&big, &T::BigInt, 18, 0), Err("22003"));
    let (_, buf) = numeric(&big, &T::BigInt, 19, 0).unwrap();
    assert_eq!(
        (buf[2], u128::from_le_bytes(buf[3..].try_into().unwrap())),
        (1, i64::MAX as u128)
    );
    let (w, buf) = numeric(&Value::Float(1.25), &T::Float, 10, 1).unwrap();
    assert_eq!(
        (w, u128::from_le_bytes(buf[3..].try_into().unwrap())),
        (Some(Warning::FractionalTruncation), 12)
    );

    let g = [
        0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4,
    ];
    let (_, buf) = get(&Value::Guid(g), &T::UniqueIdentifier, SQL_C_GUID, 16).unwrap();
    assert_eq!(buf, g);
    let (_, buf) = get(
        &text("12345678-1234-5678-9abc-def001020304"),
        &T::VarChar(None),
        SQL_C_GUID,
        16,
    )
    .unwrap();
    assert_eq!(buf, g);
    assert_eq!(
        sqlstate(get(&text("nope"), &T::VarChar(None), SQL_C_GUID, 16)),
        "22018"
    );
    assert_eq!(
        sqlstate(get(&Value::Int(1), &T::Int, SQL_C_GUID, 16)),
        "07006"
    );
    assert_eq!(
        sqlstate(get(&Value::Guid(g), &T::UniqueIdentifier, SQL_C_SLONG, 4)),
        "07006"
    );
    assert_eq!(sqlstate(get(&Value::Int(1), &T::Int, 12345, 4)), "HY003");
}

// ---------------------------------------------------------------------------------------
// Chunks join up, and no input makes the module panic.

/// Every buffer size: the chunks of SQLGetData join into the whole value, each indicator is
/// the length remaining, and the last chunk carries no 01004.
#[test]
fn chunks_reassemble_for_every_buffer_size() {
    let s = "Grüße, 世界! 😀 — ok";
    let cases: Vec<(Value, ServerType, i16, Vec<u8>, usize)> = vec![
        (
            text(s),
            ServerType::NVarChar(None),
            SQL_C_CHAR,
            s.as_bytes().to_vec(),
            1,
        ),
        (
            text(s),
            ServerType::NVarChar(None),
            SQL_C_WCHAR,
            s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            2,
        ),
        (
            text(s),
            ServerType::NVarChar(None),
            SQL_C_BINARY,
            s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            0,
        ),
        (
            Value::Binary((0..=255).collect()),
            ServerType::VarBinary(None),
            SQL_C_BINARY,
            (0..=255).collect(),
            0,
        ),
        (
            Value::Binary(vec![0x01, 0xAB, 0xFF]),
            ServerType::VarBinary(None),
            SQL_C_CHAR,
            b"01ABFF".to_vec(),
            1,
        ),
    ];
    for (value, ty, c_type, whole, terminator) in cases {
        // Buffers too small for any progress would loop forever; start where one unit fits.
        let smallest = match c_type {
            SQL_C_WCHAR => 4,
            SQL_C_BINARY => 1,
            _ => 3,
        };
        for len in smallest..whole.len() + 4 {
            let mut joined = Vec::new();
            let mut offset = 0;
            for _ in 0..=whole.len() {
                let (w, buf) = get_at(&value, &ty, c_type, len, offset).unwrap();
                assert_eq!(
                    w.indicator as usize,
                    whole.len() - offset,
                    "{c_type} len {len}"
                );
                assert!(w.consumed > 0 || whole.len() == offset);
                joined.extend_from_slice(&buf[..w.consumed]);
                if terminator > 0 {
                    assert!(
                        buf[w.consumed..w.consumed + terminator]
                            .iter()
                            .all(|&b| b == 0)
                    );
                }
                offset += w.consumed;
                if w.warning.is_none() {
                    break;
                }
            }
            assert_eq!(joined, whole, "{c_type} with a {len}-byte buffer");
        }
    }
}

#[test]
fn no_value_and_buffer_combination_panics() {
    use ServerType as T;
    let stamp = ts(9999, 12, 31, 23, 59, 59, 999_999_999);
    let values: Vec<(Value, ServerType)> = vec![
        (Value::Bit(true), T::Bit),
        (Value::TinyInt(255), T::TinyInt),
        (Value::SmallInt(i16::MIN), T::SmallInt),
        (Value::Int(i32::MIN), T::Int),
        (Value::BigInt(i64::MIN), T::BigInt),
        (Value::Real(f32::MAX), T::Real),
        (Value::Float(f64::MIN_POSITIVE), T::Float),
        (Value::Float(f64::NAN), T::Float),
        (
            Value::Decimal(Decimal {
                mantissa: -(10i128.pow(38) - 1),
                precision: 38,
                scale: 0,
            }),
            T::Decimal {
                precision: 38,
                scale: 0,
            },
        ),
        (
            Value::Decimal(Decimal {
                mantissa: i128::MAX,
                precision: 255,
                scale: 255,
            }),
            T::Decimal {
                precision: 255,
                scale: 255,
            },
        ),
        (Value::Money(i64::MIN), T::Money),
        (Value::Money(i64::MAX), T::SmallMoney),
        (text(""), T::NVarChar(Some(1))),
        (text("x😀é"), T::VarChar(None)),
        (text("2024-01-02 03:04:05.1234567 +14:00"), T::VarChar(None)),
        (text("{ts '1-1-1 0:0:0'}"), T::Xml),
        (Value::Binary(vec![]), T::VarBinary(None)),
        (Value::Binary(vec![0xFF; 40]), T::Image),
        (
            Value::Date(Date {
                year: 1,
                month: 1,
                day: 1,
            }),
            T::Date,
        ),
        (Value::Time(stamp.time), T::Time { scale: 9 }),
        (Value::Timestamp(stamp), T::DateTime),
        (Value::Timestamp(ts(1, 1, 1, 0, 0, 0, 0)), T::SmallDateTime),
        (Value::Timestamp(stamp), T::DateTime2 { scale: 200 }),
        (
            Value::DateTimeOffset(DateTimeOffset {
                local: stamp,
                offset_minutes: -840,
            }),
            T::DateTimeOffset { scale: 7 },
        ),
        (
            Value::DateTimeOffset(DateTimeOffset {
                local: ts(1, 1, 1, 0, 0, 0, 0),
                offset_minutes: 840,
            }),
            T::DateTimeOffset { scale: 0 },
        ),
        (Value::Guid([0xFF; 16]), T::UniqueIdentifier),
        (
            Value::Variant(Box::new(text("v")), Box::new(T::NVarChar(Some(1)))),
            T::Variant,
        ),
        (Value::Null, T::Int),
    ];
    let c_types = [
        SQL_C_CHAR,
        SQL_C_WCHAR,
        SQL_C_BINARY,
        SQL_C_BIT,
        SQL_C_TINYINT,
        SQL_C_STINYINT,
        SQL_C_UTINYINT,
        SQL_C_SHORT,
        SQL_C_SSHORT,
        SQL_C_USHORT,
        SQL_C_LONG,
        SQL_C_SLONG,
        SQL_C_ULONG,
        SQL_C_SBIGINT,
        SQL_C_UBIGINT,
        SQL_C_FLOAT,
        SQL_C_DOUBLE,
        SQL_C_NUMERIC,
        SQL_C_DATE,
        SQL_C_TIME,
        SQL_C_TIMESTAMP,
        SQL_C_TYPE_DATE,
        SQL_C_TYPE_TIME,
        SQL_C_TYPE_TIMESTAMP,
        SQL_C_SS_TIME2,
        SQL_C_SS_TIMESTAMPOFFSET,
        SQL_C_GUID,
        0,
        12345,
    ];
    for (value, ty) in &values {
        for &c_type in &c_types {
            for len in [0, 1, 2, 3, 5, 8, 13, 19, 20, 21, 40, 100] {
                for offset in [0, 1, 7, 1000] {
                    let _ = get_at(value, ty, c_type, len, offset);
                }
            }
        }
    }
}

#[test]
fn no_parameter_combination_panics() {
    use super::from_c::{Param, read_param};
    let c_types = [
        SQL_C_CHAR,
        SQL_C_WCHAR,
        SQL_C_BINARY,
        SQL_C_BIT,
        SQL_C_TINYINT,
        SQL_C_UTINYINT,
        SQL_C_SSHORT,
        SQL_C_USHORT,
        SQL_C_SLONG,
        SQL_C_ULONG,
        SQL_C_SBIGINT,
        SQL_C_UBIGINT,
        SQL_C_FLOAT,
        SQL_C_DOUBLE,
        SQL_C_NUMERIC,
        SQL_C_DATE,
        SQL_C_TIME,
        SQL_C_TIMESTAMP,
        SQL_C_TYPE_DATE,
        SQL_C_TYPE_TIME,
        SQL_C_TYPE_TIMESTAMP,
        SQL_C_SS_TIME2,
        SQL_C_SS_TIMESTAMPOFFSET,
        SQL_C_GUID,
        777,
    ];
    let sql_types = [
        SQL_CHAR,
        SQL_VARCHAR,
        SQL_LONGVARCHAR,
        SQL_WCHAR,
        SQL_WVARCHAR,
        SQL_WLONGVARCHAR,
        SQL_BINARY,
        SQL_VARBINARY,
        SQL_LONGVARBINARY,
        SQL_BIT,
        SQL_TINYINT,
        SQL_SMALLINT,
        SQL_INTEGER,
        SQL_BIGINT,
        SQL_REAL,
        SQL_FLOAT,
        SQL_DOUBLE,
        SQL_NUMERIC,
        SQL_DECIMAL,
        SQL_DATE,
        SQL_TIME,
        SQL_TIMESTAMP,
        SQL_TYPE_DATE,
        SQL_TYPE_TIME,
        SQL_TYPE_TIMESTAMP,
        SQL_GUID,
        SQL_SS_VARIANT,
        SQL_SS_UDT,
        SQL_SS_XML,
        SQL_SS_TABLE,
        SQL_SS_TIME2,
        SQL_SS_TIMESTAMPOFFSET,
        999,
    ];
    let patterns: [&[u8]; 5] = [
        &[],
        &[0xFF; 40],
        &[0x00; 40],
        b"2024-01-02 03:04:05.5",
        b"-12345678901234567890123456789012345678901.5e3",
    ];
    for &c_type in &c_types {
        for &sql_type in &sql_types {
            for (size, digits) in [
                (0, 0),
                (1, 0),
                (10, 3),
                (38, 38),
                (8001, 7),
                (u64::MAX, -1),
                (27, 200),
            ] {
                for data in patterns {
                    for len in [0, 1, 2, 5, 6, 12, 16, 19, 20, data.len()] {
                        let data = &data[..len.min(data.len())];
                        let p = Param {
                            c_type,
                            sql_type,
                            column_size: size,
                            decimal_digits: digits,
                            data: Some(data),
                            encoding: CharEncoding::Latin1,
                        };
                        let _ = read_param(&p);
                        let p = Param {
                            encoding: CharEncoding::Utf8,
                            ..p
                        };
                        let _ = read_param(&p);
                    }
                }
            }
        }
    }
}

/// Text read as numbers, dates and GUIDs, as msodbcsql 18.6 parses it (measured).
#[test]
fn text_into_fixed_targets_matches_msodbcsql() {
    let ty = ServerType::NVarChar(Some(100));
    let frac = Some(Warning::FractionalTruncation);
    let long = |s: &str| int_of(&text(s), &ty, SQL_C_SLONG);
    assert_eq!(long(" 42 "), Ok((42, None)));
    assert_eq!(long("4.5"), Ok((4, frac)));
    assert_eq!(long("-4.5"), Ok((-4, frac)));
    assert_eq!(long("1e3"), Ok((1000, None)));
    assert_eq!(long("+7"), Ok((7, None)));
    assert_eq!(long(".5"), Ok((0, frac)));
    assert_eq!(long("5."), Ok((5, None)));
    assert_eq!(long("1.5e-1"), Ok((0, frac)));
    assert_eq!(long("-0"), Ok((0, None)));
    for bad in ["abc", "0x10", "1,000", "\t5", "1e", "1.2.3"] {
        assert_eq!(long(bad), Err("22018"), "{bad:?}");
    }
    assert_eq!(long("2147483648"), Err("22003"));
    assert_eq!(
        int_of(&text("9223372036854775807"), &ty, SQL_C_SBIGINT),
        Ok((i128::from(i64::MAX), None))
    );
    assert_eq!(
        int_of(&text("-9223372036854775808"), &ty, SQL_C_SBIGINT),
        Ok((i128::from(i64::MIN), None))
    );
    assert_eq!(int_of(&text("1e19"), &ty, SQL_C_SBIGINT), Err("22003"));
    assert_eq!(int_of(&text("256"), &ty, SQL_C_UTINYINT), Err("22003"));
    assert_eq!(int_of(&text("1.5"), &ty, SQL_C_BIT), Ok((1, frac)));
    assert_eq!(int_of(&text("true"), &ty, SQL_C_BIT), Err("22018"));
    assert_eq!(sqlstate(get(&text("1e309"), &ty, SQL_C_DOUBLE, 8)), "22003");
    assert_eq!(sqlstate(get(&text("1e39"), &ty, SQL_C_FLOAT, 4)), "22003");

    let date = |s: &str| {
        get(&text(s), &ty, SQL_C_TYPE_DATE, 6)
            .map(|(w, b)| (w.warning, b))
            .map_err(|e| e.sqlstate)
    };
    let jan2 = vec![0xe8, 7, 1, 0, 2, 0];
    assert_eq!(date("2024-01-02"), Ok((None, jan2.clone())));
    assert_eq!(date(" 2024-01-02 "), Ok((None, jan2.clone())));
    assert_eq!(date("2024-01-02 03:04:05"), Ok((frac, jan2.clone())));
    assert_eq!(date("{d '2024-01-02'}"), Ok((None, jan2.clone())));
    assert_eq!(date("{ts '2024-01-02 00:00:00'}"), Ok((None, jan2)));
    for bad in [
        "2024-1-2",
        "2024-02-30",
        "20240102",
        "01/02/2024",
        "2024-01-02T00:00:00",
        "03:04:05",
    ] {
        assert_eq!(date(bad), Err("22018"), "{bad:?}");
    }
    let stamp = |s: &str| {
        get(&text(s), &ty, SQL_C_TYPE_TIMESTAMP, 16)
            .map(|(_, b)| timestamp_from(&b))
            .map_err(|e| e.sqlstate)
    };
    assert_eq!(
        stamp("2024-01-02 03:04:05.123456789"),
        Ok(ts(2024, 1, 2, 3, 4, 5, 123_456_789))
    );
    assert_eq!(
        stamp("2024-01-02 03:04:05."),
        Ok(ts(2024, 1, 2, 3, 4, 5, 0))
    );
    assert_eq!(
        stamp("2024-01-02  03:04:05"),
        Ok(ts(2024, 1, 2, 3, 4, 5, 0))
    );
    assert_eq!(
        stamp("2024-01-02 03:04:05+01:00"),
        Ok(ts(2024, 1, 2, 2, 4, 5, 0))
    );
    assert_eq!(
        stamp("2024-01-02 03:04:05.5 +05:30"),
        Ok(ts(2024, 1, 1, 21, 34, 5, 500_000_000))
    );
    assert_eq!(
        stamp("9999-12-31 23:59:59.9999999"),
        Ok(ts(9999, 12, 31, 23, 59, 59, 999_999_900))
    );
    for bad in [
        "2024-01-02 03:04:05.1234567891",
        "2024-01-02T03:04:05",
        "2024-01-02 03:04",
        "2024-01-02 03:04:05Z",
        "2024-01-02 24:00:00",
        "2024-01-02 3:4:5",
        "2024-01-02 03:04:05 +14:01",
        "2024-01-02 03:04:05 -1:00",
    ] {
        assert_eq!(stamp(bad), Err("22018"), "{bad:?}");
    }
    let time = |s: &str| {
        get(&text(s), &ty, SQL_C_TYPE_TIME, 6)
            .map(|(w, b)| (w.warning, b))
            .map_err(|e| e.sqlstate)
    };
    assert_eq!(time("03:04:05"), Ok((None, vec![3, 0, 4, 0, 5, 0])));
    assert_eq!(time("03:04:05.5"), Ok((frac, vec![3, 0, 4, 0, 5, 0])));
    assert_eq!(
        time("2024-01-02 03:04:05"),
        Ok((None, vec![3, 0, 4, 0, 5, 0]))
    );
    assert_eq!(time("{t '03:04:05'}"), Ok((None, vec![3, 0, 4, 0, 5, 0])));
    for bad in ["3:4:5", "03:04", "25:00:00"] {
        assert_eq!(time(bad), Err("22018"), "{bad:?}");
    }
    let guid = |s: &str| sqlstate(get(&text(s), &ty, SQL_C_GUID, 16));
    assert_eq!(guid("12345678-1234-5678-9abc-def001020304"), "success");
    assert_eq!(guid(" 12345678-1234-5678-9abc-def001020304 "), "22018");
    assert_eq!(guid("12345678123456789abcdef001020304"), "22018");
}

#[test]
fn fixed_length_character_values_come_padded() {
    assert_eq!(char_text(&text("c"), &ServerType::Char(10)), "c         ");
    assert_eq!(wchar_text(&text("nc"), &ServerType::NChar(4)), "nc");
    assert_eq!(char_text(&text("full"), &ServerType::Char(4)), "full");
    // Binary keeps the padding too: it is part of the value.
    let (w, buf) = get(&text("c"), &ServerType::Char(3), SQL_C_BINARY, 8).unwrap();
    assert_eq!(&buf[..w.indicator as usize], b"c  ");
    // varchar is never padded.
    assert_eq!(char_text(&text("c"), &ServerType::VarChar(Some(10))), "c");
}

#[test]
fn numeric_sign_and_negative_zero_follow_msodbcsql() {
    let dec = Value::Decimal(Decimal {
        mantissa: -50,
        precision: 10,
        scale: 2,
    });
    let mut buf = [0u8; 19];
    let t = Target {
        c_type: SQL_C_NUMERIC,
        buffer: &mut buf,
        offset: 0,
        encoding: CharEncoding::Utf8,
        numeric_precision: 38,
        numeric_scale: 0,
    };
    let w = write_value(
        &dec,
        &ServerType::Decimal {
            precision: 10,
            scale: 2,
        },
        t,
    )
    .unwrap();
    assert_eq!(w.warning, Some(Warning::FractionalTruncation));
    assert_eq!(
        (buf[0], buf[1], buf[2]),
        (38, 0, 0),
        "-0.50 truncates to 0 but keeps its sign"
    );
    let v = double_of(&text("-0"), &ServerType::VarChar(None));
    assert!(v == 0.0 && v.is_sign_negative());
}

/// Which conversions exist (ODBC appendix D, SQL to C, with SQL Server's date/time notes):
/// every other pair is 07006.
#[test]
fn conversion_matrix() {
    use ServerType as T;
    let numeric_targets = [
        SQL_C_BIT,
        SQL_C_STINYINT,
        SQL_C_UTINYINT,
        SQL_C_SSHORT,
        SQL_C_USHORT,
        SQL_C_SLONG,
        SQL_C_ULONG,
        SQL_C_SBIGINT,
        SQL_C_UBIGINT,
        SQL_C_FLOAT,
        SQL_C_DOUBLE,
        SQL_C_NUMERIC,
    ];
    let temporal_targets = [
        SQL_C_TYPE_DATE,
        SQL_C_TYPE_TIME,
        SQL_C_TYPE_TIMESTAMP,
        SQL_C_SS_TIME2,
        SQL_C_SS_TIMESTAMPOFFSET,
    ];
    let day = Date {
        year: 2024,
        month: 1,
        day: 2,
    };
    let noon = Time {
        hour: 12,
        minute: 0,
        second: 0,
        nanosecond: 0,
    };
    // (value, type, allowed numeric targets?, allowed temporal targets, GUID allowed?)
    let cases: Vec<(Value, ServerType, bool, Vec<i16>, bool)> = vec![
        (Value::Int(1), T::Int, true, vec![], false),
        (
            Value::Decimal(Decimal {
                mantissa: 1,
                precision: 1,
                scale: 0,
            }),
            T::Decimal {
                precision: 1,
                scale: 0,
            },
            true,
            vec![],
            false,
        ),
        (Value::Bit(true), T::Bit, true, vec![], false),
        (
            Value::Binary(vec![1]),
            T::VarBinary(Some(1)),
            false,
            vec![],
            false,
        ),
        (
            Value::Date(day),
            T::Date,
            false,
            vec![
                SQL_C_TYPE_DATE,
                SQL_C_TYPE_TIMESTAMP,
                SQL_C_SS_TIMESTAMPOFFSET,
            ],
            false,
        ),
        (
            Value::Time(noon),
            T::Time { scale: 0 },
            false,
            vec![
                SQL_C_TYPE_TIME,
                SQL_C_TYPE_TIMESTAMP,
                SQL_C_SS_TIME2,
                SQL_C_SS_TIMESTAMPOFFSET,
            ],
            false,
        ),
        (
            Value::Timestamp(Timestamp {
                date: day,
                time: noon,
            }),
            T::DateTime2 { scale: 0 },
            false,
            temporal_targets.to_vec(),
            false,
        ),
        (
            Value::DateTimeOffset(DateTimeOffset {
                local: Timestamp {
                    date: day,
                    time: noon,
                },
                offset_minutes: 0,
            }),
            T::DateTimeOffset { scale: 0 },
            false,
            temporal_targets.to_vec(),
            false,
        ),
        (
            Value::Guid([1; 16]),
            T::UniqueIdentifier,
            false,
            vec![],
            true,
        ),
    ];
    for (value, ty, numbers, temporals, guid) in cases {
        for c_type in [SQL_C_CHAR, SQL_C_WCHAR, SQL_C_BINARY] {
            assert_eq!(
                sqlstate(get(&value, &ty, c_type, 128)),
                "success",
                "{value:?} -> {c_type}"
            );
        }
        for c_type in numeric_targets {
            let expected = if numbers { "success" } else { "07006" };
            assert_eq!(
                sqlstate(get(&value, &ty, c_type, 19)),
                expected,
                "{value:?} -> {c_type}"
            );
        }
        for c_type in temporal_targets {
            let expected = if temporals.contains(&c_type) {
                "success"
            } else {
                "07006"
            };
            assert_eq!(
                sqlstate(get(&value, &ty, c_type, 20)),
                expected,
                "{value:?} -> {c_type}"
            );
        }
        let expected = if guid { "success" } else { "07006" };
        assert_eq!(
            sqlstate(get(&value, &ty, SQL_C_GUID, 16)),
            expected,
            "{value:?} -> GUID"
        );
    }
}
