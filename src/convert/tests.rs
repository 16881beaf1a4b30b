//! The conversion module's specification, as tests.

use super::codes::*;
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
            2_147_483_647,
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
            16,
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
        (
            T::Variant,
            SQL_SS_VARIANT,
            "sql_variant",
            8000,
            0,
            8000,
            8000,
        ),
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
        (Value::Float(0.1), T::Float, "0.1"),
        (Value::Float(-2.0), T::Float, "-2"),
        (Value::Float(1e300), T::Float, "1e+300"),
        (Value::Float(1.5e-5), T::Float, "1.5e-05"),
        (Value::Real(0.1), T::Real, "0.1"),
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
    let (w, _) = get(&Value::Int(12345), &ServerType::Int, SQL_C_CHAR, 0).unwrap();
    assert_eq!((w.indicator, w.consumed), (5, 0));
    // An empty value fits even a zero-length buffer.
    let (w, _) = get(&text(""), &ty, SQL_C_WCHAR, 0).unwrap();
    assert_eq!((w.indicator, w.consumed, w.warning), (0, 0, None));
}

#[test]
fn utf8_chunks_never_split_a_character() {
    let v = text("aé€😀b"); // 1 + 2 + 3 + 4 + 1 bytes
    let ty = ServerType::NVarChar(None);
    let mut collected = Vec::new();
    let mut offset = 0;
    for _ in 0..20 {
        let (w, buf) = get_at(&v, &ty, SQL_C_CHAR, 5, offset).unwrap();
        assert_eq!(w.indicator as usize, 11 - offset);
        assert!(w.consumed > 0);
        assert!(
            std::str::from_utf8(&buf[..w.consumed]).is_ok(),
            "chunk at {offset} is whole characters"
        );
        collected.extend_from_slice(&buf[..w.consumed]);
        offset += w.consumed;
        if w.warning.is_none() {
            break;
        }
    }
    assert_eq!(String::from_utf8(collected).unwrap(), "aé€😀b");
}

#[test]
fn utf16_chunks_never_split_a_surrogate_pair() {
    let v = text("a😀b😀");
    let ty = ServerType::NVarChar(None);
    // Room for one unit plus terminator: "a", then the pair cannot fit in one unit.
    let (w, buf) = get_at(&v, &ty, SQL_C_WCHAR, 4, 0).unwrap();
    assert_eq!((w.indicator, w.consumed), (12, 2));
    assert_eq!(&buf, &[b'a', 0, 0, 0]);
    let (w, buf) = get_at(&v, &ty, SQL_C_WCHAR, 6, 2).unwrap();
    assert_eq!((w.indicator, w.consumed), (10, 4));
    assert_eq!(
        String::from_utf16(&[
            u16::from_le_bytes([buf[0], buf[1]]),
            u16::from_le_bytes([buf[2], buf[3]])
        ])
        .unwrap(),
        "😀"
    );
    // Room for two units at "b😀": takes "b" only, never a lone high surrogate.
    let (w, buf) = get_at(&v, &ty, SQL_C_WCHAR, 6, 6).unwrap();
    assert_eq!(
        (w.indicator, w.consumed, w.warning),
        (6, 2, Some(Warning::StringTruncated))
    );
    assert_eq!(&buf[..4], &[b'b', 0, 0, 0]);
    let (w, _) = get_at(&v, &ty, SQL_C_WCHAR, 6, 8).unwrap();
    assert_eq!((w.indicator, w.consumed, w.warning), (4, 4, None));
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
fn latin1_maps_unmappable_to_question_mark() {
    let mut buf = [0u8; 16];
    let t = Target {
        c_type: SQL_C_CHAR,
        buffer: &mut buf,
        offset: 0,
        encoding: CharEncoding::Latin1,
        numeric_precision: 38,
        numeric_scale: 0,
    };
    let w = write_value(&text("é€x"), &ServerType::NVarChar(None), t).unwrap();
    assert_eq!((w.indicator, w.warning), (3, None));
    assert_eq!(&buf[..4], &[0xE9, b'?', b'x', 0]);
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
    let (w, buf) = get(&text("é"), &ServerType::NVarChar(Some(1)), SQL_C_BINARY, 8).unwrap();
    assert_eq!(&buf[..w.indicator as usize], &[0xE9, 0x00]);
    let (w, buf) = get(&text("é"), &ServerType::VarChar(Some(2)), SQL_C_BINARY, 8).unwrap();
    assert_eq!(&buf[..w.indicator as usize], "é".as_bytes());
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
            Ok((text("né"), ServerType::VarChar(Some(3))))
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
        assert_eq!(param(SQL_C_BIT, SQL_BIT, 1, 0, &[2]), Err("22003"));
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
        assert_eq!(
            param(SQL_C_CHAR, SQL_NUMERIC, 3, 1, b"1.25"),
            Ok((
                dec(13, 3, 1),
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
        let ms = ts(2024, 1, 2, 3, 4, 5, 123_000_000);
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                23,
                3,
                &timestamp_struct(ms)
            ),
            Ok((Value::Timestamp(ms), ServerType::DateTime))
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
        let old = ts(1700, 1, 1, 0, 0, 0, 0);
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                23,
                3,
                &timestamp_struct(old)
            ),
            Err("22008")
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
            Ok((Value::Timestamp(whole), ServerType::SmallDateTime))
        );
        assert_eq!(
            param(
                SQL_C_TYPE_TIMESTAMP,
                SQL_TYPE_TIMESTAMP,
                19,
                0,
                &timestamp_struct(whole)
            ),
            Ok((Value::Timestamp(whole), ServerType::DateTime2 { scale: 0 }))
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
            Ok((Value::Time(t), ServerType::Time { scale: 0 }))
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
            Ok((Value::Time(t2), ServerType::Time { scale: 1 }))
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
                text("2024-01-02 03:04:05.12"),
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
    fn unknown_types_are_rejected() {
        assert_eq!(param(SQL_C_SLONG, 12345, 0, 0, &[0; 4]), Err("HY004"));
        assert_eq!(param(999, SQL_INTEGER, 0, 0, &[0; 4]), Err("HY003"));
        assert_eq!(param(SQL_C_BINARY, SQL_SS_TABLE, 0, 0, &[]), Err("HYC00"));
    }
}
